import fs from 'node:fs';
import path from 'node:path';
import { InputError, bestMatch, machineArch, splitList } from '@mkpkg/platform';
import { type PackageDir, dependPatterns, get } from './pkgdir.ts';
import { type Note, destdirOf, lazy, prefixOf } from './workdir.ts';
import { addWithDependencies, installedNames } from './depends/install.ts';
import { contentsDepLines, installSite, readRecord } from './depends/resolve.ts';
import { filesBelow } from './filesbelow.ts';

/** ${PACKAGES}/All/${PKGNAME}.tgz: where `package` publishes. */
export function packageFile(p: PackageDir): string {
  const pkgname = get(p.vars, 'PKGNAME');
  return path.join(path.resolve(p.dir, get(p.vars, 'PACKAGES')), 'All', `${pkgname}.tgz`);
}

/**
 * ${WRKDIR}/.packages/${PKGNAME}.tgz (the glue's STAGE_PKGFILE): where the
 * package is made. pbulk installs it from there as a test and publishes it
 * itself, so a package that fails that test never reaches PACKAGES.
 */
export function stagePackageFile(p: PackageDir): string {
  return path.join(p.wrkdir, '.packages', `${get(p.vars, 'PKGNAME')}.tgz`);
}

/** The published package is the staged one (publishing hard-links it). */
export function isPublished(p: PackageDir): boolean {
  try {
    const staged = fs.statSync(stagePackageFile(p));
    const published = fs.statSync(packageFile(p));
    return staged.isFile() && staged.ino === published.ino && staged.dev === published.dev;
  } catch {
    return false;
  }
}

/**
 * Writes the package to STAGE_PKGFILE (under a temporary name, renamed, so
 * concurrent runs and readers never see a partial file). Packages with
 * isaexec or verexec links depend on the isaexec package.
 */
export async function makePackage(p: PackageDir, note: Note): Promise<void> {
  const pkgname = get(p.vars, 'PKGNAME');
  const v = p.vars;
  note(`packaging ${pkgname}`);
  const lines = fs.readFileSync(path.join(p.wrkdir, '.PLIST'), 'utf8').split('\n').filter((l) => l !== '');
  const meta = JSON.parse(fs.readFileSync(path.join(p.wrkdir, '.scripts.json'), 'utf8')) as { install: string[]; deinstall: string[] };
  // DEPENDS come from the depends phase's record (with the exact names built
  // against); what it did not see (no record) is still a plain @pkgdep.
  const depends = dependPatterns(v);
  if (get(v, 'PKGBASE') !== 'isaexec' && lines.some((l) => /^@link lib\/(isa|ver)exec /.test(l))) {
    depends.push(get(v, 'ISAEXEC_DEPENDS') || 'isaexec>=1.0');
  }
  const descrFile = path.resolve(p.dir, get(v, 'DESCR_SRC'));
  if (!fs.existsSync(descrFile)) throw new InputError(`the package has no DESCR (${descrFile})`, { hint: 'write a few lines describing the package into DESCR' });
  const msgFile = get(v, 'MESSAGE_SRC');
  const out = stagePackageFile(p);
  const pkgpath = path.relative(path.resolve(p.dir, '../..'), p.dir);
  // createPackage writes under a temporary name and renames it into place.
  await (await lazy.pkg()).createPackage({
    output: out,
    pkgname: pkgname,
    prefix: prefixOf(v),
    stageDir: path.join(destdirOf(p), prefixOf(v)),
    plist: [...(await dependencyLines(p, depends)), ...lines],
    comment: get(v, 'COMMENT') || pkgname,
    descr: fs.readFileSync(descrFile, 'utf8'),
    ...(get(v, 'HOMEPAGE') ? { homepage: get(v, 'HOMEPAGE') } : {}),
    depends: [],
    conflicts: splitList(get(v, 'CONFLICTS')),
    buildVersion: buildVersionText(p),
    buildInfo: {
      OPSYS: p.platform.opsys,
      MACHINE_ARCH: machineArch(p.platform.defaultAbi),
      ABI: p.platform.defaultAbi,
      MULTIARCH_ABIS: p.multiarch.enabled ? p.abis.join(' ') : '',
      PKGPATH: pkgpath,
      CATEGORIES: get(v, 'CATEGORIES'),
      LOCALBASE: get(v, 'LOCALBASE'),
      ...(get(v, 'PKGTOOLS_VERSION') ? { PKGTOOLS_VERSION: get(v, 'PKGTOOLS_VERSION') } : {}),
    },
    ...(msgFile && fs.existsSync(msgFile) ? { message: fs.readFileSync(msgFile, 'utf8') } : {}),
    installFragments: meta.install,
    deinstallFragments: meta.deinstall,
    compression: compressionOf(get(v, 'PKG_COMPRESSION')),
  });
  note(`wrote ${out}`);
}

