import path from 'node:path';
import { InputError, splitList } from '@mkpkg/platform';
import { type Vars, get } from '../pkgdir.ts';

/** Which variable declared a dependency; it decides @pkgdep versus @blddep. */
export type DepKind = 'DEPENDS' | 'BUILD_DEPENDS' | 'TOOL_DEPENDS';

/** One `pattern:dir` entry of DEPENDS, BUILD_DEPENDS or TOOL_DEPENDS. */
export interface DepEntry {
  readonly kind: DepKind;
  readonly pattern: string;
  /** The package directory, absolute. */
  readonly dir: string;
}

/** A package of the buildlink3 tree (direct or included by another buildlink3.mk). */
export interface BuildlinkPkg {
  readonly name: string;
  readonly method: 'full' | 'build';
  readonly direct: boolean;
  readonly dir: string;
  readonly patterns: readonly string[];
}

/** Everything a package declares it needs, read from one bmake evaluation. */
export interface Declared {
  readonly entries: readonly DepEntry[];
  readonly buildlink: readonly BuildlinkPkg[];
}

/**
 * Splits `pattern:dir` as pkgsrc does (at the first colon). The directory is
 * relative to the package directory; an entry without one cannot be built
 * and is bad input.
 */
export function parseDepEntry(kind: DepKind, word: string, pkgdir: string, makefile: string): DepEntry {
  const i = word.indexOf(':');
  const pattern = i < 0 ? word : word.slice(0, i);
  const dir = i < 0 ? '' : word.slice(i + 1);
  if (pattern === '' || dir === '') {
    throw new InputError(`${kind} entry '${word}' is not of the form pattern:../../category/name`, {
      where: { file: makefile },
      hint: `write it as ${kind}+= ${pattern || 'name>=1.0'}:../../category/name`,
    });
  }
  return { kind, pattern, dir: path.resolve(pkgdir, dir) };
}

/** DEPENDS, BUILD_DEPENDS, TOOL_DEPENDS and the buildlink3 tree of a package. */
export function declaredDepends(v: Vars, pkgdir: string, makefile: string): Declared {
  const entries: DepEntry[] = [];
  const seen = new Set<string>();
  for (const kind of ['DEPENDS', 'BUILD_DEPENDS', 'TOOL_DEPENDS'] as const) {
    for (const w of splitList(get(v, kind))) {
      const e = parseDepEntry(kind, w, pkgdir, makefile);
      const key = `${kind}\0${e.pattern}\0${e.dir}`;
      if (seen.has(key)) continue;
      seen.add(key);
      entries.push(e);
    }
  }
  const byName = new Map<string, { name: string; method: 'full' | 'build'; direct: boolean; dir: string; patterns: string[] }>();
  for (const w of splitList(get(v, '_MKPKG_BUILDLINK'))) {
    const [name, method, how, dir, pattern] = w.split('|');
    if (!name || !dir || !pattern || (method !== 'full' && method !== 'build')) continue;
    const b = byName.get(name) ?? { name, method, direct: how === 'direct', dir: path.resolve(pkgdir, dir), patterns: [] };
    if (!b.patterns.includes(pattern)) b.patterns.push(pattern);
    byName.set(name, b);
  }
  return { entries, buildlink: [...byName.values()] };
}

/** The package path (category/name) of a package directory, as pkgsrc names it in messages. */
export function pkgpathOf(dir: string): string {
  return `${path.basename(path.dirname(dir))}/${path.basename(dir)}`;
}

/** Entries grouped by directory: one package must satisfy every pattern naming its directory. */
export function byDirectory(entries: readonly DepEntry[]): Map<string, DepEntry[]> {
  const out = new Map<string, DepEntry[]>();
  for (const e of entries) out.set(e.dir, [...(out.get(e.dir) ?? []), e]);
  return out;
}
