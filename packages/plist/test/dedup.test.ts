import { describe, expect, it } from 'vitest';
import { type ExpandOptions, PlistExpander, expandLines } from '../src/index.ts';
import { linux, platformVariants, seeded, sunos } from './helpers.ts';

/**
 * Reference semantics: expand each line on its own, then drop every output
 * string printed before (pkgsrc's print_entry). The expander keys its table
 * by (generic line, variant) instead; these tests hold it to the reference.
 */
function reference(input: readonly string[], opts: ExpandOptions): string[] {
  const printed = new Set<string>();
  const out: string[] = [];
  for (const l of input) {
    const own: string[] = [];
    new PlistExpander(opts).add(l, 'P', 1, own);
    for (const x of own) {
      if (!printed.has(x)) {
        printed.add(x);
        out.push(x);
      }
    }
  }
  return out;
}

describe('de-dup by (key, variant) equals de-dup by string', () => {
  it('catches duplicates between a token line, an automatic line and per-ABI lines', () => {
    const input = ['bin${BINARCHSUFFIX}/bar', 'bin/bar', 'bin/amd64/baz', 'bin/baz', 'lib/i86/q', '@link lib/isaexec bin/baz', 'lib/amd64/l', 'lib${LIBARCHSUFFIX}/l'];
    for (const opts of [sunos(), linux()]) {
      const r = expandLines(input, opts);
      expect(r.lines).toEqual(reference(input, opts));
    }
    const r = expandLines(input, sunos());
    expect(r.warnings.map((w) => w.split(':')[1])).toEqual(['2', '4', '6', '8']);
  });
  it('keeps outputs apart that only look alike (nested dirs, skip dirs, double suffixes)', () => {
    const opts = sunos({ binDirs: ['bin', 'bin/sub'], skipLibDirs: ['lib/svc', 'lib/amd64/svc'] });
    const input = ['bin/sub/x', 'bin/amd64/sub/x', 'bin/sub/amd64/x', 'bin/amd64/amd64/y', 'bin/amd64/y', 'lib/svc/m', 'lib/amd64/svc/m', 'lib/amd64/lib/z', 'lib/z'];
    const r = expandLines(input, opts);
    expect(r.lines).toEqual(reference(input, opts));
    expect(r.lines).toContain('bin/amd64/sub/x');
    expect(r.lines).toContain('bin/sub/amd64/x');
  });
  it('agrees on random PLISTs for every platform and scope', () => {
    const { pick } = seeded(42);
    const heads = ['bin/', 'sbin/', 'lib/', 'lib/svc/', 'share/', 'include/', 'bin/amd64/', 'bin/i86/', 'lib/amd64/', 'lib/i86/',
      'bin${BINARCHSUFFIX}/', 'lib${LIBARCHSUFFIX}/', 'include${INCARCHSUFFIX}/', '@comment bin/', '@pkgdir lib/', '@link lib/isaexec bin/',
      '@pkgdir lib${LIBARCHSUFFIX}/', 'libexec${BINARCHSUFFIX}/', 'bin/x${INCARCHSUFFIX}/', 'lib/amd64/amd64/'];
    const tails = ['a', 'b', 'c', 'd/e', 'amd64/f', 'i86/g'];
    const platforms = platformVariants();
    const scopes = [{ enabled: true, bin: true, lib: true }, { enabled: true, bin: true, lib: false },
      { enabled: true, bin: false, lib: true }, { enabled: false }] as const;
    let checked = 0;
    for (const platform of platforms) {
      for (const multiarch of scopes) {
        const opts = sunos({ platform, multiarch });
        for (let round = 0; round < 20; round++) {
          const input = Array.from({ length: 40 }, () => pick(heads) + pick(tails));
          expect(expandLines(input, opts).lines).toEqual(reference(input, opts));
          checked++;
        }
      }
    }
    expect(checked).toBe(320);
  });
});
