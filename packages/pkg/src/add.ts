import fs from 'node:fs';
import path from 'node:path';
import crypto from 'node:crypto';
import type { ReadEntry } from 'tar';
import { InputError, UserError, bestMatch, pkgMatch, splitPkgName } from '@mkpkg/platform';
import { isMetaName, readArchive, readMetadata, type Metadata, type MetaName } from './archive.ts';
import { type PayloadItem, type PlistEntry, checkPayload, formatExec, normalPrefix, ownedItems, parseContents, payloadOf } from './contents.ts';
import { Journal, inside, recoverJournal } from './journal.ts';
import { parseBuildInfo } from './metadata.ts';
import { owner as lookupOwner } from './owners.ts';
import { withPkgdbLock } from './pkgdb-lock.ts';
import { listInstalled, locatePkgdb, readInstalledContents, resolvedOwners, underDestdir, updateRequiredBy } from './pkgdb.ts';
import { type ScriptEnv, runPkgScript, runShell } from './scripts.ts';

export interface AddOptions {
  destdir?: string;
  pkgdb?: string;
  /** Install under this prefix instead of the package's @cwd. */
  prefix?: string;
}

export interface AddResult {
  pkgname: string;
  prefix: string;
  /** +DISPLAY, for the caller to show. */
  display?: string;
  warnings: string[];
}

const META_MODE: Partial<Record<MetaName, number>> = { '+CONTENTS': 0o644, '+INSTALL': 0o555, '+DEINSTALL': 0o555 };

function mismatch(file: string, what: string): InputError {
  return new InputError(`${file}: +CONTENTS does not match the archive: ${what}`, {
    hint: 'the package is corrupt or was tampered with; nothing was installed',
  });
}

function checkBuildInfo(file: string, meta: Metadata): void {
  const info = parseBuildInfo(meta.get('+BUILD_INFO')?.toString('utf8') ?? '');
  const missing = ['OPSYS', 'OS_VERSION', 'MACHINE_ARCH'].filter((k) => !info.has(k));
  if (missing.length > 0) throw new InputError(`${file}: not all required build information is present (missing ${missing.join(', ')} in +BUILD_INFO)`);
  const v = info.get('PKGTOOLS_VERSION')?.[0];
  if (v !== undefined && !/^\d{8}$/.test(v)) throw new InputError(`${file}: +BUILD_INFO: PKGTOOLS_VERSION='${v}' is not 8 digits`);
}

/**
 * The conflict, dependency and file-ownership checks pkg_add makes before
 * touching anything. Ownership is compared on resolved paths (`realRoot`
 * is the prefix as it is on disk).
 */
async function preflight(file: string, pkgname: string, prefix: string, realRoot: string, entries: readonly PlistEntry[], dbdir: string, destdir: string | undefined): Promise<string[]> {
  const installed = await listInstalled(dbdir);
  if (installed.includes(pkgname)) throw new InputError(`${pkgname} is already installed (pkgdb ${dbdir})`, { hint: `mkpkg delete ${pkgname} first to reinstall it` });
  const base = splitPkgName(pkgname).base;
  const other = installed.find((n) => splitPkgName(n).base === base);
  if (other) throw new InputError(`${other} is installed; ${pkgname} is another version of it`, { hint: `mkpkg delete ${other} first` });
  for (const e of entries) {
    if (e.kind !== 'pkgcfl') continue;
    const hit = installed.find((n) => pkgMatch(e.pattern, n));
    if (hit) throw new InputError(`${pkgname} conflicts with installed package ${hit} (@pkgcfl ${e.pattern})`);
  }
  for (const n of installed) {
    const c = await readInstalledContents(dbdir, n);
    const cfl = c.entries.find((e) => e.kind === 'pkgcfl' && pkgMatch(e.pattern, pkgname));
    if (cfl?.kind === 'pkgcfl') throw new InputError(`installed package ${n} conflicts with ${pkgname} (@pkgcfl ${cfl.pattern})`);
  }
  const deps: string[] = [];
  const missing: string[] = [];
  for (const e of entries) {
    if (e.kind !== 'pkgdep') continue;
    const m = bestMatch(e.pattern, installed);
    if (m) deps.push(m);
    else missing.push(e.pattern);
  }
  if (missing.length > 0) {
    throw new InputError(`${file}: ${pkgname} needs ${missing.map((m) => `'${m}'`).join(', ')}, not installed in ${dbdir}`, { hint: 'install the dependencies first' });
  }
  const owners = await resolvedOwners(dbdir, destdir, pkgname);
  for (const item of ownedItems(entries)) {
    const abs = path.join(realRoot, item.path);
    const holders = owners.get(abs) ?? [];
    // The same @link (same destination, same source) may be shared: each
    // version of a verexec'd interpreter delivers bin/<cmd> -> lib/verexec.
    const src = item.linkSrc !== undefined ? path.join(realRoot, item.linkSrc) : undefined;
    const held = holders.find((h) => src === undefined || h.linkSrc !== src);
    if (held) {
      const what = held.linkSrc !== undefined ? `a hard link to ${path.posix.join(prefix, path.relative(realRoot, held.linkSrc))}` : 'a file';
      throw new InputError(`${file}: ${pkgname}: ${path.posix.join(prefix, item.path)} belongs to installed package ${held.pkg} (${what})`, { hint: `delete ${held.pkg} first, or remove the file from one of the packages` });
    }
  }
  return [...new Set(deps)];
}

