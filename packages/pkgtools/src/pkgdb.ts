import path from 'node:path';
import { readMkConf } from '@mkpkg/platform';

/**
 * The pkgdb the tools work on, as pkg_install finds it: -K, else
 * $PKG_DBDIR, else mk.conf's PKG_DBDIR (else ${LOCALBASE}/pkgdb, pkgsrc's
 * default LOCALBASE being /usr/pkg). With -P DESTDIR it lies under DESTDIR.
 */
export async function pkgdbFor(k: string | undefined, destdir: string | undefined, env: NodeJS.ProcessEnv = process.env): Promise<string> {
  let db = k ?? env['PKG_DBDIR'];
  if (!db) {
    const conf = await readMkConf({ env });
    db = conf.vars.get('PKG_DBDIR') ?? path.join(conf.vars.get('LOCALBASE') ?? '/usr/pkg', 'pkgdb');
  }
  return path.resolve(destdir ? path.join(destdir, db) : db);
}
