import { describe, expect, it } from 'vitest';
import { readLineBatches } from '../src/index.ts';
import { type KeyLog, SeenLines } from '../src/seen.ts';

async function readAll(chunks: (string | Buffer)[], file = 'P'): Promise<{ lines: string[]; numbers: number[]; warnings: string[] }> {
  const warnings: string[] = [];
  const lines: string[] = [];
  const numbers: number[] = [];
  async function* gen() {
    for (const c of chunks) yield typeof c === 'string' ? Buffer.from(c) : c;
  }
  for await (const b of readLineBatches(gen(), file, (w) => warnings.push(w))) {
    b.lines.forEach((l, i) => {
      lines.push(l);
      numbers.push(b.first + i);
    });
  }
  return { lines, numbers, warnings };
}

describe('line reader', () => {
  it('joins lines split across chunks and numbers them', async () => {
    const r = await readAll(['bin/a\nbi', 'n/b\n', '\nsha', 're/c']);
    expect(r.lines).toEqual(['bin/a', 'bin/b', '', 'share/c']);
    expect(r.numbers).toEqual([1, 2, 3, 4]);
  });
  it('keeps empty lines next to a line joined across chunks', async () => {
    const r = await readAll(['ab', '\n\ncd\n', 'e', '\n', '\n', 'f']);
    expect(r.lines).toEqual(['ab', '', 'cd', 'e', '', 'f']);
    expect(r.numbers).toEqual([1, 2, 3, 4, 5, 6]);
  });
  it('decodes a multi-byte character split between chunks', async () => {
    const bytes = Buffer.from('share/naïve\nshare/日本\n');
    const parts = [...bytes].map((b) => Buffer.from([b])); // one byte per chunk
    expect((await readAll(parts)).lines).toEqual(['share/naïve', 'share/日本']);
  });
  it('locates invalid UTF-8 to its line, even in a later chunk', async () => {
    await expect(readAll(['a\nb\n', Buffer.from([0x63, 0x0a, 0x64, 0xff, 0x0a])])).rejects.toThrow(/^P:4: not valid UTF-8/);
  });
  it('rejects a lone carriage return inside a line', async () => {
    await expect(readAll(['a\nb\rc\n'])).rejects.toThrow(/^P:2: carriage return inside a line/);
  });
  it('reads CRLF as LF with one warning', async () => {
    const r = await readAll(['a\r\nb\r\n', 'c\r\n']);
    expect(r.lines).toEqual(['a', 'b', 'c']);
    expect(r.warnings).toHaveLength(1);
    expect(r.warnings[0]).toMatch(/^P:1: warning: CRLF/);
  });
});

describe('line hash and de-dup table', () => {
  it('hashes a key the same from bytes and from a string, at any length and offset', () => {
    const seen = new SeenLines();
    const samples = ['', 'a', 'ab', 'abc', 'abcd', 'abcde', 'bin/foo', 'lib/libx.so.1', 'naïve/日本', 'x'.repeat(5000)];
    for (const k of samples) expect(seen.markString(k, 0, 1)).toBe(0);
    for (const k of samples) {
      // Stored from a string; found from bytes at an odd offset (the words start at the key, not the buffer).
      const b = Buffer.from(`@@@${k}`);
      expect(seen.mark(b, 3, b.length - 3, 2, -1)).toBe(1);
      expect(seen.fingerprintOf(b.subarray(3))).toBe(seen.fingerprintOf(Buffer.from(k)));
    }
    expect(seen.size).toBe(samples.length);
  });
  it('tells a million distinct paths apart and finds every repeat', () => {
    const seen = new SeenLines();
    let fresh = 0;
    for (let i = 0; i < 1_000_000; i++) {
      if (seen.markString(`share/pkg${i % 997}/file${i}`, 0, 1) === 0) fresh++;
    }
    expect(fresh).toBe(1_000_000);
    let again = 0;
    for (let i = 0; i < 1_000_000; i += 1000) {
      if (seen.markString(`share/pkg${i % 997}/file${i}`, 0, 2) === 1) again++;
    }
    expect(again).toBe(1000);
    expect(seen.size).toBe(1_000_000);
    // Variant bits accumulate per key.
    expect(seen.markString('share/pkg0/file0', 0, 4)).toBe(3);
  });
  it('stores keys bigger than an arena block, and keys after them', () => {
    const seen = new SeenLines();
    const big = 'x'.repeat(3 << 20);
    const keys = ['a', big, 'b', big + 'y', 'c'];
    for (const k of keys) expect(seen.markString(k, 0, 1)).toBe(0);
    for (const k of keys) expect(seen.markString(k, 0, 2)).toBe(1);
    expect(seen.markString(big.slice(1), 0, 1)).toBe(0);
    expect(seen.size).toBe(6);
  });
  it('keeps no copy of a key it can read back from the input log', () => {
    const input = Buffer.from('bin/a\nshare/b\nbin/a');
    const log: KeyLog = {
      read: (ref, into, n) => {
        const got = input.subarray(ref, Math.min(input.length, ref + n));
        into.set(got);
        return got.length;
      },
    };
    const seen = new SeenLines(0, log);
    expect(seen.mark(input, 0, 5, 1, 0)).toBe(0);
    expect(seen.mark(input, 6, 7, 1, 6)).toBe(0);
    expect(seen.keyBytes).toBe(0);
    // The third line repeats the first: found by reading line one back.
    expect(seen.mark(input, 14, 5, 2, 14)).toBe(1);
    // A prefix of a logged line is not that line.
    expect(seen.markString('bin/', 0, 1)).toBe(0);
    expect(seen.markString('share/b', 0, 1)).toBe(1);
  });
});
