/**
 * The set of output lines printed so far, for pkgsrc's exact-string de-dup.
 *
 * A PLIST can be millions of lines in CI, so this keeps a 60-bit fingerprint
 * per distinct key line (8 bytes in typed arrays) instead of the strings
 * themselves (~80 bytes each with V8's overhead). The fingerprint is a pair
 * of polynomial hashes, which compose: the hash of `prefix + rest` follows
 * from the hashes of the parts, so a per-ABI path is keyed by its generic
 * form without building that string. Two different keys sharing a
 * fingerprint (about 1 in 10^6 for a million-line PLIST) would show up as a
 * duplicate warning naming the line, never as a silent loss.
 */

/** Multipliers of the two hashes; `PlistExpander.addBytes` computes the same hashes over ASCII bytes. */
export const B1 = 0x01000193;
export const B2 = 0x5bd1e995;

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

/**
 * The de-dup table. Every output line is named by a key line and a variant
 * (see `expand.ts`): `bin/amd64/foo` is variant "64-bit copy" of `bin/foo`,
 * so one lookup serves all the lines one input line expands to. Each slot
 * holds a 60-bit fingerprint of the key and a 4-bit set of the variants
 * printed so far.
 */
export class SeenLines {
  // Slot i is [2i] = fingerprint high word, [2i+1] = 28 more bits | variant bits.
  private table: Uint32Array;
  private mask: number;
  private count = 0;

  /** `expected`: a guess of how many keys will be added, to size the table once. */
  constructor(expected = 0) {
    let cap = 1024;
    while (cap * 3 < expected * 4) cap *= 2;
    this.table = new Uint32Array(cap * 2);
    this.mask = cap - 1;
  }

  /** Keys stored. */
  get size(): number {
    return this.count;
  }

  /**
   * Records `variants` (bits 0–3) as printed for the key with hash `h`;
   * returns the variants that were already recorded (0 for a new key).
   */
  mark(h: Hash, variants: number): number {
    return this.markRaw(h.h1, h.h2, h.len, variants);
  }

  /** `mark` with the hash given as its parts (the byte path has them in locals). */
  markRaw(h1: number, h2: number, len: number, variants: number): number {
    // Mix the length in, then spread the bits (polynomial hashes are weak in the low bits).
    const a = fmix(h1 ^ Math.imul(len, 0x9e3779b1)) >>> 0;
    const b = (fmix(h2 + len) & ~VARIANT_BITS) >>> 0;
    const { table, mask } = this;
    let i = a & mask;
    for (;;) {
      const l = table[2 * i + 1]!;
      if (l === 0) break; // empty: a used slot always has a variant bit set
      if ((l & ~VARIANT_BITS) >>> 0 === b && table[2 * i] === a) {
        table[2 * i + 1] = l | variants;
        return l & VARIANT_BITS;
      }
      i = (i + 1) & mask;
    }
    table[2 * i] = a;
    table[2 * i + 1] = (b | variants) >>> 0;
    if (++this.count * 4 > (mask + 1) * 3) this.grow();
    return 0;
  }

  private grow(): void {
    const old = this.table;
    const cap = old.length; // slots double: old.length is 2 × the old slot count
    const table = new Uint32Array(cap * 2);
    const mask = cap - 1;
    for (let j = 0; j < old.length; j += 2) {
      const b = old[j + 1]!;
      if (b === 0) continue;
      const a = old[j]!;
      let i = a & mask;
      while (table[2 * i + 1] !== 0) i = (i + 1) & mask;
      table[2 * i] = a;
      table[2 * i + 1] = b;
    }
    this.table = table;
    this.mask = mask;
  }
}

const VARIANT_BITS = 0xf;

function fmix(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  return h ^ (h >>> 16);
}
