import { describe, expect, it } from 'vitest';
import { compareDewey, deweyTest, parseDewey, splitPkgName } from '../src/index.ts';
import { readDeweyVectors } from './vectors.ts';

const vectors = readDeweyVectors();
const expected = { '<': -1, '==': 0, '>': 1 } as const;

describe('dewey ordering: shared vectors (fixtures/versions/dewey.txt)', () => {
  it('has the pkg_install examples and our edge cases', () => {
    expect(vectors.length).toBeGreaterThan(50);
  });
  it.each(vectors.map((v) => [`${v.line}: '${v.a}' ${v.op} '${v.b}'`, v] as const))('%s', (_, v) => {
    expect(compareDewey(v.a, v.b)).toBe(expected[v.op]);
    // The same case read backwards must give the opposite answer.
    expect(compareDewey(v.b, v.a)).toBe(-expected[v.op] || 0);
  });
});

describe('dewey parsing', () => {
  it('keeps nb apart from the component list, last nb wins', () => {
    expect(parseDewey('1.0nb2nb1')).toEqual({ parts: [1n, 0n, 0n], nb: 1n });
  });
  it('turns a single letter into two components', () => {
    expect(parseDewey('1.0b').parts).toEqual([1n, 0n, 0n, 0n, 2n]);
  });
  it('never throws on hostile strings', () => {
    const nasty = ['', '\0', '-', 'nb', 'nbnbnb', '...', '🦀1.2', 'x'.repeat(100_000), '9'.repeat(10_000), '\uD800', 'İİİ1'];
    for (const s of nasty) expect(() => compareDewey(s, '1.0')).not.toThrow();
    expect(compareDewey('9'.repeat(10_000), '9'.repeat(9_999))).toBe(1);
  });
  it('offers the test operators', () => {
    expect(deweyTest('1.0', '<=', '1.0.0')).toBe(true);
    expect(deweyTest('1.0', '!=', '1.0nb1')).toBe(true);
    expect(deweyTest('2.0', '>', '2.0rc1')).toBe(true);
  });
  it('splits package names at the last dash', () => {
    expect(splitPkgName('foo-bar-1.2nb3')).toEqual({ base: 'foo-bar', version: '1.2nb3' });
    expect(splitPkgName('nodash')).toEqual({ base: 'nodash', version: '' });
  });
});

describe('dewey ordering properties on random strings', () => {
  // A small deterministic PRNG so a failure is reproducible.
  let seed = 12345;
  const rnd = (n: number) => {
    seed = (seed * 1103515245 + 12345) & 0x7fffffff;
    return seed % n;
  };
  const atoms = ['0', '1', '2', '10', '99', '.', '_', 'pl', 'rc', 'pre', 'alpha', 'beta', 'nb', 'a', 'z', '-', '+', 'nb3'];
  const gen = () => Array.from({ length: 1 + rnd(6) }, () => atoms[rnd(atoms.length)]).join('');
  const samples = Array.from({ length: 150 }, gen);

  it('is antisymmetric and transitive (a total preorder)', () => {
    for (const a of samples) {
      for (const b of samples) {
        const ab = compareDewey(a, b);
        expect(compareDewey(b, a)).toBe(-ab || 0);
      }
    }
    for (let k = 0; k < 3000; k++) {
      const [a, b, c] = [samples[rnd(150)]!, samples[rnd(150)]!, samples[rnd(150)]!];
      if (compareDewey(a, b) <= 0 && compareDewey(b, c) <= 0) expect(compareDewey(a, c)).toBeLessThanOrEqual(0);
    }
  });
});
