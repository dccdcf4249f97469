import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { type ExpandOptions, expandLines, expandSourcesToBytes, stripTokens } from '../src/index.ts';
import { platformFor } from '@mkpkg/platform';
import { platformVariants, seeded, sunos } from './helpers.ts';

/**
 * The command expands chunks of bytes (`PlistExpander.addBytes`), handling
 * plain ASCII path lines without making strings; these tests hold that path
 * to `expandLines`, the string path, output for output and warning for warning.
 */
async function viaBytes(input: string, opts: ExpandOptions, chunk: number): Promise<{ out: string; warnings: string[] }> {
  const bytes = Buffer.from(input);
  async function* stream(): AsyncGenerator<Buffer> {
    for (let o = 0; o < bytes.length; o += chunk) yield bytes.subarray(o, o + chunk);
  }
  const parts: Buffer[] = [];
  const warnings: string[] = [];
  await expandSourcesToBytes([{ name: 'P', stream: stream() }], opts, (b) => void parts.push(Buffer.from(b)), (w) => void warnings.push(w));
  return { out: Buffer.concat(parts).toString('utf8'), warnings };
}

function viaLines(input: string, opts: ExpandOptions): { out: string; warnings: string[] } {
  const lines = input.split('\n');
  if (lines.at(-1) === '') lines.pop();
  const r = expandLines(lines, opts, 'P');
  return { out: r.lines.map((l) => l + '\n').join(''), warnings: r.warnings };
}

/** The result, or the error message for bad input (which random input may be). */
async function outcome<T>(f: () => Promise<T>): Promise<T | string> {
  try {
    return await f();
  } catch (err) {
    return (err as Error).message;
  }
}

