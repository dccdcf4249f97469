/**
 * The set of output lines printed so far, for pkgsrc's exact-string de-dup.
 *
 * A PLIST can be millions of lines in CI, and exact de-dup must be able to
 * recognise any of them again, so what is kept per distinct line decides the
 * memory. Here it is 8 bytes of hash table: a 28-bit fingerprint, a 4-bit set
 * of the variants printed so far, and a reference to the key's bytes. When
 * the key is a whole line of the input, the reference is where that line is
 * in the input (see `KeyLog`), which is read back only to confirm a
 * fingerprint match, that is for real duplicates and the odd chance
 * collision. Keys that exist only after expansion (substituted lines, the
 * generic header of a `${INCARCHSUFFIX}` line) are copied into an
 * append-only byte array instead.
 *
 * The fingerprint is a polynomial hash of the UTF-8 bytes, which the byte
 * path computes inline while it looks for the end of the line. Such hashes
 * have known collisions (Thue–Morse strings); a collision costs one read,
 * never a wrong answer, because a key counts as seen only when its bytes
 * equal the stored ones.
 */

/** Multiplier of the line hash; `PlistExpander.addBytes` computes the same hash inline. */
export const HASH_BASE = 0x01000193;

/**
 * The line hash of `bytes[s, e)`: a polynomial over its 32-bit
 * little-endian words, then over the one to three bytes left. Words, so
 * that the byte path hashes four bytes a step.
 */
export function hashBytes(bytes: Uint8Array, s: number, e: number): number {
  let h = 0;
  let i = s;
  for (; i + 4 <= e; i += 4) {
    const w = bytes[i]! | (bytes[i + 1]! << 8) | (bytes[i + 2]! << 16) | (bytes[i + 3]! << 24);
    h = (Math.imul(h, 0x01000193) + w) | 0; // HASH_BASE
  }
  for (; i < e; i++) h = (Math.imul(h, 0x01000193) + bytes[i]!) | 0;
  return h;
}

/** `hashBytes` through a DataView: a word a load. */
export function hashView(view: DataView, s: number, e: number): number {
  let h = 0;
  let i = s;
  // HASH_BASE as a literal (see PlistExpander.scanLines).
  for (; i + 4 <= e; i += 4) h = (Math.imul(h, 0x01000193) + view.getInt32(i, true)) | 0;
  for (; i < e; i++) h = (Math.imul(h, 0x01000193) + view.getUint8(i)) | 0;
  return h;
}

/**
 * Where the byte path's keys can be read again: a reference is an offset in
 * the concatenated input, and the key is the line that starts there (up to a
 * newline or the end of its file).
 */
export interface KeyLog {
  /** Reads up to `n` bytes at `ref` into `into[0, n)`, not past the end of the file holding `ref`; returns how many. */
  read(ref: number, into: Uint8Array, n: number): number;
  /** Optionally, whether the line at `ref` is `bytes[s, s + len)` without a copy; undefined: use `read`. */
  lineEquals?(ref: number, bytes: Uint8Array, s: number, len: number): boolean | undefined;
  /**
   * Optionally, how many bytes of `bytes[s, e)` are the same as the input
   * from `ref` on, within the file holding `ref`; 0 unless `ref` starts a
   * line (see `PlistExpander.skipRepeat`). May stop short of the longest match.
   */
  sameAs?(ref: number, bytes: Uint8Array, s: number, e: number): number;
}

/** Largest reference a slot can hold; keys later in the input are copied instead. */
const MAX_LOG_REF = 0x7fffffff;

export const VARIANT_BITS = 0xf;

/**
 * The de-dup table. Every output line is named by a key line and a variant
 * (see `expand.ts`): `bin/amd64/foo` is variant "copy for ABI 64" of
 * `bin/foo`, so one lookup serves all the lines one input line expands to.
 */
export class SeenLines {
  // Slot i: [2i] = fingerprint (high 28 bits) | variant bits (0 = empty),
  // [2i+1] = reference: >= 0 an offset in the log, < 0 ~offset in the arena
  // (where a varint length and then the bytes are).
  private table: Int32Array;
  private mask: number;
  /** A slot's home is `home(fingerprint, shift)`: the top bits of the table size. */
  private shift: number;
  private count = 0;
  private readonly arena = new KeyArena();
  private scratch: Buffer = Buffer.allocUnsafe(768);
  private readBack: Uint8Array = new Uint8Array(256);
  /** See `touch`. */
  touched = 0;
  /** The reference of the key the last `markFingerprint` found already there (>= 0: where it is in the log). */
  matchedRef = -1;

