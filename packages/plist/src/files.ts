import { fstatSync, openSync, readSync, statSync } from 'node:fs';
import { InputError } from '@mkpkg/platform';
import { ByteOutput, PlistExpander } from './expand.ts';
import { InputLog } from './inputlog.ts';
import { LineDecoder, readChunks } from './lines.ts';
import type { ExpandOptions } from './options.ts';

/** Where a PLIST comes from: a path, or a stream with a display name ('-' = stdin). */
export type PlistSource = string | { readonly name: string; readonly stream: AsyncIterable<Buffer | string> };

/** A piece of input cut at a line end (the newline dropped), with its offset in the concatenated input. */
interface Chunk {
  readonly bytes: Buffer;
  readonly ref: number;
}

const CHUNK = 1 << 16;

/** Where a piece at `pos` in an input logged from `base` is: -1 when the input is not logged. */
function refOf(base: number, pos: number): number {
  return base < 0 ? -1 : base + pos;
}

/**
 * A file's lines in chunks of about 64 KiB, read synchronously into one
 * reused buffer (a CLI has nothing else to do meanwhile, and this saves a
 * thread-pool round trip and an allocation per chunk). Each chunk is valid
 * until the next is asked for. The file is handed to `log`, which keeps it
 * open for the de-dup table to read back.
 */
function* fileChunks(file: string, log: InputLog): Generator<Chunk> {
  const fd = openSync(file, 'r');
  const { base, spooled } = log.openFile(fd);
  let buf = Buffer.allocUnsafe(CHUNK);
  let carry = 0; // bytes of a partial line at the start of buf
  let pos = 0; // offset of buf[0] in the file
  for (;;) {
    const n = readSync(fd, buf, carry, buf.length - carry, null);
    if (spooled && n > 0) log.spoolWrite(buf.subarray(carry, carry + n));
    if (n === 0) {
      if (carry > 0) yield { bytes: buf.subarray(0, carry), ref: refOf(base, pos) };
      log.close(pos + carry);
      return;
    }
    const have = carry + n;
    const nl = buf.lastIndexOf(10, have - 1);
    if (nl < 0) {
      // One line longer than the buffer: make room and read on.
      if (have === buf.length) buf = Buffer.concat([buf, Buffer.allocUnsafe(buf.length)]);
      carry = have;
      continue;
    }
    yield { bytes: buf.subarray(0, nl), ref: refOf(base, pos) };
    buf.copyWithin(0, nl + 1, have);
    carry = have - nl - 1;
    pos += nl + 1;
  }
}

/** `fileChunks` for a stream (stdin, a test's generator); its bytes are spooled for the log. */
async function* streamChunks(stream: AsyncIterable<Buffer | string>, log: InputLog): AsyncGenerator<Chunk> {
  const base = log.openStream();
  let pos = 0;
  async function* spooled(): AsyncGenerator<Buffer> {
    for await (const c of stream) {
      const b = typeof c === 'string' ? Buffer.from(c) : c;
      log.spoolWrite(b);
      yield b;
    }
  }
  for await (const bytes of readChunks(spooled())) {
    yield { bytes, ref: refOf(base, pos) };
    pos += bytes.length + 1;
  }
  log.close(pos);
}

function chunksOf(src: PlistSource, log: InputLog): { name: string; chunks: Iterable<Chunk> | AsyncIterable<Chunk> } {
  if (typeof src !== 'string') return { name: src.name, chunks: streamChunks(src.stream, log) };
  if (src === '-') return { name: '<stdin>', chunks: streamChunks(process.stdin, log) };
  return { name: src, chunks: fileChunks(src, log) };
}

/** Rough line count of PLIST files (lines average ~30 bytes), to size the de-dup table once. */
function expectedLines(sources: readonly PlistSource[]): number {
  let bytes = 0;
  for (const s of sources) {
    if (typeof s !== 'string') continue;
    try {
      // stdin redirected from a file has a size too; a pipe says 0.
      bytes += s === '-' ? fstatSync(0).size : statSync(s).size;
    } catch {
      // Reported when the file is read.
    }
  }
  // At most a table for a million lines at first: it grows when needed, and a
  // big input may be mostly duplicates (a PLIST repeated over itself), which
  // take no room.
  return Math.min(Math.ceil(bytes / 30), INITIAL_LINES_MAX);
}

const INITIAL_LINES_MAX = 1 << 20;

/**
 * Streams one package's PLIST files (concatenated in order) through the
 * expander; `sink` receives the output as UTF-8 bytes, one batch per input
 * chunk, and may apply back-pressure by returning a promise. The bytes are
 * only valid during the call (the buffer is reused): a sink that keeps them
 * copies them. Returns the number of input lines.
 */
export async function expandSourcesToBytes(
  sources: readonly PlistSource[],
  opts: ExpandOptions,
  sink: (bytes: Buffer) => void | Promise<void>,
  warn: (message: string) => void,
): Promise<number> {
  const log = new InputLog();
  const x = new PlistExpander(opts, expectedLines(sources), log);
  const out = new ByteOutput();
  let count = 0;
  try {
    for (const src of sources) {
      const { name, chunks } = chunksOf(src, log);
      const decoder = new LineDecoder(name, warn);
      let next = 1;
      try {
        for await (const { bytes, ref } of chunks) {
          let n: number;
          const route = LineDecoder.route(bytes);
          // CRLF endings: the byte path, the core dropping the CRs that end lines (a CR elsewhere: `decode`).
          const crlf = route === 'crlf' ? x.addCrlfBytes(bytes, name, next, out) : undefined;
          if (route === 'bytes') {
            n = x.addBytes(bytes, name, next, out, ref);
          } else if (crlf !== undefined) {
            n = crlf;
            decoder.warnCrlfOnce(bytes, next);
          } else {
            // Bad input: the checked string path, which says what is wrong and where.
            const lines = decoder.decode(bytes, next);
            for (let i = 0; i < lines.length; i++) x.addLine(lines[i]!, name, next + i, out);
            n = lines.length;
          }
          next += n;
          count += n;
          // Hand warnings on and forget them (duplicates past the first few are only counted).
          for (const w of x.warnings) warn(w);
          x.warnings.length = 0;
          if (out.len > 0) await sink(out.take());
        }
      } catch (err) {
        throw readError(err, name);
      }
    }
  } finally {
    log.dispose();
  }
  const summary = x.duplicateSummary();
  if (summary !== undefined) warn(summary);
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
