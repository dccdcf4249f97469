/**
 * The set of output lines printed so far, for pkgsrc's exact-string de-dup.
 *
 * A PLIST can be millions of lines in CI, so this keeps a 64-bit fingerprint
 * per distinct line (8 bytes in typed arrays) instead of the strings
 * themselves (~80 bytes each with V8's overhead). The fingerprint is a pair
 * of polynomial hashes, which compose: the hash of `prefix + rest` follows
 * from the hashes of the parts, so the copies of a line (`bin/amd64/…`,
 * `bin/i86/…`, `@link … bin/…`) are fingerprinted without building or
 * re-reading each string. Two different lines sharing a fingerprint would
 * show up as a duplicate warning naming the line, never as a silent loss.
 */

const B1 = 0x01000193;
const B2 = 0x5bd1e995;

/** Polynomial hash pair of a string (or a part of one), with its length. */
export interface Hash {
  h1: number;
  h2: number;
  len: number;
}

export class Hasher {
  private pow1 = new Uint32Array([1]);
  private pow2 = new Uint32Array([1]);

  /** Hash of `s.slice(from)`, written into `out`. */
  hash(s: string, from: number, out: Hash): Hash {
    let a = 0;
    let b = 0;
    for (let i = from; i < s.length; i++) {
      const c = s.charCodeAt(i);
      a = (Math.imul(a, B1) + c) | 0;
      b = (Math.imul(b, B2) + c) | 0;
    }
    out.h1 = a;
    out.h2 = b;
    out.len = s.length - from;
    return out;
  }

  /** Hash of the concatenation `x + y`, written into `out` (may be `y`). */
  concat(x: Hash, y: Hash, out: Hash): Hash {
    if (y.len >= this.pow1.length) this.growPowers(y.len);
    const h1 = (Math.imul(x.h1, this.pow1[y.len]!) + y.h1) | 0;
    const h2 = (Math.imul(x.h2, this.pow2[y.len]!) + y.h2) | 0;
    out.h1 = h1;
    out.h2 = h2;
    out.len = x.len + y.len;
    return out;
  }

  private growPowers(n: number): void {
    let size = this.pow1.length;
    while (size <= n) size *= 2;
    const p1 = new Uint32Array(size);
    const p2 = new Uint32Array(size);
    p1[0] = 1;
    p2[0] = 1;
    for (let i = 1; i < size; i++) {
      p1[i] = Math.imul(p1[i - 1]!, B1);
      p2[i] = Math.imul(p2[i - 1]!, B2);
    }
    this.pow1 = p1;
    this.pow2 = p2;
  }
}

export function newHash(): Hash {
  return { h1: 0, h2: 0, len: 0 };
}

export class SeenLines {
  private hi: Uint32Array;
  private lo: Uint32Array;
  private mask: number;
  private count = 0;

  constructor() {
    this.hi = new Uint32Array(1024);
    this.lo = new Uint32Array(1024);
    this.mask = 1023;
  }

  get size(): number {
    return this.count;
  }

  /** Adds the line with this hash; false when it was already there. */
  add(h: Hash): boolean {
    // Mix the length in, then spread the bits (polynomial hashes are weak in the low bits).
    const a = fmix(h.h1 ^ Math.imul(h.len, 0x9e3779b1)) >>> 0;
    const b = (fmix(h.h2 + h.len) | 1) >>> 0; // never 0: 0 marks an empty slot
    const { hi, lo, mask } = this;
    let i = a & mask;
    for (;;) {
      const l = lo[i]!;
      if (l === 0) break;
      if (l === b && hi[i] === a) return false;
      i = (i + 1) & mask;
    }
    hi[i] = a;
    lo[i] = b;
    if (++this.count * 4 > (mask + 1) * 3) this.grow();
    return true;
  }

  private grow(): void {
    const oldHi = this.hi;
    const oldLo = this.lo;
    const cap = oldHi.length * 2;
    this.hi = new Uint32Array(cap);
    this.lo = new Uint32Array(cap);
    this.mask = cap - 1;
    for (let j = 0; j < oldHi.length; j++) {
      const b = oldLo[j]!;
      if (b === 0) continue;
      const a = oldHi[j]!;
      let i = a & this.mask;
      while (this.lo[i] !== 0) i = (i + 1) & this.mask;
      this.hi[i] = a;
      this.lo[i] = b;
    }
  }
}

function fmix(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  return h ^ (h >>> 16);
}
