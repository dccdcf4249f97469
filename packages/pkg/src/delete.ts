import fs from 'node:fs';
import path from 'node:path';
import { InputError, UserError, bestMatch } from '@mkpkg/platform';
import { checkPayload, formatExec, payloadOf } from './contents.ts';
import { Journal, inside, recoverJournal } from './journal.ts';
import { md5File } from './md5.ts';
import { withPkgdbLock } from './pkgdb-lock.ts';
import {
  type DbLocation, findInstalled, listInstalled, locatePkgdb, readInstalledContents, resolvedOwners, storedPrefix, underDestdir, updateRequiredBy,
} from './pkgdb.ts';
import { type ScriptEnv, runPkgScript, runShell } from './scripts.ts';

export interface DeleteOptions {
  destdir?: string;
  pkgdb?: string;
  /** Where to look for the pkgdb when neither --pkgdb nor PKG_DBDIR say (PREFIX/pkgdb). */
  prefix?: string;
}

export interface DeleteResult {
  /** The package deleted (the full name the given name or pattern stood for). */
  pkgname: string;
  /** Files left in place because they differ from what was installed. */
  modified: string[];
  warnings: string[];
}

/**
 * Removes now-empty directories from `rel` up towards (not including) the
 * root, sparing `keep`; each one is checked by the guard first, so pruning
 * never climbs through a symlink, leaves the root or enters the pkgdb.
 */
async function prune(guard: Journal, rel: string, keep: ReadonlySet<string>): Promise<void> {
  for (let r = rel; r !== '.' && r !== '' && !keep.has(path.join(guard.root, r)); r = path.posix.dirname(r)) {
    try {
      const { abs, st } = await guard.check(r);
      if (!st?.isDirectory()) return;
      await fs.promises.rmdir(abs);
    } catch {
      return;
    }
  }
}

/** Removes the pkgdb directory and the empty real directories above it, up to the root. */
async function pruneDb(root: string, dbdir: string): Promise<void> {
  for (let d = dbdir; d !== root && inside(root, d); d = path.dirname(d)) {
    const st = await fs.promises.lstat(d).catch(() => undefined);
    if (!st?.isDirectory()) return;
    try {
      await fs.promises.rmdir(d);
    } catch {
      return;
    }
  }
}

/**
 * Deletes an installed package like pkg_delete: `name` is the full name, a
 * pattern or a base name (one installed package must match). Refuses while
 * others require it; checks the whole pkgdb entry first (prefix inside the
 * destdir, every path free of symlinks on the way, outside the pkgdb, and
 * not another package's); runs +DEINSTALL; removes its files (leaving and
 * reporting any whose MD5 or symlink target changed), @link destinations
 * and empty @pkgdir directories; drops its pkgdb entry.
 */
