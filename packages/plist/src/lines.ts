import { isUtf8 } from 'node:buffer';
import { InputError } from '@mkpkg/platform';
import { nulError } from './syntax.ts';

/** A run of consecutive lines of one file; `first` is the number of `lines[0]`. */
export interface LineBatch {
  readonly lines: string[];
  readonly first: number;
}

/**
 * A byte stream cut into chunks of whole lines: each chunk ends just before a
 * newline (which is dropped); the last one may lack it. Nothing is held
 * beyond the current chunk and a partial line. A line split between two
 * pieces of the stream is joined on its own, so the rest of each piece is
 * passed on in place rather than copied.
 */
export async function* readChunks(input: AsyncIterable<Buffer | string>): AsyncGenerator<Buffer> {
  let carry: Buffer | undefined;
  for await (const chunk of input) {
    const buf = typeof chunk === 'string' ? Buffer.from(chunk) : chunk;
    const last = buf.lastIndexOf(10);
    if (last < 0) {
      carry = carry ? Buffer.concat([carry, buf]) : buf;
      continue;
    }
    let from = 0;
    if (carry) {
      const first = buf.indexOf(10);
      yield Buffer.concat([carry, buf.subarray(0, first)]);
      from = first + 1;
    }
    // Lines between the first newline and the last (possibly empty ones).
    if (from <= last) yield buf.subarray(from, last);
    carry = last + 1 < buf.length ? Buffer.from(buf.subarray(last + 1)) : undefined;
  }
  if (carry) yield carry;
}

/**
 * Checks and decodes chunks of one file: UTF-8, NUL and CR are checked a
 * chunk at a time and located to the line only on failure. CRLF endings are
 * accepted with one warning per file.
 */
export class LineDecoder {
  private warnedCr = false;

  constructor(
    private readonly file: string,
    private readonly warn: (message: string) => void,
  ) {}

  /**
   * How a chunk is read: 'bytes', the byte path; 'crlf', the byte path once
   * the CRs that end lines are dropped (it has CRs, and is valid UTF-8
   * without NUL); 'decode', `decode`, which checks it and says what is wrong.
   */
  static route(bytes: Buffer): 'bytes' | 'crlf' | 'decode' {
    if (bytes.indexOf(0) >= 0 || !isUtf8(bytes)) return 'decode';
    return bytes.indexOf(13) >= 0 ? 'crlf' : 'bytes';
  }

  /** The file's one CRLF warning, at the first line of `bytes` (numbered from `first`) that ends in a CR. */
  warnCrlfOnce(bytes: Buffer, first: number): void {
    if (this.warnedCr) return;
    const cr = bytes.indexOf(13);
    let line = first;
    for (let nl = bytes.indexOf(10); nl >= 0 && nl < cr; nl = bytes.indexOf(10, nl + 1)) line++;
    this.warnCrlf(line);
  }

  private warnCrlf(line: number): void {
    this.warn(`${this.file}:${line}: warning: CRLF line endings; reading them as LF (convert the file with 'tr -d \\\\r')`);
    this.warnedCr = true;
  }

  /** The lines of a chunk whose first line is number `first`; throws InputError for bad input. */
  decode(bytes: Buffer, first: number): string[] {
    const { file } = this;
    if (!isUtf8(bytes)) throw locateBadUtf8(bytes, file, first);
    const text = bytes.toString('utf8');
    if (text.includes('\0')) {
      const at = text.split('\n').findIndex((l) => l.includes('\0'));
      throw nulError({ file, line: first + at });
    }
    const lines = text.split('\n');
    if (text.includes('\r')) {
      for (let i = 0; i < lines.length; i++) {
        let l = lines[i]!;
        if (l.endsWith('\r')) {
          if (!this.warnedCr) this.warnCrlf(first + i);
          l = l.slice(0, -1);
          lines[i] = l;
        }
        if (l.includes('\r')) {
          throw new InputError('carriage return inside a line', { where: { file, line: first + i } });
        }
      }
    }
    return lines;
  }
}

/** Batches of lines of a byte stream, decoded and checked (see `readChunks`, `LineDecoder`). */
export async function* readLineBatches(
  input: AsyncIterable<Buffer | string>,
  file: string,
  warn: (message: string) => void,
): AsyncGenerator<LineBatch> {
  const decoder = new LineDecoder(file, warn);
  let next = 1;
  for await (const chunk of readChunks(input)) {
    const lines = decoder.decode(chunk, next);
    yield { lines, first: next };
    next += lines.length;
  }
}

function locateBadUtf8(bytes: Buffer, file: string, first: number): InputError {
  let line = first;
  let start = 0;
  for (;;) {
    const nl = bytes.indexOf(10, start);
    const end = nl < 0 ? bytes.length : nl;
    if (!isUtf8(bytes.subarray(start, end))) break;
    if (nl < 0) break;
    start = nl + 1;
    line++;
  }
  return new InputError('not valid UTF-8; a PLIST must be UTF-8 text', {
    where: { file, line },
    hint: "convert it (for example 'iconv -f ISO-8859-1 -t UTF-8')",
  });
}
