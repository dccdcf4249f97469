import { UserError } from './errors.ts';

/**
 * Variables are evaluated by the real bmake, never by a parser of our own:
 * pkgsrc makefiles use conditionals, modifiers and includes that only make
 * itself gets right.
 */
export const BMAKE = process.env['MKPKG_BMAKE'] ?? 'bmake';

export interface BmakeEvalOptions {
  cwd?: string;
  /** Command-line variable assignments (`VAR=value`), as `bmake VAR=value` gets them. */
  cmdVars?: Readonly<Record<string, string>>;
  /** The whole environment bmake runs with (default: this process's); MAKEFLAGS is always emptied. */
  env?: Readonly<Record<string, string | undefined>>;
}

/**
 * Evaluates `names` in `makefile` with every reference expanded (`bmake -v`).
 * bmake joins multi-line shell output with spaces, so one line per variable
 * is unambiguous.
 */
export async function bmakeVars(
  makefile: string,
  names: readonly string[],
  opts: BmakeEvalOptions = {},
): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  if (names.length === 0) return out;
  const args = ['-f', makefile];
  for (const [k, v] of Object.entries(opts.cmdVars ?? {})) args.push(`${k}=${v}`);
  for (const n of names) args.push('-v', n);
  // Loaded on first use: execa is heavy, and CLIs that never run bmake should not pay for it at start-up.
  const { execa } = await import('execa');
  let res;
  try {
    res = await execa(BMAKE, args, {
      cwd: opts.cwd,
      env: { ...opts.env, MAKEFLAGS: '' },
      // A given environment is all bmake sees: the caller may key a cache on it.
      extendEnv: opts.env === undefined,
      reject: false,
      stdin: 'ignore',
    });
  } catch (err) {
    throw bmakeMissing(err);
  }
  if ((res as { code?: string }).code === 'ENOENT' || res.exitCode === undefined) throw bmakeMissing(res);
  if (res.exitCode !== 0) {
    throw new UserError(`bmake could not read ${makefile}:\n${String(res.stderr).trim()}`, { exitCode: 2 });
  }
  const lines = String(res.stdout).split('\n');
  names.forEach((n, i) => out.set(n, lines[i] ?? ''));
  return out;
}

function bmakeMissing(err: unknown): UserError {
  return new UserError(`cannot run '${BMAKE}': ${err instanceof Error ? err.message : 'not found'}`, {
    hint: "install bmake (Debian: 'apt-get install bmake'), or set MKPKG_BMAKE to its path",
  });
}
