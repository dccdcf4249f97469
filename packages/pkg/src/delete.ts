import fs from 'node:fs';
import path from 'node:path';
import { UserError, bestMatch } from '@mkpkg/platform';
import { formatExec, payloadOf } from './contents.ts';
import { Journal } from './journal.ts';
import { md5File } from './md5.ts';
import { fileOwners, listInstalled, pkgdbDir, readInstalledContents, underDestdir, updateRequiredBy } from './pkgdb.ts';
import { type ScriptEnv, runPkgScript, runShell } from './scripts.ts';

export interface DeleteOptions {
  destdir?: string;
  pkgdb?: string;
  /** Where to look for the pkgdb when neither --pkgdb nor PKG_DBDIR say (PREFIX/pkgdb). */
  prefix?: string;
}

export interface DeleteResult {
  /** Files left in place because they differ from what was installed. */
  modified: string[];
  warnings: string[];
}

/** Removes now-empty directories from `dir` up to (not including) `root`, sparing `keep`. */
async function prune(root: string, dir: string, keep: ReadonlySet<string>): Promise<void> {
  let d = dir;
  while (d.startsWith(`${root}/`) && !keep.has(d)) {
    try {
      await fs.promises.rmdir(d);
    } catch {
      return;
    }
    d = path.dirname(d);
  }
}

/**
 * Deletes an installed package like pkg_delete: refuses while others
 * require it, runs +DEINSTALL, removes its files (leaving and reporting any
 * whose MD5 or symlink target changed), @link destinations and empty
 * @pkgdir directories, and drops its pkgdb entry.
 */
export async function deletePackage(pkgname: string, o: DeleteOptions = {}): Promise<DeleteResult> {
  const destdir = o.destdir ? path.resolve(o.destdir) : undefined;
  const dbdir = pkgdbDir({ destdir, pkgdb: o.pkgdb, prefix: o.prefix });
  const contents = await readInstalledContents(dbdir, pkgname);
  const metadataDir = path.join(dbdir, pkgname);
  const prefix = contents.prefix;
  if (!prefix) throw new UserError(`${metadataDir}/+CONTENTS has no @cwd; cannot tell where ${pkgname} is installed`);
  const requiredBy = (await fs.promises.readFile(path.join(metadataDir, '+REQUIRED_BY'), 'utf8').catch(() => ''))
    .split('\n').filter((l) => l !== '');
  if (requiredBy.length > 0) {
    throw new UserError(`${pkgname} is required by ${requiredBy.join(', ')}`, { hint: 'delete those packages first' });
  }
  const root = underDestdir(destdir, prefix);
  const senv: ScriptEnv = { prefix, destdir, metadataDir, refcountDir: `${dbdir}.refcount` };
  const rc = await runPkgScript('+DEINSTALL', pkgname, 'DEINSTALL', senv);
  if (rc !== undefined && rc !== 0) throw new UserError(`${pkgname}: +DEINSTALL DEINSTALL failed (exit ${rc}); nothing was removed`);

  const guard = new Journal(root);
  await guard.init(false);
  const owners = await fileOwners(dbdir, pkgname);
  const modified: string[] = [];
  const warnings: string[] = [];
  const dirs = new Set<string>();
  const pkgdirs: string[] = [];
  const remove = async (rel: string, check: (abs: string, st: fs.Stats) => Promise<boolean>) => {
    if (!(await guard.checkParents(rel))) {
      warnings.push(`${rel}: a directory on its way leads outside ${root}; left alone`);
      return;
    }
    const abs = path.join(root, rel);
    const st = await fs.promises.lstat(abs).catch(() => undefined);
    if (!st) return;
    if (!(await check(abs, st))) {
      modified.push(abs);
      return;
    }
    await fs.promises.unlink(abs);
    dirs.add(path.dirname(abs));
  };
  for (const item of payloadOf(contents.entries)) {
    if (item.kind === 'file') {
      await remove(item.path, async (abs, st) => {
        if (item.symlink !== undefined) return st.isSymbolicLink() && (await fs.promises.readlink(abs)) === item.symlink;
        if (item.md5 !== undefined) return st.isFile() && (await md5File(abs)) === item.md5;
        return !st.isDirectory();
      });
    } else if (item.kind === 'link') {
      // A shared @link stays while another installed package still lists it.
      if ((owners.get(path.posix.join(prefix, item.dst)) ?? []).some((h) => h.linkSrc === path.posix.join(prefix, item.src))) continue;
      await remove(item.dst, async (_abs, st) => {
        const src = await fs.promises.lstat(path.join(root, item.src)).catch(() => undefined);
        // Still the hard link we made, or its source is gone with this package.
        return st.isFile() && (src === undefined || (src.ino === st.ino && src.dev === st.dev));
      });
    } else if (item.kind === 'pkgdir') {
      pkgdirs.push(path.join(root, item.dir));
    } else if (item.kind === 'unexec') {
      const cmd = formatExec(item.cmd, destdir ? root : prefix, item.lastFile, { file: `${metadataDir}/+CONTENTS`, line: item.line });
      const status = await runShell(cmd, root, senv);
      if (status !== 0) warnings.push(`@unexec ${item.cmd} exited with status ${status}`);
    }
  }
  // Directories other installed packages keep (their @pkgdir) stay.
  const keep = new Set<string>();
  const others = (await listInstalled(dbdir)).filter((n) => n !== pkgname);
  for (const n of others) {
    const c = await readInstalledContents(dbdir, n);
    for (const e of c.entries) if (e.kind === 'pkgdir') keep.add(underDestdir(destdir, path.posix.join(c.prefix ?? '/', e.dir)));
  }
  keep.add(dbdir);
  for (const d of pkgdirs) await prune(root, d, keep);
  for (const d of [...dirs].sort().reverse()) await prune(root, d, keep);

  const post = await runPkgScript('+DEINSTALL', pkgname, 'POST-DEINSTALL', senv);
  if (post !== undefined && post !== 0) warnings.push(`+DEINSTALL POST-DEINSTALL exited with status ${post}`);
  for (const e of contents.entries) {
    if (e.kind !== 'pkgdep') continue;
    const dep = bestMatch(e.pattern, others);
    if (dep) await updateRequiredBy(dbdir, dep, pkgname, false);
  }
  await fs.promises.rm(metadataDir, { recursive: true, force: true });
  await prune(root, dbdir, new Set());
  return { modified, warnings };
}

/** The packages in a pkgdb (see pkgdbDir for where that is). */
export async function installedPackages(o: { destdir?: string; pkgdb?: string; prefix?: string } = {}): Promise<string[]> {
  const destdir = o.destdir ? path.resolve(o.destdir) : undefined;
  return listInstalled(pkgdbDir({ destdir, pkgdb: o.pkgdb, prefix: o.prefix }));
}
