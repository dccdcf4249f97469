import { readFileSync } from 'node:fs';
import type { KeyLog } from './seen.ts';

/**
 * The byte path of the expansion and the de-dup table, in C compiled to
 * WebAssembly (native/plist-core/, see its README for why and for the
 * protocol). One instance is one expansion's state: its own linear memory,
 * table and buffers.
 */

/** What `run` stopped for. */
export const DONE = 0;
/** The line at [start, end) needs the string path (`PlistExpander.add`); go on at end + 1. */
export const PUNT = 1;
/** A line printed before in full: the input from `start` may repeat earlier input (`runRef` says where). */
export const REPEAT = 2;
/** The output buffer is full: take it and go on at `start`. */
export const FULL = 3;
export const NOMEM = 4;

export const RUN_REPORT = 1;
export const RUN_SKIPS = 2;

/** `mark`'s answer when memory ran out. */
const MARK_NOMEM = 0x100;
/** Log references a slot can hold; a chunk further on is not referred to (its keys are copied). */
const MAX_LOG_REF = 0x7fffffff;

/** The little of the WebAssembly API used here (the workspace's types are Node's, which do not declare it). */
interface Wasm {
  Module: new (bytes: Uint8Array) => WasmModule;
  Instance: new (module: WasmModule, imports: Record<string, Record<string, unknown>>) => { readonly exports: unknown };
}
interface WasmModule {
  readonly brand?: 'WebAssembly.Module';
}
const wasm = (globalThis as unknown as { WebAssembly: Wasm }).WebAssembly;

interface Exports {
  readonly memory: { readonly buffer: ArrayBuffer };
  px_config(n: number): number;
  px_init(config: number, n: number, expected: number): number;
  px_input(n: number): number;
  px_chunk(n: number, ref: number): void;
  px_strip_cr(n: number): number;
  px_out(): number;
  px_state(): number;
  px_scratch(n: number): number;
  px_run(from: number, line: number, flags: number): number;
  px_mark(p: number, len: number, variants: number, ref: number): number;
  px_fingerprint(p: number, len: number): number;
  px_table_size(): number;
  px_key_bytes(): number;
}

// Fields of the state the core leaves after `run` (an i32 array; the first, the status, is `run`'s answer).
const START = 1;
const END = 2;
const LINE = 3;
const DUPS = 4;
const RUN_REF = 5;
const OUT_LEN = 6;

let compiled: WasmModule | undefined;

/**
 * The compiled core: beside this module in a build (scripts/lib/commands.mjs
 * copies it into dist/), else in native/build/ of a checkout.
 */
function coreModule(): WasmModule {
  if (compiled !== undefined) return compiled;
  const places = [new URL('./plist-core.wasm', import.meta.url), new URL('../../../native/build/plist-core.wasm', import.meta.url)];
  for (const place of places) {
    let bytes: Buffer;
    try {
      bytes = readFileSync(place);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') continue;
      throw err;
    }
    const m = new wasm.Module(bytes);
    compiled = m;
    return m;
  }
  throw new Error("plist-core.wasm is missing: build it with 'make -C native wasm' (scripts/setup does)");
}

/** The configuration `px_init` reads: little-endian u32s, byte strings as a length and the bytes. */
export class ConfigWriter {
  private readonly parts: Buffer[] = [];

  u32(v: number): this {
    const b = Buffer.allocUnsafe(4);
    b.writeInt32LE(v | 0);
    this.parts.push(b);
    return this;
  }

  bytes(s: string): this {
    const b = Buffer.from(s);
    this.u32(b.length);
    this.parts.push(b);
    return this;
  }

  done(): Buffer {
    return Buffer.concat(this.parts);
  }
}

/** No multiarch, nothing to expand: a bare de-dup table. */
const TABLE_ONLY = new ConfigWriter().u32(0).u32(0).u32(1).u32(0).bytes('').u32(0).u32(0).done();

export class Core {
  private readonly x: Exports;
  private buffer: ArrayBuffer | undefined;
  private u8 = new Uint8Array(0);
  private mem = Buffer.alloc(0);
  private st = new Int32Array(0);
  private readonly statePtr: number;
  private readBack = new Uint8Array(256);
  /** Where the loaded chunk is in linear memory, and its length there. */
  private inAt = 0;
  private inLen = 0;

  /** `log`: where keys given as references (>= 0) are read back; `expected`: lines, to size the table once. */
  constructor(config: Uint8Array = TABLE_ONLY, expected = 0, private readonly log?: KeyLog) {
    const instance = new wasm.Instance(coreModule(), { env: { log_equals: (ref: number, p: number, len: number) => (this.logEquals(ref, p, len) ? 1 : 0) } });
    this.x = instance.exports as unknown as Exports;
    const at = this.x.px_config(config.length);
    if (at === 0) throw new RangeError('plist-core: out of memory');
    this.bytes().set(config, at);
    if (this.x.px_init(at, config.length, expected) !== 0) throw new Error('plist-core: bad configuration (a bug: see PlistExpander)');
    this.statePtr = this.x.px_state();
  }

