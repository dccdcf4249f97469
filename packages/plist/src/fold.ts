import type { Abi } from '@mkpkg/platform';
import { type ExpandOptions, normalizeDir } from './options.ts';
import { ARCH_TOKENS } from './subst.ts';
import { compareBytes, listTree } from './tree.ts';

/** How one staged path relates to a compact PLIST line. */
interface Copy {
  /** The compact line that would expand to this path. */
  readonly line: string;
  readonly abi: Abi;
  /** For header tokens: the generic file the token line also produces. */
  readonly generic?: string;
}

/**
 * The inverse of expansion: the compact single-arch PLIST of a staged tree,
 * sorted like pkgsrc's print-PLIST (files in byte order, then `@pkgdir` for
 * empty directories). A line is folded only when every ABI's copy is there
 * (and, for `${INCARCHSUFFIX}`, the generic header too); otherwise the
 * per-ABI paths are kept as they are, which expansion leaves alone. So an ABI
 * that builds fewer programs still round-trips.
 */
export async function foldTree(prefixDir: string, opts: ExpandOptions): Promise<string[]> {
  const { files, emptyDirs } = await listTree(prefixDir);
  const folder = new Folder(opts);
  const groups = new Map<string, Map<Abi, string>>();
  const generics = new Map<string, string>();
  const plain: string[] = [];
  for (const f of files) {
    const c = folder.classify(f);
    if (!c) {
      plain.push(f);
      continue;
    }
    let g = groups.get(c.line);
    if (!g) groups.set(c.line, (g = new Map()));
    g.set(c.abi, f);
    if (c.generic !== undefined) generics.set(c.line, c.generic);
  }
  const present = new Set(files);
  const covered = new Set<string>(); // link destinations and generic headers made by folded lines
  const out = new Set<string>();
  for (const [line, copies] of groups) {
    const generic = generics.get(line);
    const complete =
      copies.size === opts.platform.abis.length && (generic === undefined || present.has(generic));
    if (complete) {
      out.add(line);
      if (generic !== undefined) covered.add(generic);
      else if (folder.isBinLine(line)) covered.add(line);
    } else {
      for (const p of copies.values()) out.add(p);
    }
  }
  for (const p of plain) if (!covered.has(p)) out.add(p);
  const fileLines = [...out].sort(compareBytes);
  // `@pkgdir` lines are not expanded, so empty directories stay as they are.
  const dirLines = [...emptyDirs].sort(compareBytes).map((d) => `@pkgdir ${d}`);
  return [...fileLines, ...dirLines];
}

class Folder {
  private auto: { prefix: string; abiPrefixes: [Abi, string][]; skips: string[]; bin: boolean }[] = [];
  private readonly incNames: [Abi, string][] = [];
  private readonly binPrefixes: string[] = [];

  constructor(private readonly opts: ExpandOptions) {
    const ma = opts.multiarch;
    if (!ma.enabled) return;
    const { platform } = opts;
    const add = (dirs: string[], skips: string[], kind: 'bin' | 'lib'): void => {
      for (const d of dirs.map(normalizeDir).filter((x) => x !== '')) {
        this.auto.push({
          prefix: `${d}/`,
          abiPrefixes: platform.abis.map((a) => [a, `${d}${platform.suffixes[a][kind]}/`]),
          skips: skips.map(normalizeDir).map((s) => `${s}/`),
          bin: kind === 'bin',
        });
        if (kind === 'bin') this.binPrefixes.push(`${d}/`);
      }
    };
    // As in expansion: bin dirs before lib dirs, each kind longest first.
    if (ma.bin) add(opts.binDirs, opts.skipBinDirs, 'bin');
    const nBin = this.auto.length;
    if (ma.lib) add(opts.libDirs, opts.skipLibDirs, 'lib');
    const byLength = (a: { prefix: string }, b: { prefix: string }) => b.prefix.length - a.prefix.length;
    this.auto = [...this.auto.slice(0, nBin).sort(byLength), ...this.auto.slice(nBin).sort(byLength)];
    for (const a of platform.abis) {
      const s = platform.suffixes[a].inc;
      if (s !== '') this.incNames.push([a, `${s}/`]);
    }
  }

  isBinLine(line: string): boolean {
    return this.binPrefixes.some((p) => line.startsWith(p));
  }

  classify(p: string): Copy | undefined {
    for (const d of this.auto) {
      if (!p.startsWith(d.prefix) || d.skips.some((s) => p.startsWith(s))) continue;
      // A suffixed copy first: with an empty suffix the plain dir is a copy too.
      let emptyAbi: Abi | undefined;
      for (const [abi, ap] of d.abiPrefixes) {
        if (ap === d.prefix) emptyAbi = abi;
        else if (p.startsWith(ap)) return { line: d.prefix + p.slice(ap.length), abi };
      }
      if (emptyAbi !== undefined) return { line: p, abi: emptyAbi };
      return undefined;
    }
    if (this.incNames.length === this.opts.platform.abis.length) {
      for (const [abi, name] of this.incNames) {
        const i = p.indexOf(name);
        if (i > 0) {
          // `include/i86/x.h` → `include${INCARCHSUFFIX}/x.h`, generic `include/x.h`
          const line = p.slice(0, i) + ARCH_TOKENS.inc + p.slice(i + name.length - 1);
          return { line, abi, generic: p.slice(0, i) + p.slice(i + name.length - 1) };
        }
      }
    }
    return undefined;
  }
}