/** What the installer does about a member's mode and @owner/@group. */
interface Ownership {
  warnings: string[];
  /** Names already warned about, so a package with many files warns once per name. */
  told: Set<string>;
}

/** Sets @owner/@group on a file just written (as root), or says why not. */
async function applyOwner(fh: fs.promises.FileHandle, item: Extract<PayloadItem, { kind: 'file' }>, own: Ownership): Promise<void> {
  if (item.owner === undefined && item.group === undefined) return;
  const uid = item.owner === undefined ? -1 : lookupOwner('passwd', item.owner);
  const gid = item.group === undefined ? -1 : lookupOwner('group', item.group);
  const unknown = [uid === undefined ? `user ${item.owner}` : '', gid === undefined ? `group ${item.group}` : ''].filter((x) => x !== '');
  if (unknown.length > 0) {
    const key = `unknown ${unknown.join(' ')}`;
    if (!own.told.has(key)) own.warnings.push(`${item.path}: ${unknown.join(' and ')} unknown on this system; left owned by the installing user`);
    own.told.add(key);
    return;
  }
  if (process.getuid?.() !== 0) {
    const key = `notroot ${item.owner ?? ''}:${item.group ?? ''}`;
    if (!own.told.has(key)) own.warnings.push(`${item.path}: @owner/@group ${item.owner ?? ''}:${item.group ?? ''} not applied (not running as root)`);
    own.told.add(key);
    return;
  }
  await fh.chown(uid ?? -1, gid ?? -1);
}

function modeWarning(item: string, mode: number): string | undefined {
  const what = [mode & 0o4000 ? 'setuid' : '', mode & 0o2000 ? 'setgid' : '', mode & 0o002 ? 'world-writable' : ''].filter((x) => x !== '');
  return what.length > 0 ? `${item} is installed ${what.join(', ')} (mode ${(mode & 0o7777).toString(8).padStart(4, '0')})` : undefined;
}

async function writeFileMember(m: ReadEntry, item: Extract<PayloadItem, { kind: 'file' }>, abs: string, file: string, j: Journal, own: Ownership): Promise<string> {
  const tmp = j.temp(abs);
  const out = await fs.promises.open(tmp, 'wx', 0o600);
  const h = crypto.createHash('md5');
  const mode = (m.mode ?? 0o644) & 0o7777;
  try {
    for await (const chunk of m as AsyncIterable<Buffer>) {
      h.update(chunk);
      await out.write(chunk);
    }
    // chown clears setuid/setgid, so the mode comes after it.
    await applyOwner(out, item, own);
    await out.chmod(mode);
  } catch (err) {
    await out.close();
    await fs.promises.rm(tmp, { force: true });
    throw err;
  }
  await out.close();
  const sum = h.digest('hex');
  if (item.md5 !== undefined && item.md5 !== sum) {
    await fs.promises.rm(tmp, { force: true });
    throw mismatch(file, `${item.path} has MD5 ${sum}, +CONTENTS says ${item.md5}`);
  }
  const warn = modeWarning(item.path, mode);
  if (warn) own.warnings.push(warn);
  if (m.mtime) await fs.promises.utimes(tmp, m.mtime, m.mtime);
  await fs.promises.rename(tmp, abs);
  return sum;
}

/**
 * Extracts the payload in packing-list order. Each file entry must be the
 * next archive member with exactly that name; @link, @pkgdir and @exec act
 * where they stand in the list. Every path is checked by the journal when it
 * is used; a hard link must name a file this package wrote, still the same
 * inode.
 */
