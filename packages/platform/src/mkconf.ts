import fs from 'node:fs';
import path from 'node:path';
import { bmakeVars } from './bmake.ts';
import { InputError } from './errors.ts';
import { type Platform, type PlatformOverrides, hostOpsys, platformFor } from './platform.ts';
import { ABIS, parseOpsys } from './abi.ts';

/** The mk.conf variables mkpkg reads besides whatever a caller asks for. */
export const MKCONF_VARS = [
  'OPSYS',
  'MULTIARCH',
  'MULTIARCH_ABIS',
  ...ABIS.flatMap((a) => [`BINARCHSUFFIX.${a}`, `LIBARCHSUFFIX.${a}`, `INCARCHSUFFIX.${a}`]),
  'MAKE_JOBS',
  'PKG_COMPRESSION',
  'PKGTOOLS_VERSION',
  'PKG_DBDIR',
  'LOCALBASE',
  'PREFIX',
  'PKG_SYSCONFBASE',
  'VARBASE',
  'DISTDIR',
  'PACKAGES',
  'MASTER_SITE_OVERRIDE',
] as const;

/**
 * Where the user's mk.conf is: $MAKECONF, else /etc/mk.conf, else
 * ${PREFIX}/etc/mk.conf; undefined when none exists (built-in defaults apply).
 */
export function findMkConf(env: Readonly<Record<string, string | undefined>> = process.env, prefix?: string): string | undefined {
  const explicit = env['MAKECONF'];
  if (explicit) {
    if (!fs.existsSync(explicit)) {
      throw new InputError(`MAKECONF names ${explicit}, which does not exist`, {
        hint: 'point MAKECONF at your mk.conf, or unset it to use /etc/mk.conf',
      });
    }
    return path.resolve(explicit);
  }
  const candidates = ['/etc/mk.conf', ...(prefix ? [path.join(prefix, 'etc/mk.conf')] : [])];
  return candidates.find((c) => fs.existsSync(c));
}

export interface MkConf {
  /** The file read, if any. */
  readonly file: string | undefined;
  /** Every variable asked for; a variable the file leaves unset is absent. */
  readonly vars: ReadonlyMap<string, string>;
}

/** Reads mk.conf through bmake. Empty values count as unset, as pkgsrc's `?=` defaults see them. */
export async function readMkConf(
  opts: { env?: Readonly<Record<string, string | undefined>>; prefix?: string; extraVars?: readonly string[] } = {},
): Promise<MkConf> {
  const file = findMkConf(opts.env ?? process.env, opts.prefix);
  if (!file) return { file, vars: new Map() };
  const names = [...new Set([...MKCONF_VARS, ...(opts.extraVars ?? [])])];
  const raw = await bmakeVars(file, names, { cwd: path.dirname(file) });
  const vars = new Map<string, string>();
  for (const [k, v] of raw) if (v !== '') vars.set(k, v);
  return { file, vars };
}

/**
 * The platform this run targets: the OPSYS table row (host OS unless mk.conf
 * or the caller names one), then mk.conf's overrides, then the caller's.
 */
export function platformFromMkConf(conf: MkConf, opts: { opsys?: string; overrides?: PlatformOverrides } = {}): Platform {
  const where = conf.file ?? 'built-in defaults';
  const opsysName = opts.opsys ?? conf.vars.get('OPSYS');
  const opsys = opsysName ? parseOpsys(opsysName, opts.opsys ? '--opsys' : `${where}: OPSYS`) : hostOpsys();
  return platformFor(opsys, { ...Object.fromEntries(conf.vars), ...opts.overrides }, where);
}
