import fs from 'node:fs';
import path from 'node:path';
import { type Abi, UserError } from '@mkpkg/platform';
import { type PackageDir, type Vars, get } from './pkgdir.ts';
import { type SafeDir, checkWorkDirs } from './safedirs.ts';

/** Where mkpkg keeps its own state inside WRKDIR: cookies, logs. */
export const cookie = (p: PackageDir, phase: string, abi?: Abi): string => path.join(p.wrkdir, '.cookies', abi ? `${phase}.${abi}` : phase);
export const logFile = (p: PackageDir, phase: string, abi?: Abi): string => path.join(p.wrkdir, '.logs', abi ? `${phase}-${abi}.log` : `${phase}.log`);
/** DESTDIR, checked to lie inside WRKDIR (merge empties it). */
export const destdirOf = (p: PackageDir): SafeDir => checkWorkDirs(p).destdir;
export const prefixOf = (v: Vars): string => get(v, 'PREFIX');

/** Progress notes a phase writes for the user. */
export type Note = (msg: string) => void;

// These packages are loaded when a phase needs them: a re-run where
// everything is done should not pay for loading them.
export const lazy = {
  plist: () => import('@mkpkg/plist'),
  smf: () => import('@mkpkg/smf'),
  pkg: () => import('@mkpkg/pkg'),
};

/**
 * Refuses, as a user error, a WRKDIR this process cannot create or write:
 * typically one left by root (pbulk runs `checksum` as root and
 * `configure` as an unprivileged user) or a read-only tree.
 */
export function checkWrkdirWritable(p: PackageDir): void {
  let dir = p.wrkdir;
  while (!fs.existsSync(dir) && path.dirname(dir) !== dir) dir = path.dirname(dir);
  try {
    fs.accessSync(dir, fs.constants.W_OK | fs.constants.X_OK);
  } catch {
    let owner = '';
    try {
      owner = ` (owner uid ${fs.statSync(dir).uid}, mode ${(fs.statSync(dir).mode & 0o7777).toString(8)})`;
    } catch { /* no stat either: the path alone says enough */ }
    const what = dir === p.wrkdir ? `WRKDIR ${dir} is not writable` : `cannot create WRKDIR ${p.wrkdir}: ${dir} is not writable`;
    throw new UserError(`${what}${owner} by uid ${process.getuid?.() ?? '?'}`, {
      hint: 'run the build as the owner, remove the directory (make clean as its owner), or set WRKOBJDIR in mk.conf to a directory the build user can write',
    });
  }
}
