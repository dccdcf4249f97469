import fs from 'node:fs';
import path from 'node:path';
import {
  type Abi,
  type MkConf,
  type Multiarch,
  type Platform,
  InputError,
  MKCONF_VARS,
  bmakeVars,
  platformFromMkConf,
  resolveMultiarch,
  singleAbiPlatform,
  splitList,
} from '@mkpkg/platform';
import { smfVarNames } from '@mkpkg/smf';

/** Variables mkpkg asks bmake for, in a package directory. */
export const PACKAGE_VARS = [
  'PKGNAME', 'PKGBASE', 'PKGVERSION', 'DISTNAME', 'DISTFILES', 'EXTRACT_ONLY', 'EXTRACT_SUFX', 'MASTER_SITES',
  'COMMENT', 'HOMEPAGE', 'LICENSE', 'CATEGORIES', 'MAINTAINER',
  'WRKDIR', 'WRKSRC', 'DESTDIR', 'FILESDIR', 'PATCHDIR', 'DISTINFO_FILE', 'DESCR_SRC', 'MESSAGE_SRC', 'PLIST_SRC',
  'PKGMANDIR', 'PKGINFODIR', 'PKG_SYSCONFDIR', 'PKG_SYSCONFBASE', 'VARBASE',
  'GNU_CONFIGURE', 'HAS_CONFIGURE', 'USE_CMAKE', 'NO_CONFIGURE', 'NO_BUILD', 'CONFIGURE_SCRIPT', 'CONFIGURE_ARGS',
  'CONFIGURE_ENV', 'CONFIGURE_DIRS', 'CMAKE_ARGS', 'CMAKE_ARG_PATH', 'BUILD_DIRS', 'INSTALL_DIRS', 'TEST_DIRS',
  'MAKE_ENV', 'MAKE_FLAGS', 'BUILD_MAKE_FLAGS', 'INSTALL_MAKE_FLAGS', 'TEST_MAKE_FLAGS', 'MAKE_FILE', 'MAKE_PROGRAM',
  'BUILD_TARGET', 'INSTALL_TARGET', 'TEST_TARGET', 'INSTALLATION_DIRS', 'USE_TOOLS', 'USE_LIBTOOL', 'USE_LANGUAGES',
  'PKGCONFIG_OVERRIDE', 'INFO_FILES', 'PLIST_SUBST', 'PLIST_VARS', '_MKPKG_PLIST_ON', 'FILES_SUBST', 'MESSAGE_SUBST',
  'USE_MULTIARCH', 'MULTIARCH_DIRS.bin', 'MULTIARCH_DIRS.lib', 'MULTIARCH_SKIP_DIRS.bin', 'MULTIARCH_SKIP_DIRS.lib',
  'NO_MULTIARCH_LIBDIR', 'DEPENDS', 'CONFLICTS', 'ISAEXEC_DEPENDS', 'MKPKG', 'MKPKG_NATIVEDIR',
  'CC', 'CXX', 'CPP', 'CFLAGS', 'CXXFLAGS', 'CPPFLAGS', 'LDFLAGS', '.ALLTARGETS', '.CURDIR',
  ...MKCONF_VARS,
] as const;

export type Vars = ReadonlyMap<string, string>;

/** A package directory with its variables, once without an ABI and once per ABI of this build. */
export interface PackageDir {
  readonly dir: string;
  readonly makefile: string;
  /** Command-line VAR=value assignments, passed to every bmake run. */
  readonly cmdVars: Readonly<Record<string, string>>;
  readonly vars: Vars;
  readonly platform: Platform;
  readonly multiarch: Multiarch;
  /** ABIs built, in install order (the default ABI last). */
  readonly abis: readonly Abi[];
  readonly abiVars: ReadonlyMap<Abi, Vars>;
  readonly wrkdir: string;
  /** Where each ABI's copy of the work tree lives, and WRKSRC inside it. */
  readonly abiWrkdir: (abi: Abi) => string;
  readonly abiWrksrc: (abi: Abi) => string;
  readonly stageDir: (abi: Abi) => string;
  readonly targets: ReadonlySet<string>;
}

export function get(v: Vars, name: string): string {
  return v.get(name) ?? '';
}

export function isYes(v: Vars, name: string): boolean {
  const s = get(v, name).trim().toLowerCase();
  return s !== '' && s !== 'no' && s !== 'false';
}

export interface LoadOptions {
  cmdVars?: Readonly<Record<string, string>>;
  cliMultiarch?: string;
  env?: Readonly<Record<string, string | undefined>>;
}

