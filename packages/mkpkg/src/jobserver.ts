import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';

/**
 * One GNU make jobserver shared by the ABIs that build side by side
 * (--parallel-abis). Giving each ABI a fixed half of the CPUs leaves cores
 * idle whenever the ABIs are not in the same phase: while one still runs
 * its (single-process) configure, or after one has finished building. With
 * one pool of job tokens, whichever make has work takes the free cores.
 *
 * The protocol is GNU make's (≥ 4.2): a pipe holding one byte per token,
 * passed to each make as two inherited descriptors named in MAKEFLAGS
 * (`--jobserver-auth=R,W`); every make also runs one job without a token.
 * The pipe here is a FIFO opened read-write and unlinked at once, so no
 * file outlives the run.
 */
export class JobServer {
  private constructor(readonly fd: number) {}

  /** The descriptor numbers the child sees (its stdio slots 3 and 4). */
  static readonly CHILD_FDS = [3, 4] as const;

  /**
   * A pool of `tokens` job tokens, the FIFO made in `dir`; undefined when
   * FIFOs cannot be made there (the caller then splits the CPUs instead).
   */
  static open(dir: string, tokens: number): JobServer | undefined {
    const fifo = path.join(dir, `.jobserver-${process.pid}`);
    try {
      fs.rmSync(fifo, { force: true });
      execFileSync('mkfifo', ['-m', '600', fifo], { stdio: 'ignore' });
    } catch {
      return undefined;
    }
    try {
      // Read-write: opening never blocks, and the pipe never sees "no writer".
      const fd = fs.openSync(fifo, fs.constants.O_RDWR);
      if (tokens > 0) fs.writeSync(fd, Buffer.alloc(tokens, '+'));
      return new JobServer(fd);
    } finally {
      fs.rmSync(fifo, { force: true });
    }
  }

  /** MAKEFLAGS that make a GNU make a client of this pool. */
  get makeflags(): string {
    return ` -j --jobserver-auth=${JobServer.CHILD_FDS.join(',')}`;
  }

  /** What a child's stdio array needs after stdin, stdout and stderr. */
  get childStdio(): [number, number] {
    return [this.fd, this.fd];
  }

  close(): void {
    try {
      fs.closeSync(this.fd);
    } catch {
      /* already closed */
    }
  }
}

const capable = new Map<string, boolean>();

/**
 * Whether `program` is a GNU make that takes `--jobserver-auth` (4.2 or
 * later); other makes (bmake, Sun make) would read those MAKEFLAGS as
 * options of their own.
 */
export function takesJobserver(program: string, env: Readonly<Record<string, string>>): boolean {
  let r = capable.get(program);
  if (r === undefined) {
    try {
      const out = execFileSync(program, ['--version'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'], env, timeout: 10_000 });
      const m = /^GNU Make (\d+)\.(\d+)/m.exec(out);
      r = m !== null && (Number(m[1]) > 4 || (Number(m[1]) === 4 && Number(m[2]) >= 2));
    } catch {
      r = false;
    }
    capable.set(program, r);
  }
  return r;
}
