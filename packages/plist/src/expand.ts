import type { ArchSuffixes } from '@mkpkg/platform';
import { type ExpandOptions, normalizeDir } from './options.ts';
import { type Hash, Hasher, SeenLines, newHash } from './seen.ts';
import { ARCH_TOKENS, Substituter } from './subst.ts';
import { checkRelativePath, nulError, parseLine } from './syntax.ts';

/** An automatic directory (rule A or B) with what a line under it needs. */
interface AutoDir {
  /** `bin/` */
  readonly prefix: string;
  readonly prefixHash: Hash;
  /** `bin/amd64/`, … per ABI in output order, and their hashes. */
  readonly abiPrefixes: readonly string[];
  readonly abiPrefixHashes: readonly Hash[];
  /** Prefixes of paths that are already per-ABI (`bin/amd64/`); left alone. */
  readonly abiDirs: readonly string[];
  /** `lib/svc/`, … : lines under these are not expanded. */
  readonly skips: readonly string[];
  readonly link: boolean;
}

/**
 * Multiarch expansion of one package's PLIST lines (SPEC §3, facts §2.2 rules
 * A–D with the SPEC's fixes). Feed lines in order with `add`; outputs are
 * appended to the caller's array. Holds the de-dup state, so one instance is
 * one package. No I/O.
 */
export class PlistExpander {
  readonly warnings: string[] = [];
  private readonly subst: Substituter;
  private readonly seen = new SeenLines();
  private readonly hasher = new Hasher();
  private readonly enabled: boolean;
  private readonly suffixes: readonly ArchSuffixes[];
  private readonly binDirs: readonly AutoDir[];
  private readonly libDirs: readonly AutoDir[];
  private readonly linkPrefix: string;
  private readonly linkPrefixHash: Hash;
  // Scratch space, reused for every line (no allocation on the hot path).
  private readonly pending: string[] = [];
  private readonly restHash = newHash();
  private readonly lineHash = newHash();
  private readonly outHash = newHash();

  constructor(opts: ExpandOptions) {
    this.subst = new Substituter(opts.subst, opts.plistVars);
    const ma = opts.multiarch;
    this.enabled = ma.enabled;
    this.suffixes = opts.platform.abis.map((a) => opts.platform.suffixes[a]);
    const h = (s: string): Hash => this.hasher.hash(s, 0, newHash());
    const auto = (dirs: string[], skips: string[], kind: 'bin' | 'lib'): AutoDir[] =>
      dirs
        .map(normalizeDir)
        .filter((d) => d !== '')
        // Most specific first: with `bin` and `bin/x` both listed, `bin/x/y` belongs to `bin/x`.
        .sort((a, b) => b.length - a.length)
        .map((d) => {
          const abiPrefixes = this.suffixes.map((s) => `${d}${s[kind]}/`);
          return {
            prefix: `${d}/`,
            prefixHash: h(`${d}/`),
            abiPrefixes,
            abiPrefixHashes: abiPrefixes.map(h),
            abiDirs: this.suffixes.filter((s) => s[kind] !== '').map((s) => `${d}${s[kind]}/`),
            skips: skips.map(normalizeDir).filter((s) => s !== '').map((s) => `${s}/`),
            link: kind === 'bin',
          };
        });
    this.binDirs = ma.enabled && ma.bin ? auto(opts.binDirs, opts.skipBinDirs, 'bin') : [];
    this.libDirs = ma.enabled && ma.lib ? auto(opts.libDirs, opts.skipLibDirs, 'lib') : [];
    this.linkPrefix = `@link ${opts.linkSource} `;
    this.linkPrefixHash = h(this.linkPrefix);
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
    if (!this.enabled || !hasTokens) {
      // Rule D: without multiarch the tokens simply disappear.
      if (hasTokens) s = stripTokens(s);
      this.validate(s, isCommand, file, line);
      const dir = this.enabled && !isCommand ? this.autoDir(s) : undefined;
      if (dir === undefined) {
        if (this.seen.add(this.hasher.hash(s, 0, this.lineHash))) out.push(s);
        else this.duplicate(s, file, line);
      } else {
        this.expandDir(s, dir, file, line, out);
      }
      return;
    }
    // Validate the generic form: tokens are placeholders, not path text.
    const generic = stripTokens(s);
    this.validate(generic, isCommand, file, line);
    const dir = isCommand ? undefined : this.autoDir(s);
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
      if (this.seen.add(this.hasher.hash(x, 0, this.outHash))) out.push(x);
      else if (dup === undefined && !out.includes(x, start)) dup = x;
    }
    if (dup !== undefined) this.duplicate(dup, file, line);
  }

  /** Rules A/B for a file line without tokens: one copy per ABI, then @link for bin. */
  private expandDir(s: string, dir: AutoDir, file: string, line: number, out: string[]): void {
    const { hasher, seen } = this;
    const rest = s.slice(dir.prefix.length);
    const restHash = hasher.hash(s, dir.prefix.length, this.restHash);
    const start = out.length;
    let dup: string | undefined;
    const n = dir.abiPrefixes.length;
    for (let i = 0; i < n; i++) {
      const copy = dir.abiPrefixes[i] + rest;
      if (seen.add(hasher.concat(dir.abiPrefixHashes[i]!, restHash, this.outHash))) out.push(copy);
      else if (dup === undefined && !out.includes(copy, start)) dup = copy;
    }
    if (dir.link) {
      const lineHash = hasher.concat(dir.prefixHash, restHash, this.lineHash);
      const link = this.linkPrefix + s;
      if (seen.add(hasher.concat(this.linkPrefixHash, lineHash, this.outHash))) out.push(link);
      else if (dup === undefined) dup = link;
    }
    if (dup !== undefined) this.duplicate(dup, file, line);
  }

  /** The automatic dir a file line starts in, if it is to be expanded. */
  private autoDir(s: string): AutoDir | undefined {
    return this.match(s, this.binDirs) ?? this.match(s, this.libDirs);
  }

  private match(s: string, dirs: readonly AutoDir[]): AutoDir | undefined {
    outer: for (let d = 0; d < dirs.length; d++) {
      const dir = dirs[d]!;
      if (!s.startsWith(dir.prefix)) continue;
      for (let k = 0; k < dir.skips.length; k++) if (s.startsWith(dir.skips[k]!)) continue outer;
      // Already per-ABI (bin/amd64/x): expanding again would double the suffix.
      for (let k = 0; k < dir.abiDirs.length; k++) if (s.startsWith(dir.abiDirs[k]!)) return undefined;
      return dir;
    }
    return undefined;
  }

  private validate(s: string, isCommand: boolean, file: string, line: number): void {
    if (isCommand) parseLine(s, { file, line });
    else checkRelativePath(s, { file, line });
  }

  private duplicate(s: string, file: string, line: number): void {
    this.warnings.push(`${file}:${line}: warning: duplicate entry '${s}' dropped (already listed above)`);
  }
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
  return s
    .replaceAll(ARCH_TOKENS.bin, sfx.bin)
    .replaceAll(ARCH_TOKENS.lib, sfx.lib)
    .replaceAll(ARCH_TOKENS.inc, sfx.inc);
}

export function stripTokens(s: string): string {
  return s.replaceAll(ARCH_TOKENS.bin, '').replaceAll(ARCH_TOKENS.lib, '').replaceAll(ARCH_TOKENS.inc, '');
}
