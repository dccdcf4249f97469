/**
 * The set of output lines printed so far, for pkgsrc's exact-string de-dup.
 *
 * A PLIST can be millions of lines in CI, so this keeps each distinct key
 * line as its UTF-8 bytes in one growing byte array, found through a 60-bit
 * fingerprint in a typed-array hash table, instead of as V8 strings (~80
 * bytes of overhead each) in a Set. The fingerprint is a pair
 * of polynomial hashes, which compose: the hash of `prefix + rest` follows
 * from the hashes of the parts, so a per-ABI path is keyed by its generic
 * form without building that string. Two different keys sharing a
 * fingerprint are still told apart: `SeenLines` compares the key bytes.
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
 * (see `expand.ts`): `bin/amd64/foo` is variant "copy for ABI 64" of `bin/foo`,
 * so one lookup serves all the lines one input line expands to. Each slot
 * holds a 60-bit fingerprint of the key, a 4-bit set of the variants printed
 * so far, and where the key's UTF-8 bytes are in an append-only arena. The
 * fingerprint is only a filter: a key counts as seen only when its bytes
 * equal the stored ones, so two keys that share a fingerprint (by chance or
 * by construction: polynomial hashes mod 2^32 have known collisions) stay
 * two keys. Memory is the distinct keys' bytes plus 12 bytes per slot.
 */
export class SeenLines {
  // Slot i is [3i] = fingerprint high word, [3i+1] = 28 more bits | variant bits,
  // [3i+2] = offset of the key in `arena` (a varint length, then the bytes).
  private table: Uint32Array;
  private mask: number;
  private count = 0;
  private arena: Uint8Array;
  private used = 0;

  /** `expected`: a guess of how many keys will be added, to size the table once. */
  constructor(expected = 0) {
    let cap = 1024;
    while (cap * 3 < expected * 4) cap *= 2;
    this.table = new Uint32Array(cap * 3);
    this.mask = cap - 1;
    // Keys are about an input line each; the headroom costs no RSS (pages untouched stay unmapped).
    this.arena = new Uint8Array(Math.max(1 << 16, Math.min(expected * 48, 1 << 30)));
  }

  /** Keys stored. */
  get size(): number {
    return this.count;
  }

  /** Bytes of key text stored. */
  get keyBytes(): number {
    return this.used;
  }

  /**
   * Records `variants` (bits 0–3) as printed for the key `key.slice(from)`,
   * whose hash is `h`; returns the variants that were already recorded (0
   * for a new key).
   */
  mark(h: Hash, variants: number, key: string, from: number): number {
    const a = fingerprintA(h.h1, h.len);
    const b = fingerprintB(h.h2, h.len);
    const { table, mask } = this;
    let i = a & mask;
    for (;;) {
      const l = table[3 * i + 1]!;
      if (l === 0) break; // empty: a used slot always has a variant bit set
      if ((l & ~VARIANT_BITS) >>> 0 === b && table[3 * i] === a && this.equalsString(table[3 * i + 2]!, key, from)) {
        table[3 * i + 1] = l | variants;
        return l & VARIANT_BITS;
      }
      i = (i + 1) & mask;
    }
    this.insert(i, a, b, variants, this.storeString(key, from));
    return 0;
  }

  /** `mark` for the key `bytes[s, s + len)` with its hash given as parts (the byte path has them in locals). */
  markBytes(h1: number, h2: number, len: number, variants: number, bytes: Uint8Array, s: number): number {
    const a = fingerprintA(h1, len);
    const b = fingerprintB(h2, len);
    const { table, mask } = this;
    let i = a & mask;
    for (;;) {
      const l = table[3 * i + 1]!;
      if (l === 0) break;
      if ((l & ~VARIANT_BITS) >>> 0 === b && table[3 * i] === a && this.equalsBytes(table[3 * i + 2]!, bytes, s, len)) {
        table[3 * i + 1] = l | variants;
        return l & VARIANT_BITS;
      }
      i = (i + 1) & mask;
    }
    this.insert(i, a, b, variants, this.storeBytes(bytes, s, s + len));
    return 0;
  }

  private insert(i: number, a: number, b: number, variants: number, off: number): void {
    const { table } = this;
    table[3 * i] = a;
    table[3 * i + 1] = (b | variants) >>> 0;
    table[3 * i + 2] = off;
    if (++this.count * 4 > (this.mask + 1) * 3) this.grow();
  }

