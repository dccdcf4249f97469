import path from 'node:path';
import { type PackageDir, type Vars, get } from './pkgdir.ts';

/** SMF_*, PKG_SMF_*: the variables whose defaults live in @mkpkg/smf rather than in the glue. */
const SMF_VAR = /^(SMF_|PKG_SMF_)/;

/**
 * `show-var` of an SMF variable prints the value the SMF code uses: the
 * package's own, or smf.mk's default (SMF_PREFIX `pkgsrc`, SMF_NAME the
 * lower-cased PKGBASE, …) from the same function the build applies.
 */
export async function withSmfDefaults(p: PackageDir, v: Vars, names: readonly string[], values: readonly string[]): Promise<string[]> {
  if (!names.some((n) => SMF_VAR.test(n))) return [...values];
  const smf = await import('@mkpkg/smf');
  const eff = smf.smfEffectiveVars(v, { pkgbase: get(p.vars, 'PKGBASE'), filesdir: path.resolve(p.dir, get(p.vars, 'FILESDIR')) });
  return names.map((n, i) => (SMF_VAR.test(n) ? (eff.get(n) ?? values[i] ?? '') : (values[i] ?? '')));
}
