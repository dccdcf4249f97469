import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { type Abi, BMAKE, bmakeVars, InputError, type MkConf, MKCONF_VARS, type Multiarch, type Platform, platformFromMkConf, resolveMultiarch, singleAbiPlatform, splitList, writeFileAtomicSync } from '@mkpkg/platform';
import { checkDistNames } from './distnames.ts';

/** Variables mkpkg asks bmake for, in a package directory. */
export const PACKAGE_VARS = [
  'PKGNAME', 'PKGBASE', 'PKGVERSION', 'DISTNAME', 'DISTFILES', 'PATCHFILES', 'EXTRACT_ONLY', 'EXTRACT_SUFX', 'MASTER_SITES',
  'COMMENT', 'HOMEPAGE', 'LICENSE', 'CATEGORIES', 'MAINTAINER',
  'WRKDIR', 'WRKOBJDIR', 'WRKSRC', 'DESTDIR', 'FILESDIR', 'PATCHDIR', 'DISTINFO_FILE', 'DESCR_SRC', 'MESSAGE_SRC', 'PLIST_SRC',
  'PKGMANDIR', 'PKGINFODIR', 'PKG_SYSCONFDIR', 'PKG_SYSCONFBASE', 'VARBASE',
  'GNU_CONFIGURE', 'HAS_CONFIGURE', 'CONFIGURE_HAS_MANDIR', 'CONFIGURE_HAS_INFODIR', 'PKGREVISION', 'NO_CHECKSUM', 'USE_CMAKE', 'NO_CONFIGURE', 'NO_BUILD', 'CONFIGURE_SCRIPT', 'CONFIGURE_ARGS',
  'CONFIGURE_ENV', 'CONFIGURE_DIRS', 'CMAKE_ARGS', 'CMAKE_ARG_PATH', 'BUILD_DIRS', 'INSTALL_DIRS', 'TEST_DIRS',
  'MAKE_ENV', 'TEST_ENV', 'MAKE_FLAGS', 'BUILD_MAKE_FLAGS', 'INSTALL_MAKE_FLAGS', 'TEST_MAKE_FLAGS', 'MAKE_FILE', 'MAKE_PROGRAM',
  'BUILD_TARGET', 'INSTALL_TARGET', 'TEST_TARGET', 'INSTALLATION_DIRS', 'USE_TOOLS', 'USE_LIBTOOL', 'USE_LANGUAGES',
  'PKGCONFIG_OVERRIDE', 'INFO_FILES', 'PLIST_SUBST', 'PLIST_VARS', '_MKPKG_PLIST_ON', 'FILES_SUBST', 'MESSAGE_SUBST',
  'USE_MULTIARCH', 'MULTIARCH_DIRS.bin', 'MULTIARCH_DIRS.lib', 'MULTIARCH_SKIP_DIRS.bin', 'MULTIARCH_SKIP_DIRS.lib',
  'NO_MULTIARCH_LIBDIR', 'MULTIARCH_CROSS_ABIS', 'SUBST_CLASSES', '_MKPKG_SUBST_STAGES', 'DEPENDS', 'ALL_DEPENDS', 'BUILD_DEPENDS', 'TOOL_DEPENDS', 'DEPENDS_TARGET',
  '_MKPKG_BUILDLINK', 'BUILDLINK_PACKAGES', 'CONFLICTS', 'ISAEXEC_DEPENDS', 'MKPKG', 'MKPKG_NATIVEDIR',
  'CC', 'CXX', 'CPP', 'CFLAGS', 'CXXFLAGS', 'CPPFLAGS', 'LDFLAGS', '.ALLTARGETS', '.CURDIR', '.MAKE.MAKEFILES',
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
  /** What every per-ABI bmake run gets on its command line (see abivars.ts). */
  readonly abiCmdLine: ReadonlyMap<Abi, Readonly<Record<string, string>>>;
  readonly wrkdir: string;
  /** Where each ABI's copy of the work tree lives, and WRKSRC inside it. */
  readonly abiWrkdir: (abi: Abi) => string;
  readonly abiWrksrc: (abi: Abi) => string;
  readonly stageDir: (abi: Abi) => string;
  readonly targets: ReadonlySet<string>;
  /**
   * What the variables were evaluated from, with each path's mtime (ms) at
   * the time: every makefile bmake read, and the directories whose entries
   * the glue tests for. A path whose mtime differs now makes them stale.
   */
  readonly watched: Readonly<Record<string, number>>;
}