  /**
   * `expected`: a guess of how many keys will be added, to size the table
   * once; `log`: where references point (without one, every key is copied).
   */
  constructor(
    expected = 0,
    private readonly log?: KeyLog,
  ) {
    let bits = 10;
    while (2 ** bits * 3 < expected * 4) bits++;
    // Written through once now: the kernel then maps the pages in order,
    // instead of one fault (or two, after a read) per page at random as keys
    // arrive. On a 1M-line PLIST this is the cheaper way by some 30 ms.
    this.table = new Int32Array(2 ** bits * 2).fill(0);
    this.mask = 2 ** bits - 1;
    this.shift = 32 - bits;
  }

  /** Keys stored. */
  get size(): number {
    return this.count;
  }

  /** Bytes of key text copied into memory (keys found through the log are not). */
  get keyBytes(): number {
    return this.arena.size;
  }

  /**
   * Records `variants` (bits 0–3) as printed for the key `bytes[s, s + len)`
   * whose line hash is `h`; returns the variants recorded before (0 for a new
   * key). `ref` is where the key is in the log, or -1 to copy it (as is a
   * key beyond what a slot can refer to).
   */
  mark(h: number, len: number, variants: number, bytes: Uint8Array, s: number, ref: number): number {
    return this.markFingerprint(fingerprint(h, len), len, variants, bytes, s, ref);
  }

  /**
   * Loads the home slots of the keys with fingerprints `fps[0, n)` into the
   * cache. The table is far larger than the cache, so each lookup would
   * otherwise wait for memory on its own; these loads do not depend on each
   * other, so the processor overlaps them. What they load is kept only so
   * that they are not optimised away.
   */
  touch(fps: Int32Array, n: number): void {
    const { table, shift } = this;
    let x = 0;
    // Variant bits in `fps` mark kinds of line (see `PlistExpander.scanLines`), not the key.
    for (let k = 0; k < n; k++) x |= table[2 * home(fps[k]! & ~0xf, shift)]!;
    this.touched |= x;
  }

  /** `mark` for a key whose `fingerprint` is known. */
  markFingerprint(fp: number, len: number, variants: number, bytes: Uint8Array, s: number, ref: number): number {
    const table = this.table;
    const mask = this.mask;
    let i = home(fp, this.shift);
    for (;;) {
      const w = table[2 * i]!;
      if (w === 0) break;
      // ~VARIANT_BITS as a literal (see PlistExpander.scanLines).
      if ((w & ~0xf) === fp && this.equals(table[2 * i + 1]!, bytes, s, len)) {
        table[2 * i] = w | variants;
        this.matchedRef = table[2 * i + 1]!;
        return w & VARIANT_BITS;
      }
      i = (i + 1) & mask;
    }
    table[2 * i] = fp | variants;
    table[2 * i + 1] = ref >= 0 && ref <= MAX_LOG_REF && this.log !== undefined ? ref : ~this.arena.append(bytes, s, len);
    if (++this.count * 4 > (mask + 1) * 3) this.grow();
    return 0;
  }

  /** `mark` for the key `key.slice(from)`, copied if new. */
  markString(key: string, from: number, variants: number): number {
    // A native encode: it also flattens the concatenated strings expansion makes, which a charCodeAt loop would walk.
    let b = this.scratch;
    if ((key.length - from) * 3 > b.length) b = this.scratch = Buffer.allocUnsafe(Math.max((key.length - from) * 3, 2 * b.length));
    const n = from === 0 ? b.write(key, 0, 'utf8') : b.write(key.slice(from), 0, 'utf8');
    return this.mark(hashBytes(b, 0, n), n, variants, b, 0, -1);
  }

  /** Whether the key at `ref` is `bytes[s, s + len)`. */
  private equals(ref: number, bytes: Uint8Array, s: number, len: number): boolean {
    if (ref < 0) return this.arena.equals(~ref, bytes, s, len);
    // The logged key is the whole line at `ref`: equal when its first `len`
    // bytes are and the line ends there.
    const direct = this.log!.lineEquals?.(ref, bytes, s, len);
    if (direct !== undefined) return direct;
    if (this.readBack.length < len + 1) this.readBack = new Uint8Array(2 * (len + 1));
    const got = this.log!.read(ref, this.readBack, len + 1);
    if (got < len || (got > len && this.readBack[len] !== 10)) return false;
    for (let i = 0; i < len; i++) if (this.readBack[i] !== bytes[s + i]) return false;
    return true;
  }

