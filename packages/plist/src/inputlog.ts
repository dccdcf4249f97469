import { closeSync, fstatSync, mkdtempSync, openSync, readSync, rmdirSync, unlinkSync, writeSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { KeyLog } from './seen.ts';

/** A stretch of the concatenated input and where its bytes are on disk. */
interface Part {
  /** Offset of the stretch in the concatenated input. */
  readonly base: number;
  /** End of the stretch (exclusive), once known. */
  end: number;
  readonly fd: number;
  /** Offset of `base` in `fd`. */
  readonly at: number;
}

/**
 * The input of one expansion, kept findable for the de-dup table (`KeyLog`):
 * a regular file is read again where it lies; anything else (stdin, a pipe)
 * is copied as it streams past into an unlinked temporary file, so that the
 * table never has to keep a line in memory. Owns the descriptors it is given.
 */
export class InputLog implements KeyLog {
  private readonly parts: Part[] = [];
  private total = 0;
  private spool: { fd: number; size: number } | undefined;
  private readonly fds: number[] = [];
  /** The current stream could not be spooled. */
  private unlogged = false;

  /** Starts a file opened as `fd`; returns its offset in the concatenated input. A non-regular file is spooled. */
  openFile(fd: number): { base: number; spooled: boolean } {
    this.fds.push(fd);
    if (!fstatSync(fd).isFile()) return { base: this.openStream(), spooled: true };
    this.finishLast();
    this.parts.push({ base: this.total, end: Infinity, fd, at: 0 });
    return { base: this.total, spooled: false };
  }

  /**
   * Starts a stream whose bytes will be given to `spoolWrite`; returns its
   * offset in the concatenated input, or -1 when there is nowhere to spool
   * it (no writable temporary directory): its keys are then copied instead.
   */
  openStream(): number {
    this.finishLast();
    if (this.spool === undefined) {
      try {
        this.spool = createSpool();
      } catch {
        this.unlogged = true;
        return -1;
      }
    }
    this.parts.push({ base: this.total, end: Infinity, fd: this.spool.fd, at: this.spool.size });
    return this.total;
  }

  /** Copies the next raw bytes of the current stream to the spool (if it has one). */
  spoolWrite(bytes: Uint8Array): void {
    const spool = this.spool;
    if (this.unlogged || spool === undefined) return;
    let done = 0;
    while (done < bytes.length) done += writeSync(spool.fd, bytes, done, bytes.length - done, spool.size + done);
    spool.size += bytes.length;
  }

  /** Ends the current file or stream after `size` bytes. */
  close(size: number): void {
    if (this.unlogged) {
      // Not logged: it takes no room in the concatenated input.
      this.unlogged = false;
      return;
    }
    const last = this.parts.at(-1)!;
    last.end = last.base + size;
    this.total = last.end;
  }

  read(ref: number, into: Uint8Array, n: number): number {
    const p = this.partOf(ref);
    const want = Math.min(n, p.end - ref);
    const pos = p.at + (ref - p.base);
    const cached = this.cache.get(p.fd, pos, want);
    if (cached >= 0) {
      into.set(this.cache.bytes.subarray(cached, cached + want));
      return want;
    }
    let got = 0;
    while (got < want) {
      const r = readSync(p.fd, into, got, want - got, pos + got);
      if (r === 0) break;
      got += r;
    }
    return got;
  }

  /**
   * Whether the line at `ref` is `bytes[s, s + len)`: compared where it
   * lies in the cache when it can be, without a copy (the common case for
   * a true duplicate); undefined when the caller has to `read` it.
   */
  lineEquals(ref: number, bytes: Uint8Array, s: number, len: number): boolean | undefined {
    const p = this.partOf(ref);
    const pos = p.at + (ref - p.base);
    // The line and what follows it: a newline, or the end of its file.
    const atEnd = ref + len === p.end;
    if (ref + len > p.end) return false;
    const c = this.cache.get(p.fd, pos, atEnd ? len : len + 1);
    if (c < 0) return undefined;
    const b = this.cache.bytes;
    if (!atEnd && b[c + len] !== 10) return false;
    for (let i = 0; i < len; i++) if (b[c + i] !== bytes[s + i]) return false;
    return true;
  }

  sameAs(ref: number, bytes: Uint8Array, s: number, e: number): number {
    const p = this.partOf(ref);
    if (ref < p.base || ref >= p.end) return 0;
    // A line starts at `ref`: its file starts there, or a newline is before it.
    if (ref > p.base && (this.read(ref - 1, this.oneByte, 1) !== 1 || this.oneByte[0] !== 10)) return 0;
    const limit = Math.min(e - s, p.end - ref);
    const cached = this.cache.bytes;
    let done = 0;
    // Short first: a repeat is often only a line or two long.
    let step = 256;
    while (done < limit) {
      const pos = p.at + (ref - p.base) + done;
      const n = Math.min(step, limit - done, CACHE_BLOCK - (pos % CACHE_BLOCK));
      const c = this.cache.get(p.fd, pos, n);
      if (c < 0) break;
      const at = s + done;
      if (cached.compare(bytes, at, at + n, c, c + n) !== 0) {
        // The longest equal prefix within these n bytes, halving natively, then by bytes.
        let lo = 0;
        let hi = n;
        while (hi - lo > 32) {
          const mid = (lo + hi) >>> 1;
          if (cached.compare(bytes, at + lo, at + mid, c + lo, c + mid) === 0) lo = mid;
          else hi = mid;
        }
        while (lo < hi && cached[c + lo] === bytes[at + lo]) lo++;
        return done + lo;
      }
      done += n;
      step = Math.min(4 * step, CACHE_BLOCK);
    }
    return done;
  }

  private readonly oneByte = new Uint8Array(1);

  private partOf(ref: number): Part {
    const parts = this.parts;
    let k = parts.length - 1;
    while (k > 0 && parts[k]!.base > ref) k--;
    return parts[k]!;
  }

  /**
   * Recent stretches of the input, so that duplicates near each other (a
   * PLIST repeated over itself reads its first copy back line after line)
   * cost a copy instead of a system call each.
   */
  private readonly cache = new ReadCache();

  /** Closes every descriptor given to it and the spool. */
  dispose(): void {
    for (const fd of this.fds.splice(0)) closeQuietly(fd);
    if (this.spool) closeQuietly(this.spool.fd);
    this.spool = undefined;
  }

  private finishLast(): void {
    const last = this.parts.at(-1);
    if (this.unlogged || (last && last.end === Infinity)) throw new Error('InputLog: the previous input was not closed');
  }
}

const CACHE_BLOCK = 64 * 1024;
const CACHE_BLOCKS = 16;

/**
 * A direct-mapped cache of 64 KiB blocks of the files behind an `InputLog`
 * (1 MiB in all). Only whole blocks are kept: the files only grow (a spool is
 * appended to), so a whole block never goes stale.
 */
class ReadCache {
  readonly bytes = Buffer.alloc(CACHE_BLOCK * CACHE_BLOCKS);
  private readonly fds = new Int32Array(CACHE_BLOCKS).fill(-1);
  private readonly starts = new Float64Array(CACHE_BLOCKS).fill(-1);

  /** Where `n` bytes of `fd` at `pos` are in `bytes`, loading their block if need be; -1 if they are not in one whole block. */
  get(fd: number, pos: number, n: number): number {
    const start = pos - (pos % CACHE_BLOCK);
    if (pos + n > start + CACHE_BLOCK) return -1;
    const slot = (start / CACHE_BLOCK) % CACHE_BLOCKS;
    const at = slot * CACHE_BLOCK;
    if (this.fds[slot] !== fd || this.starts[slot] !== start) {
      let got = 0;
      while (got < CACHE_BLOCK) {
        const r = readSync(fd, this.bytes, at + got, CACHE_BLOCK - got, start + got);
        if (r === 0) break;
        got += r;
      }
      if (got < CACHE_BLOCK) {
        this.fds[slot] = -1;
        return -1;
      }
      this.fds[slot] = fd;
      this.starts[slot] = start;
    }
    return at + (pos - start);
  }
}

/** An anonymous file: created in a private directory, then unlinked at once, so nothing is left behind even on a crash. */
function createSpool(): { fd: number; size: number } {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'plist-expand-'));
  const file = path.join(dir, 'input');
  try {
    return { fd: openSync(file, 'w+', 0o600), size: 0 };
  } finally {
    try {
      unlinkSync(file);
    } catch {
      /* not created */
    }
    rmdirSync(dir);
  }
}

function closeQuietly(fd: number): void {
  try {
    closeSync(fd);
  } catch {
    /* already closed */
  }
}
