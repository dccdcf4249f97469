import fs from 'node:fs';
import path from 'node:path';
import { InputError, writeFileAtomic } from '@mkpkg/platform';
import { type ParsedContents, ownedItems, parseContents } from './contents.ts';

export interface DbLocation {
  destdir?: string | undefined;
  pkgdb?: string | undefined;
  prefix?: string | undefined;
}

/** Joins a destdir and an absolute path ("" destdir = the path itself). */
export function underDestdir(destdir: string | undefined, abs: string): string {
  return destdir ? path.join(destdir, abs) : abs;
}

/**
 * Where the pkgdb is (SPEC §11): `--pkgdb` as given, else
 * `DESTDIR${PKG_DBDIR}`, else `DESTDIR${PREFIX}/pkgdb`.
 */
export function pkgdbDir(o: DbLocation, env: NodeJS.ProcessEnv = process.env): string {
  if (o.pkgdb) return path.resolve(o.pkgdb);
  const fromEnv = env['PKG_DBDIR'];
  if (fromEnv) return path.resolve(underDestdir(o.destdir, fromEnv));
  if (o.prefix) return path.resolve(underDestdir(o.destdir, path.join(o.prefix, 'pkgdb')));
  throw new InputError('cannot tell where the package database is', {
    hint: 'give --pkgdb DIR, set PKG_DBDIR, or give --prefix (the pkgdb is then PREFIX/pkgdb)',
  });
}

/** The installed packages: directories of the pkgdb holding a +CONTENTS. */
export async function listInstalled(dbdir: string): Promise<string[]> {
  let names: string[];
  try {
    names = await fs.promises.readdir(dbdir);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw err;
  }
  const out: string[] = [];
  for (const n of names.sort()) {
    if (n.startsWith('.')) continue;
    if (fs.existsSync(path.join(dbdir, n, '+CONTENTS'))) out.push(n);
  }
  return out;
}

export async function readInstalledContents(dbdir: string, pkgname: string): Promise<ParsedContents> {
  const file = path.join(dbdir, pkgname, '+CONTENTS');
  let text: string;
  try {
    text = await fs.promises.readFile(file, 'utf8');
  } catch {
    throw new InputError(`${pkgname} is not installed (no ${file})`);
  }
  return parseContents(text, file);
}

/** Who holds an installed path, and, for an @link destination, its source. */
export interface PathOwner {
  readonly pkg: string;
  readonly linkSrc?: string;
}

/**
 * Every path installed packages hold (absolute, under their @cwd), except
 * `except`'s. An @link destination may be held by several packages at once
 * (two versions of an interpreter both link bin/perl to lib/verexec), so
 * each path maps to all its holders. pkg_install keeps this in
 * pkgdb.byfile.db; reading every +CONTENTS gives the same answer without a
 * Berkeley DB writer.
 */
export async function fileOwners(dbdir: string, except?: string): Promise<Map<string, PathOwner[]>> {
  const owners = new Map<string, PathOwner[]>();
  for (const name of await listInstalled(dbdir)) {
    if (name === except) continue;
    const c = await readInstalledContents(dbdir, name);
    const prefix = c.prefix ?? '/';
    for (const o of ownedItems(c.entries)) {
      const abs = path.posix.join(prefix, o.path);
      const owner: PathOwner = o.linkSrc !== undefined ? { pkg: name, linkSrc: path.posix.join(prefix, o.linkSrc) } : { pkg: name };
      owners.set(abs, [...(owners.get(abs) ?? []), owner]);
    }
  }
  return owners;
}

/** Adds or removes a line in a dependency's +REQUIRED_BY. */
export async function updateRequiredBy(dbdir: string, dep: string, who: string, add: boolean): Promise<void> {
  const file = path.join(dbdir, dep, '+REQUIRED_BY');
  let lines: string[] = [];
  try {
    lines = (await fs.promises.readFile(file, 'utf8')).split('\n').filter((l) => l !== '');
  } catch { /* none yet */ }
  const next = add ? [...new Set([...lines, who])] : lines.filter((l) => l !== who);
  if (next.length === 0) await fs.promises.rm(file, { force: true });
  else {
    await writeFileAtomic(file, `${next.join('\n')}\n`, { mode: 0o644 });
  }
}