describe('byte path equals string path', () => {
  it('agrees on random PLISTs for every platform and scope, in any chunking', async () => {
    const { pick } = seeded(7);
    const heads = ['bin/', 'sbin/', 'lib/', 'lib/svc/', 'share/', 'include/', 'bin/amd64/', 'bin/i86/', 'lib/amd64/', 'lib/i86/',
      'bin${BINARCHSUFFIX}/', 'lib${LIBARCHSUFFIX}/', 'include${INCARCHSUFFIX}/', '@comment bin/', '@comment ', '@pkgdir lib/',
      '@pkgdir ', '@link lib/isaexec bin/', '@pkgdir lib${LIBARCHSUFFIX}/', 'libexec/', 'bin/sub/', 'lib/amd64/amd64/', 'bint/',
      'bin', 'lib', 'share/é/', 'b.in/', 'lib/..x/', '@exec echo ', '', '${PKGMANDIR}/', 'bin/${V}', '${PLIST.x}lib/',
      '@comment $NetBSD$ ', 'share/$x/', '${A}${B}/', 'lib/${X}${LIBARCHSUFFIX}/',
      // Components the path check looks at but lets through (the bad ones are in the next test), and non-ASCII names.
      'share/.keep/', '.dot/', 'a..b/', 'share/.${INCARCHSUFFIX}x/', '@pkgdir .d/', 'share/naïve/', 'bin/日本', '@comment ./',
      // @link lines, and lines already under an ABI dir, which are keyed as their generic line's copies.
      '@link bin/other ', '@link lib/isaexec sbin/', '@link lib/isaexec${V} bin/', 'sbin/i86/', 'bin/sub/amd64/', 'lib/amd64/svc/', 'lib/svc/amd64/'];
    // No empty tail: a path ending in '/' is bad input, and most inputs should expand.
    const tails = ['a', 'b', 'c', 'd/e', 'amd64/f', 'i86/g', 'ü', 'x.y', 'x..y', '.dot'];
    const platforms = platformVariants();
    const scopes = [{ enabled: true, bin: true, lib: true }, { enabled: true, bin: true, lib: false }, { enabled: false }] as const;
    let checked = 0;
    let expanded = 0;
    for (const platform of platforms) {
      for (const multiarch of scopes) {
        // Without and with substitutions (which turn off the byte path for `${VAR}` lines).
        const subst: Record<string, string> = platform === platforms[1] ? { PKGMANDIR: 'man', V: '' } : {};
        const opts = sunos({ platform, multiarch, binDirs: ['bin', 'sbin', 'bin/sub'], subst });
        for (let round = 0; round < 10; round++) {
          const input = Array.from({ length: 60 }, () => pick(heads) + pick(tails)).join('\n') + (round % 2 ? '\n' : '');
          const want = await outcome(async () => viaLines(input, opts));
          for (const chunk of [1, 7, 1 << 16]) expect(await outcome(() => viaBytes(input, opts, chunk))).toEqual(want);
          checked++;
          if (typeof want !== 'string') expanded++;
        }
      }
    }
    expect(checked).toBe(120);
    expect(expanded).toBeGreaterThan(80); // most inputs are valid and expand
  });
  it('agrees with PLIST_SUBST and PLIST_VARS given, whatever the values make of a line', async () => {
    const { pick } = seeded(31);
    const heads = ['${PLIST.on}', '${PLIST.off}', '${PKGMANDIR}/man1/', '${V}', '${W}/', '${U}/', '${PLIST.on}bin/', '${PLIST.off}bin/',
      'lib${LIBARCHSUFFIX}/${W}/', '${PLIST.on}include${INCARCHSUFFIX}/', 'bin/${E}', 'share/${Q}', '@comment ${W}', '${AT}pkgdir ',
      'bin/amd64/${V}', '${PLIST.off}@exec ', 'share/', 'bin/'];
    const tails = ['a', 'b/c', 'ü', '${V}', '${PLIST.on}x', 'y${W}', '${E}'];
    const subst = { PKGMANDIR: 'man', V: '', W: 'w/x', E: 'é', Q: 'q/../r', AT: '@', BINARCHSUFFIX: 'never' };
    const plistVars = { on: true, off: false };
    let expanded = 0;
    for (const platform of platformVariants()) {
      for (const multiarch of [{ enabled: true, bin: true, lib: true }, { enabled: false }] as const) {
        const opts = sunos({ platform, multiarch, subst, plistVars });
        for (let round = 0; round < 10; round++) {
          const input = Array.from({ length: 8 }, () => pick(heads) + pick(tails)).join('\n') + '\n';
          const want = await outcome(async () => viaLines(input, opts));
          for (const chunk of [5, 1 << 16]) expect(await outcome(() => viaBytes(input, opts, chunk))).toEqual(want);
          if (typeof want !== 'string') expanded++;
        }
      }
    }
    expect(expanded).toBeGreaterThan(12); // of 80: the others stop at a line the values make bad, as they should
  });
  it('agrees when most lines are duplicates (past the ones reported one by one), from a file and from a stream', async () => {
    const { pick } = seeded(23);
    const heads = ['bin/', 'lib/', 'share/', 'include${INCARCHSUFFIX}/', 'bin${BINARCHSUFFIX}/', '@comment ', '${PKGMANDIR}/', 'lib/amd64/', 'bin/i86/'];
    const tails = ['a', 'b', 'c/d', 'é'];
    const dir = mkdtempSync(path.join(os.tmpdir(), 'plist-bytes-'));
    try {
      for (const platform of platformVariants()) {
        const opts = sunos({ platform });
        for (let round = 0; round < 5; round++) {
          const input = Array.from({ length: 400 }, () => pick(heads) + pick(tails)).join('\n') + '\n';
          const want = viaLines(input, opts);
          expect(want.warnings.at(-1)).toMatch(/more duplicate entries dropped/);
          for (const chunk of [13, 1 << 16]) expect(await viaBytes(input, opts, chunk)).toEqual(want);
          const file = path.join(dir, 'PLIST');
          writeFileSync(file, input);
          const parts: Buffer[] = [];
          const warnings: string[] = [];
          await expandSourcesToBytes([file], opts, (b) => void parts.push(Buffer.from(b)), (w) => void warnings.push(w));
          expect({ out: Buffer.concat(parts).toString('utf8'), warnings: warnings.map((w) => w.replace(`${file}:`, 'P:')) }).toEqual(want);
        }
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
  it('reads CRLF endings as the string path does, in any chunking, and refuses a CR inside a line at its line', async () => {
    const { pick } = seeded(41);
    const heads = ['bin/', 'lib/', 'share/', 'include${INCARCHSUFFIX}/', '@comment ', '${PKGMANDIR}/', 'share/é'];
    const tails = ['a', 'b/c', 'd'];
    const opts = sunos();
    for (let round = 0; round < 6; round++) {
      // LF lines first in some rounds: the warning names the first line that ends in CR.
      const lines = Array.from({ length: 300 }, (_, i) => pick(heads) + pick(tails) + (round % 2 === 1 && i < 7 ? '' : '\r'));
      const input = lines.join('\n') + (round % 3 === 0 ? '' : '\n');
      const want = viaLines(input.replaceAll('\r', ''), opts);
      for (const chunk of [1, 9, 1 << 16]) {
        const got = await viaBytes(input, opts, chunk);
        expect(got.out).toEqual(want.out);
        const crlf = got.warnings.filter((w) => w.includes('CRLF'));
        expect(crlf).toEqual([`P:${round % 2 === 1 ? 8 : 1}: warning: CRLF line endings; reading them as LF (convert the file with 'tr -d \\\\r')`]);
        expect(got.warnings.filter((w) => !w.includes('CRLF'))).toEqual(want.warnings);
      }
    }
    await expect(viaBytes('bin/a\r\nbin/b\r\nbin/c\rd\r\nbin/e\r\n', opts, 1 << 16)).rejects.toThrow(/^P:3: carriage return inside a line/);
  });
  it('reports bad lines the same way and at the same line', async () => {
    const opts = sunos();
    for (const bad of ['/usr/bin/x', 'bin/../x', '@pkgdir /x', '@pkgdir ', '@frob x', 'a${B', 'share/./x', 'share//x', 'share/x/', './x',
      '@pkgdir .', '@pkgdir ./x', '@pkgdir x/..', 'share/${LIBARCHSUFFIX}/x', 'share/.${INCARCHSUFFIX}/x', '.', '..',
      '@link lib/isaexec', '@link  lib/isaexec bin/x', '@link lib/isaexec ./x', '@link lib/isaexec bin/x/', '@link ../x bin/x']) {
      const input = `bin/a\nshare/b\n${bad}\nshare/c\n`;
      expect(() => viaLines(input, opts)).toThrow(/^P:3: /);
      await expect(viaBytes(input, opts, 1 << 16)).rejects.toThrow(/^P:3: /);
    }
  });
});

describe('lines the path check must see, at every position in a word', () => {
  it("finds '//', '/.', '..' (and lets './' pass) wherever they fall, as the string path does", async () => {
    const opts = sunos();
    for (const pattern of ['//', '/.', '..', './', '/./', '/../', 'a.b', '\t', '\x7f']) {
      for (let pad = 0; pad < 9; pad++) {
        for (const head of ['share/', 'bin/', 'lib/']) {
          const line = `${head}${'x'.repeat(pad)}${pattern}y${'z'.repeat(pad % 3)}`;
          const input = `share/first\n${line}\nshare/last\n`;
          const want = await outcome(async () => viaLines(input, opts));
          expect(await outcome(() => viaBytes(input, opts, 1 << 16))).toEqual(want);
        }
      }
    }
  });
});

describe('long lines', () => {
  it('agree up to PATH_MAX, with components up to NAME_MAX, and are refused past either at their line', async () => {
    const opts = sunos();
    const comp = (n: number, c = 'x') => c.repeat(n);
    const ok = [`share/${comp(255)}/${comp(255, 'y')}`, `bin/${Array.from({ length: 15 }, (_, i) => comp(250, String.fromCharCode(97 + i))).join('/')}`,
      `lib${'${LIBARCHSUFFIX}'}/${comp(255)}/${comp(200)}`, `@comment ${comp(600)}`, `share/${comp(120, 'é')}/z`, `${'${PKGMANDIR}'}/${comp(255)}/${comp(255)}`];
    expect(ok[1]!.length).toBeGreaterThan(3000);
    const input = ok.join('\n') + '\n' + ok.join('\n') + '\n';
    const want = viaLines(input, opts);
    expect(want.warnings.length).toBeGreaterThan(0);
    for (const chunk of [7, 1 << 16]) expect(await viaBytes(input, opts, chunk)).toEqual(want);
    const deep = `share/${Array.from({ length: 17 }, () => comp(250)).join('/')}`;
    expect(deep.length).toBeGreaterThanOrEqual(4096);
    for (const bad of [`share/${comp(256)}`, `bin/${comp(256)}/x`, deep, `@pkgdir ${comp(256)}`]) {
      const text = `share/a\n${'lib/b'}\n${bad}\nshare/c\n`;
      expect(() => viaLines(text, opts)).toThrow(/^P:3: /);
      await expect(viaBytes(text, opts, 1 << 16)).rejects.toThrow(/^P:3: /);
    }
  });
});

describe('token removal', () => {
  it('matches replacing each token in turn, also when a replacement spells a new token', () => {
    const { rnd } = seeded(3);
    const pieces = ['${', '}', 'BIN', 'LIB', 'INC', 'ARCHSUFFIX', '${BINARCHSUFFIX}', '${LIBARCHSUFFIX}', '${INCARCHSUFFIX}', 'x', '/', '$'];
    const sequential = (s: string) =>
      s.replaceAll('${BINARCHSUFFIX}', '').replaceAll('${LIBARCHSUFFIX}', '').replaceAll('${INCARCHSUFFIX}', '');
    expect(stripTokens('${LIB${BINARCHSUFFIX}ARCHSUFFIX}x')).toBe('x');
    for (let i = 0; i < 2000; i++) {
      const s = Array.from({ length: 1 + rnd(8) }, () => pieces[rnd(pieces.length)]).join('');
      expect(stripTokens(s)).toBe(sequential(s));
    }
  });
});

describe('the core at the edges of its buffers', () => {
  it('agrees with the string path with more automatic dirs and substitutions than the core takes', async () => {
    const binDirs = Array.from({ length: 5000 }, (_, i) => `bin${i}`);
    const subst = Object.fromEntries(Array.from({ length: 70_000 }, (_, i) => [`V${i}`, `v${i}`]));
    for (const opts of [sunos({ binDirs }), sunos({ subst })]) {
      const input = ['bin7/a', 'bin4999/b', 'lib/c', 'share/${V3}/d', '${V69999}/e', 'bin7/a'].join('\n');
      const want = viaLines(input, opts);
      expect(want.warnings).toHaveLength(1);
      expect(await viaBytes(input, opts, 1 << 16)).toEqual(want);
    }
  });
  it('agrees with the string path when a chunk expands past its output buffer (256 KiB), repeats included', async () => {
    const { pick, rnd } = seeded(11);
    const heads = ['bin/', 'sbin/', 'lib/', 'include${INCARCHSUFFIX}/', 'lib${LIBARCHSUFFIX}/', 'share/', '@comment ', '${PKGMANDIR}/'];
    const body = Array.from({ length: 40_000 }, (_, i) => `${pick(heads)}p${rnd(5000)}/f${i % 9000}`);
    // Duplicates far apart, and a run of them repeated over itself.
    const input = [...body, ...body.slice(0, 5000)].join('\n') + '\n';
    const opts = sunos();
    const want = viaLines(input, opts);
    expect(want.out.length).toBeGreaterThan(1 << 20);
    expect(await viaBytes(input, opts, 1 << 22)).toEqual(want);
  });
  it('agrees with the string path when token values are longer than a line and its output, or than the core takes', async () => {
    // 3,000 bytes: the core grows its output buffer; 100,000: past what it takes, every line is the string path's.
    for (const size of [3_000, 100_000]) {
      const long = 'x'.repeat(size);
      const platform = platformFor('SunOS', { 'BINARCHSUFFIX.64': `/${long}`, 'LIBARCHSUFFIX.32': `/${long}y`, 'INCARCHSUFFIX.64': `/${long}z` });
      const opts = sunos({ platform });
      const input = ['bin${BINARCHSUFFIX}/a', 'lib${LIBARCHSUFFIX}/b', 'include${INCARCHSUFFIX}/c.h', 'bin/d', 'lib/e', 'share/f', 'share/f'].join('\n');
      const want = viaLines(input, opts);
      expect(want.out.length).toBeGreaterThan(4 * size);
      expect(want.warnings).toHaveLength(1);
      expect(await viaBytes(input, opts, 1 << 16)).toEqual(want);
    }
  });
});
