import { type ArchSuffixes, NAME_MAX } from '@mkpkg/platform';
import { type ExpandOptions, normalizeDir } from './options.ts';
import { type KeyLog, SeenLines, VARIANT_BITS, fingerprint, hashView } from './seen.ts';
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
  /** The same prefixes as UTF-8 bytes, for `addBytes`. */
  readonly prefixBytes: Buffer;
  readonly abiPrefixBytes: readonly Buffer[];
  /** The same as little-endian words (see `Prefix`), for `addPlainBytes`. */
  readonly abiPrefixWords: readonly Prefix[];
  readonly skipBytes: readonly Buffer[];
  /** Bytes the prefixes add to one line's outputs at most. */
  readonly extraBytes: number;
}

type Match =
  | { readonly kind: 'none' }
  | { readonly kind: 'expand'; readonly dir: AutoDir }
  /** Already under an ABI dir (`bin/amd64/x`): left as it is. */
  | { readonly kind: 'abi'; readonly dir: AutoDir; readonly abi: number };

const NONE: Match = { kind: 'none' };

/**
 * Multiarch expansion of one package's PLIST lines (rules A–D of Joyent's
 * plist-multiarch.awk, with the fixes the package README lists). Feed lines in order with `add`; outputs are
 * appended to the caller's array. Holds the de-dup state, so one instance is
 * one package. No I/O.
 */
/**
 * Duplicates reported one by one; the rest are only counted (`duplicateSummary`).
 * A PLIST repeated over itself has millions: a warning each would cost more
 * than the expansion and, on a slow stderr, unbounded memory.
 */
export const DUPLICATE_WARNINGS = 10;

export class PlistExpander {
  readonly warnings: string[] = [];
  /** Duplicate lines dropped so far, reported or not. */
  duplicates = 0;
  private readonly subst: Substituter;
  private readonly seen: SeenLines;
  private readonly enabled: boolean;
  private readonly suffixes: readonly ArchSuffixes[];
  private readonly dirs: readonly AutoDir[];
  private readonly expandMatches: ReadonlyMap<AutoDir, Match>;
  private readonly linkPrefix: string;
  // Scratch space, reused for every line (no allocation on the hot path).
  private readonly pending: string[] = [];
  private readonly lineOut: string[] = [];
  // Per line of the chunk in `addBytes`: where it ends, and its fingerprint or SPECIAL.
  private lineEnd = new Int32Array(4096);
  private lineFp = new Int32Array(4096);
  // For `addTokenBytes`: each ABI's token values (bin, lib, inc) as bytes,
  // whether none holds '$' or '}' (else a value could spell a token), scratch space.
  private readonly tokenValues: readonly (readonly Buffer[])[];
  private readonly tokenValuesPlain: boolean;
  private readonly maxTokenGrowth: number;
  private tokScratch = Buffer.allocUnsafe(1024);
  private tokView = viewOf(this.tokScratch);
  private readonly tokenAt = new Int32Array(64);
  private readonly tokOut = new Int32Array(5 * 16);
  private readonly linkPrefixBytes: Buffer;
  private readonly linkPrefixWords: Prefix;
  /** Whether a byte can start a line in an automatic dir (a quick no for most lines). */
  private readonly dirStart = new Uint8Array(256);
  private readonly log: KeyLog | undefined;
  /** Whether repeats of earlier input may be skipped (`skipRepeat`): a log that compares, and no PLIST_SUBST or PLIST_VARS. */
  private readonly repeatable: boolean;
  /** No PLIST_SUBST or PLIST_VARS: every `${VAR}` but the multiarch tokens stays as written (see `addVarBytes`). */
  private readonly literalVars: boolean;
  /** Where in the input log the input after the last line may repeat, or -1 (see `skipRepeat`). */
  private runRef = -1;

