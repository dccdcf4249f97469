import fs from 'node:fs';
import path from 'node:path';
import { splitList, writeFileAtomicSync } from '@mkpkg/platform';
import { distfileLines, formatDistinfo, keptLines, patchLine, readDistinfo } from './distinfo.ts';
import { candidateUrls, type FetchOptions, fetchDistfile } from './fetch.ts';
import { type PackageDir, get } from './pkgdir.ts';

/** `mkpkg makesum` / `makepatchsum`: rewrite one half of distinfo, keep the other. */
export async function makesum(p: PackageDir, target: 'makesum' | 'makepatchsum'): Promise<void> {
  const file = path.resolve(p.dir, get(p.vars, 'DISTINFO_FILE'));
  const di = readDistinfo(file);
  const distfiles = splitList(get(p.vars, 'DISTFILES'));
  const patches = listPatches(p);
  let distLines: string[];
  let patchLines: string[];
  if (target === 'makesum') {
    distLines = [];
    for (const name of distfiles) distLines.push(...distfileLines(name, await fetchDistfile(name, fetchOpts(p, name, false))));
    const names = new Set(patches.map((x) => path.basename(x)));
    patchLines = keptLines(di, (e) => names.has(e.file));
  } else {
    const names = new Set(distfiles);
    distLines = keptLines(di, (e) => names.has(e.file));
    patchLines = patches.map(patchLine);
  }
  writeFileAtomicSync(file, formatDistinfo(distLines, patchLines));
}

/** The package's patches/patch-* files, in the order they apply. */
export function listPatches(p: PackageDir): string[] {
  const dir = path.resolve(p.dir, get(p.vars, 'PATCHDIR'));
  if (!fs.existsSync(dir)) return [];
  return fs
    .readdirSync(dir)
    .filter((f) => f.startsWith('patch-') && !/\.(orig|rej)$|~$/.test(f))
    .sort()
    .map((f) => path.join(dir, f));
}

/** Where and how a distfile is fetched for this package. */
export function fetchOpts(p: PackageDir, name: string, tty: boolean): FetchOptions {
  return {
    distdir: path.resolve(p.dir, get(p.vars, 'DISTDIR')),
    sites: candidateUrls(name, get(p.vars, 'MASTER_SITE_OVERRIDE'), get(p.vars, 'MASTER_SITES')),
    progress: tty,
    say: (m: string) => process.stderr.write(`=> ${m}\n`),
  };
}