  private grow(): void {
    const old = this.table;
    const cap = old.length; // twice the old slot count
    const table = new Int32Array(cap * 2).fill(0); // see the constructor
    const mask = cap - 1;
    const shift = this.shift - 1;
    for (let j = 0; j < old.length; j += 2) {
      const w = old[j]!;
      if (w === 0) continue;
      let i = home(w & ~VARIANT_BITS, shift);
      while (table[2 * i] !== 0) i = (i + 1) & mask;
      table[2 * i] = w;
      table[2 * i + 1] = old[j + 1]!;
    }
    this.table = table;
    this.mask = mask;
    this.shift = shift;
  }
}

/**
 * A fingerprint's home slot, from all its bits (Fibonacci hashing), so that
 * keys sharing a home rarely share a fingerprint and the fingerprint alone
 * can place a key when the table grows.
 */
function home(fp: number, shift: number): number {
  return Math.imul(fp, 0x9e3779b1) >>> shift;
}

/**
 * The table's fingerprint of a key with line hash `h` and length `len`: the
 * two mixed, then spread (a polynomial hash is weak in its low bits), with
 * the variant bits cleared.
 */
export function fingerprint(h: number, len: number): number {
  h ^= Math.imul(len, 0x9e3779b1);
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  return (h ^ (h >>> 16)) & ~VARIANT_BITS;
}

/**
 * The copied keys: each a varint length and the bytes, appended to 1 MiB
 * blocks (a new block when a key does not fit the current one), so growing
 * never copies what is stored. An offset's block is `offset >>> 20`; a key
 * bigger than a block gets a block of its own spanning several numbers.
 */
class KeyArena {
  private readonly blocks: Uint8Array[] = [];
  /** Offset of each block's first byte (a big block repeats under all its numbers). */
  private readonly starts: number[] = [];
  private end = 0; // next free offset
  private limit = 0; // end of the current block
  /** Bytes stored, lengths included. */
  size = 0;

  append(bytes: Uint8Array, s: number, n: number): number {
    const need = n + 8;
    if (this.end + need > this.limit) this.newBlock(need);
    const off = this.end;
    const k = off >>> BLOCK_BITS;
    const A = this.blocks[k]!;
    let p = off - this.starts[k]!;
    const first = p;
    let v = n;
    while (v >= 0x80) {
      A[p++] = (v & 0x7f) | 0x80;
      v = Math.floor(v / 128);
    }
    A[p++] = v;
    // A native copy once the key is longer than a few words.
    if (n > 24) {
      A.set(bytes.subarray(s, s + n), p);
      p += n;
    } else for (let i = 0; i < n; i++) A[p++] = bytes[s + i]!;
    this.end += p - first;
    this.size += p - first;
    return off;
  }

  /** Whether the key at `off` is `bytes[s, s + len)`. */
  equals(off: number, bytes: Uint8Array, s: number, len: number): boolean {
    const k = off >>> BLOCK_BITS;
    const A = this.blocks[k]!;
    let p = off - this.starts[k]!;
    let stored = 0;
    for (let shift = 0; ; shift += 7) {
      const c = A[p++]!;
      stored += (c & 0x7f) * 2 ** shift;
      if (c < 0x80) break;
    }
    if (stored !== len) return false;
    for (let i = 0; i < len; i++) if (A[p + i] !== bytes[s + i]) return false;
    return true;
  }

  private newBlock(need: number): void {
    const start = this.blocks.length * BLOCK;
    const span = Math.ceil(need / BLOCK);
    if (start + span * BLOCK > MAX_LOG_REF + 1) throw new RangeError('plist de-dup table: more than 2 GiB of distinct expanded lines');
    const block = new Uint8Array(span * BLOCK);
    for (let i = 0; i < span; i++) {
      this.blocks.push(block);
      this.starts.push(start);
    }
    this.end = start;
    this.limit = start + span * BLOCK;
  }
}

const BLOCK_BITS = 20;
const BLOCK = 1 << BLOCK_BITS;