async function extract(file: string, payload: readonly PayloadItem[], j: Journal, senv: ScriptEnv, warnings: string[]): Promise<void> {
  const it = readArchive(file)[Symbol.asyncIterator]();
  const next = async (): Promise<ReadEntry | undefined> => {
    const r = await it.next();
    return r.done ? undefined : r.value;
  };
  const own: Ownership = { warnings, told: new Set() };
  let pending = await next();
  while (pending && isMetaName(pending.path)) pending = await next();
  const written = new Map<string, { sum: string; dev: number; ino: number }>();
  try {
    for (const item of payload) {
      if (item.kind === 'file') {
        const m = pending;
        pending = undefined;
        if (!m) throw mismatch(file, `${item.path} is listed but not in the archive`);
        if (m.path !== item.path) throw mismatch(file, `${item.path} is listed but the next member is '${m.path}'`);
        if (item.symlink !== undefined || m.type === 'SymbolicLink') {
          if (m.type !== 'SymbolicLink') throw mismatch(file, `${item.path} is listed as a symlink but is a ${m.type} member`);
          if (item.symlink !== undefined && item.symlink !== m.linkpath) throw mismatch(file, `symlink ${item.path} points to '${m.linkpath}', +CONTENTS says '${item.symlink}'`);
          const abs = await j.prepare(item.path);
          await fs.promises.symlink(m.linkpath ?? '', abs);
        } else if (m.type === 'Link') {
          const target = m.linkpath ?? '';
          const first = written.get(target);
          if (first === undefined) throw mismatch(file, `hard link ${item.path} points to '${target}', which is not a file installed before it by this package`);
          if (item.md5 !== undefined && item.md5 !== first.sum) throw mismatch(file, `${item.path} (a hard link of ${target}) has MD5 ${first.sum}, +CONTENTS says ${item.md5}`);
          const { abs: targetAbs, st } = await j.check(target, `hard link ${item.path}`);
          if (!st?.isFile() || st.ino !== first.ino || st.dev !== first.dev) {
            throw mismatch(file, `hard link ${item.path}: ${target} is no longer the file this package wrote`);
          }
          const abs = await j.prepare(item.path);
          await fs.promises.link(targetAbs, abs);
          const made = await fs.promises.lstat(abs);
          if (made.ino !== first.ino || made.dev !== first.dev) throw mismatch(file, `hard link ${item.path} did not land on ${target}`);
          written.set(item.path, first);
        } else if (m.type === 'File' || m.type === 'OldFile' || m.type === 'ContiguousFile') {
          const abs = await j.prepare(item.path);
          const sum = await writeFileMember(m, item, abs, file, j, own);
          const st = await fs.promises.lstat(abs);
          written.set(item.path, { sum, dev: st.dev, ino: st.ino });
        } else {
          throw mismatch(file, `member ${m.path} is a ${m.type}; a package holds files, symlinks and hard links only`);
        }
        pending = await next();
      } else if (item.kind === 'link') {
        const what = `@link ${item.src} ${item.dst}`;
        const { abs: src, st } = await j.check(item.src, what);
        if (!st?.isFile()) {
          throw new UserError(`${file}: ${what}: the source ${src} ${st ? 'is not a regular file' : 'does not exist'}`, {
            hint: 'install the package that provides it first (e.g. the isaexec dispatcher), or list it before the @link line',
          });
        }
        const { st: existing } = await j.check(item.dst, what);
        if (existing?.isFile() && existing.ino === st.ino && existing.dev === st.dev) {
          // Already there: a shared @link another installed package made. Leave it
          // (and leave it on rollback too).
          continue;
        }
        const abs = await j.prepare(item.dst);
        await fs.promises.link(src, abs);
        const made = await fs.promises.lstat(abs);
        if (made.ino !== st.ino || made.dev !== st.dev) throw mismatch(file, `${what}: the link did not land on ${item.src}`);
      } else if (item.kind === 'pkgdir') {
        await j.dir(item.dir);
      } else if (item.kind === 'exec') {
        const cmd = formatExec(item.cmd, senv.destdir ? j.root : senv.prefix, item.lastFile, { file: `${file}:+CONTENTS`, line: item.line });
        const rc = await runShell(cmd, j.root, senv);
        if (rc !== 0) warnings.push(`@exec ${item.cmd} exited with status ${rc}`);
      }
    }
    if (pending ?? (pending = await next())) throw mismatch(file, `member '${pending.path}' is not in +CONTENTS`);
  } finally {
    await it.return?.();
  }
}

/** The text stored in the pkgdb: the first @cwd names the prefix used, as pkg_add -p does. */
function storedContents(text: string, cwdLine: number, prefix: string): string {
  const lines = text.split('\n');
  lines[cwdLine - 1] = `@cwd ${prefix}`;
  return lines.join('\n');
}

/** Turns what is not already an error for people into one naming the package. */
function forPeople(err: unknown, file: string): unknown {
  if (err instanceof UserError) return err;
  const e = err as NodeJS.ErrnoException;
  return new UserError(`${file}: cannot install it: ${e.message ?? String(err)}`, {
    hint: e.code === 'ENOSPC' || e.code === 'EACCES' || e.code === 'EROFS' ? 'make room or get write access, then try again; nothing was installed' : 'nothing was installed',
  });
}

