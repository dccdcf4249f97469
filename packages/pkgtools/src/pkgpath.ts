import fs from 'node:fs';
import path from 'node:path';
import { UserError, bestMatch } from '@mkpkg/platform';

const SUFFIX = /\.(tgz|tbz|tlz|txz|tar)$/;

/** PKG_PATH's entries: directories separated by ';' (pkg_install's separator). */
export function pkgPathDirs(env: NodeJS.ProcessEnv = process.env): string[] {
  const dirs = (env['PKG_PATH'] ?? '').split(';').map((d) => d.trim()).filter((d) => d !== '');
  for (const d of dirs) {
    if (/^[a-z]+:\/\//i.test(d) && !d.startsWith('file://')) {
      throw new UserError(`PKG_PATH entry ${d}: only local directories are supported`, { hint: 'fetch the packages into a directory and name that in PKG_PATH' });
    }
  }
  return dirs.map((d) => d.replace(/^file:\/\//, ''));
}

/** Package files in a directory, by PKGNAME (the file name without its suffix). */
function packagesIn(dir: string): Map<string, string> {
  const out = new Map<string, string>();
  let names: string[];
  try {
    names = fs.readdirSync(dir);
  } catch {
    return out;
  }
  for (const n of names.sort()) {
    if (SUFFIX.test(n) && !n.startsWith('.')) out.set(n.replace(SUFFIX, ''), path.join(dir, n));
  }
  return out;
}

/**
 * The package file for a name or pattern, searched in `dirs` in order as
 * pkg_add does: an exact `<name>.tgz` first, else the best (highest
 * version) match of the pattern; the first directory with a match wins.
 */
export function findPackage(pattern: string, dirs: readonly string[]): string | undefined {
  for (const dir of dirs) {
    const pkgs = packagesIn(dir);
    const exact = pkgs.get(pattern.replace(SUFFIX, ''));
    if (exact) return exact;
    const best = bestMatch(pattern, pkgs.keys());
    if (best) return pkgs.get(best);
  }
  return undefined;
}
