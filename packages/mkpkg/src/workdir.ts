import fs from 'node:fs';
import path from 'node:path';
import type { Abi } from '@mkpkg/platform';
import { type PackageDir, type Vars, get } from './pkgdir.ts';
import { type SafeDir, checkWorkDirs } from './safedirs.ts';

/** Where mkpkg keeps its own state inside WRKDIR: cookies, logs. */
export const cookie = (p: PackageDir, phase: string, abi?: Abi): string => path.join(p.wrkdir, '.cookies', abi ? `${phase}.${abi}` : phase);
export const logFile = (p: PackageDir, phase: string, abi?: Abi): string => path.join(p.wrkdir, '.logs', abi ? `${phase}-${abi}.log` : `${phase}.log`);
/** DESTDIR, checked to lie inside WRKDIR (merge empties it). */
export const destdirOf = (p: PackageDir): SafeDir => checkWorkDirs(p).destdir;
export const prefixOf = (v: Vars): string => get(v, 'PREFIX');
export const done = (f: string): boolean => fs.existsSync(f);

export function touch(f: string): void {
  fs.mkdirSync(path.dirname(f), { recursive: true });
  fs.writeFileSync(f, `${new Date().toISOString()}\n`);
}

/** Progress notes a phase writes for the user. */
export type Note = (msg: string) => void;

// These packages are loaded when a phase needs them: a re-run where
// everything is done should not pay for loading them.
export const lazy = {
  plist: () => import('@mkpkg/plist'),
  smf: () => import('@mkpkg/smf'),
  pkg: () => import('@mkpkg/pkg'),
};
