// The native shell suites again, against instrumented builds, so that
// `.ci/run` covers what native/Makefile's check-sanitize and check-valgrind
// cover (with the same flags), one program's suite at a time.
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { run } from './run.ts';

/** How each instrumented build is compiled, and what its suite runs with. */
export const INSTRUMENTS = {
  sanitize: {
    cflags: '-O1 -g -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all',
    env: { ASAN_OPTIONS: 'detect_leaks=0' },
  },
  valgrind: {
    cflags: '-O0 -g',
    env: { VALGRIND: 'valgrind -q --error-exitcode=99 --leak-check=no' },
  },
} as const;

/** Builds `targets` (file names) into `build` with the instrument's flags, linked dynamically as both tools need. */
export function buildInstrumented(nativeDir: string, build: string, kind: keyof typeof INSTRUMENTS, targets: readonly string[]): void {
  const args = ['-s', '-C', nativeDir, `BUILD=${build}`, 'CC=gcc', 'STATIC=', `CFLAGS=${INSTRUMENTS[kind].cflags}`, ...targets.map((t) => join(build, t))];
  const r = spawnSync('make', args, { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`make ${args.join(' ')} failed (${r.status}):\n${r.stdout}${r.stderr}`);
}

/** Runs native/tests/<script> against `build`: its exit status, its output, and the summary (last line). */
export async function shellSuite(
  nativeDir: string,
  script: string,
  build: string,
  env: NodeJS.ProcessEnv,
): Promise<{ exitCode: number; output: string; summary: string }> {
  const r = await run('sh', [join(nativeDir, 'tests', script)], { cwd: nativeDir, env: { ...env, BUILD: build } });
  const output = `${r.stdout}${r.stderr}`;
  return { exitCode: r.exitCode, output, summary: output.trimEnd().split('\n').pop() ?? '' };
}