/**
 * `package`: copies STAGE_PKGFILE into ${PACKAGES}/All (a hard link when
 * both are on one file system), under a temporary name renamed into place.
 */
export function publishPackage(p: PackageDir, note: Note): void {
  const from = stagePackageFile(p);
  const to = packageFile(p);
  fs.mkdirSync(path.dirname(to), { recursive: true });
  const tmp = path.join(path.dirname(to), `.${path.basename(to)}.tmp-${process.pid}`);
  fs.rmSync(tmp, { force: true });
  try {
    fs.linkSync(from, tmp);
  } catch {
    fs.copyFileSync(from, tmp);
  }
  fs.renameSync(tmp, to);
  note(`wrote ${to}`);
}

/**
 * The @blddep lines: for every dependency pattern of the build
 * (ALL_DEPENDS: BUILD_DEPENDS, TOOL_DEPENDS, DEPENDS, isaexec), the exact
 * installed package that satisfied it, as pkgsrc records them. pbulk's
 * up-to-date check calls a package stale when these are not the packages
 * it would build against now.
 */
function buildDependencyLines(p: PackageDir, installedFor: (pattern: string) => string | undefined): string[] {
  const patterns = splitList(get(p.vars, 'ALL_DEPENDS')).map((d) => d.replace(/:[^:]*$/, ''));
  const names = patterns.map(installedFor).filter((n): n is string => n !== undefined);
  return [...new Set(names)].map((n) => `@blddep ${n}`);
}

/** The installed package (in PKG_DBDIR) that best matches a pattern, if any. */
async function installedMatcher(p: PackageDir): Promise<(pattern: string) => string | undefined> {
  const pkgdb = get(p.vars, 'PKG_DBDIR');
  const installed = pkgdb ? await installedNames(pkgdb) : [];
  return (pattern) => bestMatch(pattern, installed);
}

/**
 * The dependency lines of +CONTENTS: the depends phase's record (@blddep
 * exact, @pkgdep pattern for run-time ones, then @blddep for build-time
 * ones), with the run-time dependencies mkpkg adds (the isaexec package)
 * among the run-time ones, then @blddep for what else ALL_DEPENDS names.
 */
async function dependencyLines(p: PackageDir, pkgdeps: readonly string[]): Promise<string[]> {
  const installedFor = await installedMatcher(p);
  const mine = contentsDepLines(readRecord(p), [...new Set(pkgdeps)], installedFor);
  return [...mine, ...buildDependencyLines(p, installedFor).filter((l) => !mine.includes(l))];
}

/**
 * +BUILD_VERSION as pkgsrc writes it: for every file of the package
 * directory, files/ and the patches that carries a `$NetBSD…$` ident, a
 * line `<category>/<name>/<file>: <ident>`. pbulk compares these with the
 * tree to tell whether a package must be rebuilt.
 */
export function buildVersionText(p: PackageDir): string {
  const tree = path.resolve(p.dir, '../..');
  const files = new Set<string>();
  const addDir = (dir: string, filter: (name: string) => boolean = () => true) => {
    let entries: fs.Dirent[];
    try {
      entries = fs.readdirSync(dir, { withFileTypes: true });
    } catch {
      return;
    }
    for (const e of entries) if (e.isFile() && filter(e.name)) files.add(path.join(dir, e.name));
  };
  addDir(p.dir);
  for (const f of filesBelow(path.resolve(p.dir, get(p.vars, 'FILESDIR')))) files.add(f);
  addDir(path.resolve(p.dir, get(p.vars, 'PATCHDIR')), (n) => n.startsWith('patch-'));
  const lines: string[] = [];
  for (const f of [...files].sort()) {
    const rel = path.relative(tree, f);
    if (rel.startsWith('..')) continue;
    let text: string;
    try {
      text = fs.readFileSync(f, 'latin1');
    } catch {
      continue;
    }
    const id = /\$NetBSD[^$\n]*\$/.exec(text);
    if (id) lines.push(`${rel}: ${id[0]}\n`);
  }
  return lines.join('');
}

/**
 * `install-package`: adds the package to PKG_DBDIR under its PREFIX, after
 * the run-time dependencies its +CONTENTS names (from PACKAGES/All, or built
 * by `build` for the isaexec package multiarch programs need).
 */
export async function installPackage(p: PackageDir, note: Note, build?: (dir: string) => Promise<void>): Promise<void> {
  await addWithDependencies(packageFile(p), installSite(p, note, build));
}

function compressionOf(s: string): 'gzip' | 'bzip2' | 'xz' | 'none' {
  return s === 'bzip2' || s === 'xz' || s === 'none' ? s : 'gzip';
}
