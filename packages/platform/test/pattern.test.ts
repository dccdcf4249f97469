import { describe, expect, it } from 'vitest';
import { InputError, bestMatch, expandBraces, globMatch, pkgMatch } from '../src/index.ts';

describe('package patterns (pkg_match)', () => {
  it.each([
    ['foo>=1.0<2', 'foo-2.0rc1', true],
    ['foo>=1.0<2', 'foo-2.0', false],
    ['foo<1.0', 'foo-1.0beta', true],
    ['foo>1.0', 'foo-1.0nb1', true],
    ['foo>=1', 'foo-bar-1.2', false],
    ['foo>=1.0', 'foo-1.0', true],
    ['foo<=1.0', 'foo-1.0nb1', false],
    ['foo-[0-9]*', 'foo-1.2', true],
    ['foo-[0-9]*', 'foo-bar-1.2', false],
    ['foo-1.*', 'foo-1.9', true],
    ['foo', 'foo-1.2', true],
    ['foo', 'foobar-1.2', false],
    ['foo-1.2', 'foo-1.2', true],
    ['{foo,bar}>=1', 'bar-1.5', true],
    ['{foo,bar}>=1', 'baz-1.5', false],
    ['isaexec>=0.1', 'isaexec-0.1.0', true],
    ['{a,b{c,d}}-1', 'bd-1', true],
  ])('%s ~ %s → %s', (pat, name, want) => {
    expect(pkgMatch(pat, name)).toBe(want);
  });

  it('expands nested alternations', () => {
    expect(expandBraces('x{a,b{c,d}}y')).toEqual(['xay', 'xbcy', 'xbdy']);
  });

  it('rejects unbalanced braces and bad operators with a clear error', () => {
    expect(() => pkgMatch('foo{a,b', 'foo-1')).toThrow(InputError);
    expect(() => pkgMatch('foo}', 'foo-1')).toThrow(/without/);
    expect(() => pkgMatch('foo>=', 'foo-1')).toThrow(/missing version/);
  });

  it('globs honour FNM_PERIOD for a leading dot', () => {
    expect(globMatch('*', '.hidden')).toBe(false);
    expect(globMatch('.*', '.hidden')).toBe(true);
  });

  it('picks the best match: highest version, then the smaller name', () => {
    expect(bestMatch('foo>=1', ['foo-1.0', 'foo-1.10', 'foo-1.9', 'bar-9'])).toBe('foo-1.10');
    expect(bestMatch('foo-*', ['foo-1.0', 'foo-1.0.0'])).toBe('foo-1.0');
    expect(bestMatch('zzz', ['foo-1.0'])).toBeUndefined();
  });
});