export function get(v: Vars, name: string): string {
  return v.get(name) ?? '';
}

export function isYes(v: Vars, name: string): boolean {
  const s = get(v, name).trim().toLowerCase();
  return s !== '' && s !== 'no' && s !== 'false';
}

/** DEPENDS as package patterns (the ':../../dir' part dropped). */
export function dependPatterns(v: Vars): string[] {
  return splitList(get(v, 'DEPENDS')).map((d) => d.replace(/:[^:]*$/, ''));
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
  const env = evaluationEnv(opts.env ?? process.env, abs, opts.cliMultiarch);
  const cacheKey = createHash('sha256')
    .update(JSON.stringify({
      cmdVars,
      cli: opts.cliMultiarch ?? null,
      env: Object.entries(env).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)),
      bmake: BMAKE,
      etcMkConf: fs.existsSync('/etc/mk.conf'),
    }))
    .digest('hex');
  const cacheFile = path.join(abs, 'work', '.mkpkg-vars.json');
  let evaluated = readVarsCache(cacheFile, cacheKey);
  let layout: Layout | undefined;
  if (!evaluated) {
    // Taken before bmake runs: an entry added while it evaluates shows as a change.
    const dirs = watchedDirs(abs);
    const smf = await import('@mkpkg/smf');
    const names = [...PACKAGE_VARS, ...smf.smfVarNames()];
    const vars = await bmakeVars(makefile, names, { cwd: abs, cmdVars, env });
    if (!get(vars, '.ALLTARGETS').split(/\s+/).includes('package')) {
      throw new InputError(`${makefile} does not include mkpkg's bsd.pkg.mk`, {
        where: { file: makefile },
        hint: "end the Makefile with '.include \"../../mk/bsd.pkg.mk\"' and keep the package in a tree made by 'mkpkg init-tree'",
      });
    }
    if (get(vars, 'PKGNAME') === '') {
      throw new InputError('the package sets neither PKGNAME nor DISTNAME', { where: { file: makefile } });
    }
    const l = (layout = deriveLayout(abs, makefile, vars, cmdVars, opts.cliMultiarch));
    const substCmds = splitList(get(vars, 'SUBST_CLASSES')).map((c) => `_MKPKG_SUBST_CMD.${c}`);
    const abiNames = [...new Set([...names, ...smf.smfVarNames(splitList(get(vars, 'SMF_METHODS'))), ...substCmds])];
    const abiVars = new Map<Abi, Vars>();
    const abiCmdLine = new Map<Abi, Readonly<Record<string, string>>>();
    // Loaded only when the cache is stale: show-var from a current cache is the most frequent start.
    const { evaluateAbi } = await import('./abivars.ts');
    await Promise.all(
      l.platform.abis.map(async (abi) => {
        const e = await evaluateAbi({
          makefile, cwd: abs, env, names: abiNames, platform: l.platform, multiarch: l.multiarch, abi, wrksrc: l.abiWrksrc(abi), cmdVars,
        });
        abiVars.set(abi, e.vars);
        abiCmdLine.set(abi, e.cmdLine);
      }),
    );
    evaluated = { vars, abiVars, abiCmdLine, watched: { ...dirs, ...makefilesRead(get(vars, '.CURDIR') || abs, [vars, ...abiVars.values()]) } };
    if (l.wrkdir === path.join(abs, 'work')) writeVarsCache(cacheFile, cacheKey, evaluated);
  }
  const { vars, abiVars, abiCmdLine, watched } = evaluated;
  checkDistNames(vars, makefile);
  for (const v of abiVars.values()) checkDistNames(v, makefile);
  layout ??= deriveLayout(abs, makefile, vars, cmdVars, opts.cliMultiarch);
  return {
    dir: abs,
    makefile,
    cmdVars,
    vars,
    abiVars,
    abiCmdLine,
    ...layout,
    abis: layout.platform.abis,
    targets: new Set(get(vars, '.ALLTARGETS').split(/\s+/)),
    watched,
  };
}

