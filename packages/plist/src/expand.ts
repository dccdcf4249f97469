import type { ArchSuffixes } from '@mkpkg/platform';
import { type ExpandOptions, normalizeDir } from './options.ts';
import { B1, B2, type Hash, Hasher, SeenLines, newHash } from './seen.ts';
import { ARCH_TOKENS, Substituter } from './subst.ts';
import { checkRelativePath, nulError, parseLine } from './syntax.ts';

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
  readonly prefixHash: Hash;
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
 * Multiarch expansion of one package's PLIST lines (SPEC §3, facts §2.2 rules
 * A–D with the SPEC's fixes). Feed lines in order with `add`; outputs are
 * appended to the caller's array. Holds the de-dup state, so one instance is
 * one package. No I/O.
 */
export class PlistExpander {
  readonly warnings: string[] = [];
  private readonly subst: Substituter;
  private readonly seen: SeenLines;
  private readonly hasher = new Hasher();
  private readonly enabled: boolean;
  private readonly suffixes: readonly ArchSuffixes[];
  private readonly dirs: readonly AutoDir[];
  private readonly expandMatches: ReadonlyMap<AutoDir, Match>;
  private readonly linkPrefix: string;
  private readonly linkPrefixBytes: Buffer;
  // Scratch space, reused for every line (no allocation on the hot path).
  private readonly pending: string[] = [];
  private readonly keyHash = newHash();
  private readonly partHash = newHash();

  /** `expectedLines`: a guess of the output size, so the de-dup table is sized once. */
  constructor(opts: ExpandOptions, expectedLines = 0) {
    this.seen = new SeenLines(expectedLines);
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
            prefixHash: this.hasher.hash(`${d}/`, 0, newHash()),
            abiPrefixes,
            copyBits,
            allBits: copyBits.reduce((a, b) => a | b, 0) | (kind === 'bin' ? LINK : 0),
            suffixed: abiPrefixes.map((_, i) => i).filter((i) => abiPrefixes[i] !== `${d}/`),
            plainCopy: plain < 0 ? undefined : plain,
            skips: skipList,
            link: kind === 'bin',
            prefixBytes: Buffer.from(`${d}/`),
            abiPrefixBytes,
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
    this.linkPrefix = `@link ${opts.linkSource} `;
    this.linkPrefixBytes = Buffer.from(this.linkPrefix);
  }

  /**
   * Expands the lines of `bytes` (UTF-8 without NUL or CR, lines separated by
   * '\n', no final newline) into `out`; returns the number of lines. This is
   * `add` for a whole chunk: lines that are plain ASCII paths (no `\${`, no
   * `@`, no leading '/', no '..', not already under an ABI dir) — nearly all
   * of a PLIST — are hashed, matched and copied as bytes without becoming
   * strings; every other line goes through `add`. The hashes are the ones
   * `Hasher` computes, so both paths share one de-dup table.
   */
  addBytes(bytes: Uint8Array, file: string, first: number, out: ByteOutput, scratch: string[]): number {
    const end = bytes.length;
    let line = first;
    let s = 0;
    for (;;) {
      let i = s;
      let h1 = 0;
      let h2 = 0;
      let prev = 0;
      let special = 0;
      for (; i < end; i++) {
        const c = bytes[i]!;
        if (c === 10) break;
        h1 = (Math.imul(h1, B1) + c) | 0;
        h2 = (Math.imul(h2, B2) + c) | 0;
        // '$', '.' after '.', or a byte of a multi-byte character.
        if (BYTE_CLASS[c] !== 0 && (c !== 46 || prev === 46)) special = 1;
        prev = c;
      }
      if (i > s && (special !== 0 || !this.addPlainBytes(bytes, s, i, h1, h2, file, line, out))) {
        scratch.length = 0;
        this.add(Buffer.prototype.toString.call(bytes, 'utf8', s, i), file, line, scratch);
        for (let k = 0; k < scratch.length; k++) out.line(scratch[k]!);
      }
      line++;
      if (i >= end) return line - first;
      s = i + 1;
    }
  }

