import fs from 'node:fs';
import os from 'node:os';
import { Writable } from 'node:stream';
import zlib from 'node:zlib';

/**
 * gzip on every core, as pigz does it: the input is cut into fixed-size
 * blocks, each block is deflated on its own (with the 32 KiB before it as
 * the dictionary, so the ratio stays gzip's) and ends on a byte boundary
 * (a sync flush), the last with a final block; the pieces, one gzip header
 * and a trailer with the CRC-32 and size of the whole input make a single
 * gzip stream that any gunzip reads.
 *
 * The blocks are deflated by node's zlib on libuv's thread pool (the async
 * `zlib.deflateRaw`), at most one per core at a time; the CRC is computed
 * here, block by block in input order (`zlib.crc32`, native), so no
 * crc32_combine is needed. Block edges depend on input offsets only, so the
 * same input gives the same bytes whatever the timing.
 */
export interface ParallelGzipOptions {
  level: number;
  /** Uncompressed bytes per block. */
  blockSize?: number;
  /** Blocks being deflated at once; default one per core. */
  parallel?: number;
}

const DEFAULT_BLOCK = 256 * 1024;
const WINDOW = 32 * 1024;
/** gzip header: deflate, no flags, no mtime, no extra flags, OS Unix (what node's and GNU gzip's headers hold for a stream). */
const HEADER = Buffer.from([0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 3]);

export class ParallelGzip extends Writable {
  readonly #fd: number;
  readonly #level: number;
  readonly #blockSize: number;
  readonly #parallel: number;
  readonly #pool: Buffer[] = [];
  #block: Buffer;
  #fill = 0;
  #crc = 0;
  #size = 0;
  /** The last WINDOW bytes before the current block, `#dictionaryLength` of them (none at the start). */
  readonly #dictionary = Buffer.alloc(WINDOW);
  #dictionaryLength = 0;
  /** Settles when everything dispatched so far is written, in order. */
  #written: Promise<void>;
  /** Blocks dispatched and not yet written. */
  #inFlight: Array<Promise<void>> = [];
  #failed: Error | undefined;

  constructor(fd: number, o: ParallelGzipOptions) {
    const blockSize = o.blockSize ?? DEFAULT_BLOCK;
    super({ highWaterMark: blockSize });
    this.#fd = fd;
    this.#level = o.level;
    this.#blockSize = blockSize;
    this.#parallel = Math.max(1, o.parallel ?? os.availableParallelism());
    this.#block = Buffer.allocUnsafe(blockSize);
    this.#written = writeAll(fd, HEADER);
  }

  override _write(chunk: Buffer, _enc: BufferEncoding, cb: (err?: Error | null) => void): void {
    this.#take(chunk).then(() => cb(), cb);
  }

  override _final(cb: (err?: Error | null) => void): void {
    this.#dispatch(true);
    this.#written
      .then(() => {
        if (this.#failed) throw this.#failed;
        const trailer = Buffer.alloc(8);
        trailer.writeUInt32LE(this.#crc >>> 0, 0);
        trailer.writeUInt32LE(this.#size % 2 ** 32, 4);
        return writeAll(this.#fd, trailer);
      })
      .then(() => cb(), cb);
  }

  /**
   * Aborted (the package failed): no more writes, and 'close' (which
   * `finished` waits for) only once the writes under way have returned, so
   * the caller can close the descriptor without a late write landing in
   * whatever file gets its number next.
   */
  override _destroy(err: Error | null, cb: (err?: Error | null) => void): void {
    this.#failed ??= err ?? new Error('gzip stream destroyed');
    this.#written.then(() => cb(err), () => cb(err));
  }

  async #take(chunk: Buffer): Promise<void> {
    let at = 0;
    while (at < chunk.length) {
      // A full block is dispatched only when more input comes, so that the last one (the final block) is never empty.
      if (this.#fill === this.#blockSize) {
        this.#dispatch(false);
        // Back-pressure: no more blocks in the air than cores, which also bounds memory.
        while (this.#inFlight.length >= this.#parallel) await this.#inFlight.shift();
        if (this.#failed) throw this.#failed;
      }
      const n = chunk.copy(this.#block, this.#fill, at);
      this.#fill += n;
      at += n;
    }
  }

  /** Makes the dictionary the last WINDOW bytes of the stream so far, `input` being the newest. */
  #keepWindow(input: Buffer): void {
    const d = this.#dictionary;
    if (input.length >= WINDOW) {
      input.copy(d, 0, input.length - WINDOW);
      this.#dictionaryLength = WINDOW;
      return;
    }
    // A block shorter than the window (only with a small blockSize, or the last): keep the newest of both.
    const keep = Math.min(this.#dictionaryLength, WINDOW - input.length);
    d.copy(d, 0, this.#dictionaryLength - keep, this.#dictionaryLength);
    input.copy(d, keep);
    this.#dictionaryLength = keep + input.length;
  }

  #dispatch(last: boolean): void {
    const input = this.#block.subarray(0, this.#fill);
    const block = this.#block;
    this.#crc = zlib.crc32(input, this.#crc);
    this.#size += input.length;
    const dictionary = this.#dictionary.subarray(0, this.#dictionaryLength);
    const compressed = new Promise<Buffer>((resolve, reject) => {
      zlib.deflateRaw(input, {
        level: this.#level,
        ...(dictionary.length > 0 ? { dictionary } : {}),
        finishFlush: last ? zlib.constants.Z_FINISH : zlib.constants.Z_SYNC_FLUSH,
        // One pass of the thread pool per block: room for incompressible data and the flush markers.
        chunkSize: this.#blockSize + (this.#blockSize >> 6) + 1024,
      }, (err, out) => {
        this.#pool.push(block);
        if (err) reject(err);
        else resolve(out);
      });
    });
    // zlib has taken its copy of the dictionary by now (at init), so the buffer is refilled with this block's tail.
    this.#keepWindow(input);
    const written = Promise.all([compressed, this.#written]).then(([out]) => (this.#failed ? undefined : writeAll(this.#fd, out)));
    // Errors surface through #failed and the next write or _final, not as unhandled rejections.
    this.#written = written.catch((err: Error) => { this.#failed ??= err; });
    this.#inFlight.push(this.#written);
    this.#block = this.#pool.pop() ?? Buffer.allocUnsafe(this.#blockSize);
    this.#fill = 0;
  }
}

async function writeAll(fd: number, buf: Buffer): Promise<void> {
  let done = 0;
  while (done < buf.length) {
    done += await new Promise<number>((resolve, reject) => {
      fs.write(fd, buf, done, buf.length - done, null, (err, n) => (err ? reject(err) : resolve(n)));
    });
  }
}