/** Platform, multiarch scope and work-tree paths: what follows from the evaluated variables. */
type Layout = ReturnType<typeof deriveLayout>;

function deriveLayout(abs: string, makefile: string, vars: Vars, cmdVars: Readonly<Record<string, string>>, cliMultiarch: string | undefined) {
  const conf: MkConf = { file: get(vars, 'MAKECONF') || undefined, vars: nonEmpty(vars, MKCONF_VARS) };
  const cmdOverrides = Object.fromEntries(Object.entries(cmdVars).filter(([k]) => (MKCONF_VARS as readonly string[]).includes(k)));
  const full = platformFromMkConf(conf, { overrides: cmdOverrides });
  const multiarch = resolveMultiarch({
    mkconfMultiarch: get(vars, 'MULTIARCH'),
    useMultiarch: get(vars, 'USE_MULTIARCH'),
    ...(cliMultiarch !== undefined ? { cliMultiarch } : {}),
  });
  const platform = multiarch.enabled ? full : singleAbiPlatform(full);
  const wrkdir = path.resolve(abs, get(vars, 'WRKDIR'));
  const wrksrc = path.resolve(abs, get(vars, 'WRKSRC'));
  const rel = path.relative(wrkdir, wrksrc);
  // An empty or relative WRKDIR is for the guard (safedirs.ts) to name before any run uses it.
  if (path.isAbsolute(get(vars, 'WRKDIR')) && (rel.startsWith('..') || path.isAbsolute(rel))) {
    throw new InputError(`WRKSRC (${wrksrc}) is not inside WRKDIR (${wrkdir})`, {
      where: { file: makefile },
      hint: 'set WRKSRC to ${WRKDIR}/<directory the distfile unpacks to>',
    });
  }
  const abiWrkdir = (abi: Abi) => path.join(wrkdir, `abi${abi}`);
  const abiWrksrc = (abi: Abi) => path.join(abiWrkdir(abi), rel);
  const stageDir = (abi: Abi) => path.join(wrkdir, '.stage', abi);
  return { platform, multiarch, wrkdir, abiWrkdir, abiWrksrc, stageDir };
}

/**
 * Evaluated variables are cached in the work directory: a re-run where
 * every phase is done should not pay for three bmake runs. The cache holds
 * while the command line, the environment and every makefile bmake read
 * (.MAKE.MAKEFILES: the package's, the glue, mk.conf) are as they were.
 * bmake imports every environment variable as a variable, so any of them
 * can change a value (`DESTDIR=x mkpkg show-var DESTDIR`): the key is the
 * whole environment bmake is given, which is the caller's minus the few
 * that change from one shell command to the next and that no Makefile has
 * business reading. They are taken out of what bmake sees, not only out of
 * the key, so the cache cannot hide a difference bmake would have seen.
 */
export const EVAL_ENV_DROPPED = ['_', 'OLDPWD', 'SHLVL'] as const;

/**
 * The environment variables are evaluated in: PWD names the package
 * directory bmake runs in; MAKEFLAGS is bmakeVars' own. MKPKG_FLAGS, which
 * the glue reads to know the multiarch parts (pbulk's ALL_DEPENDS), says
 * this run's --multiarch and nothing else: bmake exports its command-line
 * variables, so `bmake package MKPKG_FLAGS=...` would otherwise evaluate
 * differently from the `mkpkg --multiarch ...` it runs, and the two would
 * rebuild each other's package.
 */