  /** Whether the key stored at `off` is the UTF-8 encoding of `s.slice(from)`. */
  private equalsString(off: number, s: string, from: number): boolean {
    const A = this.arena;
    let p = off;
    let len = 0;
    for (let shift = 0; ; shift += 7) {
      const c = A[p++]!;
      len += (c & 0x7f) * 2 ** shift;
      if (c < 0x80) break;
    }
    const n = s.length - from;
    // While the characters are ASCII they are their own UTF-8 bytes, one each.
    for (let i = 0; i < n; i++) {
      const ch = s.charCodeAt(from + i);
      if (ch >= 0x80) return this.equalsBytes(off, Buffer.from(s.slice(from)), 0, undefined);
      if (i >= len || A[p + i] !== ch) return false;
    }
    return len === n;
  }

  /** Whether the key stored at `off` is `bytes[s, s + len)` (`len` undefined: to the end). */
  private equalsBytes(off: number, bytes: Uint8Array, s: number, len: number | undefined): boolean {
    const A = this.arena;
    let p = off;
    let stored = 0;
    for (let shift = 0; ; shift += 7) {
      const c = A[p++]!;
      stored += (c & 0x7f) * 2 ** shift;
      if (c < 0x80) break;
    }
    const n = len ?? bytes.length - s;
    if (stored !== n) return false;
    for (let i = 0; i < n; i++) if (A[p + i] !== bytes[s + i]) return false;
    return true;
  }

  private storeString(s: string, from: number): number {
    const n = s.length - from;
    // ASCII (nearly every PLIST line) is written as it is; anything else is encoded.
    for (let i = from; i < s.length; i++) {
      if (s.charCodeAt(i) >= 0x80) {
        const b = Buffer.from(s.slice(from));
        return this.storeBytes(b, 0, b.length);
      }
    }
    const off = this.storeLength(n);
    const A = this.arena;
    for (let i = 0; i < n; i++) A[this.used + i] = s.charCodeAt(from + i);
    this.used += n;
    return off;
  }

  private storeBytes(bytes: Uint8Array, s: number, e: number): number {
    const off = this.storeLength(e - s);
    // A loop: lines are short, and a subarray per line would be an allocation per key.
    const A = this.arena;
    let o = this.used;
    for (let i = s; i < e; i++) A[o++] = bytes[i]!;
    this.used = o;
    return off;
  }

  /** Appends the varint length `n` and makes room for `n` bytes after it; returns where the key starts. */
  private storeLength(n: number): number {
    const off = this.used;
    if (off + n + 8 > this.arena.length) {
      let size = this.arena.length * 2;
      while (off + n + 8 > size) size *= 2;
      if (size > 0xffffffff) throw new RangeError('plist de-dup table: more than 4 GiB of distinct lines');
      const bigger = new Uint8Array(size);
      bigger.set(this.arena.subarray(0, off));
      this.arena = bigger;
    }
    const A = this.arena;
    let p = off;
    let v = n;
    while (v >= 0x80) {
      A[p++] = (v & 0x7f) | 0x80;
      v = Math.floor(v / 128);
    }
    A[p++] = v;
    this.used = p;
    return off;
  }

  private grow(): void {
    const old = this.table;
    const cap = (old.length / 3) * 2;
    const table = new Uint32Array(cap * 3);
    const mask = cap - 1;
    for (let j = 0; j < old.length; j += 3) {
      const b = old[j + 1]!;
      if (b === 0) continue;
      const a = old[j]!;
      let i = a & mask;
      while (table[3 * i + 1] !== 0) i = (i + 1) & mask;
      table[3 * i] = a;
      table[3 * i + 1] = b;
      table[3 * i + 2] = old[j + 2]!;
    }
    this.table = table;
    this.mask = mask;
  }
}

// Mix the length in, then spread the bits (polynomial hashes are weak in the low bits).
function fingerprintA(h1: number, len: number): number {
  return fmix(h1 ^ Math.imul(len, 0x9e3779b1)) >>> 0;
}

function fingerprintB(h2: number, len: number): number {
  return (fmix(h2 + len) & ~VARIANT_BITS) >>> 0;
}

const VARIANT_BITS = 0xf;

function fmix(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  return h ^ (h >>> 16);
}
