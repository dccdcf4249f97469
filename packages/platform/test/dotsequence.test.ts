import { describe, expect, it } from 'vitest';
import { InputError, comparePkg5, parsePkg5Version } from '../src/index.ts';

describe('pkg(5) DotSequence ordering', () => {
  it.each([
    ['1.0', '1.0.0', -1],
    ['1.0', '1.0', 0],
    ['1.10', '1.9', 1],
    ['5.36', '5.36.0', -1],
    ['1.0-1', '1.0', 1],
    ['1.0-1', '1.0-2', -1],
    ['1.0,5.11-0.1', '1.0,5.10-0.1', 0],
    ['1.0-1:20200101T000000Z', '1.0-1', 1],
    ['1.0-1:20200101T000000Z', '1.0-1:20210101T000000Z', -1],
    ['99999999999999999999999.1', '99999999999999999999999.0', 1],
  ])('%s vs %s → %i', (a, b, want) => {
    expect(comparePkg5(a, b)).toBe(want);
    expect(comparePkg5(b, a)).toBe(-want || 0);
  });

  it('defaults the build release to 5.11', () => {
    expect(parsePkg5Version('1.2').buildRelease).toEqual([5n, 11n]);
  });

  it.each(['', '01.2', '1..2', '-1', '1.a', '1.0:2020', '1.0:20201301T000000Z', ',5.11', '1.0-', 'ü'])(
    'rejects %j with a clear error',
    (bad) => {
      expect(() => parsePkg5Version(bad)).toThrow(InputError);
    },
  );
});
