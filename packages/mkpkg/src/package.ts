import fs from 'node:fs';
import path from 'node:path';
import { InputError, machineArch, splitList } from '@mkpkg/platform';
import { type PackageDir, dependPatterns, get } from './pkgdir.ts';
import { type Note, destdirOf, lazy, prefixOf } from './workdir.ts';

/** ${PACKAGES}/All/${PKGNAME}.tgz */
export function packageFile(p: PackageDir): string {
  const pkgname = get(p.vars, 'PKGNAME');
  return path.join(path.resolve(p.dir, get(p.vars, 'PACKAGES')), 'All', `${pkgname}.tgz`);
}

/**
 * Writes the package under a temporary name in PACKAGES/All and renames it,
 * so concurrent runs and readers never see a partial file. Multiarch
 * packages with isaexec links depend on the isaexec package.
 */
export async function makePackage(p: PackageDir, note: Note): Promise<void> {
  const pkgname = get(p.vars, 'PKGNAME');
  const v = p.vars;
  note(`packaging ${pkgname}`);
  const lines = fs.readFileSync(path.join(p.wrkdir, '.PLIST'), 'utf8').split('\n').filter((l) => l !== '');
  const meta = JSON.parse(fs.readFileSync(path.join(p.wrkdir, '.scripts.json'), 'utf8')) as { install: string[]; deinstall: string[] };
  const depends = dependPatterns(v);
  const linkSource = 'lib/isaexec';
  if (get(v, 'PKGBASE') !== 'isaexec' && lines.some((l) => l.startsWith(`@link ${linkSource} `))) {
    depends.push(get(v, 'ISAEXEC_DEPENDS') || 'isaexec>=1.0');
  }
  const descrFile = path.resolve(p.dir, get(v, 'DESCR_SRC'));
  if (!fs.existsSync(descrFile)) throw new InputError(`the package has no DESCR (${descrFile})`, { hint: 'write a few lines describing the package into DESCR' });
  const msgFile = get(v, 'MESSAGE_SRC');
  const out = packageFile(p);
  const pkgpath = path.relative(path.resolve(p.dir, '../..'), p.dir);
  // createPackage writes under a temporary name and renames it into place.
  await (await lazy.pkg()).createPackage({
    output: out,
    pkgname: pkgname,
    prefix: prefixOf(v),
    stageDir: path.join(destdirOf(p), prefixOf(v)),
    plist: lines,
    comment: get(v, 'COMMENT') || pkgname,
    descr: fs.readFileSync(descrFile, 'utf8'),
    ...(get(v, 'HOMEPAGE') ? { homepage: get(v, 'HOMEPAGE') } : {}),
    depends: [...new Set(depends)],
    conflicts: splitList(get(v, 'CONFLICTS')),
    buildInfo: {
      OPSYS: p.platform.opsys,
      MACHINE_ARCH: machineArch(p.platform.defaultAbi),
      ABI: p.platform.defaultAbi,
      MULTIARCH_ABIS: p.multiarch.enabled ? p.abis.join(' ') : '',
      PKGPATH: pkgpath,
      LOCALBASE: get(v, 'LOCALBASE'),
      ...(get(v, 'PKGTOOLS_VERSION') ? { PKGTOOLS_VERSION: get(v, 'PKGTOOLS_VERSION') } : {}),
    },
    ...(msgFile && fs.existsSync(msgFile) ? { message: fs.readFileSync(msgFile, 'utf8') } : {}),
    installFragments: meta.install,
    deinstallFragments: meta.deinstall,
    compression: compressionOf(get(v, 'PKG_COMPRESSION')),
  });
  note(`wrote ${out}`);
}

/** `install-package`: adds the package to PKG_DBDIR under its PREFIX. */
export async function installPackage(p: PackageDir, note: Note): Promise<void> {
  const r = await (await lazy.pkg()).addPackage(packageFile(p), { pkgdb: get(p.vars, 'PKG_DBDIR') });
  note(`installed ${r.pkgname} under ${r.prefix}`);
}

function compressionOf(s: string): 'gzip' | 'bzip2' | 'xz' | 'none' {
  return s === 'bzip2' || s === 'xz' || s === 'none' ? s : 'gzip';
}
