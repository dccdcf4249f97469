import fs from 'node:fs';
import path from 'node:path';
import { UserError, bestMatch } from '@mkpkg/platform';
import { addPackage, installedPackages, packageFileInfo } from '@mkpkg/pkg';
import { getopt, UsageError } from './options.ts';
import { pkgdbFor } from './pkgdb.ts';
import { findPackage, pkgPathDirs } from './pkgpath.ts';

const USAGE = '[-fnv] [-K pkg_dbdir] [-P destdir] [-p prefix] package ...';

export interface AddFlags {
  readonly pkgdb: string;
  readonly destdir?: string;
  readonly prefix?: string;
  readonly force: boolean;
  readonly dryRun: boolean;
  readonly verbose: boolean;
  readonly say: (line: string) => void;
  readonly warn: (line: string) => void;
}

/**
 * pkg_add: installs package files, or packages named by PKGNAME or pattern
 * and found through PKG_PATH, each after its @pkgdep dependencies (found the
 * same way, and in the package's own directory). A package already
 * installed is reported and counts as done, as in pkg_install.
 */
export async function addCommand(argv: readonly string[]): Promise<number> {
  const o = getopt('pkg_add', USAGE, argv, ['f', 'n', 'v'] as const, ['K', 'P', 'p'] as const);
  if (o.operands.length === 0) throw new UsageError('pkg_add', 'no package given', USAGE);
  const destdir = o.args.P ? path.resolve(o.args.P) : undefined;
  const flags: AddFlags = {
    pkgdb: await pkgdbFor(o.args.K, destdir),
    ...(destdir ? { destdir } : {}),
    ...(o.args.p ? { prefix: o.args.p } : {}),
    force: o.flags.f,
    dryRun: o.flags.n,
    verbose: o.flags.v,
    say: (l) => process.stdout.write(`${l}\n`),
    warn: (l) => process.stderr.write(`pkg_add: ${l}\n`),
  };
  const installed = new Set(await installedPackages({ pkgdb: flags.pkgdb }));
  let failed = 0;
  for (const arg of o.operands) {
    try {
      await addOne(arg, flags, installed, []);
    } catch (err) {
      if (!(err instanceof UserError)) throw err;
      flags.warn(err.describe());
      failed++;
    }
  }
  return failed === 0 ? 0 : 1;
}

/** A package file for an operand: the file itself, else a PKG_PATH search. */
function locate(arg: string, extraDirs: readonly string[]): string {
  if (fs.existsSync(arg) && fs.statSync(arg).isFile()) return arg;
  const dirs = [...pkgPathDirs(), ...extraDirs];
  const file = findPackage(arg, dirs);
  if (!file) {
    throw new UserError(`no package found for '${arg}'`, {
      hint: dirs.length > 0 ? `searched ${dirs.join(', ')}` : 'give a package file, or set PKG_PATH to the directory holding the packages (e.g. PKG_PATH=/usr/pkgsrc/packages/All)',
    });
  }
  return file;
}

async function addOne(arg: string, f: AddFlags, installed: Set<string>, chain: readonly string[], fromDir?: string): Promise<void> {
  const file = locate(arg, fromDir ? [fromDir] : []);
  const info = await packageFileInfo(file);
  const name = info.pkgname;
  if (installed.has(name)) {
    if (chain.length === 0) f.warn(`package \`${name}' already recorded as installed`);
    return;
  }
  if (chain.includes(name)) throw new UserError(`dependency cycle: ${[...chain, name].join(' -> ')}`);
  for (const e of info.contents.entries) {
    if (e.kind !== 'pkgdep') continue;
    if (bestMatch(e.pattern, installed) !== undefined) continue;
    if (f.verbose) f.say(`${name}: installing dependency ${e.pattern}`);
    try {
      await addOne(e.pattern, f, installed, [...chain, name], path.dirname(path.resolve(file)));
    } catch (err) {
      if (!(err instanceof UserError) || !f.force) throw new UserError(`${name} needs ${e.pattern}: ${err instanceof UserError ? err.message : String(err)}`);
      f.warn(`${name} needs ${e.pattern}, which cannot be installed (-f: going on): ${err.message}`);
    }
  }
  if (f.dryRun) {
    f.say(`would install ${name} from ${file}`);
    installed.add(name);
    return;
  }
  if (f.verbose) f.say(`installing ${name} from ${file} (pkgdb ${f.pkgdb})`);
  const r = await addPackage(file, { pkgdb: f.pkgdb, ...(f.destdir ? { destdir: f.destdir } : {}), ...(f.prefix ? { prefix: f.prefix } : {}) });
  for (const w of r.warnings) f.warn(`${r.pkgname}: warning: ${w}`);
  if (r.display) process.stdout.write(r.display);
  installed.add(r.pkgname);
  if (f.verbose) f.say(`Package ${r.pkgname} registered in ${path.join(f.pkgdb, r.pkgname)}`);
}
