// The native shell suites again, against instrumented builds, so that
// `.ci/run` covers what native/Makefile's check-sanitize and check-valgrind
// cover (with the same flags), one program's suite at a time.
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { expect, it } from 'vitest';
import { run } from './run.ts';

/** How each instrumented build is compiled, and what its suite runs with. */
const INSTRUMENTS = {
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
function buildInstrumented(nativeDir: string, build: string, kind: keyof typeof INSTRUMENTS, targets: readonly string[]): void {
  const args = ['-s', '-C', nativeDir, `BUILD=${build}`, 'CC=gcc', 'STATIC=', `CFLAGS=${INSTRUMENTS[kind].cflags}`, ...targets.map((t) => join(build, t))];
  const r = spawnSync('make', args, { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`make ${args.join(' ')} failed (${r.status}):\n${r.stdout}${r.stderr}`);
}

/** Runs native/tests/<script> against `build`: its exit status, its output, and the summary (last line). */
async function shellSuite(
  nativeDir: string,
  script: string,
  build: string,
  env: NodeJS.ProcessEnv,
): Promise<{ exitCode: number; output: string; summary: string }> {
  const r = await run('sh', [join(nativeDir, 'tests', script)], { cwd: nativeDir, env: { ...env, BUILD: build } });
  const output = `${r.stdout}${r.stderr}`;
  return { exitCode: r.exitCode, output, summary: output.trimEnd().split('\n').pop() ?? '' };
}

/**
 * One test per instrument: build `targets` instrumented, run the program's
 * shell suite against them, and require it to pass, with `valgrindSkip`
 * reported as skipped (what valgrind cannot follow is said, not passed).
 * `tmp` is called when a test runs (the caller's directory exists by then).
 */
export function instrumentedRuns(o: {
  nativeDir: string;
  tmp: () => string;
  script: string;
  targets: readonly string[];
  env: (extra: Record<string, string>) => NodeJS.ProcessEnv;
  valgrindSkip: string;
  timeout: number;
}): void {
  const runs = [
    ['sanitize', 'AddressSanitizer + UndefinedBehaviorSanitizer build', undefined],
    ['valgrind', 'valgrind memcheck', o.valgrindSkip],
  ] as const;
  for (const [kind, name, skipped] of runs) {
    it(name, async () => {
      const build = join(o.tmp(), `build-${kind}`);
      buildInstrumented(o.nativeDir, build, kind, o.targets);
      const r = await shellSuite(o.nativeDir, o.script, build, o.env({ ...INSTRUMENTS[kind].env }));
      expect(r.exitCode, r.output).toBe(0);
      expect(r.summary).toMatch(/^[1-9]\d* passed, 0 failed, \d+ skipped$/);
      if (skipped !== undefined) expect(r.output).toContain(skipped);
    }, o.timeout);
  }
}
