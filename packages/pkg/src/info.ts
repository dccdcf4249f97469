import fs from 'node:fs';
import path from 'node:path';
import { UserError, bestMatch } from '@mkpkg/platform';
import { readMetadata } from './archive.ts';
import { type ParsedContents, ownedPaths, parseContents } from './contents.ts';
import { type DbLocation, findInstalled, listInstalled, locatePkgdb, readInstalledContents } from './pkgdb.ts';

export interface PackageInfo {
  pkgname: string;
  prefix: string;
  comment: string;
  description: string;
  /** Absolute paths of the files and @link destinations it installs. */
  files: string[];
  buildInfo: string;
  sizePkg: number | undefined;
  contents: ParsedContents;
}

function infoFrom(where: string, get: (name: string) => string | undefined): PackageInfo {
  const contents = parseContents(get('+CONTENTS') ?? '', `${where}:+CONTENTS`);
  if (!contents.pkgname) throw new UserError(`${where}: +CONTENTS has no @name`);
  const prefix = contents.prefix ?? '/';
  const size = get('+SIZE_PKG')?.trim();
  return {
    pkgname: contents.pkgname,
    prefix,
    comment: (get('+COMMENT') ?? '').trim(),
    description: get('+DESC') ?? '',
    files: ownedPaths(contents.entries).map((p) => path.posix.join(prefix, p)),
    buildInfo: get('+BUILD_INFO') ?? '',
    sizePkg: size && /^\d+$/.test(size) ? Number(size) : undefined,
    contents,
  };
}

/** Information about a package file. */
export async function packageFileInfo(file: string): Promise<PackageInfo> {
  const meta = await readMetadata(file);
  return infoFrom(file, (n) => meta.get(n as never)?.toString('utf8'));
}

async function oneInstalled(dbdir: string, pkgname: string): Promise<PackageInfo> {
  await readInstalledContents(dbdir, pkgname);
  const dir = path.join(dbdir, pkgname);
  return infoFrom(dir, (n) => {
    try { return fs.readFileSync(path.join(dir, n), 'utf8'); } catch { return undefined; }
  });
}

/**
 * Information about the installed packages a name stands for: the full
 * name, a pattern or a base name, as pkg_info reads it (locatePkgdb says
 * where it looks).
 */
export async function installedInfos(name: string, o: DbLocation): Promise<PackageInfo[]> {
  const m = await findInstalled(name, { destdir: o.destdir ? path.resolve(o.destdir) : undefined, pkgdb: o.pkgdb, prefix: o.prefix });
  return Promise.all(m.pkgnames.map((n) => oneInstalled(m.dbdir, n)));
}

/** Information about an installed package (the best match when a pattern matches several). */
export async function installedInfo(name: string, o: DbLocation): Promise<PackageInfo> {
  const m = await findInstalled(name, { destdir: o.destdir ? path.resolve(o.destdir) : undefined, pkgdb: o.pkgdb, prefix: o.prefix });
  return oneInstalled(m.dbdir, bestMatch(name, m.pkgnames) ?? (m.pkgnames[0] as string));
}

/** `name comment` lines for every installed package, as pkg_info prints them (each searched pkgdb under its own heading when there are several). */
export async function installedSummary(o: DbLocation): Promise<string> {
  const loc = await locatePkgdb({ destdir: o.destdir ? path.resolve(o.destdir) : undefined, pkgdb: o.pkgdb, prefix: o.prefix });
  const out: string[] = [];
  for (const dbdir of loc.dirs) {
    const names = await listInstalled(dbdir);
    const width = Math.max(0, ...names.map((n) => n.length));
    if (loc.dirs.length > 1) out.push(`${out.length > 0 ? '\n' : ''}${dbdir}:\n`);
    for (const n of names) {
      const c = (await fs.promises.readFile(path.join(dbdir, n, '+COMMENT'), 'utf8').catch(() => '')).trim();
      out.push(`${n.padEnd(width)} ${c}\n`);
    }
  }
  return out.join('');
}

/** pkg_info's report: comment and description, or (-L) the file list. */
export function formatInfo(i: PackageInfo, listFiles: boolean): string {
  if (listFiles) return `Information for ${i.pkgname}:\n\nFiles:\n${i.files.map((f) => `${f}\n`).join('')}\n`;
  return `Information for ${i.pkgname}:\n\nComment:\n${i.comment}\n\nDescription:\n${i.description.replace(/\n?$/, '\n')}\n`;
}
