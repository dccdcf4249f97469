import { type ArchSuffixes } from '@mkpkg/platform';
import { ConfigWriter, type Core, DONE, FULL, NOMEM, PUNT, REPEAT, RUN_REPORT, RUN_SKIPS } from './core.ts';
import { type ExpandOptions, normalizeDir } from './options.ts';
import { type KeyLog, SeenLines } from './seen.ts';
import { ARCH_TOKENS, Substituter } from './subst.ts';
import { checkRelativePath, mayBeUnsafePath, nulError, parseLine } from './syntax.ts';

/**
 * De-dup works on (key line, variant) pairs instead of output strings: a
 * per-ABI copy `bin/amd64/foo` is the variant "copy for ABI 64" of the key
 * `bin/foo`, `@link lib/isaexec bin/foo` is the variant "link" of it, and
 * anything else is the variant "plain" of itself. The pair is a function of
 * the output string alone (see `canonical`) and the output string is a
 * function of the pair, so de-duplicating pairs is de-duplicating strings;
 * but a line expanding to three outputs costs one table lookup.
 */
const PLAIN = 1;
const LINK = 2;
const COPY = [4, 8] as const;

/** An automatic directory (rule A or B) with what a line under it needs. */
interface AutoDir {
  /** `bin/` */
  readonly prefix: string;
  /** `bin/amd64/`, … per ABI in output order. */
  readonly abiPrefixes: readonly string[];
  /** Variant bit of each ABI's copy; ABIs with equal suffixes share one (equal strings). */
  readonly copyBits: readonly number[];
  readonly allBits: number;
  /** ABIs whose copies live in a suffixed dir, as indexes into abiPrefixes. */
  readonly suffixed: readonly number[];
  /** The ABI whose copy is the plain path (empty suffix), if any. */
  readonly plainCopy: number | undefined;
  /** `lib/svc/`, … : lines under these are not expanded. */
  readonly skips: readonly string[];
  readonly link: boolean;
}

type Match =
  | { readonly kind: 'none' }
  | { readonly kind: 'expand'; readonly dir: AutoDir }
  /** Already under an ABI dir (`bin/amd64/x`): left as it is. */
  | { readonly kind: 'abi'; readonly dir: AutoDir; readonly abi: number };

const NONE: Match = { kind: 'none' };

/** What px_init takes (MAX_ABIS, MAX_DIRS, MAX_SKIPS, MAX_SUBST in native/plist-core/expand.c). */
const CORE_LIMITS = { abis: 8, dirs: 4096, skips: 4096, subst: 65536 } as const;

/**
 * Duplicates reported one by one; the rest are only counted (`duplicateSummary`).
 * A PLIST repeated over itself has millions: a warning each would cost more
 * than the expansion and, on a slow stderr, unbounded memory.
 */
export const DUPLICATE_WARNINGS = 10;

/**
 * Multiarch expansion of one package's PLIST lines (rules A–D of Joyent's
 * plist-multiarch.awk, with the fixes the package README lists). Feed lines
 * in order with `add` (strings) or `addBytes` (chunks of bytes); outputs are
 * appended to the caller's output. Holds the de-dup state, so one instance
 * is one package. No I/O.
 *
 * Two paths share one de-dup table. `add`, the string path, is the
 * reference: every rule is written out there. `addBytes` hands a chunk to
 * the core (native/plist-core/, C compiled to WebAssembly), which expands
 * nearly every line of a PLIST without making a string (see its README
 * for which) and hands every other line back to `add`. The tests hold the
 * two paths to the same output and warnings.
 */
export class PlistExpander {
  readonly warnings: string[] = [];
  /** Duplicate lines dropped so far, reported or not. */
  duplicates = 0;
  private readonly subst: Substituter;
  private readonly seen: SeenLines;
  private readonly core: Core;
  private readonly enabled: boolean;
  private readonly suffixes: readonly ArchSuffixes[];
  private readonly dirs: readonly AutoDir[];
  private readonly expandMatches: ReadonlyMap<AutoDir, Match>;
  private readonly linkPrefix: string;
  // Scratch space, reused for every line (no allocation on the hot path).
  private readonly pending: string[] = [];
  private readonly lineOut: string[] = [];
  private readonly log: KeyLog | undefined;
  /** Whether repeats of earlier input may be skipped (`skipRepeat`): a log that compares, and no PLIST_SUBST or PLIST_VARS. */
  private readonly repeatable: boolean;
  /** Where in the input log the input after the last line may repeat, or -1 (see `skipRepeat`). */
  private runRef = -1;