  /** Linear memory as bytes (views are renewed after it grows). */
  private bytes(): Uint8Array {
    const b = this.x.memory.buffer;
    if (b !== this.buffer) {
      this.buffer = b;
      this.u8 = new Uint8Array(b);
      this.mem = Buffer.from(b);
      this.st = new Int32Array(b);
    }
    return this.u8;
  }

  private logEquals(ref: number, p: number, len: number): boolean {
    const log = this.log;
    if (log === undefined) return false;
    const mem = this.bytes();
    const direct = log.lineEquals?.(ref, mem, p, len);
    if (direct !== undefined) return direct;
    // The logged key is the whole line at `ref`: equal when its first `len` bytes are and the line ends there.
    if (this.readBack.length < len + 1) this.readBack = new Uint8Array(2 * (len + 1));
    const got = log.read(ref, this.readBack, len + 1);
    if (got < len || (got > len && this.readBack[len] !== 10)) return false;
    for (let i = 0; i < len; i++) if (this.readBack[i] !== mem[p + i]) return false;
    return true;
  }

  /** Gives the core a chunk of whole lines (no final newline) at `ref` in the input log (-1: not logged). */
  load(chunk: Uint8Array, ref: number): void {
    this.input(chunk);
    this.x.px_chunk(chunk.length, ref >= 0 && ref + chunk.length <= MAX_LOG_REF ? ref : -1);
  }

  /**
   * `load` for a chunk with CRLF endings: the CRs that end lines are
   * dropped (and the chunk is no longer what the input log holds). False
   * when a CR is anywhere else.
   */
  loadCrlf(chunk: Uint8Array): boolean {
    this.input(chunk);
    const n = this.x.px_strip_cr(chunk.length);
    if (n < 0) return false;
    this.inLen = n;
    this.x.px_chunk(n, -1);
    return true;
  }

  /** A copy of the loaded chunk as the core holds it (without the CRs `loadCrlf` dropped). */
  chunk(): Buffer {
    return Buffer.from(this.bytes().subarray(this.inAt, this.inAt + this.inLen));
  }

  private input(chunk: Uint8Array): void {
    const at = this.x.px_input(chunk.length);
    if (at === 0) throw new RangeError('plist-core: out of memory');
    this.bytes().set(chunk, at);
    this.inAt = at;
    this.inLen = chunk.length;
  }

  /**
   * Expands the chunk's lines from `from` (a line start, numbered `line`)
   * until it stops; returns why. What it left (`start`, `end`, `line`,
   * `runRef`, the output and the duplicates) is read until the next call
   * into the core.
   */
  run(from: number, line: number, flags: number): number {
    const r = this.x.px_run(from, line, flags);
    this.bytes();
    return r;
  }

  get start(): number {
    return this.st[(this.statePtr >> 2) + START]!;
  }

  get end(): number {
    return this.st[(this.statePtr >> 2) + END]!;
  }

  get line(): number {
    return this.st[(this.statePtr >> 2) + LINE]!;
  }

  get runRef(): number {
    return this.st[(this.statePtr >> 2) + RUN_REF]!;
  }

  /** Duplicate lines the core dropped since the last call (after `run`). */
  takeDuplicates(): number {
    const st = this.st;
    const i = (this.statePtr >> 2) + DUPS;
    const n = st[i]!;
    st[i] = 0;
    return n;
  }

  /** Moves the core's output to `sink` (which copies what it keeps; after `run`). */
  takeOutput(sink: (bytes: Uint8Array) => void): void {
    const st = this.st;
    const i = (this.statePtr >> 2) + OUT_LEN;
    const n = st[i]!;
    if (n === 0) return;
    const at = this.x.px_out();
    sink(this.u8.subarray(at, at + n));
    st[i] = 0;
  }

  /** Records `variants` for the key `key[s, s + len)`; returns those recorded before. `ref`: where it is in the log, or -1 to copy it. */
  mark(key: Uint8Array, s: number, len: number, variants: number, ref: number): number {
    const at = this.scratch(len);
    this.u8.set(key.subarray(s, s + len), at);
    return this.marked(this.x.px_mark(at, len, variants, ref >= 0 && ref <= MAX_LOG_REF ? ref : -1));
  }

  /** `mark` for the UTF-8 of a string, copied if new. */
  markString(key: string, variants: number): number {
    const at = this.scratch(key.length * 3);
    const n = this.mem.write(key, at, 'utf8');
    return this.marked(this.x.px_mark(at, n, variants, -1));
  }

  /** The table's fingerprint of a key (tests build colliding keys with it). */
  fingerprint(key: Uint8Array): number {
    const at = this.scratch(key.length);
    this.u8.set(key, at);
    return this.x.px_fingerprint(at, key.length);
  }

  get size(): number {
    return this.x.px_table_size();
  }

  get keyBytes(): number {
    return this.x.px_key_bytes();
  }

  private scratch(n: number): number {
    const at = this.x.px_scratch(n);
    if (at === 0) throw new RangeError('plist-core: out of memory');
    this.bytes();
    return at;
  }

  private marked(r: number): number {
    if (r === MARK_NOMEM) throw new RangeError('plist de-dup table: out of memory (more than 2 GiB of distinct lines)');
    return r;
  }
}
