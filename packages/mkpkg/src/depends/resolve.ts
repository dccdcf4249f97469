import fs from 'node:fs';
import path from 'node:path';
import { InputError, UserError, writeFileAtomicSync } from '@mkpkg/platform';
import { type PackageDir, get } from '../pkgdir.ts';
import type { Note } from '../workdir.ts';
import { type DepEntry, type DepKind, byDirectory, declaredDepends, pkgpathOf } from './declared.ts';
import { type InstallSite, addWithDependencies, availableBinary, installedNames, matchAll, packageFacts } from './install.ts';

/** DEPENDS_TARGET values mkpkg can run: each builds the package and adds it to the pkgdb. */
export const DEPENDS_TARGETS = ['package-install', 'install-package', 'package', 'install'] as const;

/** What the dependency builds of one mkpkg run share: the chain being built (for cycles) and what was built. */
export interface DependsRun {
  /** Package directories being built, outermost first. */
  readonly chain: readonly string[];
  readonly built: Set<string>;
}

/** One satisfied dependency: what was asked for and the exact package installed. */
export interface Resolved {
  readonly kind: DepKind | 'buildlink';
  readonly patterns: readonly string[];
  readonly dir: string;
  readonly pkgname: string;
}

/** What the depends phase found, kept in ${WRKDIR}/.depends.json for the views and +CONTENTS. */
export interface DependsRecord {
  readonly resolved: readonly Resolved[];
  /** Buildlink packages (direct and indirect) by their buildlink name, with the exact package. */
  readonly buildlink: readonly { name: string; pkgname: string; dir: string }[];
}

export const recordFile = (p: PackageDir): string => path.join(p.wrkdir, '.depends.json');

export function readRecord(p: PackageDir): DependsRecord {
  try {
    return JSON.parse(fs.readFileSync(recordFile(p), 'utf8')) as DependsRecord;
  } catch {
    return { resolved: [], buildlink: [] };
  }
}

export interface DependsOptions {
  readonly p: PackageDir;
  readonly run: DependsRun;
  readonly note: Note;
  /** Builds a package directory and adds it to the pkgdb (mkpkg install-package there). */
  readonly build: (dir: string, run: DependsRun) => Promise<void>;
}

