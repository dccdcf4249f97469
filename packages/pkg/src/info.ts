import fs from 'node:fs';
import path from 'node:path';
import { UserError } from '@mkpkg/platform';
import { readMetadata } from './archive.ts';
import { type ParsedContents, ownedPaths, parseContents } from './contents.ts';
import { listInstalled, pkgdbDir, readInstalledContents } from './pkgdb.ts';

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

/** Information about an installed package. */
export async function installedInfo(pkgname: string, o: { destdir?: string; pkgdb?: string; prefix?: string }): Promise<PackageInfo> {
  const dbdir = pkgdbDir({ destdir: o.destdir ? path.resolve(o.destdir) : undefined, pkgdb: o.pkgdb, prefix: o.prefix });
  await readInstalledContents(dbdir, pkgname);
  const dir = path.join(dbdir, pkgname);
  return infoFrom(dir, (n) => {
    try { return fs.readFileSync(path.join(dir, n), 'utf8'); } catch { return undefined; }
  });
}

/** `name comment` lines for every installed package, as pkg_info prints them. */
export async function installedSummary(o: { destdir?: string; pkgdb?: string; prefix?: string }): Promise<string> {
  const dbdir = pkgdbDir({ destdir: o.destdir ? path.resolve(o.destdir) : undefined, pkgdb: o.pkgdb, prefix: o.prefix });
  const names = await listInstalled(dbdir);
  const width = Math.max(0, ...names.map((n) => n.length));
  const lines = names.map((n) => {
    const c = fs.readFileSync(path.join(dbdir, n, '+COMMENT'), 'utf8').trim();
    return `${n.padEnd(width)} ${c}\n`;
  });
  return lines.join('');
}

/** pkg_info's report: comment and description, or (-L) the file list. */
export function formatInfo(i: PackageInfo, listFiles: boolean): string {
  if (listFiles) return `Information for ${i.pkgname}:\n\nFiles:\n${i.files.map((f) => `${f}\n`).join('')}\n`;
  return `Information for ${i.pkgname}:\n\nComment:\n${i.comment}\n\nDescription:\n${i.description.replace(/\n?$/, '\n')}\n`;
}