  /**
   * `expectedLines`: a guess of the output size, so the de-dup table is
   * sized once; `log`: where `addBytes` input can be read again, so the
   * de-dup table need not copy it (see `SeenLines`).
   */
  constructor(opts: ExpandOptions, expectedLines = 0, log?: KeyLog) {
    this.log = log;
    // Without PLIST_SUBST and PLIST_VARS every `${VAR}` but the multiarch tokens stays as written.
    const literalVars = Object.keys(opts.subst).length === 0 && Object.keys(opts.plistVars).length === 0;
    this.repeatable = log?.sameAs !== undefined && literalVars;
    this.subst = new Substituter(opts.subst, opts.plistVars);
    const ma = opts.multiarch;
    this.enabled = ma.enabled;
    this.suffixes = opts.platform.abis.map((a) => opts.platform.suffixes[a]);
    const auto = (dirs: string[], skips: string[], kind: 'bin' | 'lib'): AutoDir[] =>
      dirs
        .map(normalizeDir)
        .filter((d) => d !== '')
        .map((d) => {
          const abiPrefixes = this.suffixes.map((s) => `${d}${s[kind]}/`);
          const copyBits = abiPrefixes.map((p, i) => COPY[abiPrefixes.indexOf(p)] ?? COPY[i]!);
          const plain = abiPrefixes.indexOf(`${d}/`);
          return {
            prefix: `${d}/`,
            abiPrefixes,
            copyBits,
            allBits: copyBits.reduce((a, b) => a | b, 0) | (kind === 'bin' ? LINK : 0),
            suffixed: abiPrefixes.map((_, i) => i).filter((i) => abiPrefixes[i] !== `${d}/`),
            plainCopy: plain < 0 ? undefined : plain,
            skips: skips.map(normalizeDir).filter((s) => s !== '').map((s) => `${s}/`),
            link: kind === 'bin',
          };
        });
    // Bin dirs before lib dirs (rule A runs first), then the most specific
    // first: with `bin` and `bin/x` both listed, `bin/x/y` belongs to `bin/x`.
    const bin = ma.enabled && ma.bin ? auto(opts.binDirs, opts.skipBinDirs, 'bin') : [];
    const lib = ma.enabled && ma.lib ? auto(opts.libDirs, opts.skipLibDirs, 'lib') : [];
    const byLength = (a: AutoDir, b: AutoDir) => b.prefix.length - a.prefix.length;
    this.dirs = [...bin.sort(byLength), ...lib.sort(byLength)];
    this.expandMatches = new Map(this.dirs.map((d) => [d, { kind: 'expand', dir: d }]));
    this.linkPrefix = `@link ${opts.linkSource} `;
    this.seen = new SeenLines(expectedLines, log, this.coreConfig(literalVars));
    this.core = this.seen.core;
  }

  /** What the core needs of the options (read by `px_init` in native/plist-core/expand.c). */
  private coreConfig(literalVars: boolean): Uint8Array {
    const subst = [...this.subst.entries()];
    // Past what px_init takes, the core leaves every line to `add` and gets none of them.
    const hostOnly = this.suffixes.length > CORE_LIMITS.abis || this.dirs.length > CORE_LIMITS.dirs ||
      this.dirs.some((d) => d.skips.length > CORE_LIMITS.skips) || subst.length > CORE_LIMITS.subst;
    const w = new ConfigWriter().u32(hostOnly ? 0 : this.suffixes.length).u32(this.enabled ? 1 : 0).u32(literalVars ? 1 : 0).u32(hostOnly ? 1 : 0).bytes(this.linkPrefix);
    if (hostOnly) return w.u32(0).u32(0).done();
    for (const x of this.suffixes) w.bytes(x.bin).bytes(x.lib).bytes(x.inc);
    w.u32(this.dirs.length);
    for (const d of this.dirs) {
      w.bytes(d.prefix).u32(d.link ? 1 : 0).u32(d.allBits).u32(d.plainCopy ?? -1);
      d.abiPrefixes.forEach((p, i) => w.bytes(p).u32(d.copyBits[i]!));
      w.u32(d.skips.length);
      for (const k of d.skips) w.bytes(k);
    }
    w.u32(subst.length);
    for (const [name, value] of subst) w.bytes(name).bytes(value);
    return w.done();
  }

