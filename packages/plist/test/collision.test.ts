import { describe, expect, it } from 'vitest';
import { type ExpandOptions, PlistExpander, expandLines, expandSourcesToBytes } from '../src/index.ts';
import { Hasher, SeenLines, newHash } from '../src/seen.ts';
import { linux, sunos } from './helpers.ts';

/**
 * The de-dup table finds keys by a fingerprint of two polynomial hashes mod
 * 2^32. Such hashes collide on Thue–Morse strings: for any odd base B the
 * hash difference of t_k and its complement is a multiple of
 * (B-1)(B^2-1)(B^4-1)…(B^(2^(k-1))-1), which 2^(1+2+…+k) divides, so k = 8
 * (256 characters) makes both hashes equal. Prefixes and suffixes keep the
 * collision. A line that only shares a fingerprint must still be printed.
 */
function thueMorse(k: number, zero: string, one: string): string {
  let s = zero;
  let t = one;
  for (let i = 0; i < k; i++) [s, t] = [s + t, t + s];
  return s;
}

const A = thueMorse(8, 'a', 'b');
const B = thueMorse(8, 'b', 'a');

/** pkgsrc's de-dup by output string, with each line expanded on its own (no table shared between lines). */
function reference(input: readonly string[], opts: ExpandOptions): { lines: string[]; warned: number } {
  const printed = new Set<string>();
  const lines: string[] = [];
  let warned = 0;
  for (const l of input) {
    const own: string[] = [];
    new PlistExpander(opts).add(l, 'P', 1, own);
    let dropped = false;
    for (const x of own) {
      if (printed.has(x)) dropped = true;
      else {
        printed.add(x);
        lines.push(x);
      }
    }
    if (dropped) warned++;
  }
  return { lines, warned };
}

async function viaBytes(input: string, opts: ExpandOptions): Promise<{ out: string[]; warnings: string[] }> {
  async function* stream(): AsyncGenerator<Buffer> {
    yield Buffer.from(input);
  }
  const parts: Buffer[] = [];
  const warnings: string[] = [];
  await expandSourcesToBytes([{ name: 'P', stream: stream() }], opts, (b) => void parts.push(Buffer.from(b)), (w) => void warnings.push(w));
  return { out: Buffer.concat(parts).toString('utf8').split('\n').filter((l) => l !== ''), warnings };
}

describe('lines that share a fingerprint', () => {
  const h = new Hasher();
  const of = (s: string) => ({ ...h.hash(s, 0, newHash()) });

  it('are built to collide (the premise of the other tests)', () => {
    expect(A).not.toBe(B);
    expect(A).toHaveLength(256);
    for (const [x, y] of [[A, B], [`share/${A}`, `share/${B}`], [`bin/${A}/x`, `bin/${B}/x`], [`lib/amd64/${A}`, `lib/amd64/${B}`]] as const) {
      expect(of(x)).toEqual(of(y));
    }
  });

  it('are two keys in the table, each seen again only as itself', () => {
    const seen = new SeenLines();
    const bytesB = Buffer.from(`x${B}`);
    expect(seen.mark(of(A), 1, A, 0)).toBe(0);
    expect(seen.mark(of(B), 1, B, 0)).toBe(0);
    expect(seen.size).toBe(2);
    expect(seen.mark(of(A), 2, A, 0)).toBe(1);
    const hb = of(B);
    expect(seen.markBytes(hb.h1, hb.h2, hb.len, 4, bytesB, 1)).toBe(1);
    expect(seen.mark({ ...h.hash(`@${B}`, 1, newHash()) }, 1, `@${B}`, 1)).toBe(5);
    expect(seen.size).toBe(2);
    // Non-ASCII keys are compared as UTF-8 too.
    const [x, y] = [`naïve/${A}`, `naïve/${B}`];
    expect(of(x)).toEqual(of(y));
    expect(seen.mark(of(x), 1, x, 0)).toBe(0);
    expect(seen.mark(of(y), 1, y, 0)).toBe(0);
    expect(seen.mark(of(y), 2, y, 0)).toBe(1);
    expect(seen.mark({ ...h.hash(`/${x}`, 1, newHash()) }, 4, `/${x}`, 1)).toBe(1);
    expect(seen.size).toBe(4);
    expect(seen.keyBytes).toBe(2 * (2 + 256) + 2 * (2 + 6 + 1 + 256));
  });

  const cases: { name: string; opts: ExpandOptions; input: string[]; mustPrint: string[] }[] = [
    {
      name: 'plain paths',
      opts: sunos(),
      input: [`share/${A}`, `share/${B}`, `share/${A}`],
      mustPrint: [`share/${A}`, `share/${B}`],
    },
    {
      name: 'expanded bin paths (copies and @link)',
      opts: sunos(),
      input: [`bin/${A}`, `bin/${B}`, `bin/amd64/${B}`],
      mustPrint: [`bin/amd64/${A}`, `bin/i86/${A}`, `@link lib/isaexec bin/${A}`, `bin/amd64/${B}`, `bin/i86/${B}`, `@link lib/isaexec bin/${B}`],
    },
    {
      name: 'per-ABI lines, token lines and @-lines (string path)',
      opts: sunos(),
      input: [`lib/amd64/${A}`, `lib/amd64/${B}`, `lib\${LIBARCHSUFFIX}/${B}`, `@comment ${A}`, `@comment ${B}`, `@link lib/isaexec bin/${A}`, `@link lib/isaexec bin/${B}`],
      mustPrint: [`lib/amd64/${A}`, `lib/amd64/${B}`, `lib/${B}`, `@comment ${A}`, `@comment ${B}`, `@link lib/isaexec bin/${A}`, `@link lib/isaexec bin/${B}`],
    },
    {
      name: 'without multiarch',
      opts: linux({}, { enabled: false }),
      input: [`bin/${A}`, `bin/${B}`, `lib/${B}`, `lib/${A}`, `bin/${A}`],
      mustPrint: [`bin/${A}`, `bin/${B}`, `lib/${B}`, `lib/${A}`],
    },
  ];

  for (const c of cases) {
    it(`are all printed: ${c.name}, string path`, () => {
      const r = expandLines(c.input, c.opts, 'P');
      const ref = reference(c.input, c.opts);
      expect(r.lines).toEqual(ref.lines);
      for (const l of c.mustPrint) expect(r.lines).toContain(l);
      // A warning only for a line that really repeats an earlier output.
      expect(r.warnings).toHaveLength(ref.warned);
    });
    it(`are all printed: ${c.name}, byte path`, async () => {
      const r = await viaBytes(c.input.join('\n') + '\n', c.opts);
      expect(r.out).toEqual(reference(c.input, c.opts).lines);
      for (const l of c.mustPrint) expect(r.out).toContain(l);
      expect(r.warnings).toEqual(expandLines(c.input, c.opts, 'P').warnings);
    });
  }
});
