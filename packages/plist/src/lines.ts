import { isUtf8 } from 'node:buffer';
import { InputError } from '@mkpkg/platform';
import { nulError } from './syntax.ts';

/** A run of consecutive lines of one file; `first` is the number of `lines[0]`. */
export interface LineBatch {
  readonly lines: string[];
  readonly first: number;
}

/**
 * Splits a byte stream into batches of lines without holding the file:
 * each chunk is cut at its last newline, checked (UTF-8, NUL, CR) and
 * decoded as a whole, so the per-line cost is one `split`. Problems are
 * located to their line only when a chunk-level check fails.
 * CRLF endings are accepted with one warning per file.
 */
export async function* readLineBatches(
  input: AsyncIterable<Buffer | string>,
  file: string,
  warn: (message: string) => void,
): AsyncGenerator<LineBatch> {
  let carry: Buffer | undefined;
  let next = 1;
  let warnedCr = false;
  const decode = (bytes: Buffer): string[] => {
    if (!isUtf8(bytes)) throw locateBadUtf8(bytes, file, next);
    const text = bytes.toString('utf8');
    if (text.includes('\0')) {
      const at = text.split('\n').findIndex((l) => l.includes('\0'));
      throw nulError({ file, line: next + at });
    }
    const lines = text.split('\n');
    if (text.includes('\r')) {
      for (let i = 0; i < lines.length; i++) {
        let l = lines[i]!;
        if (l.endsWith('\r')) {
          if (!warnedCr) {
            warn(`${file}:${next + i}: warning: CRLF line endings; reading them as LF (convert the file with 'tr -d \\\\r')`);
            warnedCr = true;
          }
          l = l.slice(0, -1);
          lines[i] = l;
        }
        if (l.includes('\r')) {
          throw new InputError('carriage return inside a line', { where: { file, line: next + i } });
        }
      }
    }
    return lines;
  };
  for await (const chunk of input) {
    const buf = typeof chunk === 'string' ? Buffer.from(chunk) : chunk;
    const data = carry ? Buffer.concat([carry, buf]) : buf;
    const nl = data.lastIndexOf(10);
    if (nl < 0) {
      carry = data;
      continue;
    }
    carry = nl + 1 < data.length ? Buffer.from(data.subarray(nl + 1)) : undefined;
    const lines = decode(data.subarray(0, nl));
    yield { lines, first: next };
    next += lines.length;
  }
  if (carry) yield { lines: decode(carry), first: next };
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