  /**
   * Expands the lines of `bytes` (UTF-8 without NUL or CR, lines separated by
   * '\n', no final newline) into `out`; returns the number of lines. This is
   * `add` for a whole chunk, run by the core, which hands back to `add` the
   * lines it does not take. `ref` is where `bytes` starts in the input log,
   * or -1.
   */
  addBytes(bytes: Buffer, file: string, first: number, out: ByteOutput, ref = -1): number {
    const skips = ref >= 0 && this.repeatable;
    let s = 0;
    let line = first;
    if (skips && this.runRef >= 0) {
      // The chunk may go on repeating earlier input (a PLIST repeated over itself).
      s = this.skipRepeat(bytes, 0);
      if (s > 0) line += this.countRepeated(bytes, 0, s);
      if (s > bytes.length) return line - first;
    }
    this.core.load(bytes, ref);
    return this.run(() => bytes, file, first, s, line, out, skips);
  }

  /**
   * `addBytes` for a chunk with CRLF endings (valid UTF-8, no NUL): the
   * lines without the CRs that end them. Undefined, with nothing done,
   * when a CR is anywhere else.
   */
  addCrlfBytes(bytes: Buffer, file: string, first: number, out: ByteOutput): number | undefined {
    if (!this.core.loadCrlf(bytes)) return undefined;
    return this.run(() => this.core.chunk(), file, first, 0, first, out, false);
  }

  /**
   * Runs the chunk the core holds from `s`, numbered `line`, doing what it
   * stops for; `held` gives the chunk's bytes as the core holds them (asked
   * for only when a line goes back to `add` or a repeat is looked for).
   */
  private run(held: () => Buffer, file: string, first: number, s: number, line: number, out: ByteOutput, skips: boolean): number {
    let chunk: Buffer | undefined;
    const bytes = (): Buffer => (chunk ??= held());
    const core = this.core;
    const take = (b: Uint8Array) => out.append(b);
    this.runRef = -1;
    for (;;) {
      const flags = (this.duplicates < DUPLICATE_WARNINGS ? RUN_REPORT : 0) | (skips ? RUN_SKIPS : 0);
      const status = core.run(s, line, flags);
      core.takeOutput(take);
      this.duplicates += core.takeDuplicates();
      s = core.start;
      line = core.line;
      if (status === DONE) {
        this.runRef = core.runRef;
        return line - first;
      } else if (status === PUNT) {
        const e = core.end;
        this.addLine(bytes().toString('utf8', s, e), file, line, out);
        if (e >= bytes().length) return line + 1 - first;
        s = e + 1;
        line++;
      } else if (status === REPEAT) {
        // A line printed before, read back from the input: the lines after it may repeat too.
        this.runRef = core.runRef;
        const to = this.skipRepeat(bytes(), s);
        if (to > s) {
          line += this.countRepeated(bytes(), s, to);
          // To the chunk's end: the next chunk may go on repeating from where this one stopped.
          if (to > bytes().length) return line - first;
          s = to;
        }
        this.runRef = -1;
      } else if (status === NOMEM) {
        throw new RangeError('plist de-dup table: out of memory (more than 2 GiB of distinct lines)');
      } else if (status !== FULL) {
        throw new Error(`plist-core: unknown status ${status}`);
      }
    }
  }

  /**
   * Repeats of earlier input cost a comparison, not a line's work each.
   * Expanding a line a second time prints nothing and changes nothing but
   * the duplicate count, whatever came between: every output it has was
   * recorded the first time. So when a line is a duplicate of a key read
   * back from the input at `ref`, and the bytes that follow it equal the
   * bytes that followed that key's line, those lines are all duplicates: the
   * input log compares them natively (`KeyLog.sameAs`) and they are only
   * counted. Lines that could expand to nothing (a blank line, or, with
   * PLIST_SUBST or PLIST_VARS given, a line of variables) are not
   * duplicates: the first kind is counted apart, and with the second this
   * is off (`repeatable`). Only after the duplicates reported one by one.
   * Returns where the repeat ends in `bytes` (a line start, or
   * `bytes.length + 1` when it takes the chunk's last line too, as if a
   * newline followed the chunk), or `s`.
   */
  private skipRepeat(bytes: Buffer, s: number): number {
    if (this.duplicates < DUPLICATE_WARNINGS) return s;
    const log = this.log!;
    const len = bytes.length;
    const same = log.sameAs!(this.runRef, bytes, s, len);
    let end: number;
    // The last line repeats too if the earlier one ended there (a newline; or the end of its file, which `read` does not cross).
    if (same === len - s && log.read(this.runRef + same, this.oneByte, 1) === 1 && this.oneByte[0] === 10) end = len + 1;
    else {
      if (same === 0) return s;
      end = bytes.lastIndexOf(10, s + same - 1) + 1;
      if (end <= s) return s;
    }
    this.runRef += end - s;
    return end;
  }

