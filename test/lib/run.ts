// Running a program from a test without blocking the test worker: a long
// synchronous child (a valgrind run takes a minute or more) starves vitest's
// worker RPC, which then reports a timeout although every test passed.
import { spawn } from 'node:child_process';

export interface RunResult {
  exitCode: number;
  stdout: string;
  stderr: string;
  /** stdout and stderr interleaved, for messages and failure reports. */
  all: string;
}

/** Runs a program to completion (never throws; look at exitCode). */
export function run(
  file: string,
  args: readonly string[] = [],
  opts: { env?: Record<string, string | undefined>; cwd?: string } = {},
): Promise<RunResult> {
  return new Promise((resolve) => {
    const child = spawn(file, args, { env: opts.env ?? process.env, cwd: opts.cwd, stdio: ['ignore', 'pipe', 'pipe'] });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    const all: Buffer[] = [];
    child.stdout.on('data', (b: Buffer) => (out.push(b), all.push(b)));
    child.stderr.on('data', (b: Buffer) => (err.push(b), all.push(b)));
    child.on('error', (e) => resolve({ exitCode: -1, stdout: '', stderr: String(e), all: String(e) }));
    child.on('close', (code, signal) =>
      resolve({
        exitCode: code ?? (signal !== null ? 128 : -1),
        stdout: Buffer.concat(out).toString(),
        stderr: Buffer.concat(err).toString(),
        all: Buffer.concat(all).toString() + (signal !== null ? `\n(killed by ${signal})` : ''),
      }),
    );
  });
}

