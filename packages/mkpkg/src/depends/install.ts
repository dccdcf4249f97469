import fs from 'node:fs';
import path from 'node:path';
import { UserError, bestMatch, pkgMatch, splitPkgName } from '@mkpkg/platform';
import type { Note } from '../workdir.ts';
import { lazy } from '../workdir.ts';

// Installing packages into the pkgdb with their run-time dependencies, the
// way pkg_add fetches what a package's @pkgdep lines need from the same
// directory: used for dependencies found in ${PACKAGES}/All and for
// packages a dependency build has just written.

export interface InstallSite {
  readonly pkgdb: string;
  /** ${PACKAGES}/All */
  readonly allDir: string;
  readonly note: Note;
  /**
   * Builds and installs a package of the tree for a @pkgdep that neither
   * the pkgdb nor PACKAGES/All satisfies (the isaexec package, which
   * multiarch packages with programs depend on without declaring it).
   * Returns false when it does not know a directory for the pattern.
   */
  readonly buildFor?: (pattern: string) => Promise<boolean>;
}

export async function installedNames(pkgdb: string): Promise<string[]> {
  if (!fs.existsSync(pkgdb)) return [];
  return (await lazy.pkg()).installedPackages({ pkgdb });
}

/** The installed package satisfying every pattern, if any. */
export function matchAll(patterns: readonly string[], names: readonly string[]): string | undefined {
  const first = patterns[0];
  if (first === undefined) return undefined;
  return bestMatch(first, names.filter((n) => patterns.every((p) => pkgMatch(p, n))));
}

/** The best package in PACKAGES/All satisfying every pattern, as a file path. */
export function availableBinary(allDir: string, patterns: readonly string[]): string | undefined {
  let files: string[];
  try {
    files = fs.readdirSync(allDir);
  } catch {
    return undefined;
  }
  const names = files.filter((f) => f.endsWith('.tgz') && !f.startsWith('.')).map((f) => f.slice(0, -4)).filter(validName);
  const best = matchAll(patterns, names);
  return best === undefined ? undefined : path.join(allDir, `${best}.tgz`);
}

function validName(n: string): boolean {
  try {
    splitPkgName(n);
    return true;
  } catch {
    return false;
  }
}

/** +BUILD_INFO and the @pkgdep patterns of a package file. */
export async function packageFacts(file: string): Promise<{ pkgname: string; pkgdeps: string[]; buildInfo: Map<string, string[]> }> {
  const pkg = await lazy.pkg();
  const meta = await pkg.readMetadata(file);
  const c = pkg.parseContents(meta.get('+CONTENTS')?.toString('utf8') ?? '', `${file}:+CONTENTS`);
  const pkgdeps = c.entries.flatMap((e) => (e.kind === 'pkgdep' ? [e.pattern] : []));
  return { pkgname: c.pkgname ?? path.basename(file, '.tgz'), pkgdeps, buildInfo: pkg.parseBuildInfo(meta.get('+BUILD_INFO')?.toString('utf8') ?? '') };
}

/**
 * Adds a package file to the pkgdb after its @pkgdep dependencies: each one
 * already installed, or installed from PACKAGES/All first (recursively), or
 * built by `buildFor`. A package another run installed meanwhile is fine.
 */
export async function addWithDependencies(file: string, site: InstallSite, seen: Set<string> = new Set()): Promise<string> {
  const facts = await packageFacts(file);
  if (seen.has(facts.pkgname)) throw new UserError(`the @pkgdep lines of the packages in ${site.allDir} form a cycle through ${facts.pkgname}`);
  seen.add(facts.pkgname);
  for (const pattern of facts.pkgdeps) {
    if (matchAll([pattern], await installedNames(site.pkgdb))) continue;
    const bin = availableBinary(site.allDir, [pattern]);
    if (bin) {
      site.note(`${facts.pkgname} needs ${pattern}: installing ${path.basename(bin)} from ${site.allDir}`);
      await addWithDependencies(bin, site, seen);
      continue;
    }
    if (site.buildFor && (await site.buildFor(pattern))) continue;
    throw new UserError(`${facts.pkgname} needs ${pattern}, which is neither installed (pkgdb ${site.pkgdb}) nor in ${site.allDir}`, {
      hint: `build the package that provides ${pattern} first (mkpkg install-package in its directory)`,
    });
  }
  if ((await installedNames(site.pkgdb)).includes(facts.pkgname)) return facts.pkgname;
  try {
    const r = await (await lazy.pkg()).addPackage(file, { pkgdb: site.pkgdb });
    site.note(`installed ${r.pkgname} under ${r.prefix}`);
  } catch (err) {
    // Another mkpkg run may have installed the same dependency meanwhile.
    if (!(await installedNames(site.pkgdb)).includes(facts.pkgname)) throw err;
  }
  return facts.pkgname;
}
