/**
 * Errors meant for people. Every package throws these for anything the user
 * can fix; the command-line front ends print `message` (already carrying
 * file:line where there is one) and exit with `exitCode`.
 */
export type ExitCode = 1 | 2;

export interface Where {
  file: string;
  line?: number;
}

export class UserError extends Error {
  readonly exitCode: ExitCode;
  readonly where: Where | undefined;
  readonly hint: string | undefined;

  constructor(message: string, opts: { exitCode?: ExitCode; where?: Where; hint?: string } = {}) {
    super(opts.where ? `${formatWhere(opts.where)}: ${message}` : message);
    this.name = 'UserError';
    this.exitCode = opts.exitCode ?? 1;
    this.where = opts.where;
    this.hint = opts.hint;
  }

  /** The text a command prints: the message, then the fix if one is known. */
  describe(): string {
    return this.hint ? `${this.message}\n  hint: ${this.hint}` : this.message;
  }
}

/** Bad usage or bad input: exit status 2 by the project's convention. */
export class InputError extends UserError {
  constructor(message: string, opts: { where?: Where; hint?: string } = {}) {
    super(message, { ...opts, exitCode: 2 });
    this.name = 'InputError';
  }
}

export function formatWhere(w: Where): string {
  return w.line === undefined ? w.file : `${w.file}:${w.line}`;
}

/**
 * Runs a command's main function and turns errors into an exit status:
 * UserError → its message and code; anything else is a bug and shows its stack.
 */
export async function runMain(prog: string, main: () => Promise<number | void>): Promise<never> {
  let code: number;
  try {
    code = (await main()) ?? (typeof process.exitCode === 'number' ? process.exitCode : 0);
  } catch (err) {
    if (err instanceof UserError) {
      process.stderr.write(`${prog}: ${err.describe()}\n`);
      code = err.exitCode;
    } else {
      process.stderr.write(`${prog}: internal error: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
      code = 70;
    }
  }
  // Let pending stdout writes drain before exiting (pipes are asynchronous).
  await new Promise<void>((resolve) => process.stdout.write('', () => resolve()));
  process.exit(code);
}
