import fs from 'node:fs';
import path from 'node:path';
import { InputError, pkgMatch, readMkConf, writeFileAtomic } from '@mkpkg/platform';
import { type ParsedContents, normalPrefix, ownedItems, parseContents } from './contents.ts';
import { canonical } from './journal.ts';

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
 * The environment-only part of the rule: `--pkgdb` as given, else
 * `DESTDIR${PKG_DBDIR}` (environment), else `DESTDIR${PREFIX}/pkgdb`.
 * @deprecated for commands: use `locatePkgdb`, the whole rule (mk.conf's
 * PKG_DBDIR, the search of a destdir, the containment check).
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
    // An entry is a real directory: one that is a symlink could lead anywhere, and its scripts would run.
    const st = await fs.promises.lstat(path.join(dbdir, n)).catch(() => undefined);
    if (st?.isDirectory() && fs.existsSync(path.join(dbdir, n, '+CONTENTS'))) out.push(n);
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

/** The prefixes a search of a destdir looks at: PREFIX up to this many levels deep. */
const SEARCH_DEPTH = 4;

export interface PkgdbQuery extends DbLocation {
  /** `add`: the prefix the package installs under (its @cwd), used when --prefix is not given. */
  packagePrefix?: string | undefined;
  env?: NodeJS.ProcessEnv;
}

/** Where a command looks: one pkgdb named by the rule, or the ones a search found. */
export interface PkgdbLocation {
  /** The pkgdbs, best first; named: exactly one (it may not exist yet). */
  dirs: string[];
  /** True when the rule named the pkgdb; false when it was searched for. */
  named: boolean;
  /** How it was found, for messages. */
  how: string;
}

async function mkConfPkgdb(env: NodeJS.ProcessEnv): Promise<{ pkgdb?: string; localbase?: string }> {
  const conf = await readMkConf({ env });
  const pkgdb = conf.vars.get('PKG_DBDIR');
  const localbase = conf.vars.get('LOCALBASE');
  return { ...(pkgdb ? { pkgdb } : {}), ...(localbase ? { localbase } : {}) };
}

/** Is `dbdir` the pkgdb of prefix `prefix`: does an entry in it say `@cwd prefix`? */
async function holdsPrefix(dbdir: string, prefix: string): Promise<boolean> {
  for (const n of await listInstalled(dbdir)) {
    const text = await fs.promises.readFile(path.join(dbdir, n, '+CONTENTS'), 'utf8').catch(() => '');
    const cwd = /^@cwd[ \t]+(.*?)[ \t\r]*$/m.exec(text)?.[1];
    const np = cwd === undefined ? undefined : normalPrefix(cwd);
    if (np && 'prefix' in np && np.prefix === prefix) return true;
  }
  return false;
}

/**
 * The pkgdbs under a destdir: `D${PREFIX}/pkgdb` for every PREFIX up to
 * SEARCH_DEPTH levels whose pkgdb holds a package installed under that
 * PREFIX (what `mkpkg add --destdir D` makes). Symlinks are not followed.
 */
export async function searchPkgdbs(destdir: string): Promise<string[]> {
  const found: string[] = [];
  const walk = async (dir: string, depth: number): Promise<void> => {
    const db = path.join(dir, 'pkgdb');
    const st = await fs.promises.lstat(db).catch(() => undefined);
    if (st?.isDirectory() && (await holdsPrefix(db, `/${path.relative(destdir, dir)}`.replace(/^\/$/, '/')))) found.push(db);
    if (depth >= SEARCH_DEPTH - 1) return;
    let names: fs.Dirent[];
    try {
      names = await fs.promises.readdir(dir, { withFileTypes: true });
    } catch {
      return;
    }
    for (const d of names.sort((a, b) => (a.name < b.name ? -1 : 1))) {
      if (d.isDirectory() && d.name !== 'pkgdb') await walk(path.join(dir, d.name), depth + 1);
    }
  };
  await walk(destdir, 0);
  return found;
}

/**
 * The one rule every command (add, delete, info and the pkg_* front ends)
 * uses to find the pkgdb, as pkg_install does: `--pkgdb` as given; else
 * `D${PKG_DBDIR}` from the environment or mk.conf; else
 * `D${PREFIX}/pkgdb` with PREFIX from --prefix or, for add, the package's
 * @cwd. With none of these (delete, info): under a destdir, the pkgdbs a
 * search finds (see searchPkgdbs) or, when none, `D${LOCALBASE}/pkgdb`;
 * without one, `${LOCALBASE}/pkgdb` (mk.conf's LOCALBASE, else /usr/pkg).
 */
export async function locatePkgdb(q: PkgdbQuery): Promise<PkgdbLocation> {
  const loc = await ruleFor(q);
  const destdir = q.destdir ? path.resolve(q.destdir) : undefined;
  // Under a destdir, a pkgdb the rule derived must be inside it on disk too
  // (not reached through a symlink leading out); --pkgdb is the caller's word.
  if (destdir !== undefined && q.pkgdb === undefined) {
    const top = await canonical(destdir);
    for (const d of loc.dirs) {
      const real = await canonical(d);
      if (real !== top && !real.startsWith(`${top}/`)) {
        throw new InputError(`the package database ${d} (from ${loc.how}) resolves to ${real}, outside the destination ${destdir}`, {
          hint: 'a directory on its way is a symlink leading out; remove it, or name the pkgdb with --pkgdb',
        });
      }
    }
  }
  return loc;
}

