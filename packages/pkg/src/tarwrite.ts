import { once } from 'node:events';
import fs from 'node:fs';
import type { Writable } from 'node:stream';
import { Header, Pax, type HeaderData } from 'tar';

/**
 * Writes a tar stream entry by entry into `out`, honouring back-pressure.
 * node-tar encodes every header (ustar, with a pax extended header only when
 * a field does not fit, as libarchive's "pax restricted" does); we drive the
 * order and the normalised ownership ourselves, which Pack cannot do for
 * members that are not files on disk.
 */
const CHUNK = 256 * 1024;

export class TarWriter {
  #written = 0;
  readonly #pool: Buffer[] = [];
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
   */
  async addFile(h: HeaderData & { size: number }, file: string): Promise<void> {
    await this.#header(h);
    const fh = await fs.promises.open(file, 'r');
    let n = 0;
    try {
      for (;;) {
        const buf = this.#pool.pop() ?? Buffer.allocUnsafe(CHUNK);
        const want = Math.min(CHUNK, h.size - n + 1);
        const { bytesRead } = await fh.read(buf, 0, want, null);
        if (bytesRead === 0) { this.#pool.push(buf); break; }
        n += bytesRead;
        if (n > h.size) break;
        this.#written += bytesRead;
        const ok = this.out.write(buf.subarray(0, bytesRead), () => this.#pool.push(buf));
        if (!ok) await drainOrError(this.out);
      }
    } finally {
      await fh.close();
    }
    if (n !== h.size) throw new Error(`${h.path}: the file changed while it was being packed (${n > h.size ? 'now larger than' : `${n} bytes, not`} ${h.size} bytes)`);
    await this.#pad(n);
  }

  async #pad(n: number): Promise<void> {
    const r = n % 512;
    if (r !== 0) await this.#write(Buffer.alloc(512 - r));
  }

  /** The two zero blocks that end an archive. */
  async finish(): Promise<void> {
    await this.#write(Buffer.alloc(1024));
  }
}

async function drainOrError(s: Writable): Promise<void> {
  // `once` rejects when the stream emits 'error' first.
  await once(s, 'drain');
}
