import fs from 'node:fs';
import path from 'node:path';
import { type Abi, UserError } from '@mkpkg/platform';
import { lazy } from '../workdir.ts';

/** A library file as a package lists it: a shared object, a static archive or a libtool archive. */
const LIBRARY = /^lib\/(.*\/)?[^/]+\.(so(\.[0-9]+)*|a|la)$/;

/**
 * The ABIs an installed package was built for: +BUILD_INFO's MULTIARCH_ABIS
 * when it was built multiarch, else its single ABI.
 */
export async function installedAbis(pkgdb: string, pkgname: string): Promise<Abi[]> {
  let text = '';
  try {
    text = fs.readFileSync(path.join(pkgdb, pkgname, '+BUILD_INFO'), 'utf8');
  } catch {
    return [];
  }
  const info = (await lazy.pkg()).parseBuildInfo(text);
  const words = (k: string) => (info.get(k) ?? []).join(' ').split(/\s+/).filter((w): w is Abi => w === '32' || w === '64');
  const multi = words('MULTIARCH_ABIS');
  return multi.length > 0 ? multi : words('ABI');
}

/** Whether the installed package ships libraries (a header-only or data package links with every ABI). */
export function shipsLibraries(pkgdb: string, pkgname: string): boolean {
  let text = '';
  try {
    text = fs.readFileSync(path.join(pkgdb, pkgname, '+CONTENTS'), 'utf8');
  } catch {
    return false;
  }
  return text.split('\n').some((l) => LIBRARY.test(l));
}

/**
 * A multiarch build refuses, before anything is configured, a linked
 * dependency that was not built for one of its ABIs: that ABI would find no
 * library, or the other ABI's.
 */
export async function checkDependencyAbis(o: {
  pkgdb: string;
  me: string;
  abis: readonly Abi[];
  deps: readonly { pkgname: string; pkgpath: string }[];
}): Promise<void> {
  if (o.abis.length < 2) return;
  const problems: string[] = [];
  for (const d of o.deps) {
    if (!shipsLibraries(o.pkgdb, d.pkgname)) continue;
    const have = await installedAbis(o.pkgdb, d.pkgname);
    const missing = o.abis.filter((a) => !have.includes(a));
    if (missing.length === 0) continue;
    problems.push(
      `  ${d.pkgpath} (${d.pkgname}) is installed for ABI ${have.join(', ') || '(unknown)'} only: ABI ${missing.join(', ')} ${missing.length > 1 ? 'have' : 'has'} no ${d.pkgname} to link against`,
    );
  }
  if (problems.length > 0) {
    throw new UserError(`${o.me} builds ABIs ${o.abis.join(', ')}, but a dependency was not built for all of them:\n${problems.join('\n')}`, {
      hint: `rebuild the dependency multiarch (mkpkg --multiarch lib package in its directory), delete the installed one (mkpkg delete NAME) and run again; mkpkg then installs the multiarch package`,
    });
  }
}