async function ruleFor(q: PkgdbQuery): Promise<PkgdbLocation> {
  const env = q.env ?? process.env;
  const destdir = q.destdir ? path.resolve(q.destdir) : undefined;
  if (q.pkgdb) return { dirs: [path.resolve(q.pkgdb)], named: true, how: '--pkgdb' };
  if (env['PKG_DBDIR']) return { dirs: [path.resolve(underDestdir(destdir, env['PKG_DBDIR']))], named: true, how: 'PKG_DBDIR' };
  const conf = await mkConfPkgdb(env);
  if (conf.pkgdb) return { dirs: [path.resolve(underDestdir(destdir, conf.pkgdb))], named: true, how: 'PKG_DBDIR in mk.conf' };
  const prefix = q.prefix ?? q.packagePrefix;
  if (prefix) return { dirs: [path.resolve(underDestdir(destdir, path.join(prefix, 'pkgdb')))], named: true, how: q.prefix ? '--prefix' : "the package's prefix" };
  const fallback = path.resolve(underDestdir(destdir, path.join(conf.localbase ?? '/usr/pkg', 'pkgdb')));
  if (destdir) {
    const found = await searchPkgdbs(destdir);
    if (found.length > 0) return { dirs: found, named: false, how: `a search of ${destdir}` };
  }
  return { dirs: [fallback], named: true, how: conf.localbase ? 'LOCALBASE in mk.conf' : 'the default LOCALBASE /usr/pkg' };
}

/** What a name or pattern given to delete or info stands for: the pkgdb and the installed packages it matches. */
export interface InstalledMatch {
  dbdir: string;
  pkgnames: string[];
}

/**
 * Finds the installed packages a name stands for, as pkg_delete/pkg_info
 * read it: the full name, else a pattern (`foo>=1.0`, `foo-[0-9]*`,
 * `{a,b}-1.*`), else a base name (any version). Searched pkgdbs must agree:
 * a name found in two of them is ambiguous.
 */
/** The installed packages an argument names: itself when installed under that exact name, else those its pattern or base name matches. */
export function matchInstalled(arg: string, installed: readonly string[]): string[] {
  if (installed.includes(arg)) return [arg];
  return installed.filter((n) => pkgMatch(arg, n));
}

export async function findInstalled(name: string, q: PkgdbQuery): Promise<InstalledMatch> {
  const loc = await locatePkgdb(q);
  const hits: InstalledMatch[] = [];
  for (const dbdir of loc.dirs) {
    const installed = await listInstalled(dbdir);
    const exact = matchInstalled(name, installed);
    if (exact.length > 0) hits.push({ dbdir, pkgnames: exact });
  }
  if (hits.length === 0) {
    throw new InputError(`${name} is not installed (pkgdb ${loc.dirs.join(', ')}, from ${loc.how})`, {
      hint: 'give --pkgdb DIR or --prefix PREFIX if it was installed elsewhere',
    });
  }
  if (hits.length > 1) {
    throw new InputError(`${name} is installed in several package databases: ${hits.map((h) => `${h.dbdir} (${h.pkgnames.join(', ')})`).join('; ')}`, {
      hint: 'give --prefix PREFIX or --pkgdb DIR to say which',
    });
  }
  return hits[0] as InstalledMatch;
}

/** A package's prefix read from its stored +CONTENTS, checked: absolute, normalised, without '..'. */
export function storedPrefix(c: ParsedContents, file: string): string {
  if (c.prefix === undefined) throw new InputError(`${file}: no @cwd; cannot tell where the package is installed`);
  const np = normalPrefix(c.prefix);
  if ('problem' in np) throw new InputError(`${file}: @cwd '${c.prefix}' ${np.problem}`, { hint: 'the pkgdb entry is damaged or was tampered with' });
  return np.prefix;
}

/**
 * Who holds each installed path, keyed by the path resolved on disk (the
 * existing part of DESTDIR+PREFIX through realpath), so two spellings of
 * one file, or two prefixes that are one directory, meet.
 */
export async function resolvedOwners(dbdir: string, destdir: string | undefined, except?: string): Promise<Map<string, PathOwner[]>> {
  const owners = new Map<string, PathOwner[]>();
  const roots = new Map<string, string>();
  for (const name of await listInstalled(dbdir)) {
    if (name === except) continue;
    const file = path.join(dbdir, name, '+CONTENTS');
    const c = await readInstalledContents(dbdir, name);
    const prefix = storedPrefix(c, file);
    let root = roots.get(prefix);
    if (root === undefined) {
      root = await canonical(underDestdir(destdir, prefix));
      roots.set(prefix, root);
    }
    for (const o of ownedItems(c.entries)) {
      const abs = path.join(root, o.path);
      const owner: PathOwner = o.linkSrc !== undefined ? { pkg: name, linkSrc: path.join(root, o.linkSrc) } : { pkg: name };
      owners.set(abs, [...(owners.get(abs) ?? []), owner]);
    }
  }
  return owners;
}
