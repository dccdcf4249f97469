import { once } from 'node:events';
import fs from 'node:fs';
import type { Writable } from 'node:stream';
import { Header, Pax, type HeaderData } from 'tar';
import { openStaged } from './stagedfile.ts';

/**
 * Writes a tar stream entry by entry into `out`, honouring back-pressure.
 * `out` must be done with a chunk when it calls a write back (it copies it,
 * or it is written): the read buffer is reused then. A PassThrough is not
 * (it calls back while the chunk waits to be read).
 * node-tar encodes every header (ustar, with a pax extended header only when
 * a field does not fit, as libarchive's "pax restricted" does); we drive the
 * order and the normalised ownership ourselves, which Pack cannot do for
 * members that are not files on disk.
 */
const CHUNK = 256 * 1024;
/** Read buffers at most (each is in the compressor's hands until it calls back). */
const POOL = 4;
/** Padding and the end of the archive; only ever read (the compressors copy what they are given). */
const ZEROS = Buffer.alloc(1024);

export class TarWriter {
  #written = 0;
  readonly #pool: Buffer[] = [];
  #made = 0;
  readonly #waiting: Array<(b: Buffer) => void> = [];
  constructor(private readonly out: Writable) {}

  get bytes(): number { return this.#written; }

  async #write(buf: Buffer): Promise<void> {
    if (buf.length === 0) return;
    this.#written += buf.length;
    if (!this.out.write(buf)) await drainOrError(this.out);
  }

  async #header(h: HeaderData): Promise<void> {
    const header = new Header(h);
    if (header.encode()) {
      const pax = new Pax({ path: h.path, linkpath: h.linkpath, size: h.size, mtime: h.mtime, uid: h.uid, gid: h.gid, uname: h.uname, gname: h.gname });
      await this.#write(pax.encode());
    }
    if (!header.block) throw new Error(`tar: cannot encode a header for ${h.path}`);
    await this.#write(header.block);
  }

  /** A member whose body is in memory (metadata files, symlinks, hard links). */
  async add(h: HeaderData, body?: Buffer): Promise<void> {
    await this.#header({ ...h, size: body?.length ?? 0 });
    if (body && body.length > 0) {
      await this.#write(body);
      await this.#pad(body.length);
    }
  }

  /**
   * A file member read from `file`, which must still be `h.size` bytes long.
   * Read buffers come from a small pool and go back to it once the
   * compressor has taken them, so memory stays flat whatever the tree size
   * (fresh buffers per chunk left the garbage collector hundreds of MB behind).
   * Reads are synchronous: from the page cache they cost less than a promise
   * round trip, and the compressor works on its own threads meanwhile.
   */
  async addFile(h: HeaderData & { size: number }, file: string): Promise<void> {
    await this.#header(h);
    const fd = openStaged(file);
    let n = 0;
    try {
      for (;;) {
        const buf = await this.#buffer();
        const got = fs.readSync(fd, buf, 0, Math.min(CHUNK, h.size - n + 1), null);
        if (got === 0) { this.#give(buf); break; }
        n += got;
        if (n > h.size) { this.#give(buf); break; }
        this.#written += got;
        const ok = this.out.write(buf.subarray(0, got), () => this.#give(buf));
        if (!ok) await drainOrError(this.out);
      }
    } finally {
      fs.closeSync(fd);
    }
    if (n !== h.size) throw new Error(`${h.path}: the file changed while it was being packed (${n > h.size ? 'now larger than' : `${n} bytes, not`} ${h.size} bytes)`);
    await this.#pad(n);
  }

  /**
   * A read buffer: from the pool, else a new one while fewer than POOL
   * exist, else the next one the stream gives back. A stream that takes
   * data synchronously still calls back on a later tick, so without the
   * bound a file read in a loop would get a new buffer per chunk.
   */
  #buffer(): Buffer | Promise<Buffer> {
    const b = this.#pool.pop();
    if (b !== undefined) return b;
    if (this.#made < POOL) {
      this.#made++;
      return Buffer.allocUnsafe(CHUNK);
    }
    return new Promise((resolve) => this.#waiting.push(resolve));
  }

  #give(buf: Buffer): void {
    const w = this.#waiting.shift();
    if (w) w(buf);
    else this.#pool.push(buf);
  }

  async #pad(n: number): Promise<void> {
    const r = n % 512;
    if (r !== 0) await this.#write(ZEROS.subarray(0, 512 - r));
  }

  /** The two zero blocks that end an archive. */
  async finish(): Promise<void> {
    await this.#write(ZEROS);
  }
}

async function drainOrError(s: Writable): Promise<void> {
  // `once` rejects when the stream emits 'error' first.
  await once(s, 'drain');
}
