import { parseArgs } from 'node:util';
import { UserError } from '@mkpkg/platform';

/**
 * pkg_install's exit status for everything that goes wrong, usage
 * included (its usage() exits 1): scripts written for pkg_install test
 * for that.
 */
export class UsageError extends UserError {
  constructor(prog: string, message: string, usage: string) {
    super(`${message}\nusage: ${prog} ${usage}`, { exitCode: 1 });
    this.name = 'UsageError';
  }
}

/** One-letter options as getopt(3) reads them: `-qb` grouped, `-K dir` or `-Kdir`. */
export function getopt<F extends string, S extends string>(
  prog: string,
  usage: string,
  argv: readonly string[],
  flags: readonly F[],
  withArg: readonly S[],
): { flags: Record<F, boolean>; args: Partial<Record<S, string>>; operands: string[] } {
  const options: Record<string, { type: 'boolean' | 'string'; short: string }> = {};
  for (const f of flags) options[f] = { type: 'boolean', short: f };
  for (const s of withArg) options[s] = { type: 'string', short: s };
  let parsed;
  try {
    parsed = parseArgs({ args: [...argv], options, allowPositionals: true, strict: true });
  } catch (err) {
    throw new UsageError(prog, (err as Error).message.replace(/\. To specify.*$/s, ''), usage);
  }
  const values = parsed.values as Record<string, string | boolean | undefined>;
  const out = { flags: {} as Record<F, boolean>, args: {} as Partial<Record<S, string>>, operands: parsed.positionals };
  for (const f of flags) out.flags[f] = values[f] === true;
  for (const s of withArg) {
    const v = values[s];
    if (typeof v === 'string') out.args[s] = v;
  }
  return out;
}