  private readonly oneByte = new Uint8Array(1);

  /**
   * Counts the repeated lines from `s` (a line start) up to `e` (the next
   * line's start, or `bytes.length + 1`) as duplicates, blank ones apart;
   * returns how many lines. Four bytes a step: the exact zero-byte test on
   * the word xor '\n\n\n\n' marks newlines, and a newline after a newline
   * ends a blank line.
   */
  private countRepeated(bytes: Buffer, s: number, e: number): number {
    const view = viewOf(bytes);
    const to = Math.min(e, bytes.length);
    let lines = 0;
    let blank = 0;
    // Bit 7: the byte before is a newline (a line starts at s).
    let prev = 0x80;
    let i = s;
    for (; i + 4 <= to; i += 4) {
      const z = view.getInt32(i, true) ^ 0x0a0a0a0a;
      const t = ~(((z & 0x7f7f7f7f) + 0x7f7f7f7f) | z) & 0x80808080;
      if (t !== 0) {
        lines += Math.imul(t >>> 7, 0x01010101) >>> 24;
        const pairs = ((t << 8) | prev) & t;
        if (pairs !== 0) blank += Math.imul(pairs >>> 7, 0x01010101) >>> 24;
      }
      prev = (t >>> 24) & 0x80;
    }
    for (; i < to; i++) {
      const nl = bytes[i] === 10 ? 0x80 : 0;
      lines += nl >>> 7;
      blank += (nl & prev) >>> 7;
      prev = nl;
    }
    // The chunk's last line, which has no newline in the chunk.
    if (e > bytes.length) {
      lines++;
      blank += prev >>> 7;
    }
    this.duplicates += lines - blank;
    return lines;
  }

  /** One more duplicate line, past those reported one by one. */
  private repeated(): void {
    this.duplicates++;
  }

  /** `add` with the output going to `out` as bytes. */
  addLine(raw: string, file: string, line: number, out: ByteOutput): void {
    const lines = this.lineOut;
    lines.length = 0;
    this.add(raw, file, line, lines);
    for (let j = 0; j < lines.length; j++) out.line(lines[j]!);
  }

  /**
   * Expands one input line and appends its new output lines to `out`.
   * Throws InputError naming `file:line` for bad input. The line must not
   * contain a newline; NUL bytes are the caller's to reject (see `expandLines`).
   */
  add(raw: string, file: string, line: number, out: string[]): void {
    let s = raw;
    let hasTokens = false;
    if (s.includes('${')) {
      s = this.subst.apply(s, { file, line });
      hasTokens = s.includes('ARCHSUFFIX}') && hasArchToken(s);
    }
    if (s === '') return; // blank lines carry nothing
    const isCommand = s.charCodeAt(0) === 64; /* @ */
    if (hasTokens && this.enabled) {
      this.expandTokens(s, isCommand, file, line, out);
      return;
    }
    // Rule D: without multiarch the tokens simply disappear.
    if (hasTokens) s = stripTokens(s);
    this.validate(s, isCommand, file, line);
    if (isCommand || !this.enabled) {
      this.emitCanonical(s, file, line, out);
      return;
    }
    const m = this.match(s);
    if (m.kind === 'expand') this.expandDir(s, m.dir, file, line, out);
    else if (this.markCanonical(s, m)) out.push(s);
    else this.duplicate(s, file, line);
  }

  /** Rules A/B: one copy per ABI, then @link for bin dirs; one lookup for all. */
  private expandDir(s: string, dir: AutoDir, file: string, line: number, out: string[]): void {
    const seen = this.seen.markString(s, 0, dir.allBits);
    const rest = s.slice(dir.prefix.length);
    let dup: string | undefined;
    const n = dir.abiPrefixes.length;
    let printed = 0;
    for (let i = 0; i < n; i++) {
      const bit = dir.copyBits[i]!;
      const copy = dir.abiPrefixes[i] + rest;
      if ((seen | printed) & bit) {
        if (dup === undefined && seen & bit) dup = copy;
      } else {
        out.push(copy);
        printed |= bit;
      }
    }
    if (dir.link) {
      if (seen & LINK) dup ??= this.linkPrefix + s;
      else out.push(this.linkPrefix + s);
    }
    if (dup !== undefined) this.duplicate(dup, file, line);
  }

