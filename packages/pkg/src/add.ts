import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import type { ReadEntry } from 'tar';
import { InputError, UserError, bestMatch, pkgMatch, splitPkgName } from '@mkpkg/platform';
import { isMetaName, readArchive, readMetadata, type Metadata, type MetaName } from './archive.ts';
import { type PayloadItem, type PlistEntry, formatExec, ownedItems, parseContents, payloadOf } from './contents.ts';
import { Journal } from './journal.ts';
import { parseBuildInfo } from './metadata.ts';
import { fileOwners, listInstalled, pkgdbDir, readInstalledContents, underDestdir, updateRequiredBy } from './pkgdb.ts';
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

function mismatch(file: string, what: string): UserError {
  return new UserError(`${file}: +CONTENTS does not match the archive: ${what}`, {
    hint: 'the package is corrupt or was tampered with; nothing was installed',
  });
}

function checkBuildInfo(file: string, meta: Metadata): void {
  const info = parseBuildInfo(meta.get('+BUILD_INFO')?.toString('utf8') ?? '');
  const missing = ['OPSYS', 'OS_VERSION', 'MACHINE_ARCH'].filter((k) => !info.has(k));
  if (missing.length > 0) throw new UserError(`${file}: not all required build information is present (missing ${missing.join(', ')} in +BUILD_INFO)`);
  const v = info.get('PKGTOOLS_VERSION')?.[0];
  if (v !== undefined && !/^\d{8}$/.test(v)) throw new UserError(`${file}: +BUILD_INFO: PKGTOOLS_VERSION='${v}' is not 8 digits`);
}

/** The conflict, dependency and file-ownership checks pkg_add makes before touching anything. */
async function preflight(file: string, pkgname: string, prefix: string, entries: readonly PlistEntry[], dbdir: string): Promise<string[]> {
  const installed = await listInstalled(dbdir);
  if (installed.includes(pkgname)) throw new UserError(`${pkgname} is already installed (pkgdb ${dbdir})`, { hint: `mkpkg delete ${pkgname} first to reinstall it` });
  const base = splitPkgName(pkgname).base;
  const other = installed.find((n) => splitPkgName(n).base === base);
  if (other) throw new UserError(`${other} is installed; ${pkgname} is another version of it`, { hint: `mkpkg delete ${other} first` });
  for (const e of entries) {
    if (e.kind !== 'pkgcfl') continue;
    const hit = installed.find((n) => pkgMatch(e.pattern, n));
    if (hit) throw new UserError(`${pkgname} conflicts with installed package ${hit} (@pkgcfl ${e.pattern})`);
  }
  for (const n of installed) {
    const c = await readInstalledContents(dbdir, n);
    const cfl = c.entries.find((e) => e.kind === 'pkgcfl' && pkgMatch(e.pattern, pkgname));
    if (cfl?.kind === 'pkgcfl') throw new UserError(`installed package ${n} conflicts with ${pkgname} (@pkgcfl ${cfl.pattern})`);
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
    throw new UserError(`${file}: ${pkgname} needs ${missing.map((m) => `'${m}'`).join(', ')}, not installed in ${dbdir}`, { hint: 'install the dependencies first' });
  }
  const owners = await fileOwners(dbdir, pkgname);
  for (const item of ownedItems(entries)) {
    const abs = path.posix.join(prefix, item.path);
    const holders = owners.get(abs) ?? [];
    // The same @link (same destination, same source) may be shared: each
    // version of a verexec'd interpreter delivers bin/<cmd> -> lib/verexec.
    const src = item.linkSrc !== undefined ? path.posix.join(prefix, item.linkSrc) : undefined;
    const other = holders.find((h) => src === undefined || h.linkSrc !== src);
    if (other) {
      const what = other.linkSrc !== undefined ? `a hard link to ${other.linkSrc}` : 'a file';
      throw new UserError(`${pkgname}: ${abs} belongs to installed package ${other.pkg} (${what})`, { hint: `delete ${other.pkg} first, or remove the file from one of the packages` });
    }
  }
  return [...new Set(deps)];
}

