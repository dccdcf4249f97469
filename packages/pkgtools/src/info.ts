import fs from 'node:fs';
import path from 'node:path';
import { UserError } from '@mkpkg/platform';
import { type PackageInfo, installedInfo, installedPackages, packageFileInfo, matchInstalled, readMetadata, summaryBlock, summaryOf } from '@mkpkg/pkg';
import { getopt, UsageError } from './options.ts';
import { pkgdbFor } from './pkgdb.ts';

const USAGE = '[-abcdINLqX] [-e package] [-K pkg_dbdir] [package ...]';

/** One package as pkg_info sees it: its information and where +BUILD_VERSION is read from. */
interface Subject {
  readonly info: PackageInfo;
  readonly file?: string;
  readonly buildVersion: string;
}

/**
 * pkg_info: with no operand, every installed package and its comment; -e
 * tests for an installed package (exit 0 when one matches); otherwise the
 * sections asked for (-c comment, -d description, -b build version, -N
 * packages built against, -L files; default -c -d), -I the index line or
 * -X the pkg_summary(5) entry, of package files or installed packages.
 */
export async function infoCommand(argv: readonly string[]): Promise<number> {
  const o = getopt('pkg_info', USAGE, argv, ['a', 'b', 'c', 'd', 'I', 'N', 'L', 'q', 'X'] as const, ['e', 'K'] as const);
  const pkgdb = await pkgdbFor(o.args.K, undefined);
  const out = (s: string) => process.stdout.write(s);
  if (o.args.e !== undefined) {
    const installed = await installedPackages({ pkgdb });
    const hits = [o.args.e, ...o.operands].flatMap((p) => matchInstalled(p, installed));
    if (!o.flags.q) for (const h of hits) out(`${h}\n`);
    return hits.length > 0 ? 0 : 1;
  }
  let operands = o.operands;
  if (operands.length === 0) {
    const installed = await installedPackages({ pkgdb });
    if (!o.flags.a && !o.flags.X && !o.flags.b && !o.flags.N && !o.flags.L) {
      out(await indexLines(installed, pkgdb));
      return 0;
    }
    operands = installed;
  }
  let failed = 0;
  for (const arg of operands) {
    let subjects: Subject[];
    try {
      subjects = await resolve(arg, pkgdb);
    } catch (err) {
      if (!(err instanceof UserError)) throw err;
      process.stderr.write(`pkg_info: ${err.describe()}\n`);
      failed++;
      continue;
    }
    for (const s of subjects) out(await report(s, o.flags));
  }
  return failed === 0 ? 0 : 1;
}

async function resolve(arg: string, pkgdb: string): Promise<Subject[]> {
  if (fs.existsSync(arg) && fs.statSync(arg).isFile()) {
    const meta = await readMetadata(arg);
    return [{ info: await packageFileInfo(arg), file: arg, buildVersion: meta.get('+BUILD_VERSION')?.toString('utf8') ?? '' }];
  }
  const names = matchInstalled(arg, await installedPackages({ pkgdb }));
  if (names.length === 0) throw new UserError(`can't find package \`${arg}' installed or in a file (pkgdb ${pkgdb})`);
  return Promise.all(
    names.map(async (n) => ({
      info: await installedInfo(n, { pkgdb }),
      buildVersion: readOr(path.join(pkgdb, n, '+BUILD_VERSION')),
    })),
  );
}

function readOr(file: string): string {
  try {
    return fs.readFileSync(file, 'utf8');
  } catch {
    return '';
  }
}

async function indexLines(names: readonly string[], pkgdb: string): Promise<string> {
  // pkg_install's "%-19s %s".
  return names.map((n) => `${n.padEnd(19)} ${readOr(path.join(pkgdb, n, '+COMMENT')).trim()}\n`).join('');
}

type Flags = Record<'a' | 'b' | 'c' | 'd' | 'I' | 'N' | 'L' | 'q' | 'X', boolean>;

async function report(s: Subject, f: Flags): Promise<string> {
  const i = s.info;
  if (f.X) return `${s.file ? await summaryBlock(s.file) : summaryOf(i)}\n\n`;
  if (f.I) return `${i.pkgname.padEnd(19)} ${i.comment}\n`;
  const sections: Array<[string, string]> = [];
  const blddeps = i.contents.entries.flatMap((e) => (e.kind === 'blddep' ? [`${e.pkgname}\n`] : [])).join('');
  const any = f.c || f.d || f.b || f.N || f.L;
  if (f.c || !any) sections.push(['Comment:', `${i.comment}\n`]);
  if (f.d || !any) sections.push(['Description:', i.description.replace(/\n?$/, '\n')]);
  if (f.N) sections.push(['Built using the following packages:', blddeps]);
  if (f.b) sections.push(['Build version:', s.buildVersion]);
  if (f.L) sections.push(['Files:', i.files.map((p) => `${p}\n`).join('')]);
  if (f.q) return sections.map(([, body]) => body).join('');
  return `Information for ${s.file ?? i.pkgname}:\n\n${sections.map(([h, body]) => `${h}\n${body}\n`).join('')}`;
}