  /** Rule C (with the fixes): per-ABI copies with the tokens' values, @link, generic header. */
  private expandTokens(s: string, isCommand: boolean, file: string, line: number, out: string[]): void {
    // Validate the generic form: tokens are placeholders, not path text.
    const generic = stripTokens(s);
    this.validate(generic, isCommand, file, line);
    const m = isCommand ? NONE : this.match(s);
    const dir = m.kind === 'expand' ? m.dir : undefined;
    const p = this.pending;
    p.length = 0;
    for (let i = 0; i < this.suffixes.length; i++) {
      const copy = dir === undefined ? s : dir.abiPrefixes[i] + s.slice(dir.prefix.length);
      p.push(replaceTokens(copy, this.suffixes[i]!));
    }
    // @link only for file lines: an @-line is not a command to dispatch.
    if (!isCommand && (dir?.link || s.includes(ARCH_TOKENS.bin))) p.push(this.linkPrefix + generic);
    // The generic header that includes the per-ABI ones.
    if (s.includes(ARCH_TOKENS.inc)) p.push(generic);
    const start = out.length;
    let dup: string | undefined;
    for (const x of p) {
      if (out.includes(x, start)) continue; // copies of one line that coincide are not duplicates
      if (this.markCanonical(x)) out.push(x);
      else dup ??= x;
    }
    if (dup !== undefined) this.duplicate(dup, file, line);
  }

  private emitCanonical(s: string, file: string, line: number, out: string[]): void {
    if (this.markCanonical(s)) out.push(s);
    else this.duplicate(s, file, line);
  }

  /**
   * Records output line `x` under its (key, variant); false if it was printed
   * before. `known` is `match(x)` when the caller has it already.
   */
  private markCanonical(x: string, known?: Match): boolean {
    let bit = PLAIN;
    // The key is `key.slice(from)`.
    let key = x;
    let from = 0;
    if (x.charCodeAt(0) === 64) {
      if (x.startsWith(this.linkPrefix)) {
        from = this.linkPrefix.length;
        bit = LINK;
      }
    } else if (this.enabled) {
      const m = known ?? this.match(x);
      if (m.kind === 'expand' && m.dir.plainCopy !== undefined) {
        bit = m.dir.copyBits[m.dir.plainCopy]!;
      } else if (m.kind === 'abi') {
        // `bin/amd64/x` is ABI 64's copy of `bin/x` if expanding `bin/x` would make it.
        const generic = m.dir.prefix + x.slice(m.dir.abiPrefixes[m.abi]!.length);
        if (this.match(generic) === this.expandMatches.get(m.dir)) {
          key = generic;
          bit = m.dir.copyBits[m.abi]!;
        }
      }
    }
    return (this.seen.markString(key, from, bit) & bit) === 0;
  }

  /** Which automatic dir a file line is in, and whether it is already per-ABI. */
  private match(s: string): Match {
    outer: for (let d = 0; d < this.dirs.length; d++) {
      const dir = this.dirs[d]!;
      if (!s.startsWith(dir.prefix)) continue;
      for (let k = 0; k < dir.skips.length; k++) if (s.startsWith(dir.skips[k]!)) continue outer;
      // Already per-ABI (bin/amd64/x): expanding again would double the suffix.
      for (let k = 0; k < dir.suffixed.length; k++) {
        const i = dir.suffixed[k]!;
        if (s.startsWith(dir.abiPrefixes[i]!)) return { kind: 'abi', dir, abi: i };
      }
      return this.expandMatches.get(dir)!;
    }
    return NONE;
  }

  private validate(s: string, isCommand: boolean, file: string, line: number): void {
    if (isCommand) parseLine(s, { file, line });
    // The common case, checked inline; the full check builds the message.
    else if (mayBeUnsafePath(s)) checkRelativePath(s, { file, line });
  }

