import { InputError, splitList } from '@mkpkg/platform';
import type { Vars } from './pkgdir.ts';

/** The variables whose words name files directly in DISTDIR. */
export const DIST_NAME_VARS = ['DISTFILES', 'PATCHFILES', 'EXTRACT_ONLY'] as const;

/**
 * A distfile name is a file name in DISTDIR, nothing else: fetch writes
 * DISTDIR/<name> and extract reads it, so `../x` or `a/b` would reach
 * outside DISTDIR (or into a directory fetch would have to create).
 */
export function checkDistNames(vars: Vars, makefile: string): void {
  for (const v of DIST_NAME_VARS) {
    for (const name of splitList(vars.get(v) ?? '')) {
      if (name !== '.' && name !== '..' && !name.includes('/') && !/[\0-\x1f]/.test(name)) continue;
      throw new InputError(`${v} names '${name.replace(/[\0-\x1f]/g, '?')}': a distfile is a plain file name in DISTDIR, without '/', '..' or control characters`, {
        where: { file: makefile },
        hint: `name the file as it is stored in DISTDIR (e.g. foo-1.0.tar.gz); the site part belongs in MASTER_SITES`,
      });
    }
  }
}
