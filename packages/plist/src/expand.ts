import type { Abi, ArchSuffixes } from '@mkpkg/platform';
import { type ExpandOptions, normalizeDir } from './options.ts';
import { SeenLines } from './seen.ts';
import { ARCH_TOKENS, Substituter } from './subst.ts';
import { type Position, checkRelativePath, nulError, parseLine } from './syntax.ts';

/** An automatic directory (rule A or B) with what a line under it needs. */
interface AutoDir {
  /** `bin/` */
  readonly prefix: string;
  /** `bin/amd64/`, … per ABI in output order. */
  readonly abiPrefixes: readonly string[];
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
  private readonly enabled: boolean;
  private readonly suffixes: readonly ArchSuffixes[];
  private readonly binDirs: readonly AutoDir[];
  private readonly libDirs: readonly AutoDir[];
  private readonly linkPrefix: string;
  /** Scratch buffer for one input line's outputs before de-dup. */
  private readonly pending: string[] = [];

  constructor(opts: ExpandOptions) {
    this.subst = new Substituter(opts.subst, opts.plistVars);
    const ma = opts.multiarch;
    this.enabled = ma.enabled;
    const abis: readonly Abi[] = opts.platform.abis;
    this.suffixes = abis.map((a) => opts.platform.suffixes[a]);
    const auto = (dirs: string[], skips: string[], kind: 'bin' | 'lib'): AutoDir[] =>
      dirs
        .map(normalizeDir)
        .filter((d) => d !== '')
        // Most specific first: with `bin` and `bin/x` both listed, `bin/x/y` belongs to `bin/x`.
        .sort((a, b) => b.length - a.length)
        .map((d) => ({
          prefix: `${d}/`,
          abiPrefixes: this.suffixes.map((s) => `${d}${s[kind]}/`),
          abiDirs: this.suffixes.filter((s) => s[kind] !== '').map((s) => `${d}${s[kind]}/`),
          skips: skips.map(normalizeDir).filter((s) => s !== '').map((s) => `${s}/`),
          link: kind === 'bin',
        }));
    this.binDirs = ma.enabled && ma.bin ? auto(opts.binDirs, opts.skipBinDirs, 'bin') : [];
    this.libDirs = ma.enabled && ma.lib ? auto(opts.libDirs, opts.skipLibDirs, 'lib') : [];
    this.linkPrefix = `@link ${opts.linkSource} `;
  }

  /**
   * Expands one input line and appends its new output lines to `out`.
   * Throws InputError naming `file:line` for bad input.
   */
  add(raw: string, file: string, line: number, out: string[]): void {
    let s = raw;
    if (s.includes('${')) s = this.subst.apply(s, { file, line });
    if (s === '') return; // blank lines carry nothing
    const hasTokens = s.includes('ARCHSUFFIX}') && hasArchToken(s);
    const isCommand = s.charCodeAt(0) === 64; /* @ */
    if (!this.enabled) {
      // Rule D: without multiarch the tokens simply disappear.
      if (hasTokens) s = stripTokens(s);
      this.validate(s, isCommand, file, line);
      this.emitOne(s, file, line, out);
      return;
    }
    // Validate the generic form: tokens are placeholders, not path text.
    this.validate(hasTokens ? stripTokens(s) : s, isCommand, file, line);
    const dir = isCommand ? undefined : (this.match(s, this.binDirs) ?? this.match(s, this.libDirs));
    if (dir === undefined && !hasTokens) {
      this.emitOne(s, file, line, out);
      return;
    }
    const p = this.pending;
    p.length = 0;
    for (let i = 0; i < this.suffixes.length; i++) {
      let copy = dir === undefined ? s : dir.abiPrefixes[i] + s.slice(dir.prefix.length);
      if (hasTokens) copy = replaceTokens(copy, this.suffixes[i]!);
      p.push(copy);
    }
    const generic = hasTokens ? stripTokens(s) : s;
    // @link only for file lines: an @-line is not a command to dispatch.
    if (!isCommand && ((dir !== undefined && dir.link) || s.includes(ARCH_TOKENS.bin))) {
      p.push(this.linkPrefix + generic);
    }
    // The generic header that includes the per-ABI ones.
    if (s.includes(ARCH_TOKENS.inc)) p.push(generic);
    this.emitMany(p, file, line, out);
  }

  /** The automatic dir a file line starts in, if it is to be expanded. */
  private match(s: string, dirs: readonly AutoDir[]): AutoDir | undefined {
    for (const d of dirs) {
      if (!s.startsWith(d.prefix)) continue;
      if (d.skips.some((k) => s.startsWith(k))) continue;
      // Already per-ABI (bin/amd64/x): expanding again would double the suffix.
      if (d.abiDirs.some((k) => s.startsWith(k))) return undefined;
      return d;
    }
    return undefined;
  }

  private validate(s: string, isCommand: boolean, file: string, line: number): void {
    if (s.includes('\0')) throw nulError({ file, line });
    if (isCommand) parseLine(s, { file, line });
    else checkRelativePath(s, { file, line });
  }

  private emitOne(s: string, file: string, line: number, out: string[]): void {
    if (this.seen.add(s)) out.push(s);
    else this.duplicate(s, file, line);
  }

  private emitMany(lines: readonly string[], file: string, line: number, out: string[]): void {
    let dup: string | undefined;
    const start = out.length;
    for (const s of lines) {
      if (this.seen.add(s)) out.push(s);
      // Copies of one line that coincide (equal suffixes) are not the user's duplicates.
      else if (dup === undefined && !out.includes(s, start)) dup = s;
    }
    if (dup !== undefined) this.duplicate(dup, file, line);
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
  lines.forEach((l, i) => x.add(l, file, i + 1, out));
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

export type { Position };