  /** The one line that stands for the duplicates not reported one by one, if any. */
  duplicateSummary(): string | undefined {
    const more = this.duplicates - DUPLICATE_WARNINGS;
    if (more <= 0) return undefined;
    return `warning: ${more} more duplicate entr${more === 1 ? 'y' : 'ies'} dropped (${this.duplicates} in all; only the first ${DUPLICATE_WARNINGS} are listed)`;
  }

  private duplicate(s: string, file: string, line: number): void {
    if (++this.duplicates > DUPLICATE_WARNINGS) return;
    this.warnings.push(`${file}:${line}: warning: duplicate entry '${s}' dropped (already listed above)`);
  }
}

/** One batch of output as UTF-8 bytes, one line per '\n'. */
export class ByteOutput {
  buf: Buffer = Buffer.allocUnsafe(1 << 18);
  len = 0;

  /** Makes room for `n` more bytes. */
  reserve(n: number): void {
    if (this.len + n <= this.buf.length) return;
    const b = Buffer.allocUnsafe(Math.max(this.buf.length * 2, this.len + n));
    this.buf.copy(b, 0, 0, this.len);
    this.buf = b;
  }

  line(s: string): void {
    this.reserve(s.length * 3 + 1);
    this.len += this.buf.write(s, this.len, 'utf8');
    this.buf[this.len++] = 10;
  }

  /** Appends bytes (whole lines). */
  append(bytes: Uint8Array): void {
    this.reserve(bytes.length);
    this.buf.set(bytes, this.len);
    this.len += bytes.length;
  }

  /**
   * The bytes so far, valid until the next call: the output starts over in
   * the same buffer (a sink that keeps bytes copies them), so one buffer
   * serves a whole run instead of a fresh one per chunk.
   */
  take(): Buffer {
    const r = this.buf.subarray(0, this.len);
    this.len = 0;
    return r;
  }
}

function viewOf(b: Uint8Array): DataView {
  return new DataView(b.buffer, b.byteOffset, b.byteLength);
}

/** Expands a whole PLIST given as lines; the pure core behind the streaming front ends. */
export function expandLines(
  lines: readonly string[],
  opts: ExpandOptions,
  file = 'PLIST',
): { lines: string[]; warnings: string[] } {
  const x = new PlistExpander(opts);
  const out: string[] = [];
  lines.forEach((l, i) => {
    if (l.includes('\0')) throw nulError({ file, line: i + 1 });
    x.add(l, file, i + 1, out);
  });
  const summary = x.duplicateSummary();
  return { lines: out, warnings: summary === undefined ? x.warnings : [...x.warnings, summary] };
}

function hasArchToken(s: string): boolean {
  return s.includes(ARCH_TOKENS.bin) || s.includes(ARCH_TOKENS.lib) || s.includes(ARCH_TOKENS.inc);
}

function replaceTokens(s: string, sfx: ArchSuffixes): string {
  return substituteTokens(s, sfx.bin, sfx.lib, sfx.inc);
}

export function stripTokens(s: string): string {
  return substituteTokens(s, '', '', '');
}

/**
 * Replaces the three tokens, as `replaceAll` for `${BINARCHSUFFIX}`, then
 * `${LIBARCHSUFFIX}`, then `${INCARCHSUFFIX}` would, in one pass over the
 * line. The two differ only when a replacement makes a new token (text or
 * a value that spells one): then the result still holds 'ARCHSUFFIX}' and
 * is redone the slow way.
 */
function substituteTokens(s: string, bin: string, lib: string, inc: string): string {
  let out = '';
  let from = 0;
  for (;;) {
    const i = s.indexOf('${', from);
    if (i < 0) break;
    const v = s.startsWith(ARCH_TOKENS.bin, i) ? bin : s.startsWith(ARCH_TOKENS.lib, i) ? lib : s.startsWith(ARCH_TOKENS.inc, i) ? inc : undefined;
    if (v === undefined) {
      out += s.slice(from, i + 2);
    } else {
      out += s.slice(from, i) + v;
    }
    from = v === undefined ? i + 2 : i + TOKEN_LENGTH;
  }
  const r = from === 0 ? s : out + s.slice(from);
  if (!r.includes('ARCHSUFFIX}')) return r;
  return s.replaceAll(ARCH_TOKENS.bin, bin).replaceAll(ARCH_TOKENS.lib, lib).replaceAll(ARCH_TOKENS.inc, inc);
}

/** All three tokens are this long. */
const TOKEN_LENGTH = ARCH_TOKENS.bin.length;
