import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import zlib from 'node:zlib';
import { pipeline } from 'node:stream/promises';
import { UserError, writeFileAtomic } from '@mkpkg/platform';
import { type PackageInfo, packageFileInfo } from './info.ts';
import { parseBuildInfo } from './metadata.ts';

const PACKAGE_SUFFIX = /\.(tgz|tbz|tlz|txz|tar|tar\.gz|tar\.bz2|tar\.xz)$/;

/** The FILE_* fields of a package file (an installed package has none). */
export interface SummaryFile {
  readonly name: string;
  readonly size: number;
  readonly sha256: string;
}

/**
 * One pkg_summary(5) block (no trailing blank line) from a package's
 * metadata: for a package file with its FILE_* fields, for an installed
 * package (`pkg_info -X`) without them.
 */
export function summaryOf(info: PackageInfo, file?: SummaryFile): string {
  const bi = parseBuildInfo(info.buildInfo);
  const one = (k: string) => bi.get(k)?.[0] ?? '';
  const lines: string[] = [];
  const put = (k: string, v: string | undefined) => { if (v !== undefined) lines.push(`${k}=${v}`); };
  const many = (k: string, vs: readonly string[]) => { for (const v of vs) lines.push(`${k}=${v}`); };
  put('BUILD_DATE', one('BUILD_DATE'));
  put('CATEGORIES', one('CATEGORIES'));
  put('COMMENT', info.comment);
  many('CONFLICTS', info.contents.entries.flatMap((e) => (e.kind === 'pkgcfl' ? [e.pattern] : [])));
  many('DEPENDS', info.contents.entries.flatMap((e) => (e.kind === 'pkgdep' ? [e.pattern] : [])));
  many('DESCRIPTION', info.description.replace(/\n$/, '').split('\n'));
  if (file) {
    put('FILE_CKSUM', `sha256 ${file.sha256}`);
    put('FILE_NAME', file.name);
    put('FILE_SIZE', String(file.size));
  }
  if (bi.has('HOMEPAGE')) put('HOMEPAGE', one('HOMEPAGE'));
  if (bi.has('LICENSE')) put('LICENSE', one('LICENSE'));
  put('MACHINE_ARCH', one('MACHINE_ARCH'));
  put('OPSYS', one('OPSYS'));
  put('OS_VERSION', one('OS_VERSION'));
  put('PKGNAME', info.pkgname);
  put('PKGPATH', one('PKGPATH'));
  put('PKGTOOLS_VERSION', one('PKGTOOLS_VERSION'));
  if (bi.has('PKG_OPTIONS')) put('PKG_OPTIONS', one('PKG_OPTIONS'));
  many('PROVIDES', bi.get('PROVIDES') ?? []);
  many('REQUIRES', bi.get('REQUIRES') ?? []);
  put('SIZE_PKG', String(info.sizePkg ?? 0));
  return lines.join('\n');
}

/** One pkg_summary(5) block (no trailing blank line) for a package file. */
export async function summaryBlock(file: string): Promise<string> {
  const info = await packageFileInfo(file);
  const st = await fs.promises.stat(file);
  const sha = crypto.createHash('sha256');
  await pipeline(fs.createReadStream(file), sha);
  return summaryOf(info, { name: path.basename(file), size: st.size, sha256: sha.digest('hex') });
}

/**
 * Writes DIR/pkg_summary.gz for the package files in DIR (sorted by name),
 * through a temporary file so readers never see half of it.
 */
export async function writeSummary(dir: string): Promise<{ path: string; packages: string[] }> {
  let names: string[];
  try {
    names = (await fs.promises.readdir(dir)).filter((n) => PACKAGE_SUFFIX.test(n)).sort();
  } catch (err) {
    throw new UserError(`cannot read package directory ${dir}: ${(err as NodeJS.ErrnoException).code ?? String(err)}`);
  }
  const blocks: string[] = [];
  for (const n of names) blocks.push(await summaryBlock(path.join(dir, n)));
  const text = blocks.map((b) => `${b}\n\n`).join('');
  const out = path.join(dir, 'pkg_summary.gz');
  await writeFileAtomic(out, zlib.gzipSync(Buffer.from(text), { level: 9 }));
  return { path: out, packages: names };
}
