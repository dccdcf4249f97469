import fs from 'node:fs';
import os from 'node:os';
import { Writable } from 'node:stream';
import zlib from 'node:zlib';
import { noteGarbage } from './gcnudge.ts';

/**
 * gzip on every core, as pigz does it: the input is cut into fixed-size
 * blocks, each block is deflated on its own (with the 32 KiB before it as
 * the dictionary, so the ratio stays gzip's) and ends on a byte boundary
 * (a sync flush), the last with a final block; the pieces, one gzip header
 * and a trailer with the CRC-32 and size of the whole input make a single
 * gzip stream that any gunzip reads.
 *
 * The blocks are deflated by node's zlib on libuv's thread pool (the async
 * `zlib.deflateRaw`), at most `parallel` at a time; the CRC is computed
 * here, block by block in input order (`zlib.crc32`, native), so no
 * crc32_combine is needed. Block edges depend on input offsets only, so the
 * same input gives the same bytes whatever the timing.
 *
 * A block is sealed (its dictionary and CRC taken) once full, waits for a
 * free deflater, is deflated, then waits for the blocks before it to be
 * written. At most `maxBlocks` sealed blocks are anywhere in that pipeline:
 * the writer of the stream waits beyond that, which bounds memory, while
 * one more than there are deflaters keeps every deflater busy when one
 * finishes before the block ahead of it.
 */
export interface ParallelGzipOptions {
  level: number;
  /** Uncompressed bytes per block. */
  blockSize?: number;
  /** Blocks being deflated at once; default one per core, leaving one of libuv's pool threads to the file reads and writes. */
  parallel?: number;
  /** Sealed blocks not yet written (waiting, deflating or deflated); default `parallel` + 2. */
  maxBlocks?: number;
}

export const DEFAULT_BLOCK = 256 * 1024;
const WINDOW = 32 * 1024;
/** gzip header: deflate, no flags, no mtime, no extra flags, OS Unix (what node's and GNU gzip's headers hold for a stream). */
const HEADER = Buffer.from([0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 3]);

/** One block's input and the window before it; pooled, so the input side allocates nothing per block. */
interface Block {
  readonly data: Buffer;
  fill: number;
  readonly dictionary: Buffer;
  dictionaryLength: number;
}

/** A sealed block on its way: deflated into `compressed`, which the in-order writer waits for. */
interface Sealed {
  block: Block;
  last: boolean;
  /** Output buffer size for zlib: the expected compressed size, so zlib allocates about what it fills. */
  chunkSize: number;
  done: (out: Buffer) => void;
  fail: (err: Error) => void;
}

export class ParallelGzip extends Writable {
  readonly #fd: number;
  readonly #level: number;
  readonly #blockSize: number;
  readonly #parallel: number;
  readonly #maxBlocks: number;
  readonly #pool: Block[] = [];
  #block: Block;
  #crc = 0;
  #size = 0;
  /** The window for the next block: the last WINDOW bytes of the stream so far, `#windowLength` of them. */
  readonly #window = Buffer.alloc(WINDOW);
  #windowLength = 0;
  /** Sealed, waiting for a deflater. */
  readonly #ready: Sealed[] = [];
  #deflating = 0;
  /** Settles when everything sealed so far is written (or given up), in order; never rejects. */
  #written: Promise<void>;
  /** Sealed blocks not yet written. */
  #pending = 0;
  /** Wakes the writer of the stream waiting for #pending to drop. */
  #wake: (() => void) | undefined;
  /** The most blocks that were ever sealed and unwritten at once (tests check the bound). */
  #highWater = 0;
  /** Compressed size of the last block deflated, which sizes the next output buffer. */
  #lastCompressed: number;
  #failed: Error | undefined;

  constructor(fd: number, o: ParallelGzipOptions) {
    const blockSize = o.blockSize ?? DEFAULT_BLOCK;
    super({ highWaterMark: blockSize });
    this.#fd = fd;
    this.#level = o.level;
    this.#blockSize = blockSize;
    this.#parallel = Math.max(1, o.parallel ?? defaultParallel());
    this.#maxBlocks = Math.max(this.#parallel, o.maxBlocks ?? this.#parallel + 2);
    this.#lastCompressed = blockSize;
    this.#block = this.#newBlock();
    this.#written = writeAll(fd, HEADER);
  }

