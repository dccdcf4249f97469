import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { type ExpandOptions, PlistExpander, expandLines, expandSourcesToBytes } from '../src/index.ts';
import { SeenLines } from '../src/seen.ts';
import { linux, sunos } from './helpers.ts';

/**
 * The de-dup table finds keys by a fingerprint of a polynomial hash mod 2^32
 * over a line's 32-bit words. Such hashes collide on Thue–Morse sequences:
 * for any odd base B the hash difference of t_k and its complement is a
 * multiple of (B-1)(B^2-1)(B^4-1)…(B^(2^(k-1))-1), which 2^(1+2+…+k)
 * divides, so k = 8 (256 words, 1024 characters) makes the hashes equal.
 * Prefixes of whole words and any suffix keep the collision. A line that
 * only shares a fingerprint must still be printed.
 */
function thueMorse(k: number, zero: string, one: string): string {
  let s = zero;
  let t = one;
  for (let i = 0; i < k; i++) [s, t] = [s + t, t + s];
  return s;
}

// Words with a '/' inside: a 1024-character path must still be made of
// components within NAME_MAX (plist-expand refuses longer ones, as create does).
const A = thueMorse(8, 'a/aa', 'b/bb');
const B = thueMorse(8, 'b/bb', 'a/aa');

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
  const table = new SeenLines();
  const of = (s: string) => table.fingerprintOf(Buffer.from(s));

  it('are built to collide (the premise of the other tests)', () => {
    expect(A).not.toBe(B);
    expect(A).toHaveLength(1024);
    for (const [x, y] of [[A, B], [`doc/${A}`, `doc/${B}`], [`bin/${A}/x`, `bin/${B}/x`], [`lib/${A}`, `lib/${B}`],
      [`@comment abc${A}`, `@comment abc${B}`], [`naïvé/${A}`, `naïvé/${B}`]] as const) {
      expect(of(x)).toBe(of(y));
    }
  });

  it('are two keys in the table, each seen again only as itself', () => {
    const seen = new SeenLines();
    expect(seen.markString(A, 0, 1)).toBe(0);
    expect(seen.markString(B, 0, 1)).toBe(0);
    expect(seen.size).toBe(2);
    expect(seen.markString(A, 0, 2)).toBe(1);
    // The byte entry point finds what the string one stored, and the other way round.
    const bytesB = Buffer.from(`x${B}`);
    expect(seen.mark(bytesB, 1, B.length, 4, -1)).toBe(1);
    expect(seen.markString(`@${B}`, 1, 1)).toBe(5);
    expect(seen.size).toBe(2);
    // Non-ASCII keys are compared as UTF-8 too.
    const [x, y] = [`naïvé/${A}`, `naïvé/${B}`];
    expect(seen.markString(x, 0, 1)).toBe(0);
    expect(seen.markString(y, 0, 1)).toBe(0);
    expect(seen.markString(y, 0, 2)).toBe(1);
    expect(seen.markString(`/${x}`, 1, 4)).toBe(1);
    expect(seen.size).toBe(4);
    // A varint length, then the bytes: 1024 + 2 and 8 + 1024 + 2.
    expect(seen.keyBytes).toBe(2 * (2 + 1024) + 2 * (2 + 8 + 1024));
  });

  const cases: { name: string; opts: ExpandOptions; input: string[]; mustPrint: string[] }[] = [
    {
      name: 'plain paths',
      opts: sunos(),
      input: [`doc/${A}`, `doc/${B}`, `doc/${A}`],
      mustPrint: [`doc/${A}`, `doc/${B}`],
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
      input: [`lib/amd64/${A}`, `lib/amd64/${B}`, `lib\${LIBARCHSUFFIX}/${B}`, `@comment abc${A}`, `@comment abc${B}`, `@link lib/isaexec bin/${A}`, `@link lib/isaexec bin/${B}`],
      mustPrint: [`lib/amd64/${A}`, `lib/amd64/${B}`, `lib/${B}`, `@comment abc${A}`, `@comment abc${B}`, `@link lib/isaexec bin/${A}`, `@link lib/isaexec bin/${B}`],
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
    it(`are all printed: ${c.name}, byte path from a file (keys read back where they lie)`, async () => {
      const dir = mkdtempSync(path.join(os.tmpdir(), 'plist-collide-'));
      try {
        const file = path.join(dir, 'PLIST');
        writeFileSync(file, c.input.join('\n') + '\n');
        const parts: Buffer[] = [];
        const warnings: string[] = [];
        await expandSourcesToBytes([file], c.opts, (b) => void parts.push(Buffer.from(b)), (w) => void warnings.push(w));
        const out = Buffer.concat(parts).toString('utf8').split('\n').filter((l) => l !== '');
        expect(out).toEqual(reference(c.input, c.opts).lines);
        expect(warnings).toHaveLength(reference(c.input, c.opts).warned);
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    });
    it(`are all printed: ${c.name}, byte path`, async () => {
      const r = await viaBytes(c.input.join('\n') + '\n', c.opts);
      expect(r.out).toEqual(reference(c.input, c.opts).lines);
      for (const l of c.mustPrint) expect(r.out).toContain(l);
      expect(r.warnings).toEqual(expandLines(c.input, c.opts, 'P').warnings);
    });
  }
});