  /**
   * `expectedLines`: a guess of the output size, so the de-dup table is
   * sized once; `log`: where `addBytes` input can be read again, so the
   * de-dup table need not copy it (see `SeenLines`).
   */
  constructor(opts: ExpandOptions, expectedLines = 0, log?: KeyLog) {
    this.seen = new SeenLines(expectedLines, log);
    this.log = log;
    this.literalVars = Object.keys(opts.subst).length === 0 && Object.keys(opts.plistVars).length === 0;
    this.repeatable = log?.sameAs !== undefined && this.literalVars;
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
          const skipList = skips.map(normalizeDir).filter((s) => s !== '').map((s) => `${s}/`);
          const abiPrefixBytes = abiPrefixes.map((p) => Buffer.from(p));
          return {
            prefix: `${d}/`,
            abiPrefixes,
            copyBits,
            allBits: copyBits.reduce((a, b) => a | b, 0) | (kind === 'bin' ? LINK : 0),
            suffixed: abiPrefixes.map((_, i) => i).filter((i) => abiPrefixes[i] !== `${d}/`),
            plainCopy: plain < 0 ? undefined : plain,
            skips: skipList,
            link: kind === 'bin',
            prefixBytes: Buffer.from(`${d}/`),
            abiPrefixBytes,
            abiPrefixWords: abiPrefixBytes.map(prefixWords),
            skipBytes: skipList.map((p) => Buffer.from(p)),
            extraBytes: abiPrefixBytes.reduce((a, b) => a + b.length, 0) + Buffer.byteLength(`@link ${opts.linkSource} `),
          };
        });
    // Bin dirs before lib dirs (rule A runs first), then the most specific
    // first: with `bin` and `bin/x` both listed, `bin/x/y` belongs to `bin/x`.
    const bin = ma.enabled && ma.bin ? auto(opts.binDirs, opts.skipBinDirs, 'bin') : [];
    const lib = ma.enabled && ma.lib ? auto(opts.libDirs, opts.skipLibDirs, 'lib') : [];
    const byLength = (a: AutoDir, b: AutoDir) => b.prefix.length - a.prefix.length;
    this.dirs = [...bin.sort(byLength), ...lib.sort(byLength)];
    this.expandMatches = new Map(this.dirs.map((d) => [d, { kind: 'expand', dir: d }]));
    for (const d of this.dirs) this.dirStart[d.prefixBytes[0]!] = 1;
    this.linkPrefix = `@link ${opts.linkSource} `;
    this.linkPrefixBytes = Buffer.from(this.linkPrefix);
    this.linkPrefixWords = prefixWords(this.linkPrefixBytes);
    this.tokenValues = this.suffixes.map((x) => [x.bin, x.lib, x.inc].map((v) => Buffer.from(v)));
    this.tokenValuesPlain = this.tokenValues.every((vs) => vs.every((v) => !v.includes(36) && !v.includes(125)));
    this.maxTokenGrowth = Math.max(0, ...this.tokenValues.flat().map((v) => v.length));
  }

  /**
   * Expands the lines of `bytes` (UTF-8 without NUL or CR, lines separated by
   * '\n', no final newline) into `out`; returns the number of lines. This is
   * `add` for a whole chunk: lines that are plain ASCII paths (no `${`, no
   * `@`, no leading '/', no '..', not already under an ABI dir) — nearly all
   * of a PLIST — are hashed, matched and copied as bytes without becoming
   * strings, and so are most lines with multiarch tokens
   * (`addTokenBytes`); every other line goes through `add`. All share one
   * de-dup table. `ref` is where `bytes` starts in the input log, or -1.
   */
  addBytes(bytes: Buffer, file: string, first: number, out: ByteOutput, ref = -1): number {
    const skips = ref >= 0 && this.repeatable;
    let s = 0;
    let skipped = 0;
    if (skips && this.runRef >= 0) {
      // The chunk may go on repeating earlier input (a PLIST repeated over itself).
      s = this.skipRepeat(bytes, 0);
      if (s > 0) skipped = this.countRepeated(bytes, 0, s);
      if (s > bytes.length) return skipped;
    }
    const view = viewOf(bytes);
    const n = this.scanLines(bytes, view, s);
    const { lineEnd, lineFp } = this;
    // Module constants as locals (see scanLines).
    const special = SPECIAL;
    const tokens = TOKENS;
    const vars = VARS;
    // Pass 2: expand, line by line, with the table slots already on their way into the cache.
    this.seen.touch(lineFp, n);
    for (let k = 0; k < n; k++) {
      const e = lineEnd[k]!;
      const fp = lineFp[k]!;
      this.runRef = -1;
      if (e > s) {
        const kind = fp & 0xf; // VARIANT_BITS
        const done =
          kind === special ? false
          : kind === vars ? this.addVarBytes(bytes, view, s, e, fp & ~VARIANT_BITS, file, first + skipped + k, out, ref < 0 ? -1 : ref + s)
          : kind === tokens ? this.addTokenBytes(bytes, s, e, file, first + skipped + k, out)
          : this.addPlainBytes(bytes, view, s, e, fp, file, first + skipped + k, out, ref < 0 ? -1 : ref + s);
        if (!done) this.addLine(bytes.toString('utf8', s, e), file, first + skipped + k, out);
      }
      s = e + 1;
      // A line printed before, read back from the input: the lines after it may repeat too.
      if (skips && this.runRef >= 0 && k + 1 < n) {
        const to = this.skipRepeat(bytes, s);
        if (to > s) {
          // Lines k+1 … j-1 end before `to`: all repeats, already scanned.
          let j = k + 1;
          for (; j < n && lineEnd[j]! < to; j++) {
            if (lineEnd[j]! > (j === k + 1 ? s : lineEnd[j - 1]! + 1)) this.repeated();
          }
          k = j - 1;
          s = to;
        }
      }
    }
    return skipped + n;
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

  /**
   * Pass 1 of `addBytes`: where each line of `bytes` ends (`lineEnd`) and its
   * table fingerprint (with VARS or'ed in for a line with a '$' but no
   * 'ARCHSUFFIX}'), or TOKENS for a line with both, or SPECIAL for a line
   * the byte path cannot take ('..', a multi-byte character) (`lineFp`);
   * returns the count.
   */
  private scanLines(bytes: Buffer, view: DataView, from: number): number {
    // Module constants as locals (and HASH_BASE, 0x01000193, as a literal): the bundle makes them
    // variables, which optimized code would load and check on every use, in the word loop too.
    const special = SPECIAL;
    const tokens = TOKENS;
    const vars = VARS;
    const nameMax = NAME_MAX;
    const end = bytes.length;
    // '$' and DEL are rare: native searches over the chunk find them, not a test per byte.
    let dollar = nextIndex(bytes, 36, from);
    let arch = nextIndex(bytes, ARCH_TAIL, from);
    let del = nextIndex(bytes, 127, from);
    let k = 0;
    let s = from;
    for (;;) {
      let i = s;
      let h = 0;
      // Bit 7 of a byte set: a control byte or one of 0x80 and up (which
      // the path check, or the string path, must see): a has-less-than test
      // whose borrow can only mark the neighbour of a byte already marked.
      let odd = 0;
      // Bit 7 of a byte set: a '.' or '/' right after another ('//', '/.',
      // '..': paths the check must see; or a harmless './', told apart below).
      let pairs = 0;
      let prevDs = 0;
      // Four bytes a step while none is a newline (the word test is the
      // classic has-a-zero-byte one, on the word xor '\n\n\n\n'); then bytes.
      for (; i + 4 <= end; i += 4) {
        const w = view.getInt32(i, true);
        const z = w ^ 0x0a0a0a0a;
        if (((z - 0x01010101) & ~z & 0x80808080) !== 0) break;
        h = (Math.imul(h, 0x01000193) + w) | 0;
        odd |= (w - 0x20202020) | w;
        // Bytes that are '.' or '/' ((b | 1) === '/'), as an exact zero-byte mask.
        const q = (w | 0x01010101) ^ 0x2f2f2f2f;
        const ds = ~(((q & 0x7f7f7f7f) + 0x7f7f7f7f) | q) & 0x80808080;
        pairs |= ((ds << 8) | prevDs) & ds;
        prevDs = ds >>> 24;
      }
      for (; i < end; i++) {
        const c = bytes[i]!;
        if (c === 10) break;
        h = (Math.imul(h, 0x01000193) + c) | 0;
        odd |= (c - 32) | c;
        const ds = (c | 1) === 47 ? 0x80 : 0;
        pairs |= ds & prevDs;
        prevDs = ds;
      }
      let fp = fingerprint(h, i - s);
      if (dollar < i) {
        // A multiarch token ends in 'ARCHSUFFIX}'; a line without one has only other variables.
        if (arch < i) fp = tokens;
        else fp |= vars;
        dollar = nextIndex(bytes, 36, i);
      }
      if (arch < i) arch = nextIndex(bytes, ARCH_TAIL, i);
      // Paths the line check must see: '.' first, '/' last, '//', '/.' or '..' inside,
      // a control byte or DEL, or a line long enough to hold a component over NAME_MAX.
      if (odd & 0x80808080 || i - s > nameMax || (pairs !== 0 && hasOddPair(bytes, s, i))) fp = special;
      if (i > s && (bytes[s] === 46 || bytes[i - 1] === 47)) fp = special;
      if (del < i) {
        fp = special;
        del = nextIndex(bytes, 127, i);
      }
      if (k === this.lineEnd.length) this.growLines();
      this.lineEnd[k] = i;
      this.lineFp[k] = fp;
      k++;
      if (i >= end) return k;
      s = i + 1;
    }
  }

  private growLines(): void {
    const end = new Int32Array(this.lineEnd.length * 2);
    const fp = new Int32Array(this.lineFp.length * 2);
    end.set(this.lineEnd);
    fp.set(this.lineFp);
    this.lineEnd = end;
    this.lineFp = fp;
  }

  /**
   * `add` for an ASCII line `bytes[s, e)` without '$' or '..', with line
   * fingerprint `fp` and log reference `ref`; false if the line needs `add` after
   * all (an absolute path, an @-line other than a plain `@comment` or
   * `@pkgdir`, a path already under an ABI dir).
   */
  private addPlainBytes(bytes: Uint8Array, view: DataView, s: number, e: number, fp: number, file: string, line: number, out: ByteOutput, ref: number): boolean {
    const len = e - s;
    const c0 = bytes[s]!;
    let d = NO_DIR;
    if (c0 === 64 /* @ */) {
      // `@comment text` is always valid; `@pkgdir path` is when the path is relative (no '..' here).
      const pkgdir = startsWithBytes(bytes, s, e, PKGDIR) && len > PKGDIR.length && bytes[s + PKGDIR.length] !== 47;
      if (!pkgdir && !startsWithBytes(bytes, s, e, COMMENT)) return false;
    } else if (c0 === 47 /* / */) {
      return false;
    } else if (this.dirStart[c0] !== 0) {
      d = this.matchBytes(bytes, s, e);
      if (d === ABI_DIR) return false;
    }
    if (d === NO_DIR) {
      if (this.seen.markFingerprint(fp, len, PLAIN, bytes, s, ref) & PLAIN) {
        this.duplicate(this.duplicates < DUPLICATE_WARNINGS ? latin1(bytes, s, e) : '', file, line);
        this.repeatFrom(len);
      } else {
        out.reserve(len + 1 + COPY_SLACK);
        out.len = copyAsciiLine(view, s, e, out.view, out.len);
      }
      return true;
    }
    const dir = this.dirs[d]!;
    const seen = this.seen.markFingerprint(fp, len, dir.allBits, bytes, s, ref);
    const rest = s + dir.prefixBytes.length;
    const n = dir.abiPrefixBytes.length;
    out.reserve(dir.extraBytes + (n + 1) * (len + 1) + COPY_SLACK);
    const dst = out.view;
    let o = out.len;
    // Only the first reported duplicate's text is built (see DUPLICATE_WARNINGS).
    const report = this.duplicates < DUPLICATE_WARNINGS;
    let dup: string | undefined;
    let printed = 0;
    for (let i = 0; i < n; i++) {
      const bit = dir.copyBits[i]!;
      if ((seen | printed) & bit) {
        if (dup === undefined && seen & bit) dup = report ? dir.abiPrefixes[i] + latin1(bytes, rest, e) : '';
      } else {
        o = putPrefix(dir.abiPrefixWords[i]!, dst, o);
        o = copyAsciiLine(view, rest, e, dst, o);
        printed |= bit;
      }
    }
    if (dir.link) {
      if (seen & LINK) dup ??= report ? this.linkPrefix + latin1(bytes, s, e) : '';
      else {
        o = putPrefix(this.linkPrefixWords, dst, o);
        o = copyAsciiLine(view, s, e, dst, o);
      }
    }
    out.len = o;
    if (dup !== undefined) this.duplicate(dup, file, line);
    if ((seen & dir.allBits) === dir.allBits) this.repeatFrom(len);
    return true;
  }

  /** After a line printed before in full, whose key is `len` bytes: where the input that followed that key goes on (see `skipRepeat`). */
  private repeatFrom(len: number): void {
    const at = this.seen.matchedRef;
    if (at >= 0) this.runRef = at + len + 1;
  }

  /**
   * `add` for an ASCII line `bytes[s, e)` with a '$' but no multiarch token
   * (no 'ARCHSUFFIX}'), whose fingerprint is `fp`
   * (`${PKGMANDIR}/man1/x.1`, `${PYSITELIB}/x.py`, `@comment $NetBSD$`):
   * without PLIST_SUBST and PLIST_VARS, substitution leaves such a line as
   * it is, so it is a plain line (`addPlainBytes`), which most `${VAR}` lines
   * of pkgsrc PLISTs are. False when substitution could change it or fail
   * (an unterminated `${`): then `add` says what it does.
   */
  private addVarBytes(bytes: Buffer, view: DataView, s: number, e: number, fp: number, file: string, line: number, out: ByteOutput, ref: number): boolean {
    if (!this.literalVars) return false;
    // Every '${' the substitution finds has its '}' (it fails on the first that has none: the last one tells).
    // From the end: a '}' must come before (after, in the line) any '${'. A byte loop: lines are short.
    let closed = false;
    for (let i = e - 1; i > s; i--) {
      const c = bytes[i]!;
      if (c === 125) closed = true;
      else if (c === 123 && bytes[i - 1] === 36) {
        if (!closed) return false;
        break;
      }
    }
    return this.addPlainBytes(bytes, view, s, e, fp, file, line, out, ref);
  }

  /**
   * `add` for an ASCII file line `bytes[s, e)` whose every '$' starts a
   * multiarch token (`include${INCARCHSUFFIX}/x.h`): rule C, as
   * `expandTokens` does it, without strings. All outputs are built and
   * classified in scratch space first; false, with nothing recorded, when
   * the line needs `add` after all (an @-line, an odd generic form, an
   * output already under an ABI dir).
   */
  private addTokenBytes(bytes: Uint8Array, s: number, e: number, file: string, line: number, out: ByteOutput): boolean {
    if (!this.enabled || !this.tokenValuesPlain) return false;
    const c0 = bytes[s]!;
    if (c0 === 64 /* @ */ || c0 === 47 /* / */) return false;
    // Where the tokens are, and which (pairs in `at`): every '$' must start one.
    const at = this.tokenAt;
    let tokens = 0; // entries in `at`, two per token
    let hasBin = false;
    let hasInc = false;
    for (let i = s; i < e; i++) {
      if (bytes[i] !== 36) continue;
      const t = tokenAt(bytes, i, e);
      if (t < 0 || tokens === at.length) return false;
      at[tokens++] = i;
      at[tokens++] = t;
      if (t === TOKEN_BIN) hasBin = true;
      if (t === TOKEN_INC) hasInc = true;
      i += TOKEN_LENGTH - 1;
    }
    const d = this.dirs.length > 0 ? this.matchBytes(bytes, s, e) : NO_DIR;
    const dir = d >= 0 ? this.dirs[d] : undefined;
    if (dir !== undefined && tokens > 0 && at[0]! < s + dir.prefixBytes.length) return false;
    const n = this.suffixes.length;
    const len = e - s;
    const room = (n + 3) * (len + this.maxTokenGrowth * (tokens >> 1) + this.linkPrefixBytes.length + (dir?.extraBytes ?? 0));
    if (this.tokScratch.length < room) {
      this.tokScratch = Buffer.allocUnsafe(2 * room);
      this.tokView = viewOf(this.tokScratch);
    }
    const w = this.tokScratch;
    // The generic form (tokens removed) at [0, g): the @link destination and the header line.
    const g = putWithTokens(bytes, s, e, at, tokens, EMPTY_VALUES, w, 0);
    if (g === 0 || w[0] === 47 || hasDots(w, 0, g)) return false;
    // Each output: text at [os, oe), key at [ks, ke), variant bit.
    const o = this.tokOut;
    let k = 0;
    let p = g;
    for (let i = 0; i < n; i++) {
      const start = p;
      if (dir === undefined) p = putWithTokens(bytes, s, e, at, tokens, this.tokenValues[i]!, w, p);
      else {
        const pre = dir.abiPrefixBytes[i]!;
        p = copyBytes(pre, 0, pre.length, w, p);
        p = putWithTokens(bytes, s + dir.prefixBytes.length, e, at, tokens, this.tokenValues[i]!, w, p);
      }
      const bit = this.variantOf(w, start, p);
      if (bit < 0) return false;
      k = putOutput(o, k, start, p, start, p, bit);
    }
    if (dir?.link || hasBin) {
      const start = p;
      p = copyBytes(this.linkPrefixBytes, 0, this.linkPrefixBytes.length, w, p);
      p = copyBytes(w, 0, g, w, p);
      k = putOutput(o, k, start, p, p - g, p, LINK);
    }
    if (hasInc) {
      const bit = this.variantOf(w, 0, g);
      if (bit < 0) return false;
      k = putOutput(o, k, 0, g, 0, g, bit);
    }
    // Commit, as expandTokens does: copies that coincide print once; an earlier output drops one.
    let dup = -1;
    let printed = 0; // outputs of this line printed so far, as bits of their index
    outer: for (let j = 0; j < k; j += 5) {
      const os = o[j]!;
      const oe = o[j + 1]!;
      for (let q = 0; q < j; q += 5) {
        if (printed & (1 << (q / 5)) && equalBytes(w, o[q]!, o[q + 1]!, os, oe)) continue outer;
      }
      const ks = o[j + 2]!;
      const ke = o[j + 3]!;
      const bit = o[j + 4]!;
      if (this.seen.mark(hashView(this.tokView, ks, ke), ke - ks, bit, w, ks, -1) & bit) {
        if (dup < 0) dup = j;
        continue;
      }
      printed |= 1 << (j / 5);
      out.reserve(oe - os + 1);
      out.len = copyLine(this.tokView, os, oe, out.view, out.len);
    }
    if (dup >= 0) this.duplicate(this.duplicates < DUPLICATE_WARNINGS ? latin1(w, o[dup]!, o[dup + 1]!) : '', file, line);
    return true;
  }

  /**
   * The variant bit `markCanonical` gives the file line `w[s, e)` when the
   * line is its own key; -1 when it is under an ABI dir (keyed by its
   * generic form, which `addTokenBytes` leaves to `add`).
   */
  private variantOf(w: Uint8Array, s: number, e: number): number {
    const d = this.dirs.length > 0 ? this.matchBytes(w, s, e) : NO_DIR;
    if (d === ABI_DIR) return -1;
    const dir = d >= 0 ? this.dirs[d]! : undefined;
    return dir?.plainCopy !== undefined ? dir.copyBits[dir.plainCopy]! : PLAIN;
  }

  /** `match` over bytes: a dir index, NO_DIR, or ABI_DIR (already per-ABI). */
  private matchBytes(bytes: Uint8Array, s: number, e: number): number {
    const dirs = this.dirs;
    outer: for (let d = 0; d < dirs.length; d++) {
      const dir = dirs[d]!;
      if (!startsWithBytes(bytes, s, e, dir.prefixBytes)) continue;
      for (let k = 0; k < dir.skipBytes.length; k++) if (startsWithBytes(bytes, s, e, dir.skipBytes[k]!)) continue outer;
      for (let k = 0; k < dir.suffixed.length; k++) {
        if (startsWithBytes(bytes, s, e, dir.abiPrefixBytes[dir.suffixed[k]!]!)) return ABI_DIR;
      }
      return d;
    }
    return NO_DIR;
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

const NO_DIR = -1;
const ABI_DIR = -2;
const COMMENT = Buffer.from('@comment ');
const PKGDIR = Buffer.from('@pkgdir ');

// Not fingerprints (those have the variant bits clear): what `addBytes` does with a line instead.
/** The line goes to `add`. */
const SPECIAL = VARIANT_BITS;
/** The line has a '$' and 'ARCHSUFFIX}': `addTokenBytes` if it holds only multiarch tokens, else `add`. */
const TOKENS = 7;
/** Or'ed into the fingerprint of a line with a '$' but no multiarch token: `addVarBytes`. */
const VARS = 1;
const ARCH_TAIL = Buffer.from('ARCHSUFFIX}');
const TOKEN_BYTES = [ARCH_TOKENS.bin, ARCH_TOKENS.lib, ARCH_TOKENS.inc].map((t) => Buffer.from(t));
const TOKEN_BIN = 0;
const TOKEN_INC = 2;

/** Where `what` next occurs in `bytes` from `from`, or `bytes.length`. */
function nextIndex(bytes: Buffer, what: number | Buffer, from: number): number {
  const i = bytes.indexOf(what, from);
  return i < 0 ? bytes.length : i;
}

const EMPTY_VALUES: readonly Buffer[] = [Buffer.alloc(0), Buffer.alloc(0), Buffer.alloc(0)];

/** Which multiarch token starts at `bytes[i]` (TOKEN_BIN, 1 = lib, TOKEN_INC), or -1. */
function tokenAt(bytes: Uint8Array, i: number, e: number): number {
  for (let t = 0; t < TOKEN_BYTES.length; t++) if (startsWithBytes(bytes, i, e, TOKEN_BYTES[t]!)) return t;
  return -1;
}

/**
 * Writes `bytes[s, e)` to `w` at `p` with each token (listed in `at` as
 * position, kind pairs, all within [s, e)) replaced by its value; returns
 * the new end.
 */
function putWithTokens(bytes: Uint8Array, s: number, e: number, at: Int32Array, n: number, values: readonly Buffer[], w: Buffer, p: number): number {
  let from = s;
  for (let j = 0; j < n; j += 2) {
    const i = at[j]!;
    for (let q = from; q < i; q++) w[p++] = bytes[q]!;
    const v = values[at[j + 1]!]!;
    for (let q = 0; q < v.length; q++) w[p++] = v[q]!;
    from = i + TOKEN_LENGTH;
  }
  for (let q = from; q < e; q++) w[p++] = bytes[q]!;
  return p;
}

/** Records an output of `addTokenBytes` at `o[k]`: its text at [os, oe), its key at [ks, ke), its variant; returns the next k. */
function putOutput(o: Int32Array, k: number, os: number, oe: number, ks: number, ke: number, bit: number): number {
  o[k] = os;
  o[k + 1] = oe;
  o[k + 2] = ks;
  o[k + 3] = ke;
  o[k + 4] = bit;
  return k + 5;
}

/** Whether `b[s, e)` holds '//', '/.' or '..'. */
function hasOddPair(b: Uint8Array, s: number, e: number): boolean {
  for (let i = s + 1; i < e; i++) {
    const c = b[i]!;
    const before = b[i - 1]!;
    if ((before === 47 && (c === 47 || c === 46)) || (before === 46 && c === 46)) return true;
  }
  return false;
}

function hasDots(b: Uint8Array, s: number, e: number): boolean {
  for (let i = s + 1; i < e; i++) if (b[i] === 46 && b[i - 1] === 46) return true;
  return false;
}

function equalBytes(b: Uint8Array, as: number, ae: number, bs: number, be: number): boolean {
  if (ae - as !== be - bs) return false;
  for (let i = 0; i < ae - as; i++) if (b[as + i] !== b[bs + i]) return false;
  return true;
}

/** One batch of output as UTF-8 bytes, one line per '\n'. */
export class ByteOutput {
  buf: Buffer = Buffer.allocUnsafe(1 << 18);
  /** `buf` as a DataView, for `copyView`. */
  view = viewOf(this.buf);
  len = 0;

  /** Makes room for `n` more bytes. */
  reserve(n: number): void {
    if (this.len + n <= this.buf.length) return;
    const b = Buffer.allocUnsafe(Math.max(this.buf.length * 2, this.len + n));
    this.buf.copy(b, 0, 0, this.len);
    this.buf = b;
    this.view = viewOf(b);
  }

  line(s: string): void {
    this.reserve(s.length * 3 + 1);
    this.len += this.buf.write(s, this.len, 'utf8');
    this.buf[this.len++] = 10;
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

function startsWithBytes(bytes: Uint8Array, s: number, e: number, p: Uint8Array): boolean {
  const n = p.length;
  if (e - s < n) return false;
  for (let i = 0; i < n; i++) if (bytes[s + i] !== p[i]) return false;
  return true;
}

function viewOf(b: Uint8Array): DataView {
  return new DataView(b.buffer, b.byteOffset, b.byteLength);
}

/**
 * Copies `src[s, e)` to `dst` at `o`; returns the new end. Lines are too
 * short for a native copy to pay off, and a DataView moves four bytes per
 * step at any alignment (twice as fast as a byte loop).
 */
function copyView(src: DataView, s: number, e: number, dst: DataView, o: number): number {
  let i = s;
  for (; i + 4 <= e; i += 4, o += 4) dst.setInt32(o, src.getInt32(i, true), true);
  for (; i < e; i++) dst.setUint8(o++, src.getUint8(i));
  return o;
}

/** `copyView` for byte arrays (prefixes of a few bytes, scratch space). */
function copyBytes(src: Uint8Array, s: number, e: number, dst: Uint8Array, o: number): number {
  for (let i = s; i < e; i++) dst[o++] = src[i]!;
  return o;
}

/**
 * A constant prefix as little-endian 32-bit words, the last one padded:
 * `putPrefix` stores whole words, and what it writes past the prefix is
 * overwritten by the line that follows (the caller reserves COPY_SLACK).
 */
interface Prefix {
  readonly words: Int32Array;
  readonly length: number;
}

/** Bytes `putPrefix` and `copyAsciiLine` may write past what they return. */
const COPY_SLACK = 8;

function prefixWords(bytes: Uint8Array): Prefix {
  const padded = new Uint8Array(Math.ceil(bytes.length / 4) * 4);
  padded.set(bytes);
  const view = viewOf(padded);
  return { words: Int32Array.from({ length: padded.length / 4 }, (_, i) => view.getInt32(4 * i, true)), length: bytes.length };
}

/** Writes a prefix at `o`; returns its end. */
function putPrefix(p: Prefix, dst: DataView, o: number): number {
  const w = p.words;
  for (let q = 0; q < w.length; q++) dst.setInt32(o + 4 * q, w[q]!, true);
  return o + p.length;
}

/**
 * `copyLine` for a line of printable ASCII (0x20–0x7e, as the byte path
 * takes them), eight bytes a step through float64 loads and stores: eight
 * such bytes are always a normal double (the top byte keeps the exponent
 * off both all-ones and zero), never a NaN or a denormal, so the bits move
 * unchanged.
 */
function copyAsciiLine(src: DataView, s: number, e: number, dst: DataView, o: number): number {
  let i = s;
  for (; i + 8 <= e; i += 8, o += 8) dst.setFloat64(o, src.getFloat64(i, true), true);
  if (i + 4 <= e) {
    dst.setInt32(o, src.getInt32(i, true), true);
    i += 4;
    o += 4;
  }
  for (; i < e; i++) dst.setUint8(o++, src.getUint8(i));
  dst.setUint8(o, 10);
  return o + 1;
}

/** `copyView` and a newline. */
function copyLine(src: DataView, s: number, e: number, dst: DataView, o: number): number {
  o = copyView(src, s, e, dst, o);
  dst.setUint8(o, 10);
  return o + 1;
}

/** An ASCII line's text (only for warnings). */
function latin1(bytes: Uint8Array, s: number, e: number): string {
  return Buffer.prototype.toString.call(bytes, 'latin1', s, e);
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
