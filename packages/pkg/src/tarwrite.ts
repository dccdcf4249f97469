import { once } from 'node:events';
import type { Readable, Writable } from 'node:stream';
import { Header, Pax, type HeaderData } from 'tar';

/**
 * Writes a tar stream entry by entry into `out`, honouring back-pressure.
 * node-tar encodes every header (ustar, with a pax extended header only when
 * a field does not fit, as libarchive's "pax restricted" does); we drive the
 * order and the normalised ownership ourselves, which Pack cannot do for
 * members that are not files on disk.
 */
export class TarWriter {
  #written = 0;
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

  /** A file member streamed from `body`, which must yield exactly `h.size` bytes. */
  async addStream(h: HeaderData & { size: number }, body: Readable): Promise<void> {
    await this.#header(h);
    let n = 0;
    for await (const chunk of body as AsyncIterable<Buffer>) {
      n += chunk.length;
      if (n > h.size) break;
      await this.#write(chunk);
    }
    if (n !== h.size) {
      body.destroy();
      throw new Error(`${h.path}: the file changed while it was being packed (${n} bytes read, ${h.size} expected)`);
    }
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
