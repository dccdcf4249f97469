import { spawn } from 'node:child_process';
import fs from 'node:fs';
import { finished } from 'node:stream/promises';
import { PassThrough, type Readable, type Transform, type Writable, Duplex } from 'node:stream';
import zlib from 'node:zlib';
import { UserError } from '@mkpkg/platform';
import { ParallelGzip } from './pgzip.ts';

export type Compression = 'gzip' | 'bzip2' | 'xz' | 'none';
export const COMPRESSIONS: readonly Compression[] = ['gzip', 'bzip2', 'xz', 'none'];

/** gzip level used for packages; `tar -czf` (gzip's default) uses the same. */
export const GZIP_LEVEL = 6;

/**
 * A child process (bzip2, xz) used as a Transform-like duplex for reading. Node has
 * no bzip2/xz codec; the system tools are what pkgsrc itself uses.
 */
function filterProcess(cmd: string, args: string[], what: string): Duplex {
  const child = spawn(cmd, args, { stdio: ['pipe', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr.setEncoding('utf8').on('data', (d: string) => { if (stderr.length < 4000) stderr += d; });
  const duplex = Duplex.from({ writable: child.stdin, readable: child.stdout });
  child.on('error', (err) => duplex.destroy(new UserError(`cannot run ${cmd} for ${what}: ${err.message}`, { hint: `install ${cmd}` })));
  child.on('close', (code, signal) => {
    if (code !== 0) {
      duplex.destroy(new UserError(`${what}: ${cmd} failed (${signal ?? `exit ${code}`}): ${stderr.trim() || 'no message'}`));
    }
  });
  // A reader that stops early (metadata only) closes stdin under a running child.
  child.stdin.on('error', () => {});
  return duplex;
}

export interface Sink {
  /** Where the tar stream goes. */
  input: Writable;
  /** Settles when everything is compressed and on disk. */
  done: Promise<void>;
}

/**
 * A compressor writing straight into `fd`. gzip is node's zlib, in blocks
 * deflated on every core (`ParallelGzip`, one gzip stream as pigz writes
 * it); see the README for why not the system gzip. bzip2 and xz run as
 * child processes that write the file themselves.
 */
export function compressTo(c: Compression, fd: number, what: string): Sink {
  const tool = c === 'bzip2' ? ['bzip2', '-c', '-9'] : c === 'xz' ? ['xz', '-c', '-T1'] : undefined;
  if (tool) {
    const [cmd, ...args] = tool as [string, ...string[]];
    const child = spawn(cmd, args, { stdio: ['pipe', fd, 'pipe'] });
    let stderr = '';
    const stdin = child.stdin as Writable;
    (child.stderr as Readable).setEncoding('utf8').on('data', (d: string) => { if (stderr.length < 4000) stderr += d; });
    const done = new Promise<void>((resolve, reject) => {
      child.on('error', (err) => reject(new UserError(`cannot run ${cmd} for ${what}: ${err.message}`, { hint: `install ${cmd}` })));
      child.on('close', (code, signal) => {
        if (code === 0) resolve();
        else reject(new UserError(`${what}: ${cmd} failed (${signal ?? `exit ${code}`}): ${stderr.trim() || 'no message'}`));
      });
    });
    stdin.on('error', () => {});
    return { input: stdin, done };
  }
  if (c === 'gzip') {
    const z = new ParallelGzip(fd, { level: GZIP_LEVEL });
    return { input: z, done: finished(z) };
  }
  // Straight to the file: a write's callback comes once the bytes are written, so the tar writer
  // can reuse its read buffer then (through a PassThrough it came while the chunk still waited to be read).
  const out = fs.createWriteStream('', { fd, autoClose: false });
  return { input: out, done: finished(out) };
}

/** Guesses the compression of a package from its first bytes. */
export function sniffCompression(head: Buffer): Compression {
  if (head[0] === 0x1f && head[1] === 0x8b) return 'gzip';
  if (head.subarray(0, 3).toString('latin1') === 'BZh') return 'bzip2';
  if (head.subarray(0, 6).equals(Buffer.from([0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00]))) return 'xz';
  return 'none';
}

export function decompressor(c: Compression, file: string): Transform | Duplex {
  switch (c) {
    case 'gzip': return zlib.createGunzip({ chunkSize: 256 * 1024 });
    case 'bzip2': return filterProcess('bzip2', ['-dc'], `${file}: bzip2 data`);
    case 'xz': return filterProcess('xz', ['-dc'], `${file}: xz data`);
    case 'none': return new PassThrough();
  }
}

export type { Readable, Writable };
