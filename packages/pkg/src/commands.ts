import fs from 'node:fs';
import type { Argv, CommandModule } from 'yargs';
import { InputError } from '@mkpkg/platform';
import type { Compression } from './compression.ts';

// Each handler loads what it runs (tar, zlib, the pkgdb code) when it runs:
// `mkpkg --help` and the phases list these commands without paying for them.
const COMPRESSIONS: readonly Compression[] = ['gzip', 'bzip2', 'xz', 'none'];

function readInput(file: string, option: string): string {
  try {
    return fs.readFileSync(file, 'utf8');
  } catch (err) {
    throw new InputError(`${option} ${file}: cannot read it (${(err as NodeJS.ErrnoException).code ?? String(err)})`);
  }
}

function list(v: unknown): string[] {
  if (v === undefined) return [];
  return (Array.isArray(v) ? v : [v]).map(String);
}

function parseBuildInfoArgs(values: readonly string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const v of values) {
    const eq = v.indexOf('=');
    if (eq <= 0) throw new InputError(`--build-info '${v}' is not KEY=VALUE`);
    out[v.slice(0, eq)] = v.slice(eq + 1);
  }
  return out;
}

const dbOptions = <T>(y: Argv<T>) =>
  y
    .option('destdir', { type: 'string', describe: 'install under this directory + the prefix' })
    .option('pkgdb', { type: 'string', describe: 'package database (default: DESTDIR${PKG_DBDIR}, else DESTDIR${PREFIX}/pkgdb; delete/info search DESTDIR)' })
    .option('prefix', { type: 'string', describe: 'prefix (to find the pkgdb, or to install under instead of the package\'s own)' });

const create: CommandModule = {
  command: 'create',
  describe: 'build a binary package from a staged prefix, a PLIST and metadata',
  builder: (y) =>
    y
      .option('output', { alias: 'o', type: 'string', demandOption: true, describe: 'package file to write' })
      .option('name', { type: 'string', demandOption: true, describe: 'PKGNAME (base-version)' })
      .option('prefix', { type: 'string', demandOption: true, describe: 'installation prefix' })
      .option('stage', { type: 'string', demandOption: true, describe: 'directory holding the files as they will be under PREFIX' })
      .option('plist', { type: 'string', demandOption: true, describe: 'final (expanded) PLIST' })
      .option('comment', { type: 'string', demandOption: true, describe: 'one-line COMMENT' })
      .option('descr', { type: 'string', demandOption: true, describe: 'DESCR file' })
      .option('homepage', { type: 'string' })
      .option('depend', { type: 'string', array: true, describe: 'dependency pattern (repeatable)' })
      .option('conflict', { type: 'string', array: true, describe: 'conflict pattern (repeatable)' })
      .option('build-info', { type: 'string', array: true, describe: 'KEY=VALUE for +BUILD_INFO (repeatable)' })
      .option('message', { type: 'string', describe: 'MESSAGE file (+DISPLAY)' })
      .option('install-script', { type: 'string', describe: '+INSTALL fragment (sh)' })
      .option('deinstall-script', { type: 'string', describe: '+DEINSTALL fragment (sh)' })
      .option('compression', { type: 'string', choices: COMPRESSIONS as string[], default: 'gzip' }),
  handler: async (a) => {
    const plistFile = String(a['plist']);
    const { createPackage } = await import('./create.ts');
    const r = await createPackage({
      output: String(a['output']),
      pkgname: String(a['name']),
      prefix: String(a['prefix']),
      stageDir: String(a['stage']),
      plist: readInput(plistFile, '--plist').split('\n'),
      plistSource: plistFile,
      comment: String(a['comment']),
      descr: readInput(String(a['descr']), '--descr'),
      ...(a['homepage'] ? { homepage: String(a['homepage']) } : {}),
      depends: list(a['depend']),
      conflicts: list(a['conflict']),
      buildInfo: parseBuildInfoArgs(list(a['build-info'])),
      ...(a['message'] ? { message: readInput(String(a['message']), '--message') } : {}),
      installFragments: a['install-script'] ? [readInput(String(a['install-script']), '--install-script')] : [],
      deinstallFragments: a['deinstall-script'] ? [readInput(String(a['deinstall-script']), '--deinstall-script')] : [],
      compression: String(a['compression']) as Compression,
    });
    process.stdout.write(`${r.path}\n`);
  },
};

const add: CommandModule = {
  command: 'add <pkgfile..>',
  describe: 'install binary packages',
  builder: (y) => dbOptions(y).positional('pkgfile', { type: 'string', array: true }),
  handler: async (a) => {
    const { addPackage } = await import('./add.ts');
    for (const f of list(a['pkgfile'])) {
      const r = await addPackage(f, dbLocation(a));
      for (const w of r.warnings) process.stderr.write(`mkpkg: ${r.pkgname}: warning: ${w}\n`);
      if (r.display) process.stdout.write(r.display);
    }
  },
};

/** The pkgdb options as given; locatePkgdb (src/pkgdb.ts) turns them into a pkgdb for every command alike. */
function dbLocation(a: Record<string, unknown>): { destdir?: string; pkgdb?: string; prefix?: string } {
  const pick = (k: string) => (typeof a[k] === 'string' && a[k] !== '' ? { [k]: a[k] as string } : {});
  return { ...pick('destdir'), ...pick('pkgdb'), ...pick('prefix') };
}

const del: CommandModule = {
  command: 'delete <pkgname..>',
  describe: 'remove installed packages',
  builder: (y) => dbOptions(y).positional('pkgname', { type: 'string', array: true }),
  handler: async (a) => {
    const { deletePackage } = await import('./delete.ts');
    for (const n of list(a['pkgname'])) {
      const r = await deletePackage(n, dbLocation(a));
      for (const w of r.warnings) process.stderr.write(`mkpkg: ${r.pkgname}: warning: ${w}\n`);
      for (const m of r.modified) process.stderr.write(`mkpkg: ${r.pkgname}: ${m} was modified since it was installed; left in place\n`);
    }
  },
};

const info: CommandModule = {
  command: 'info [pkg]',
  describe: 'describe a package file or an installed package (-L: list its files); no argument: list installed packages',
  builder: (y) => dbOptions(y).option('L', { type: 'boolean', describe: 'list the files' }).positional('pkg', { type: 'string' }),
  handler: async (a) => {
    const { formatInfo, installedInfos, installedSummary, packageFileInfo } = await import('./info.ts');
    const o = dbLocation(a);
    const pkg = a['pkg'] as string | undefined;
    if (pkg === undefined) {
      process.stdout.write(await installedSummary(o));
      return;
    }
    // A name or pattern may stand for several installed packages: pkg_info reports each.
    const infos = fs.existsSync(pkg) && fs.statSync(pkg).isFile() ? [await packageFileInfo(pkg)] : await installedInfos(pkg, o);
    process.stdout.write(infos.map((i) => formatInfo(i, Boolean(a['L']))).join(''));
  },
};

const summary: CommandModule = {
  command: 'summary <dir>',
  describe: 'write DIR/pkg_summary.gz for the packages in DIR',
  builder: (y) => y.positional('dir', { type: 'string' }),
  handler: async (a) => {
    const { writeSummary } = await import('./summary.ts');
    const r = await writeSummary(String(a['dir']));
    process.stdout.write(`${r.path}: ${r.packages.length} packages\n`);
  },
};

/**
 * The `mkpkg` subcommands this package implements (create, add, delete,
 * info, summary). The mkpkg command line registers every module listed here.
 */
export const pkgCommands: CommandModule[] = [create, add, del, info, summary];