async function writeFileMember(m: ReadEntry, item: Extract<PayloadItem, { kind: 'file' }>, abs: string, file: string): Promise<string> {
  const tmp = path.join(path.dirname(abs), `.${path.basename(abs)}.mkpkg-${process.pid}`);
  const out = await fs.promises.open(tmp, 'wx', 0o600);
  const h = crypto.createHash('md5');
  try {
    for await (const chunk of m as AsyncIterable<Buffer>) {
      h.update(chunk);
      await out.write(chunk);
    }
    await out.chmod((m.mode ?? 0o644) & 0o7777);
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
  if (m.mtime) await fs.promises.utimes(tmp, m.mtime, m.mtime);
  await fs.promises.rename(tmp, abs);
  return sum;
}

/**
 * Extracts the payload in packing-list order. Each file entry must be the
 * next archive member with exactly that name; @link, @pkgdir and @exec act
 * where they stand in the list.
 */
async function extract(file: string, payload: readonly PayloadItem[], j: Journal, senv: ScriptEnv, warnings: string[]): Promise<void> {
  const it = readArchive(file)[Symbol.asyncIterator]();
  const next = async (): Promise<ReadEntry | undefined> => {
    const r = await it.next();
    return r.done ? undefined : r.value;
  };
  let pending = await next();
  while (pending && isMetaName(pending.path)) pending = await next();
  const sums = new Map<string, string>();
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
          j.wrote(abs);
        } else if (m.type === 'Link') {
          const target = m.linkpath ?? '';
          const sum = sums.get(target);
          if (sum === undefined) throw mismatch(file, `hard link ${item.path} points to '${target}', which is not a file installed before it by this package`);
          if (item.md5 !== undefined && item.md5 !== sum) throw mismatch(file, `${item.path} (a hard link of ${target}) has MD5 ${sum}, +CONTENTS says ${item.md5}`);
          const abs = await j.prepare(item.path);
          await fs.promises.link(j.abs(target), abs);
          j.wrote(abs);
          sums.set(item.path, sum);
        } else if (m.type === 'File' || m.type === 'OldFile' || m.type === 'ContiguousFile') {
          const abs = await j.prepare(item.path);
          j.wrote(abs);
          sums.set(item.path, await writeFileMember(m, item, abs, file));
        } else {
          throw mismatch(file, `member ${m.path} is a ${m.type}; a package holds files, symlinks and hard links only`);
        }
        pending = await next();
      } else if (item.kind === 'link') {
        if (!(await j.checkParents(item.src))) throw new UserError(`@link ${item.src} ${item.dst}: ${item.src} lies outside the prefix ${j.root}`);
        const src = j.abs(item.src);
        const st = await fs.promises.lstat(src).catch(() => undefined);
        if (!st?.isFile()) {
          throw new UserError(`@link ${item.src} ${item.dst}: the source ${src} ${st ? 'is not a regular file' : 'does not exist'}`, {
            hint: 'install the package that provides it first (e.g. the isaexec dispatcher), or list it before the @link line',
          });
        }
        const existing = await fs.promises.lstat(j.abs(item.dst)).catch(() => undefined);
        if (existing?.isFile() && existing.ino === st.ino && existing.dev === st.dev) {
          // Already there: a shared @link another installed package made. Leave it
          // (and leave it on rollback too).
          continue;
        }
        const abs = await j.prepare(item.dst);
        await fs.promises.link(src, abs);
        j.wrote(abs);
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

/**
 * Installs a package like pkg_add: checks, writes the pkgdb entry, runs
 * +INSTALL PRE-INSTALL, extracts, runs POST-INSTALL, registers with its
 * dependencies. Any failure removes what it wrote.
 */
export async function addPackage(file: string, o: AddOptions = {}): Promise<AddResult> {
  const meta = await readMetadata(file);
  const contentsText = meta.get('+CONTENTS')?.toString('utf8') ?? '';
  const contents = parseContents(contentsText, `${file}:+CONTENTS`);
  if (!contents.pkgname) throw new InputError(`${file}: invalid +CONTENTS: missing @name`);
  if (!contents.prefix) throw new InputError(`${file}: invalid +CONTENTS: missing @cwd`);
  checkBuildInfo(file, meta);
  const pkgname = contents.pkgname;
  const prefix = path.resolve(o.prefix ?? contents.prefix);
  const destdir = o.destdir ? path.resolve(o.destdir) : undefined;
  const dbdir = pkgdbDir({ destdir, pkgdb: o.pkgdb, prefix });
  const deps = await preflight(file, pkgname, prefix, contents.entries, dbdir);

  const root = underDestdir(destdir, prefix);
  const metadataDir = path.join(dbdir, pkgname);
  const senv: ScriptEnv = { prefix, destdir, metadataDir, refcountDir: `${dbdir}.refcount` };
  const j = new Journal(root);
  const warnings: string[] = [];
  let madeDb = false;
  let firstDbDir: string | undefined;
  try {
    await j.init();
    firstDbDir = await fs.promises.mkdir(dbdir, { recursive: true });
    await fs.promises.mkdir(metadataDir);
    madeDb = true;
    for (const [name, body] of meta) {
      // The stored list names the prefix actually used, as pkg_add -p does.
      const data = name === '+CONTENTS' ? Buffer.from(contentsText.replace(/^@cwd .*$/m, () => `@cwd ${prefix}`)) : body;
      await fs.promises.writeFile(path.join(metadataDir, name), data, { mode: META_MODE[name] ?? 0o444 });
    }
    const pre = await runPkgScript('+INSTALL', pkgname, 'PRE-INSTALL', senv);
    if (pre !== undefined && pre !== 0) throw new UserError(`${pkgname}: +INSTALL PRE-INSTALL failed (exit ${pre}); nothing was installed`);
    await extract(file, payloadOf(contents.entries), j, senv, warnings);
    const post = await runPkgScript('+INSTALL', pkgname, 'POST-INSTALL', senv);
    if (post !== undefined && post !== 0) throw new UserError(`${pkgname}: +INSTALL POST-INSTALL failed (exit ${post}); the installation was undone`);
    for (const d of deps) await updateRequiredBy(dbdir, d, pkgname, true);
  } catch (err) {
    if (madeDb) await fs.promises.rm(metadataDir, { recursive: true, force: true });
    if (firstDbDir !== undefined) await fs.promises.rm(firstDbDir, { recursive: true, force: true });
    await j.rollback();
    throw err;
  }
  await j.commit();
  const display = meta.get('+DISPLAY')?.toString('utf8');
  return { pkgname, prefix, ...(display !== undefined ? { display } : {}), warnings };
}