export function installSite(p: PackageDir, note: Note, build?: (dir: string) => Promise<void>): InstallSite {
  const treeRoot = path.resolve(p.dir, '../..');
  return {
    pkgdb: path.resolve(p.dir, get(p.vars, 'PKG_DBDIR')),
    allDir: path.join(path.resolve(p.dir, get(p.vars, 'PACKAGES')), 'All'),
    note,
    ...(build
      ? {
          // Only the isaexec package is depended on without being declared.
          buildFor: async (pattern: string) => {
            const dir = path.join(treeRoot, 'pkgtools/isaexec');
            if (!/^isaexec[-<>=[{]/.test(pattern) || !fs.existsSync(path.join(dir, 'Makefile'))) return false;
            note(`pkgtools/isaexec: needed for ${pattern} (multiarch programs run through isaexec), not installed, building`);
            await build(dir);
            return true;
          },
        }
      : {}),
  };
}

/**
 * The depends phase: every declared dependency is installed, else installed
 * from PACKAGES/All, else built from its directory with DEPENDS_TARGET,
 * recursively and each once. Writes the record the views and +CONTENTS use.
 */
export async function resolveDepends(o: DependsOptions): Promise<DependsRecord> {
  const { p, note } = o;
  const me = pkgpathOf(p.dir);
  const declared = declaredDepends(p.vars, p.dir, p.makefile);
  // Indirect buildlink packages are linked too; they come with the direct
  // ones, and are resolved after them so that they are found installed.
  const entries: DepEntry[] = [...declared.entries];
  const indirect = declared.buildlink.filter((b) => !b.direct);
  const site = installSite(p, note, (dir) => o.build(dir, { chain: [...o.run.chain, p.dir], built: o.run.built }));
  const resolved: Resolved[] = [];
  for (const [dir, group] of byDirectory(entries)) {
    const patterns = [...new Set(group.map((e) => e.pattern))];
    const pkgname = await satisfy(o, site, me, dir, patterns, group.map((e) => `${e.kind} ${e.pattern}`).join(', '));
    for (const kind of [...new Set(group.map((e) => e.kind))]) {
      resolved.push({ kind, patterns: group.filter((e) => e.kind === kind).map((e) => e.pattern), dir, pkgname });
    }
  }
  for (const b of indirect) {
    const pkgname = await satisfy(o, site, me, b.dir, b.patterns, `buildlink3.mk of a dependency: ${b.patterns.join(' ')}`);
    resolved.push({ kind: 'buildlink', patterns: b.patterns, dir: b.dir, pkgname });
  }
  const names = await installedNames(site.pkgdb);
  const buildlink = declared.buildlink.map((b) => {
    const pkgname = matchAll(b.patterns, names);
    if (pkgname === undefined) throw new UserError(`${me}: buildlink package ${b.name} (${b.patterns.join(' ')}) is not installed after the depends phase`);
    return { name: b.name, pkgname, dir: b.dir };
  });
  const record: DependsRecord = { resolved, buildlink };
  fs.mkdirSync(p.wrkdir, { recursive: true });
  writeFileAtomicSync(recordFile(p), JSON.stringify(record, null, 1));
  return record;
}

async function satisfy(o: DependsOptions, site: InstallSite, me: string, dir: string, patterns: readonly string[], why: string): Promise<string> {
  const { p, note } = o;
  const dep = pkgpathOf(dir);
  const have = matchAll(patterns, await installedNames(site.pkgdb));
  if (have) return have;
  const bin = availableBinary(site.allDir, patterns);
  if (bin && (await binaryFits(p, bin))) {
    note(`${dep}: needed by ${me} (${why}), not installed, installing ${path.basename(bin)} from ${site.allDir}`);
    try {
      return await addWithDependencies(bin, site);
    } catch (err) {
      if (!(err instanceof UserError)) throw err;
      note(`${dep}: ${path.basename(bin)} cannot be installed (${err.message.split('\n')[0]}); building it instead`);
    }
  }
  const target = get(p.vars, 'DEPENDS_TARGET') || 'package-install';
  if (!(DEPENDS_TARGETS as readonly string[]).includes(target)) {
    throw new UserError(`${me}: dependency ${dep} (${why}) is not installed, and DEPENDS_TARGET=${target} does not build it`, {
      hint: `install a package matching ${patterns.join(' ')} first, or run without DEPENDS_TARGET (mkpkg then builds ${dep} with package-install)`,
    });
  }
  const chain = [...o.run.chain, p.dir];
  const at = chain.indexOf(dir);
  if (at >= 0) {
    throw new InputError(`dependency cycle: ${[...chain.slice(at), dir].map(pkgpathOf).join(' -> ')}`, {
      hint: 'one of these packages must not depend on the next; remove the DEPENDS or buildlink3.mk include that closes the circle',
    });
  }
  if (!fs.existsSync(path.join(dir, 'Makefile'))) {
    throw new UserError(`${me}: dependency ${dep} (${why}) is not installed, and ${dir} is not a package directory`, {
      where: { file: p.makefile },
      hint: 'fix the directory after the colon of the dependency, or add the package to the tree',
    });
  }
  if (o.run.built.has(dir)) {
    throw new UserError(`${me}: ${dep} was built in this run, but nothing installed matches ${patterns.join(' ')}`, {
      hint: `the version ${dep} builds does not satisfy ${why}; update the pattern or the package`,
    });
  }
  note(`${dep}: needed by ${me} (${why}), not installed, building`);
  o.run.built.add(dir);
  await o.build(dir, { chain, built: o.run.built });
  const now = matchAll(patterns, await installedNames(site.pkgdb));
  if (!now) {
    throw new UserError(`${me}: building ${dep} did not install a package matching ${patterns.join(' ')}`, {
      hint: `the version ${dep} builds does not satisfy ${why}; update the pattern or the package`,
    });
  }
  note(`${dep}: ${now} installed for ${me}`);
  return now;
}

/**
 * A binary package fits a multiarch build only when it was built for every
 * ABI of this build (+BUILD_INFO MULTIARCH_ABIS); otherwise it is built
 * again, multiarch, rather than installed and then refused.
 */
async function binaryFits(p: PackageDir, file: string): Promise<boolean> {
  if (!p.multiarch.enabled || p.abis.length < 2) return true;
  try {
    const f = await packageFacts(file);
    const abis = (f.buildInfo.get('MULTIARCH_ABIS') ?? []).join(' ').split(/\s+/).filter(Boolean);
    return p.abis.every((a) => abis.includes(a));
  } catch {
    return false;
  }
}

/**
 * The dependency lines of +CONTENTS as pkgsrc writes them: for each
 * run-time dependency `@blddep <exact>` then `@pkgdep <pattern>`, then
 * `@blddep <exact>` for each build-time one (BUILD_DEPENDS, TOOL_DEPENDS,
 * buildlink packages), each exact name once.
 */
export function contentsDepLines(record: DependsRecord, extraPkgdeps: readonly string[], installedFor: (pattern: string) => string | undefined = () => undefined): string[] {
  const out: string[] = [];
  const bld = new Set<string>();
  const dep = new Set<string>();
  for (const r of record.resolved) {
    if (r.kind !== 'DEPENDS') continue;
    if (!bld.has(r.pkgname)) out.push(`@blddep ${r.pkgname}`);
    bld.add(r.pkgname);
    for (const pat of r.patterns) {
      if (!dep.has(pat)) out.push(`@pkgdep ${pat}`);
      dep.add(pat);
    }
  }
  for (const pat of extraPkgdeps) {
    // As for the recorded ones: the exact package built against first, when one is installed.
    const exact = dep.has(pat) ? undefined : installedFor(pat);
    if (exact !== undefined && !bld.has(exact)) out.push(`@blddep ${exact}`);
    if (exact !== undefined) bld.add(exact);
    if (!dep.has(pat)) out.push(`@pkgdep ${pat}`);
    dep.add(pat);
  }
  const buildNames = [...record.resolved.filter((r) => r.kind !== 'DEPENDS').map((r) => r.pkgname), ...record.buildlink.map((b) => b.pkgname)];
  for (const n of buildNames) {
    if (!bld.has(n)) out.push(`@blddep ${n}`);
    bld.add(n);
  }
  return out;
}

/**
 * A multiarch package whose programs run through isaexec is of no use
 * without the isaexec package: when neither the pkgdb nor PACKAGES/All has
 * one, its package is built from the tree's pkgtools/isaexec (not
 * installed: `package` writes packages only), so that PACKAGES/All holds
 * everything pkg_add needs.
 */
export async function ensureIsaexecPackage(p: PackageDir, note: Note, buildPackage: (dir: string) => Promise<void>): Promise<void> {
  if (get(p.vars, 'PKGBASE') === 'isaexec') return;
  const plist = path.join(p.wrkdir, '.PLIST');
  let needs = false;
  try {
    needs = fs.readFileSync(plist, 'utf8').split('\n').some((l) => l.startsWith('@link lib/isaexec '));
  } catch {
    return;
  }
  if (!needs) return;
  const pattern = get(p.vars, 'ISAEXEC_DEPENDS') || 'isaexec>=1.0';
  const site = installSite(p, note);
  if (matchAll([pattern], await installedNames(site.pkgdb)) || availableBinary(site.allDir, [pattern])) return;
  const dir = path.resolve(p.dir, '../../pkgtools/isaexec');
  if (!fs.existsSync(path.join(dir, 'Makefile'))) return;
  note(`pkgtools/isaexec: needed at run time by ${pkgpathOf(p.dir)} (${pattern}), no package in ${site.allDir}, building it`);
  await buildPackage(dir);
}