/**
 * Reads a package directory: bmake evaluates its Makefile (which includes
 * the glue and the user's mk.conf) first without an ABI, to learn whether
 * and for which ABIs this is a multiarch build, then once per ABI with that
 * ABI's suffixes and work tree on the command line.
 */
export async function loadPackage(dir: string, opts: LoadOptions = {}): Promise<PackageDir> {
  const abs = path.resolve(dir);
  const makefile = path.join(abs, 'Makefile');
  if (!fs.existsSync(makefile)) {
    throw new InputError(`${abs} is not a package directory: it has no Makefile`, {
      hint: 'run mkpkg in a package directory, or name one with -C DIR',
    });
  }
  const cmdVars = { ...(opts.cmdVars ?? {}) };
  const env = opts.env ?? process.env;
  const names = [...PACKAGE_VARS, ...smfVarNames()];
  const vars = await bmakeVars(makefile, names, { cwd: abs, cmdVars, env });
  if (get(vars, 'PKGNAME') === '') {
    throw new InputError('the package sets neither PKGNAME nor DISTNAME', { where: { file: makefile } });
  }
  if (!get(vars, '.ALLTARGETS').split(/\s+/).includes('package')) {
    throw new InputError(`${makefile} does not include mkpkg's bsd.pkg.mk`, {
      where: { file: makefile },
      hint: "end the Makefile with '.include \"../../mk/bsd.pkg.mk\"' and keep the package in a tree made by 'mkpkg init-tree'",
    });
  }
  const conf: MkConf = { file: get(vars, 'MAKECONF') || undefined, vars: nonEmpty(vars, MKCONF_VARS) };
  const cmdOverrides = Object.fromEntries(Object.entries(cmdVars).filter(([k]) => (MKCONF_VARS as readonly string[]).includes(k)));
  const full = platformFromMkConf(conf, { overrides: cmdOverrides });
  const multiarch = resolveMultiarch({
    mkconfMultiarch: get(vars, 'MULTIARCH'),
    useMultiarch: get(vars, 'USE_MULTIARCH'),
    ...(opts.cliMultiarch !== undefined ? { cliMultiarch: opts.cliMultiarch } : {}),
  });
  const platform = multiarch.enabled ? full : singleAbiPlatform(full);
  const wrkdir = path.resolve(abs, get(vars, 'WRKDIR'));
  const wrksrc = path.resolve(abs, get(vars, 'WRKSRC'));
  const rel = path.relative(wrkdir, wrksrc);
  if (rel.startsWith('..') || path.isAbsolute(rel)) {
    throw new InputError(`WRKSRC (${wrksrc}) is not inside WRKDIR (${wrkdir})`, {
      where: { file: makefile },
      hint: 'set WRKSRC to ${WRKDIR}/<directory the distfile unpacks to>',
    });
  }
  const abiWrkdir = (abi: Abi) => path.join(wrkdir, `abi${abi}`);
  const abiWrksrc = (abi: Abi) => path.join(abiWrkdir(abi), rel);
  const stageDir = (abi: Abi) => path.join(wrkdir, '.stage', abi);
  const methods = splitList(get(vars, 'SMF_METHODS'));
  const abiNames = [...names, ...smfVarNames(methods)];
  const abiVars = new Map<Abi, Vars>();
  await Promise.all(
    platform.abis.map(async (abi) => {
      const v = await bmakeVars(makefile, [...new Set(abiNames)], {
        cwd: abs,
        cmdVars: { ...abiCmdVars(platform, multiarch, abi, abiWrksrc(abi)), ...cmdVars },
        env,
      });
      abiVars.set(abi, v);
    }),
  );
  return {
    dir: abs,
    makefile,
    cmdVars,
    vars,
    platform,
    multiarch,
    abis: platform.abis,
    abiVars,
    wrkdir,
    abiWrkdir,
    abiWrksrc,
    stageDir,
    targets: new Set(get(vars, '.ALLTARGETS').split(/\s+/)),
  };
}

/** What a per-ABI bmake run gets on its command line. */
export function abiCmdVars(platform: Platform, multiarch: Multiarch, abi: Abi, wrksrc: string): Record<string, string> {
  const s = platform.suffixes[abi];
  return {
    ABI: abi,
    _MULTIARCH: multiarch.enabled ? 'yes' : '',
    BINARCHSUFFIX: s.bin,
    LIBARCHSUFFIX: s.lib,
    INCARCHSUFFIX: s.inc,
    WRKSRC: wrksrc,
  };
}

function nonEmpty(vars: Vars, names: readonly string[]): Map<string, string> {
  const out = new Map<string, string>();
  for (const n of names) {
    const v = vars.get(n);
    if (v) out.set(n, v);
  }
  return out;
}