export function evaluationEnv(env: Readonly<Record<string, string | undefined>>, dir: string, cliMultiarch?: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(env)) {
    if (v !== undefined && !(EVAL_ENV_DROPPED as readonly string[]).includes(k) && k !== 'MAKEFLAGS' && k !== 'MKPKG_FLAGS') out[k] = v;
  }
  out['PWD'] = dir;
  if (cliMultiarch !== undefined) out['MKPKG_FLAGS'] = `--multiarch ${cliMultiarch}`;
  return out;
}

interface VarsCache {
  key: string;
  files: Record<string, number>;
  vars: [string, string][];
  abiVars: [Abi, [string, string][]][];
  abiCmdLine: [Abi, Record<string, string>][];
}

interface Evaluated {
  vars: Vars;
  abiVars: Map<Abi, Vars>;
  abiCmdLine: Map<Abi, Readonly<Record<string, string>>>;
  watched: Record<string, number>;
}

function readVarsCache(file: string, key: string): Evaluated | undefined {
  let c: VarsCache;
  try {
    c = JSON.parse(fs.readFileSync(file, 'utf8')) as VarsCache;
  } catch {
    return undefined;
  }
  if (c.key !== key || !watchedUnchanged(c.files)) return undefined;
  if (!Array.isArray(c.abiCmdLine)) return undefined;
  return { vars: new Map(c.vars), abiVars: new Map(c.abiVars.map(([a, v]) => [a, new Map(v)])), abiCmdLine: new Map(c.abiCmdLine), watched: c.files };
}

function writeVarsCache(file: string, key: string, { vars, abiVars, abiCmdLine, watched }: Evaluated): void {
  // Only into a work/ that exists (extract makes it): a cache written
  // before would make work/ as whoever ran first (root's `checksum` under
  // pbulk) and leave it unwritable for the build user.
  if (!fs.existsSync(path.dirname(file))) return;
  const c: VarsCache = { key, files: watched, vars: [...vars], abiVars: [...abiVars].map(([a, v]) => [a, [...v]]), abiCmdLine: [...abiCmdLine].map(([a, r]) => [a, { ...r }]) };
  try {
    writeFileAtomicSync(file, JSON.stringify(c));
  } catch {
    // A cache that cannot be written costs time, never correctness.
  }
}

/** Every watched path still has the mtime it had when the variables were evaluated. */
export function watchedUnchanged(watched: Readonly<Record<string, number>>): boolean {
  for (const [f, mtime] of Object.entries(watched)) {
    try {
      if (fs.statSync(f).mtimeMs !== mtime) return false;
    } catch {
      return false;
    }
  }
  return true;
}

/** The glue tests for PLIST*, MESSAGE and files/smf by existence: their directories' mtimes, where they exist. */
function watchedDirs(dir: string): Record<string, number> {
  const out: Record<string, number> = {};
  for (const d of [dir, path.join(dir, 'files'), path.join(dir, 'files/smf')]) {
    try {
      out[d] = fs.statSync(d).mtimeMs;
    } catch {
      // Absent: its parent's mtime shows when it appears.
    }
  }
  return out;
}

/** Every makefile bmake read (.MAKE.MAKEFILES of each evaluation), with its mtime. */
function makefilesRead(dir: string, evaluations: readonly Vars[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const v of evaluations) {
    for (const f of splitList(get(v, '.MAKE.MAKEFILES'))) {
      const abs = path.resolve(dir, f);
      try {
        out[abs] = fs.statSync(abs).mtimeMs;
      } catch {
        // /dev/null and the like: nothing to watch.
      }
    }
  }
  return out;
}

function nonEmpty(vars: Vars, names: readonly string[]): Map<string, string> {
  const out = new Map<string, string>();
  for (const n of names) {
    const v = vars.get(n);
    if (v) out.set(n, v);
  }
  return out;
}
