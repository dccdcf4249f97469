/**
 * The set of output lines printed so far, for pkgsrc's exact-string de-dup.
 *
 * A PLIST can be millions of lines in CI, and exact de-dup must be able to
 * recognise any of them again, so what is kept per distinct line decides the
 * memory. The table is the core's (native/plist-core/table.c): 8 bytes a
 * key, a 28-bit fingerprint, a 4-bit set of the variants printed so far,
 * and a reference to the key's bytes, which is where the key is in the input
 * when it is a whole line of it (see `KeyLog`), read back only to confirm a
 * fingerprint match; keys that exist only after expansion are copied.
 * A fingerprint collision costs a compare, never a wrong answer.
 */
import { Core } from './core.ts';

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

/**
 * The de-dup table. Every output line is named by a key line and a variant
 * (see `expand.ts`): `bin/amd64/foo` is variant "copy for ABI 64" of
 * `bin/foo`, so one lookup serves all the lines one input line expands to.
 */
export class SeenLines {
  /** The core that holds the table; `PlistExpander` runs its byte path on it. */
  readonly core: Core;

  /**
   * `expected`: a guess of how many keys will be added, to size the table
   * once; `log`: where references point (without one, every key is copied);
   * `config`: the expansion the core's byte path does (see `PlistExpander`).
   */
  constructor(expected = 0, log?: KeyLog, config?: Uint8Array) {
    this.core = new Core(config, expected, log);
  }

  /** Keys stored. */
  get size(): number {
    return this.core.size;
  }

  /** Bytes of key text copied into memory, with their lengths (keys found through the log are not). */
  get keyBytes(): number {
    return this.core.keyBytes;
  }

  /**
   * Records `variants` (bits 0–3) as printed for the key `bytes[s, s + len)`;
   * returns the variants recorded before (0 for a new key). `ref` is where
   * the key is in the log, or -1 to copy it.
   */
  mark(bytes: Uint8Array, s: number, len: number, variants: number, ref: number): number {
    return this.core.mark(bytes, s, len, variants, ref);
  }

  /** `mark` for the key `key.slice(from)`, copied if new. */
  markString(key: string, from: number, variants: number): number {
    return this.core.markString(from === 0 ? key : key.slice(from), variants);
  }

  /** The table's fingerprint of a key (tests build keys that share one). */
  fingerprintOf(key: Uint8Array): number {
    return this.core.fingerprint(key);
  }
}
