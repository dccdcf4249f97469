/**
 * The set of output lines printed so far, for pkgsrc's exact-string de-dup.
 *
 * A PLIST can be millions of lines in CI, so this keeps a 64-bit fingerprint
 * per distinct line (8 bytes in typed arrays) instead of the strings
 * themselves (~80 bytes each with V8's overhead). Two different lines
 * sharing a fingerprint is about 1 in 10^7 for 3 million lines; it would
 * show as a duplicate warning naming the line, never as a silent loss.
 */
export class SeenLines {
  private hi: Uint32Array;
  private lo: Uint32Array;
  private mask: number;
  private count = 0;

  constructor(initialCapacity = 1024) {
    let cap = 1024;
    while (cap < initialCapacity * 2) cap *= 2;
    this.hi = new Uint32Array(cap);
    this.lo = new Uint32Array(cap);
    this.mask = cap - 1;
  }

  get size(): number {
    return this.count;
  }

  /** Adds `s`; false when it was already there. */
  add(s: string): boolean {
    // Two independent 32-bit multiplicative hashes over the UTF-16 units.
    let a = 0x811c9dc5;
    let b = 0x9747b28c ^ s.length;
    for (let i = 0; i < s.length; i++) {
      const c = s.charCodeAt(i);
      a = Math.imul(a ^ c, 0x01000193);
      b = Math.imul(b ^ c, 0x5bd1e995);
      b ^= b >>> 13;
    }
    a = fmix(a) >>> 0;
    b = (fmix(b) | 1) >>> 0; // never 0: 0 marks an empty slot
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
