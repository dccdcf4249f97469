// The command line as a person reads it.
import { describe, expect, test } from 'vitest';
import { mkpkg } from './helpers.ts';

describe('mkpkg --help', () => {
  test('wraps between words, never inside one, within 100 columns', () => {
    const r = mkpkg(['--help'], { COLUMNS: '200' });
    expect(r.code).toBe(0);
    for (const line of r.stdout.split('\n')) expect(line.length, line).toBeLessThanOrEqual(100);
    // Continuation lines joined back with one space must give the descriptions whole.
    const joined = r.stdout.replace(/\n\s+(?=\S)/g, (m) => (/\n\s{10,}/.test(m) ? ' ' : m));
    expect(joined).toContain('print the platform row (ABIs, suffixes) and whether the compiler can build each ABI');
    expect(joined).toContain('build these parts multiarch (bin, lib, or bin,lib), overriding USE_MULTIARCH');
    expect(joined).toContain('describe a package file or an installed package (-L: list its files); no argument: list installed packages');
  });
});