  /**
   * `add` for an ASCII line `bytes[s, e)` without '$' or '..', hashed to
   * h1, h2; false if the line needs `add` after all (an absolute path, an
   * @-line other than a plain `@comment` or `@pkgdir`, a path already under
   * an ABI dir).
   */
  private addPlainBytes(bytes: Uint8Array, s: number, e: number, h1: number, h2: number, file: string, line: number, out: ByteOutput): boolean {
    const len = e - s;
    const c0 = bytes[s]!;
    let d = NO_DIR;
    if (c0 === 64 /* @ */) {
      // `@comment text` is always valid; `@pkgdir path` is when the path is relative (no '..' here).
      const pkgdir = startsWithBytes(bytes, s, e, PKGDIR) && len > PKGDIR.length && bytes[s + PKGDIR.length] !== 47;
      if (!pkgdir && !startsWithBytes(bytes, s, e, COMMENT)) return false;
    } else if (c0 === 47 /* / */) {
      return false;
    } else if (this.dirs.length > 0) {
      d = this.matchBytes(bytes, s, e);
      if (d === ABI_DIR) return false;
    }
    if (d === NO_DIR) {
      if (this.seen.markBytes(h1, h2, len, PLAIN, bytes, s) & PLAIN) this.duplicate(latin1(bytes, s, e), file, line);
      else {
        out.reserve(len + 1);
        out.len = copyLine(bytes, s, e, out.buf, out.len);
      }
      return true;
    }
    const dir = this.dirs[d]!;
    const seen = this.seen.markBytes(h1, h2, len, dir.allBits, bytes, s);
    const rest = s + dir.prefixBytes.length;
    const n = dir.abiPrefixBytes.length;
    out.reserve(dir.extraBytes + (n + 1) * (len + 1));
    const buf = out.buf;
    let o = out.len;
    let dup: string | undefined;
    let printed = 0;
    for (let i = 0; i < n; i++) {
      const bit = dir.copyBits[i]!;
      if ((seen | printed) & bit) {
        if (dup === undefined && seen & bit) dup = dir.abiPrefixes[i] + latin1(bytes, rest, e);
      } else {
        const p = dir.abiPrefixBytes[i]!;
        o = copyBytes(p, 0, p.length, buf, o);
        o = copyLine(bytes, rest, e, buf, o);
        printed |= bit;
      }
    }
    if (dir.link) {
      if (seen & LINK) dup ??= this.linkPrefix + latin1(bytes, s, e);
      else {
        const p = this.linkPrefixBytes;
        o = copyBytes(p, 0, p.length, buf, o);
        o = copyLine(bytes, s, e, buf, o);
      }
    }
    out.len = o;
    if (dup !== undefined) this.duplicate(dup, file, line);
    return true;
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
    const seen = this.seen.mark(this.hasher.hash(s, 0, this.keyHash), dir.allBits, s, 0);
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
    const { hasher } = this;
    let bit = PLAIN;
    let h: Hash | undefined;
    // The key is `key.slice(from)`.
    let key = x;
    let from = 0;
    if (x.charCodeAt(0) === 64) {
      if (x.startsWith(this.linkPrefix)) {
        from = this.linkPrefix.length;
        h = hasher.hash(x, from, this.keyHash);
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
          h = hasher.concat(m.dir.prefixHash, hasher.hash(generic, m.dir.prefix.length, this.partHash), this.keyHash);
          key = generic;
          bit = m.dir.copyBits[m.abi]!;
        }
      }
    }
    h ??= hasher.hash(x, 0, this.keyHash);
    return (this.seen.mark(h, bit, key, from) & bit) === 0;
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
    else if (s.charCodeAt(0) === 47 || s.includes('..')) checkRelativePath(s, { file, line });
  }

  private duplicate(s: string, file: string, line: number): void {
    this.warnings.push(`${file}:${line}: warning: duplicate entry '${s}' dropped (already listed above)`);
  }
}

const NO_DIR = -1;
const ABI_DIR = -2;
const COMMENT = Buffer.from('@comment ');
const PKGDIR = Buffer.from('@pkgdir ');

/** Bytes that send a line to `add`: '$' (variables), '.' (when doubled), non-ASCII. */
const BYTE_CLASS = new Uint8Array(256);
BYTE_CLASS[36] = 1;
BYTE_CLASS[46] = 1;
BYTE_CLASS.fill(1, 0x80);

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

  /** The bytes so far; the output starts over in a new buffer (a write may still hold this one). */
  take(): Buffer {
    const r = this.buf.subarray(0, this.len);
    this.buf = Buffer.allocUnsafe(this.buf.length);
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

function copyBytes(src: Uint8Array, s: number, e: number, dst: Uint8Array, o: number): number {
  for (let i = s; i < e; i++) dst[o++] = src[i]!;
  return o;
}

/** Copies `src[s, e)` and a newline to `dst` at `o`; returns the new end. A loop beats a native call for lines this short. */
function copyLine(src: Uint8Array, s: number, e: number, dst: Uint8Array, o: number): number {
  for (let i = s; i < e; i++) dst[o++] = src[i]!;
  dst[o++] = 10;
  return o;
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
  return { lines: out, warnings: x.warnings };
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
