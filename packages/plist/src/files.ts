import { closeSync, openSync, readSync, statSync } from 'node:fs';
import { InputError } from '@mkpkg/platform';
import { ByteOutput, PlistExpander } from './expand.ts';
import { LineDecoder, readChunks } from './lines.ts';
import type { ExpandOptions } from './options.ts';

/** Where a PLIST comes from: a path, or a stream with a display name ('-' = stdin). */
export type PlistSource = string | { readonly name: string; readonly stream: AsyncIterable<Buffer | string> };

export function openSource(src: PlistSource): { name: string; stream: AsyncIterable<Buffer | string> } {
  if (typeof src !== 'string') return src;
  if (src === '-') return { name: '<stdin>', stream: process.stdin };
  return { name: src, stream: fileChunks(src) };
}

/**
 * A file's bytes in 64 KiB chunks, read synchronously: a CLI has nothing else
 * to do meanwhile, and this saves a thread-pool round trip per chunk. Chunks
 * this small die young, which keeps the garbage collector cheap.
 */
async function* fileChunks(file: string): AsyncGenerator<Buffer> {
  const fd = openSync(file, 'r');
  try {
    for (;;) {
      const buf = Buffer.allocUnsafe(1 << 16);
      const n = readSync(fd, buf, 0, buf.length, null);
      if (n === 0) return;
      yield n === buf.length ? buf : buf.subarray(0, n);
    }
  } finally {
    closeSync(fd);
  }
}

/** Rough line count of PLIST files (lines average ~30 bytes), to size the de-dup table once. */
function expectedLines(sources: readonly PlistSource[]): number {
  let bytes = 0;
  for (const s of sources) {
    if (typeof s !== 'string' || s === '-') continue;
    try {
      bytes += statSync(s).size;
    } catch {
      // Reported when the file is read.
    }
  }
  return Math.ceil(bytes / 30);
}

/**
 * Streams one package's PLIST files (concatenated in order) through the
 * expander; `sink` receives the output as UTF-8 bytes, one batch per input
 * chunk, and may apply back-pressure by returning a promise. Returns the
 * number of input lines.
 */
export async function expandSourcesToBytes(
  sources: readonly PlistSource[],
  opts: ExpandOptions,
  sink: (bytes: Buffer) => void | Promise<void>,
  warn: (message: string) => void,
): Promise<number> {
  const x = new PlistExpander(opts, expectedLines(sources));
  const out = new ByteOutput();
  const scratch: string[] = [];
  let count = 0;
  for (const src of sources) {
    const { name, stream } = openSource(src);
    const decoder = new LineDecoder(name, warn);
    let next = 1;
    try {
      for await (const chunk of readChunks(stream)) {
        let n: number;
        if (LineDecoder.needsDecode(chunk)) {
          // Rare (CRLF files, bad input): the checked string path.
          const lines = decoder.decode(chunk, next);
          for (let i = 0; i < lines.length; i++) {
            scratch.length = 0;
            x.add(lines[i]!, name, next + i, scratch);
            for (const l of scratch) out.line(l);
          }
          n = lines.length;
        } else {
          n = x.addBytes(chunk, name, next, out, scratch);
        }
        next += n;
        count += n;
        // Hand warnings on and forget them, so a PLIST full of duplicates does not pile them up.
        for (const w of x.warnings) warn(w);
        x.warnings.length = 0;
        if (out.len > 0) await sink(out.take());
      }
    } catch (err) {
      throw readError(err, name);
    }
  }
  return count;
}

/** `expandSourcesToBytes` with the output as lines. */
export function expandSources(
  sources: readonly PlistSource[],
  opts: ExpandOptions,
  sink: (lines: string[]) => void | Promise<void>,
  warn: (message: string) => void,
): Promise<number> {
  return expandSourcesToBytes(sources, opts, (bytes) => {
    const lines = bytes.toString('utf8').split('\n');
    lines.pop(); // after the last newline
    return sink(lines);
  }, warn);
}

/** Expands PLIST files into memory (the driver's entry point). Throws InputError 'file:line: ...'. */
export async function expandPlistFiles(
  files: string[],
  opts: ExpandOptions,
): Promise<{ lines: string[]; warnings: string[] }> {
  const lines: string[] = [];
  const warnings: string[] = [];
  await expandSources(files, opts, (b) => {
      for (const l of b) lines.push(l);
    }, (w) => void warnings.push(w));
  return { lines, warnings };
}

function readError(err: unknown, name: string): unknown {
  const e = err as NodeJS.ErrnoException;
  if (e && typeof e.code === 'string' && e.syscall) {
    const why = e.code === 'ENOENT' ? 'no such file' : e.code === 'EISDIR' ? 'is a directory' : e.message;
    return new InputError(`${name}: cannot read PLIST: ${why}`);
  }
  return err;
}
