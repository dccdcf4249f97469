import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

/**
 * Starting a program to learn whether the kernel can run it needs execve(2)
 * and nothing else. Node's spawn goes through libuv and glibc's execvp,
 * which on ENOEXEC retries the file as a /bin/sh script: a 32-bit program the
 * kernel refuses then "runs" as shell code and fails with a syntax error
 * instead of "Exec format error". So the program is started by a tiny
 * launcher of ours that calls execv(3) (no shell fallback) and reports a
 * failure's errno on fd 3, which is close-on-exec: nothing arrives there
 * when the program did start.
 */
const LAUNCHER = `#define _POSIX_C_SOURCE 200809L
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <unistd.h>
int main(int argc, char **argv) {
  if (argc < 2) return 127;
  if (fcntl(3, F_SETFD, FD_CLOEXEC) == -1) return 127;
  execv(argv[1], argv + 1);
  dprintf(3, "%d\\n", errno);
  return 127;
}
`;

/** What happened when a program was started with execve(2). */
export type DirectRun =
  | { readonly started: true; readonly exitCode: number; readonly stdout: string; readonly stderr: string }
  | { readonly started: false; readonly errno: string; readonly message: string };

/** The ABI flag for a launcher that runs on this machine itself. */
function hostFlag(): string[] {
  if (process.arch === 'x64') return ['-m64'];
  if (process.arch === 'ia32') return ['-m32'];
  return [];
}

/**
 * Compiles the launcher into `dir` with `cc` (a command and its words) for
 * this machine's own ABI; returns its path, or the compiler's complaint.
 */
export async function buildLauncher(cc: readonly string[], dir: string): Promise<{ path: string } | { error: string }> {
  const src = path.join(dir, 'launch.c');
  const exe = path.join(dir, 'launch');
  fs.writeFileSync(src, LAUNCHER);
  const [cmd = 'cc', ...words] = cc;
  // `-x c`: the C++ compiler builds it too, as C.
  const r = await runCaptured(cmd, [...words, ...hostFlag(), '-x', 'c', src, '-o', exe]);
  if (r.error !== undefined) return { error: r.error };
  if (r.exitCode !== 0) return { error: r.stderr.trim() || `${cmd} exited with status ${r.exitCode}` };
  return { path: exe };
}

/** Starts `file` with execve(2) through the launcher, never through a shell. */
export async function execDirect(launcher: string, file: string, args: readonly string[] = []): Promise<DirectRun> {
  return new Promise((resolve) => {
    const child = spawn(launcher, [file, ...args], { stdio: ['ignore', 'pipe', 'pipe', 'pipe'] });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    const report: Buffer[] = [];
    child.stdout?.on('data', (b: Buffer) => out.push(b));
    child.stderr?.on('data', (b: Buffer) => err.push(b));
    (child.stdio[3] as NodeJS.ReadableStream | null)?.on('data', (b: Buffer) => report.push(b));
    child.on('error', (e) => resolve({ started: false, errno: (e as NodeJS.ErrnoException).code ?? 'EIO', message: e.message }));
    child.on('close', (code, signal) => {
      const n = Number.parseInt(Buffer.concat(report).toString(), 10);
      if (Number.isFinite(n)) {
        const name = errnoName(n);
        resolve({ started: false, errno: name, message: `${name}: ${describeErrno(name)}` });
        return;
      }
      resolve({
        started: true,
        exitCode: code ?? 128 + (signal ? (os.constants.signals[signal] ?? 0) : 0),
        stdout: Buffer.concat(out).toString(),
        stderr: Buffer.concat(err).toString(),
      });
    });
  });
}

function errnoName(n: number): string {
  for (const [name, value] of Object.entries(os.constants.errno)) if (value === n) return name;
  return `errno ${n}`;
}

/** strerror's words for the errors a start can meet. */
function describeErrno(name: string): string {
  const words: Record<string, string> = {
    ENOEXEC: 'Exec format error',
    EACCES: 'Permission denied',
    ENOENT: 'No such file or directory',
    ENOMEM: 'Cannot allocate memory',
    E2BIG: 'Argument list too long',
    ELIBBAD: 'Accessing a corrupted shared library',
    ETXTBSY: 'Text file busy',
  };
  return words[name] ?? 'the program could not be started';
}

interface Captured {
  exitCode: number;
  stdout: string;
  stderr: string;
  /** Set when the command itself could not be started (ENOENT, …). */
  error?: string;
}

/** Runs a command (by PATH lookup, no shell) and collects its output. */
export function runCaptured(cmd: string, args: readonly string[]): Promise<Captured> {
  return new Promise((resolve) => {
    const child = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on('data', (b: Buffer) => out.push(b));
    child.stderr.on('data', (b: Buffer) => err.push(b));
    child.on('error', (e) => resolve({ exitCode: -1, stdout: '', stderr: '', error: `cannot run ${cmd}: ${e.message}` }));
    child.on('close', (code) =>
      resolve({ exitCode: code ?? -1, stdout: Buffer.concat(out).toString(), stderr: Buffer.concat(err).toString() }),
    );
  });
}