/** Removes the directories `first`..`last` made (innermost first), when they are empty. */
async function removeMade(first: string | undefined, last: string): Promise<void> {
  if (first === undefined) return;
  for (let d = last; inside(first, d); d = path.dirname(d)) {
    try {
      await fs.promises.rmdir(d);
    } catch {
      return;
    }
    if (d === first) return;
  }
}

/**
 * Installs a package like pkg_add: checks, writes the pkgdb entry, runs
 * +INSTALL PRE-INSTALL, extracts, runs POST-INSTALL, registers with its
 * dependencies. Holds the pkgdb lock throughout and keeps a journal in the
 * pkgdb, so any failure (or the next command after a crash) removes what
 * it wrote.
 */
export async function addPackage(file: string, o: AddOptions = {}): Promise<AddResult> {
  const meta = await readMetadata(file);
  const contentsText = meta.get('+CONTENTS')?.toString('utf8') ?? '';
  const source = `${file}:+CONTENTS`;
  const contents = parseContents(contentsText, source);
  if (!contents.pkgname) throw new InputError(`${file}: invalid +CONTENTS: missing @name`);
  const cwd = contents.entries.find((e) => e.kind === 'cwd');
  if (!contents.prefix || cwd === undefined) throw new InputError(`${file}: invalid +CONTENTS: missing @cwd`);
  const own = normalPrefix(contents.prefix);
  if ('problem' in own) throw new InputError(`@cwd '${contents.prefix}' ${own.problem}`, { where: { file: source, line: cwd.line }, hint: 'the package prefix must be an absolute path' });
  let prefix = own.prefix;
  if (o.prefix !== undefined) {
    const given = normalPrefix(o.prefix);
    if ('problem' in given) throw new InputError(`--prefix '${o.prefix}' ${given.problem}`);
    prefix = given.prefix;
  }
  checkBuildInfo(file, meta);
  const pkgname = contents.pkgname;
  const payload = payloadOf(contents.entries);
  checkPayload(payload, source);
  const destdir = o.destdir ? path.resolve(o.destdir) : undefined;
  const loc = await locatePkgdb({ destdir, pkgdb: o.pkgdb, prefix: o.prefix, packagePrefix: prefix });
  const dbdir = loc.dirs[0] as string;
  const root = underDestdir(destdir, prefix);
  const metadataDir = path.join(dbdir, pkgname);
  const senv: ScriptEnv = { prefix, destdir, metadataDir, refcountDir: `${dbdir}.refcount` };
  const warnings: string[] = [];
  let firstDbDir: string | undefined;
  try {
    firstDbDir = await fs.promises.mkdir(dbdir, { recursive: true });
    await withPkgdbLock(dbdir, async () => {
      warnings.push(...(await recoverJournal(dbdir, destdir, () => resolvedOwners(dbdir, destdir))));
      const j = new Journal(root, { source: file, dbdir, destdir });
      await j.init(false);
      const deps = await preflight(file, pkgname, prefix, j.realRoot, contents.entries, dbdir, destdir);
      await j.init();
      j.begin('add', pkgname);
      try {
        await fs.promises.mkdir(metadataDir);
        j.madeMeta(pkgname);
        for (const [name, body] of meta) {
          const data = name === '+CONTENTS' ? Buffer.from(storedContents(contentsText, cwd.line, prefix)) : body;
          await fs.promises.writeFile(path.join(metadataDir, name), data, { mode: META_MODE[name] ?? 0o444 });
        }
        const pre = await runPkgScript('+INSTALL', pkgname, 'PRE-INSTALL', senv);
        if (pre !== undefined && pre !== 0) throw new UserError(`${pkgname}: +INSTALL PRE-INSTALL failed (exit ${pre}); nothing was installed`);
        await extract(file, payload, j, senv, warnings);
        const post = await runPkgScript('+INSTALL', pkgname, 'POST-INSTALL', senv);
        if (post !== undefined && post !== 0) throw new UserError(`${pkgname}: +INSTALL POST-INSTALL failed (exit ${post}); the installation was undone`);
        for (const d of deps) {
          j.requiredBy(d, pkgname);
          await updateRequiredBy(dbdir, d, pkgname, true);
        }
      } catch (err) {
        await j.rollback();
        throw err;
      }
      await j.commit();
    }, { log: (m) => process.stderr.write(`mkpkg: ${m}\n`) });
  } catch (err) {
    await removeMade(firstDbDir, dbdir);
    throw forPeople(err, file);
  }
  const display = meta.get('+DISPLAY')?.toString('utf8');
  return { pkgname, prefix, ...(display !== undefined ? { display } : {}), warnings };
}