  /** Most sealed blocks held at once so far (input, dictionary and output each). */
  get highWater(): number { return this.#highWater; }

  override _write(chunk: Buffer, _enc: BufferEncoding, cb: (err?: Error | null) => void): void {
    let waiting: Promise<void> | undefined;
    try {
      waiting = this.#take(chunk);
    } catch (err) {
      cb(err as Error);
      return;
    }
    if (waiting === undefined) cb();
    else waiting.then(() => cb(), cb);
  }

  override _final(cb: (err?: Error | null) => void): void {
    this.#seal(true);
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
    // Blocks not yet handed to zlib never will be.
    for (const s of this.#ready.splice(0)) s.fail(this.#failed);
    this.#wake?.();
    this.#written.then(() => cb(err), () => cb(err));
  }

  #newBlock(): Block {
    return this.#pool.pop() ?? { data: Buffer.allocUnsafe(this.#blockSize), fill: 0, dictionary: Buffer.allocUnsafe(WINDOW), dictionaryLength: 0 };
  }

  /** Copies `chunk` into blocks; a promise only when the pipeline is full and the writer must wait. */
  #take(chunk: Buffer): Promise<void> | undefined {
    let at = 0;
    while (at < chunk.length) {
      // A full block is sealed only when more input comes, so that the last one (the final block) is never empty.
      if (this.#block.fill === this.#blockSize) {
        this.#seal(false);
        if (this.#pending >= this.#maxBlocks) return this.#waitThenTake(chunk.subarray(at));
      }
      const n = chunk.copy(this.#block.data, this.#block.fill, at);
      this.#block.fill += n;
      at += n;
    }
    if (this.#failed) throw this.#failed;
    return undefined;
  }

  async #waitThenTake(rest: Buffer): Promise<void> {
    while (this.#pending >= this.#maxBlocks && !this.#failed) await new Promise<void>((r) => { this.#wake = r; });
    if (this.#failed) throw this.#failed;
    await this.#take(rest);
  }

  /** Makes the window the last WINDOW bytes of the stream so far, `input` being the newest. */
  #keepWindow(input: Buffer): void {
    const w = this.#window;
    if (input.length >= WINDOW) {
      input.copy(w, 0, input.length - WINDOW);
      this.#windowLength = WINDOW;
      return;
    }
    // A block shorter than the window (only with a small blockSize, or the last): keep the newest of both.
    const keep = Math.min(this.#windowLength, WINDOW - input.length);
    w.copy(w, 0, this.#windowLength - keep, this.#windowLength);
    input.copy(w, keep);
    this.#windowLength = keep + input.length;
  }

  /** Takes the current block out of filling: its CRC and dictionary now, in stream order; its deflate when a deflater is free. */
  #seal(last: boolean): void {
    const block = this.#block;
    const input = block.data.subarray(0, block.fill);
    this.#crc = zlib.crc32(input, this.#crc);
    this.#size += input.length;
    this.#window.copy(block.dictionary, 0, 0, this.#windowLength);
    block.dictionaryLength = this.#windowLength;
    this.#keepWindow(input);
    // zlib writes the whole block into one output buffer when it fits, so each block leaves about its
    // compressed size of garbage rather than a block's worth (the bytes do not depend on the buffer size).
    const expected = this.#lastCompressed + (this.#lastCompressed >> 3) + 4096;
    const chunkSize = Math.min(this.#blockSize + (this.#blockSize >> 6) + 1024, Math.max(16 * 1024, expected));
    let sealed!: Sealed;
    const compressed = new Promise<Buffer>((done, fail) => { sealed = { block, last, chunkSize, done, fail }; });
    // Rejections reach #failed through the chain below, which may take this promise up later.
    compressed.catch(() => {});
    // After the block before it in every case, so that once #written settles no write of ours is under way.
    this.#written = this.#written
      .then(() => compressed)
      .then((out) => (this.#failed ? undefined : writeAll(this.#fd, out)))
      .catch((err: Error) => { this.#failed ??= err; })
      .finally(() => {
        this.#pending--;
        const wake = this.#wake;
        this.#wake = undefined;
        wake?.();
      });
    this.#pending++;
    this.#highWater = Math.max(this.#highWater, this.#pending);
    this.#ready.push(sealed);
    this.#block = this.#newBlock();
    this.#block.fill = 0;
    this.#pump();
  }

  /** Hands ready blocks to zlib while fewer than `parallel` are being deflated. */
  #pump(): void {
    while (this.#deflating < this.#parallel && this.#ready.length > 0) {
      const s = this.#ready.shift() as Sealed;
      this.#deflating++;
      const { block } = s;
      zlib.deflateRaw(block.data.subarray(0, block.fill), {
        level: this.#level,
        ...(block.dictionaryLength > 0 ? { dictionary: block.dictionary.subarray(0, block.dictionaryLength) } : {}),
        finishFlush: s.last ? zlib.constants.Z_FINISH : zlib.constants.Z_SYNC_FLUSH,
        chunkSize: s.chunkSize,
      }, (err, out) => {
        this.#deflating--;
        this.#pool.push(block);
        if (err) s.fail(err);
        else {
          this.#lastCompressed = out.length;
          // zlib's output buffer(s), dead once written (a block that outgrew its buffer also left a joined copy).
          noteGarbage(out.length > s.chunkSize ? 2 * out.length : s.chunkSize);
          s.done(out);
        }
        if (!this.#failed) this.#pump();
        else for (const r of this.#ready.splice(0)) r.fail(this.#failed);
      });
    }
  }
}

/**
 * One deflater per core, but fewer than libuv's thread pool has threads
 * (UV_THREADPOOL_SIZE, default 4): deflates queued beyond the pool would
 * only wait in it, holding memory, and the package file's writes would
 * wait behind them.
 */
function defaultParallel(): number {
  const pool = Number(process.env.UV_THREADPOOL_SIZE) || 4;
  return Math.max(1, Math.min(os.availableParallelism(), pool - 1));
}

async function writeAll(fd: number, buf: Buffer): Promise<void> {
  let done = 0;
  while (done < buf.length) {
    done += await new Promise<number>((resolve, reject) => {
      fs.write(fd, buf, done, buf.length - done, null, (err, n) => (err ? reject(err) : resolve(n)));
    });
  }
}