export async function deletePackage(name: string, o: DeleteOptions = {}): Promise<DeleteResult> {
  const destdir = o.destdir ? path.resolve(o.destdir) : undefined;
  const match = await findInstalled(name, { destdir, pkgdb: o.pkgdb, prefix: o.prefix });
  if (match.pkgnames.length > 1) {
    throw new InputError(`${name} matches ${match.pkgnames.length} installed packages: ${match.pkgnames.join(', ')}`, { hint: 'give the full name (or a narrower pattern) of the one to delete' });
  }
  const pkgname = match.pkgnames[0] as string;
  const dbdir = match.dbdir;
  const metadataDir = path.join(dbdir, pkgname);
  const file = path.join(metadataDir, '+CONTENTS');
  let root = '';
  const result = await withPkgdbLock(dbdir, async () => {
    const warnings = await recoverJournal(dbdir, destdir, () => resolvedOwners(dbdir, destdir));
    const contents = await readInstalledContents(dbdir, pkgname);
    const prefix = storedPrefix(contents, file);
    const requiredBy = (await fs.promises.readFile(path.join(metadataDir, '+REQUIRED_BY'), 'utf8').catch(() => ''))
      .split('\n').filter((l) => l !== '');
    if (requiredBy.length > 0) {
      throw new UserError(`${pkgname} is required by ${requiredBy.join(', ')}`, { hint: 'delete those packages first' });
    }
    root = underDestdir(destdir, prefix);
    const guard = new Journal(root, { source: file, dbdir, destdir });
    await guard.init(false);
    const payload = payloadOf(contents.entries);
    checkPayload(payload, file);
    // Everything is checked before anything is removed: a damaged or forged
    // entry is refused as a whole.
    const owners = await resolvedOwners(dbdir, destdir, pkgname);
    const sharedLink = (dst: string, src: string) =>
      (owners.get(path.join(guard.realRoot, dst)) ?? []).some((h) => h.linkSrc === path.join(guard.realRoot, src));
    for (const item of payload) {
      const p = item.kind === 'file' ? item.path : item.kind === 'link' ? item.dst : item.kind === 'pkgdir' ? item.dir : undefined;
      if (p === undefined) continue;
      await guard.check(p);
      if (item.kind === 'link') await guard.check(item.src, `@link ${item.src} ${item.dst}`);
      if (item.kind === 'pkgdir') continue;
      const other = (owners.get(path.join(guard.realRoot, p)) ?? []).find((h) => item.kind !== 'link' || h.linkSrc !== path.join(guard.realRoot, item.src));
      if (other) throw new InputError(`${file}: ${p} also belongs to installed package ${other.pkg}`, { hint: 'the pkgdb entry is damaged or was tampered with; nothing was removed' });
    }

    const senv: ScriptEnv = { prefix, destdir, metadataDir, refcountDir: `${dbdir}.refcount` };
    const rc = await runPkgScript('+DEINSTALL', pkgname, 'DEINSTALL', senv);
    if (rc !== undefined && rc !== 0) throw new UserError(`${pkgname}: +DEINSTALL DEINSTALL failed (exit ${rc}); nothing was removed`);
    guard.begin('delete', pkgname);
    const modified: string[] = [];
    const dirs = new Set<string>();
    const pkgdirs: string[] = [];
    const remove = async (rel: string, same: (abs: string, st: fs.Stats) => Promise<boolean>) => {
      // Checked again now: a script may have changed the tree since.
      const { abs, st } = await guard.check(rel);
      if (!st) return;
      if (!(await same(abs, st))) {
        modified.push(abs);
        return;
      }
      await fs.promises.unlink(abs);
      dirs.add(path.posix.dirname(rel));
    };
    try {
      for (const item of payload) {
        if (item.kind === 'file') {
          await remove(item.path, async (abs, st) => {
            if (item.symlink !== undefined) return st.isSymbolicLink() && (await fs.promises.readlink(abs)) === item.symlink;
            if (item.md5 !== undefined) return st.isFile() && (await md5File(abs)) === item.md5;
            return !st.isDirectory();
          });
        } else if (item.kind === 'link') {
          // A shared @link stays while another installed package still lists it.
          if (sharedLink(item.dst, item.src)) continue;
          await remove(item.dst, async (_abs, st) => {
            const src = (await guard.check(item.src)).st;
            // Still the hard link we made, or its source is gone with this package.
            return st.isFile() && (src === undefined || (src.ino === st.ino && src.dev === st.dev));
          });
        } else if (item.kind === 'pkgdir') {
          pkgdirs.push(item.dir);
        } else if (item.kind === 'unexec') {
          const cmd = formatExec(item.cmd, destdir ? root : prefix, item.lastFile, { file, line: item.line });
          const status = await runShell(cmd, root, senv);
          if (status !== 0) warnings.push(`@unexec ${item.cmd} exited with status ${status}`);
        }
      }
      // Directories other installed packages keep (their @pkgdir) stay.
      const keep = new Set<string>();
      const others = (await listInstalled(dbdir)).filter((n) => n !== pkgname);
      for (const n of others) {
        const c = await readInstalledContents(dbdir, n);
        const otherRoot = underDestdir(destdir, storedPrefix(c, path.join(dbdir, n, '+CONTENTS')));
        for (const e of c.entries) if (e.kind === 'pkgdir') keep.add(path.join(otherRoot, e.dir));
      }
      for (const d of pkgdirs) await prune(guard, d, keep);
      for (const d of [...dirs].sort().reverse()) await prune(guard, d, keep);

      const post = await runPkgScript('+DEINSTALL', pkgname, 'POST-DEINSTALL', senv);
      if (post !== undefined && post !== 0) warnings.push(`+DEINSTALL POST-DEINSTALL exited with status ${post}`);
      for (const e of contents.entries) {
        if (e.kind !== 'pkgdep') continue;
        const dep = bestMatch(e.pattern, others);
        if (dep) await updateRequiredBy(dbdir, dep, pkgname, false);
      }
      await fs.promises.rm(metadataDir, { recursive: true, force: true });
    } catch (err) {
      // Files are gone and cannot come back; the entry stays so a second delete finishes the job.
      await guard.rollback();
      throw err;
    }
    await guard.commit();
    return { pkgname, modified, warnings };
  }, { log: (m) => process.stderr.write(`mkpkg: ${m}\n`) });
  await pruneDb(root, dbdir);
  return result;
}

/** The packages in a pkgdb (see locatePkgdb for where that is; several searched pkgdbs are merged). */
export async function installedPackages(o: DbLocation = {}): Promise<string[]> {
  const destdir = o.destdir ? path.resolve(o.destdir) : undefined;
  const loc = await locatePkgdb({ destdir, pkgdb: o.pkgdb, prefix: o.prefix });
  const all = new Set<string>();
  for (const d of loc.dirs) for (const n of await listInstalled(d)) all.add(n);
  return [...all].sort();
}
