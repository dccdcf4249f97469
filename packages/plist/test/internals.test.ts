import { describe, expect, it } from 'vitest';
import { readLineBatches } from '../src/index.ts';
import { Hasher, SeenLines, newHash } from '../src/seen.ts';

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

describe('line fingerprints', () => {
  const h = new Hasher();
  const of = (s: string) => ({ ...h.hash(s, 0, newHash()) });
  it('composes: hash(a + b) follows from hash(a) and hash(b)', () => {
    const samples = ['', 'bin/', 'bin/amd64/', '@link lib/isaexec ', 'foo', 'x'.repeat(5000), 'naïve/日本', 'a/b/c.so.1'];
    for (const a of samples) {
      for (const b of samples) {
        expect(h.concat(of(a), of(b), newHash())).toEqual(of(a + b));
      }
    }
    // Hashing a suffix in place equals hashing the sliced string.
    expect(h.hash('bin/foo', 4, newHash())).toEqual(of('foo'));
  });
  it('tells a million distinct paths apart and finds every repeat', () => {
    const seen = new SeenLines();
    let fresh = 0;
    for (let i = 0; i < 1_000_000; i++) {
      const k = `share/pkg${i % 997}/file${i}`;
      if (seen.mark(of(k), 1, k, 0) === 0) fresh++;
    }
    expect(fresh).toBe(1_000_000);
    let again = 0;
    for (let i = 0; i < 1_000_000; i += 1000) {
      const k = `share/pkg${i % 997}/file${i}`;
      if (seen.mark(of(k), 2, k, 0) === 1) again++;
    }
    expect(again).toBe(1000);
    expect(seen.size).toBe(1_000_000);
    // Variant bits accumulate per key.
    expect(seen.mark(of('share/pkg0/file0'), 4, 'share/pkg0/file0', 0)).toBe(3);
  });
});
