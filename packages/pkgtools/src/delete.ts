import fs from 'node:fs';
import path from 'node:path';
import { UserError } from '@mkpkg/platform';
import { deletePackage, installedPackages, matchInstalled } from '@mkpkg/pkg';
import { getopt, UsageError } from './options.ts';
import { pkgdbFor } from './pkgdb.ts';

const USAGE = '[-fnrv] [-K pkg_dbdir] [-P destdir] package ...';

function requiredBy(pkgdb: string, name: string): string[] {
  try {
    return fs.readFileSync(path.join(pkgdb, name, '+REQUIRED_BY'), 'utf8').split('\n').filter((l) => l !== '');
  } catch {
    return [];
  }
}

/**
 * pkg_delete: removes installed packages named by PKGNAME or pattern. -r
 * removes the packages that require one first; -f removes it although
 * others require it (their +REQUIRED_BY entry is dropped, as pkg_delete -f
 * leaves them with a missing dependency).
 */
export async function deleteCommand(argv: readonly string[]): Promise<number> {
  const o = getopt('pkg_delete', USAGE, argv, ['f', 'n', 'r', 'v'] as const, ['K', 'P'] as const);
  if (o.operands.length === 0) throw new UsageError('pkg_delete', 'no package given', USAGE);
  const destdir = o.args.P ? path.resolve(o.args.P) : undefined;
  const pkgdb = await pkgdbFor(o.args.K, destdir);
  const installed = await installedPackages({ pkgdb });
  const order: string[] = [];
  const visit = (name: string, chain: readonly string[]) => {
    if (order.includes(name) || chain.includes(name)) return;
    if (o.flags.r) for (const r of requiredBy(pkgdb, name)) if (installed.includes(r)) visit(r, [...chain, name]);
    order.push(name);
  };
  let failed = 0;
  for (const arg of o.operands) {
    const names = matchInstalled(arg, installed);
    if (names.length === 0) {
      process.stderr.write(`pkg_delete: no matching package installed for '${arg}' (pkgdb ${pkgdb})\n`);
      failed++;
      continue;
    }
    for (const n of names) visit(n, []);
  }
  for (const name of order) {
    if (o.flags.n) {
      process.stdout.write(`would delete ${name}\n`);
      continue;
    }
    try {
      if (o.flags.f) fs.rmSync(path.join(pkgdb, name, '+REQUIRED_BY'), { force: true });
      if (o.flags.v) process.stdout.write(`deleting ${name} (pkgdb ${pkgdb})\n`);
      const r = await deletePackage(name, { pkgdb, ...(destdir ? { destdir } : {}) });
      for (const w of r.warnings) process.stderr.write(`pkg_delete: ${name}: warning: ${w}\n`);
      for (const m of r.modified) process.stderr.write(`pkg_delete: ${name}: ${m} was modified since it was installed; left in place\n`);
    } catch (err) {
      if (!(err instanceof UserError)) throw err;
      process.stderr.write(`pkg_delete: ${err.describe()}\n`);
      failed++;
    }
  }
  return failed === 0 ? 0 : 1;
}
