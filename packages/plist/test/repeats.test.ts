import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { type ExpandOptions, type PlistSource, expandLines, expandSourcesToBytes } from '../src/index.ts';
import { seeded, sunos, tempDir } from './helpers.ts';

/**
 * Stretches of input that repeat earlier input are compared with it and
 * only counted (`PlistExpander.skipRepeat`). These tests hold that to the
 * same expansion with the skip turned off (a PLIST_VARS setting no line
 * uses turns it off) and to the string path: output for output, warning for
 * warning, duplicate count included, on inputs built from repeated pieces
 * (whole copies, slices starting mid-line, blank lines, token lines, lines
 * the byte path leaves to the string path), across file edges with and
 * without a final newline, from files and from streams in any chunking.
 */
async function expand(sources: PlistSource[], opts: ExpandOptions): Promise<{ out: string; warnings: string[] }> {
  const parts: Buffer[] = [];
  const warnings: string[] = [];
  await expandSourcesToBytes(sources, opts, (b) => void parts.push(Buffer.from(b)), (w) => void warnings.push(w));
  return { out: Buffer.concat(parts).toString('utf8'), warnings };
}

function streamOf(name: string, text: string, chunk: number): PlistSource {
  const bytes = Buffer.from(text);
  async function* stream(): AsyncGenerator<Buffer> {
    for (let o = 0; o < bytes.length; o += chunk) yield bytes.subarray(o, o + chunk);
  }
  return { name, stream: stream() };
}

/** Text made of repeats: a base of varied lines, then copies of earlier stretches (from a line start or from inside a line), some with a new line. */
function repetitive(rnd: (n: number) => number, pick: <T>(xs: readonly T[]) => T): string {
  const heads = ['bin/', 'sbin/', 'lib/', 'lib/svc/', 'share/doc/', 'include/', 'bin/amd64/', 'include${INCARCHSUFFIX}/',
    'lib${LIBARCHSUFFIX}/', '@comment ', '@pkgdir share/', 'share/.', 'man/man1/', 'share/é/', 'etc/${VAR}/'];
  const line = (i: number): string => (rnd(25) === 0 ? '' : `${pick(heads)}${'x'.repeat(rnd(40))}f${i}`);
  // Twenty duplicates at once, so the ones reported one by one are over early.
  const base = Array.from({ length: 400 }, (_, i) => line(i));
  let text = [...base, ...base.slice(0, 20)].join('\n') + '\n';
  for (let piece = 0; text.length < 300_000; piece++) {
    const from = rnd(text.length);
    // From a line start, or from inside a line's run of x (its tail is a valid line too); to a line end.
    const mid = text.indexOf('xx', from);
    const start = rnd(3) === 0 && mid >= 0 ? mid + 1 : text.lastIndexOf('\n', from) + 1;
    const nl = text.indexOf('\n', start + rnd(text.length - start));
    let copy = text.slice(start, nl < 0 ? text.length : nl + 1);
    if (rnd(3) === 0) copy += `${line(100_000 + piece)}\n`; // a new line inside the repeat
    text += copy;
    if (!text.endsWith('\n') && rnd(2) === 0) text += '\n';
  }
  return text;
}

describe('repeats of earlier input are skipped exactly', () => {
  it('agrees with the expansion that does not skip, from files and streams, across file edges', async () => {
    const { rnd, pick } = seeded(17);
    const opts = sunos();
    const noSkip = sunos({ plistVars: { unused: true } });
    const d = tempDir();
    for (let round = 0; round < 6; round++) {
      const text = repetitive(rnd, pick);
      // Two or three files, cut after a newline or inside a line (a file without its final newline).
      const cutAt = (at: number): number => {
        const mid = text.indexOf('xx', at);
        return rnd(2) === 0 && mid >= 0 ? mid + 1 : text.indexOf('\n', at) + 1;
      };
      const cuts = [cutAt(rnd(text.length)), cutAt(rnd(text.length))].sort((a, b) => a - b).slice(0, 1 + (round % 2));
      const pieces = [0, ...cuts, text.length].slice(1).map((end, i, ends) => text.slice(i === 0 ? 0 : ends[i - 1], end));
      const files = pieces.map((p, i) => {
        const f = path.join(d, `PLIST.${round}.${i}`);
        writeFileSync(f, p);
        return f;
      });
      const want = await expand(files, noSkip);
      expect(want.warnings.at(-1)).toMatch(/more duplicate entries dropped/);
      expect(await expand(files, opts)).toEqual(want);
      for (const chunk of [7, 4093, 1 << 16]) {
        const streams = pieces.map((p, i) => streamOf(files[i]!, p, chunk));
        expect(await expand(streams, opts)).toEqual(want);
      }
      if (pieces.length === 1) {
        // One file: the string path (no byte path, no skip) says the same.
        const lines = text.split('\n');
        if (lines.at(-1) === '') lines.pop();
        const r = expandLines(lines, opts, files[0]!);
        expect(want.out).toBe(r.lines.map((l) => `${l}\n`).join(''));
        expect(want.warnings).toEqual(r.warnings);
      }
    }
  });

  it('counts a repeat with blank lines in it as its non-blank lines', async () => {
    const once = Array.from({ length: 5000 }, (_, i) => (i % 7 === 3 ? '' : `share/doc/file${i}`)).join('\n');
    const d = tempDir();
    const file = path.join(d, 'PLIST');
    writeFileSync(file, `${once}\n\n${once}\n${once}`);
    const r = await expand([file], sunos());
    const nonBlank = 5000 - Math.floor((5000 - 3 + 6) / 7);
    expect(r.warnings.at(-1)).toBe(`warning: ${2 * nonBlank - 10} more duplicate entries dropped (${2 * nonBlank} in all; only the first 10 are listed)`);
  });

  it('does not take a line that only ends another for a repeat (a file without its final newline)', async () => {
    // The line after 'share/last' in the input is 'xshare/a' (the next file); 'share/a' alone is new.
    const dups = Array.from({ length: 12 }, (_, i) => `share/d${i}`).join('\n');
    const d = tempDir();
    // The middle file is bigger than a read-back block (the log compares only what it has cached).
    const filler = Array.from({ length: 8000 }, (_, i) => `share/filler/${i}`).join('\n');
    const files = [`${dups}\n${dups}\nshare/last`, `xshare/a\nshare/b\n${filler}\n`, 'share/last\nshare/a\nshare/b\n'].map((text, i) => {
      const f = path.join(d, `PLIST.${i}`);
      writeFileSync(f, text);
      return f;
    });
    const r = await expand(files, sunos());
    expect(r.out.split('\n').filter((l) => l.startsWith('share/a') || l.startsWith('xshare'))).toEqual(['xshare/a', 'share/a']);
    expect(r.warnings.at(-1)).toMatch(/^warning: 4 more duplicate entries dropped \(14 in all/);
  });
});
