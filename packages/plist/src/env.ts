import {
  type Multiarch,
  InputError,
  hostOpsys,
  parseOpsys,
  platformFor,
  resolveMultiarch,
  splitList,
} from '@mkpkg/platform';
import {
  DEFAULT_BIN_DIRS,
  DEFAULT_LIB_DIRS,
  DEFAULT_LINK_SOURCE,
  DEFAULT_SKIP_BIN_DIRS,
  DEFAULT_SKIP_LIB_DIRS,
  type ExpandOptions,
} from './options.ts';

/** Command-line settings; each one, when given, wins over the environment. */
export interface OptionFlags {
  multiarch?: string | undefined;
  abis?: string | undefined;
  opsys?: string | undefined;
  binDirs?: string | undefined;
  libDirs?: string | undefined;
  skipBinDirs?: string | undefined;
  skipLibDirs?: string | undefined;
  linkSource?: string | undefined;
  subst?: readonly string[] | undefined;
  plistVar?: readonly string[] | undefined;
}

type Env = Readonly<Record<string, string | undefined>>;

/**
 * Settings as plist.mk hands them to plist-multiarch.awk (environment names
 * with '_' for make's '.'), then flags over them, then the defaults the package README lists.
 * As in the awk, `_MULTIARCH` non-empty turns multiarch on and USE_MULTIARCH
 * is searched for 'bin' and 'lib'.
 */
export function optionsFromEnv(env: Env, flags: OptionFlags = {}): ExpandOptions {
  const opsys = flags.opsys !== undefined ? parseOpsys(flags.opsys, '--opsys') : hostOpsys();
  const overrides: Record<string, string | undefined> = {};
  for (const kind of ['BINARCHSUFFIX', 'LIBARCHSUFFIX', 'INCARCHSUFFIX']) {
    for (const abi of ['32', '64']) {
      const v = env[`${kind}_${abi}`];
      if (v !== undefined) overrides[`${kind}_${abi}`] = v;
    }
  }
  const abis = flags.abis ?? env['MULTIARCH_ABIS'];
  if (abis !== undefined && abis.trim() !== '') overrides['MULTIARCH_ABIS'] = abis;
  const platform = platformFor(opsys, overrides, flags.abis !== undefined ? '--abis' : 'environment');

  let multiarch: Multiarch;
  if (flags.multiarch !== undefined) multiarch = resolveMultiarch({ cliMultiarch: flags.multiarch });
  else if ((env['_MULTIARCH'] ?? '') !== '') {
    const use = env['USE_MULTIARCH'] ?? '';
    multiarch = { enabled: true, bin: use.includes('bin'), lib: use.includes('lib') };
  } else multiarch = { enabled: false };

  const list = (flag: string | undefined, envName: string, dflt: readonly string[]): string[] =>
    flag !== undefined ? splitList(flag) : env[envName] !== undefined ? splitList(env[envName]) : [...dflt];

  return {
    multiarch,
    platform,
    binDirs: list(flags.binDirs, 'MULTIARCH_DIRS_bin', DEFAULT_BIN_DIRS),
    libDirs: list(flags.libDirs, 'MULTIARCH_DIRS_lib', DEFAULT_LIB_DIRS),
    skipBinDirs: list(flags.skipBinDirs, 'MULTIARCH_SKIP_DIRS_bin', DEFAULT_SKIP_BIN_DIRS),
    skipLibDirs: list(flags.skipLibDirs, 'MULTIARCH_SKIP_DIRS_lib', DEFAULT_SKIP_LIB_DIRS),
    linkSource: checkLinkSource(flags.linkSource ?? DEFAULT_LINK_SOURCE),
    subst: parseAssignments(flags.subst ?? [], '--subst', (v) => v),
    plistVars: parseAssignments(flags.plistVar ?? [], '--plist-var', (v, item) => {
      if (v === 'yes') return true;
      if (v === 'no') return false;
      throw new InputError(`--plist-var ${item}: the value must be yes or no`);
    }),
  };
}

function checkLinkSource(s: string): string {
  if (s === '' || s.startsWith('/') || /\s/.test(s) || s.split('/').includes('..')) {
    throw new InputError(`--link-source '${s}': give a path relative to the prefix, without spaces (default ${DEFAULT_LINK_SOURCE})`);
  }
  return s;
}

function parseAssignments<T>(items: readonly string[], flag: string, value: (v: string, item: string) => T): Record<string, T> {
  const out: Record<string, T> = {};
  for (const item of items) {
    const eq = item.indexOf('=');
    if (eq <= 0) throw new InputError(`${flag} ${item}: expected NAME=value`);
    out[item.slice(0, eq)] = value(item.slice(eq + 1), item);
  }
  return out;
}
