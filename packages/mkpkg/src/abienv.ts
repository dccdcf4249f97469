import os from 'node:os';
import { type Abi, type Multiarch, type Platform, compilerAbiFlag, gnuTriplet, splitList } from '@mkpkg/platform';
import type { CrossBuild } from './cross.ts';
import { type Vars, get, isYes } from './pkgdir.ts';
import { shQuote, splitShellWords } from './shell.ts';
import { viewPaths } from './buildlink/view.ts';

/** Everything a per-ABI phase needs to know, from one ABI's variables. */
export interface AbiContext {
  readonly abi: Abi;
  readonly platform: Platform;
  readonly multiarch: Multiarch;
  readonly vars: Vars;
  readonly wrksrc: string;
  readonly stage: string;
  /** Set when this ABI is built as a cross build (see the package README, "Cross builds"). */
  readonly cross?: CrossBuild | undefined;
  /** This ABI's buildlink view (${WRKDIR}/.buildlink/<abi>): the only place dependencies are found. */
  readonly buildlink?: string;
}

/** The variables mkpkg sets for each ABI on bmake's command line and in the environment. */
export const TOOL_VARS = ['CC', 'CXX', 'CPP', 'CFLAGS', 'CXXFLAGS', 'CPPFLAGS', 'LDFLAGS'] as const;
/** What the ABI's tool variables are computed from. */
export const TOOL_INPUTS = [...TOOL_VARS, 'LOCALBASE', 'PREFIX', 'WRKDIR', 'USE_CMAKE'] as const;

/** Where an ABI's buildlink view is: the driver makes it there before configure. */
export function buildlinkDir(wrkdir: string, abi: Abi): string {
  return `${wrkdir}/.buildlink/${abi}`;
}

/**
 * The ABI's tool variables: the values the Makefile and mk.conf give for
 * this ABI, plus the compiler ABI flag on CC/CXX/CPP/LDFLAGS, headers and
 * libraries from the ABI's buildlink view only (an undeclared library in
 * LOCALBASE stays invisible), and run paths to the ABI's own lib directory
 * under PREFIX (and LOCALBASE, where the dependencies are). They go on
 * bmake's command line for every per-ABI evaluation, so
 * `MAKE_FLAGS+= CC=${CC:Q}` means the same in the built-in build, in the
 * package's own targets and in `show-var`.
 */
export function abiToolVars(c: Pick<AbiContext, 'abi' | 'platform' | 'vars' | 'buildlink'>): Record<string, string> {
  const v = c.vars;
  const s = c.platform.suffixes[c.abi];
  const flag = compilerAbiFlag(c.abi);
  const localbase = get(v, 'LOCALBASE') || '/usr/pkg';
  const prefix = get(v, 'PREFIX') || localbase;
  const rpaths = [...new Set([`${prefix}/lib${s.lib}`, `${localbase}/lib${s.lib}`])];
  const view = c.buildlink ? viewPaths(c.buildlink, s) : undefined;
  const incflags = view ? view.incdirs.map((d) => `-I${d}`) : [];
  const withFlag = (cmd: string, fallback: string) => `${cmd || fallback} ${flag}`;
  return {
    CC: withFlag(get(v, 'CC'), 'cc'),
    CXX: withFlag(get(v, 'CXX'), 'c++'),
    CPP: `${get(v, 'CC') || 'cc'} ${flag} -E`,
    // CMake ignores CPPFLAGS: its compilers see the view's headers through CFLAGS.
    CFLAGS: [get(v, 'CFLAGS'), ...(configureStyle(v) === 'cmake' ? incflags : [])].filter(Boolean).join(' '),
    CXXFLAGS: [get(v, 'CXXFLAGS'), ...(configureStyle(v) === 'cmake' ? incflags : [])].filter(Boolean).join(' '),
    CPPFLAGS: [get(v, 'CPPFLAGS'), ...incflags].filter(Boolean).join(' '),
    LDFLAGS: [get(v, 'LDFLAGS'), flag, ...(view ? [`-L${view.libdir}`] : []), ...rpaths.map((d) => `-Wl,-rpath,${d}`)].filter(Boolean).join(' '),
  };
}

/**
 * The per-ABI environment: ABI and the suffixes, the tool variables as
 * this ABI's evaluation has them (already with the ABI's flags, see
 * abiToolVars), and pkg-config and PATH into the ABI's own directories.
 */
export function abiEnv(c: AbiContext, base: Readonly<Record<string, string | undefined>>): Record<string, string> {
  const v = c.vars;
  const s = c.platform.suffixes[c.abi];
  const localbase = get(v, 'LOCALBASE') || '/usr/pkg';
  const prefix = get(v, 'PREFIX') || localbase;
  const view = c.buildlink ? viewPaths(c.buildlink, s) : undefined;
  const env: Record<string, string> = {};
  for (const [k, val] of Object.entries(base)) if (val !== undefined) env[k] = val;
  delete env['MAKEFLAGS'];
  delete env['MAKELEVEL'];
  delete env['MFLAGS'];
  Object.assign(env, {
    ABI: c.abi,
    BINARCHSUFFIX: s.bin,
    LIBARCHSUFFIX: s.lib,
    INCARCHSUFFIX: s.inc,
    PREFIX: prefix,
    LOCALBASE: localbase,
    // No view, no pkg-config files: never the machine's own.
    PKG_CONFIG_LIBDIR: view ? view.pkgconfig : '/nonexistent',
    PKG_CONFIG_PATH: '',
    PATH: [`${localbase}/bin${s.bin}`, `${localbase}/bin`, env['PATH'] ?? '/usr/bin:/bin'].join(':'),
  });
  for (const k of TOOL_VARS) env[k] = get(v, k);
  return env;
}

/** pkgsrc's yes/no switches that default to yes (CONFIGURE_HAS_MANDIR, …). */
function isNo(v: Vars, name: string): boolean {
  return get(v, name).trim().toLowerCase() === 'no';
}

/**
 * MAKE_JOBS from mk.conf, else the number of CPUs; when `sharing` ABIs build
 * side by side, the CPUs are divided between them so they do not fight.
 */
export function makeJobs(v: Vars, sharing = 1): number {
  const n = Number.parseInt(get(v, 'MAKE_JOBS'), 10);
  if (Number.isFinite(n) && n > 0) return n;
  return Math.max(1, Math.ceil(os.availableParallelism() / sharing));
}

export type ConfigureStyle = 'gnu' | 'own' | 'cmake' | 'none';

export function configureStyle(v: Vars): ConfigureStyle {
  if (isYes(v, 'USE_CMAKE')) return 'cmake';
  if (isYes(v, 'GNU_CONFIGURE')) return 'gnu';
  if (isYes(v, 'HAS_CONFIGURE')) return 'own';
  return 'none';
}

/** One shell command line per configure directory (empty for plain-make packages). */
export function configureCommands(c: AbiContext): { dir: string; cmd: string }[] {
  const v = c.vars;
  const style = configureStyle(v);
  if (style === 'none') return [];
  const s = c.platform.suffixes[c.abi];
  const prefix = get(v, 'PREFIX');
  const ma = c.multiarch;
  const libdir = ma.enabled && ma.lib && !get(v, 'NO_MULTIARCH_LIBDIR');
  const bindir = ma.enabled && ma.bin;
  const env = get(v, 'CONFIGURE_ENV');
  const dirs = splitList(get(v, 'CONFIGURE_DIRS'));
  if (style === 'cmake') {
    const args = [
      `-DCMAKE_INSTALL_PREFIX:PATH=${prefix}`,
      `-DCMAKE_INSTALL_MANDIR:PATH=${get(v, 'PKGMANDIR') || 'man'}`,
      `-DCMAKE_INSTALL_INFODIR:PATH=${get(v, 'PKGINFODIR') || 'info'}`,
      `-DCMAKE_INSTALL_LIBDIR:PATH=lib${libdir ? s.lib : ''}`,
      `-DCMAKE_INSTALL_BINDIR:PATH=bin${bindir ? s.bin : ''}`,
      `-DCMAKE_INSTALL_SBINDIR:PATH=sbin${bindir ? s.bin : ''}`,
      // find_package/find_library search the buildlink view, not LOCALBASE.
      ...(c.buildlink ? [`-DCMAKE_PREFIX_PATH:PATH=${c.buildlink}`, `-DCMAKE_LIBRARY_PATH:PATH=${c.buildlink}/lib${s.lib}`] : []),
      ...(libdir && s.lib ? [`-DLIB_SUFFIX=${s.lib}`] : []),
      ...cmake32(c),
      ...cmakeCross(c),
    ];
    if (!/CMAKE_BUILD_TYPE/.test(get(v, 'CMAKE_ARGS'))) args.push('-DCMAKE_BUILD_TYPE=Release');
    const argPath = get(v, 'CMAKE_ARG_PATH') || '.';
    return dirs.map((dir) => ({
      dir,
      cmd: [env, 'cmake', ...args.map(shQuote), get(v, 'CMAKE_ARGS'), shQuote(argPath)].filter(Boolean).join(' '),
    }));
  }
  const script = get(v, 'CONFIGURE_SCRIPT') || './configure';
  const own = get(v, 'CONFIGURE_ARGS');
  if (style === 'own') return dirs.map((dir) => ({ dir, cmd: [env, shQuote(script), own].filter(Boolean).join(' ') }));
  const triplet = gnuTriplet(c.platform.opsys, c.abi);
  // A cross build names this machine as the build system, so autoconf takes
  // its cross-compiling path and runs none of the programs it compiles.
  const args = [
    `--prefix=${prefix}`,
    `--build=${c.cross ? c.cross.buildTriplet : triplet}`,
    `--host=${triplet}`,
    ...(isNo(v, 'CONFIGURE_HAS_MANDIR') ? [] : [`--mandir=${prefix}/${get(v, 'PKGMANDIR') || 'man'}`]),
    ...(isNo(v, 'CONFIGURE_HAS_INFODIR') ? [] : [`--infodir=${prefix}/${get(v, 'PKGINFODIR') || 'info'}`]),
    ...(libdir ? [`--libdir=${prefix}/lib${s.lib}`] : []),
    ...(bindir ? [`--bindir=${prefix}/bin${s.bin}`, `--sbindir=${prefix}/sbin${s.bin}`] : []),
  ];
  return dirs.map((dir) => ({ dir, cmd: [env, shQuote(script), ...args.map(shQuote), own].filter(Boolean).join(' ') }));
}

/**
 * CMake picks lib64/x86_64 directories by its own rules; for ABI 32 on a
 * 64-bit Linux host it must be told the architecture and to stay out of the
 * 64-bit system library directories.
 */
function cmake32(c: AbiContext): string[] {
  if (c.abi !== '32' || c.platform.opsys !== 'Linux') return [];
  return [
    '-DCMAKE_SYSTEM_PROCESSOR=i686',
    '-DCMAKE_LIBRARY_ARCHITECTURE=i386-linux-gnu',
    '-DCMAKE_FIND_LIBRARY_CUSTOM_LIB_SUFFIX=32',
    '-DCMAKE_IGNORE_PATH=/usr/lib/x86_64-linux-gnu;/lib/x86_64-linux-gnu;/usr/lib64;/lib64',
  ];
}

/**
 * A cross build tells CMake the target system, which sets
 * CMAKE_CROSSCOMPILING; try_run() then uses the emulator when one is
 * registered, and otherwise needs its results given.
 */
function cmakeCross(c: AbiContext): string[] {
  if (!c.cross) return [];
  return [
    `-DCMAKE_SYSTEM_NAME=${c.platform.opsys}`,
    // cmake32() names the processor for ABI 32 on Linux already.
    ...(c.abi === '32' && c.platform.opsys === 'Linux' ? [] : [`-DCMAKE_SYSTEM_PROCESSOR=${c.abi === '32' ? 'i386' : 'x86_64'}`]),
    ...(c.cross.emulator ? [`-DCMAKE_CROSSCOMPILING_EMULATOR=${c.cross.emulator}`] : []),
  ];
}

export type MakePhase = 'build' | 'test' | 'install';

/**
 * The package's own make for a phase, one command per directory; none when
 * the phase has no target. `jobserver`: the make gets its jobs from a
 * jobserver named in MAKEFLAGS, so no -j of its own.
 */
export function makeCommands(c: AbiContext, phase: MakePhase, sharing = 1, jobserver = false): { dir: string; cmd: string }[] {
  const v = c.vars;
  const target = get(v, phase === 'build' ? 'BUILD_TARGET' : phase === 'install' ? 'INSTALL_TARGET' : 'TEST_TARGET');
  if (phase === 'test' && target === '') return [];
  const dirs = splitList(get(v, phase === 'build' ? 'BUILD_DIRS' : phase === 'install' ? 'INSTALL_DIRS' : 'TEST_DIRS'));
  const jobs = phase === 'install' || jobserver ? 1 : makeJobs(v, sharing);
  // As in pkgsrc: BUILD_MAKE_FLAGS and TEST_MAKE_FLAGS default to MAKE_FLAGS
  // (the glue says so), install gets MAKE_FLAGS and INSTALL_MAKE_FLAGS.
  const flags = (name: string) => (v.has(name) ? [get(v, name)] : [get(v, 'MAKE_FLAGS')]);
  const words = [
    get(v, phase === 'test' && v.has('TEST_ENV') ? 'TEST_ENV' : 'MAKE_ENV'),
    shQuote(get(v, 'MAKE_PROGRAM') || 'make'),
    ...(jobs > 1 ? [`-j${jobs}`] : []),
    '-f',
    shQuote(get(v, 'MAKE_FILE') || 'Makefile'),
    ...(phase === 'build' ? flags('BUILD_MAKE_FLAGS') : phase === 'test' ? flags('TEST_MAKE_FLAGS') : [get(v, 'MAKE_FLAGS'), get(v, 'INSTALL_MAKE_FLAGS')]),
    ...(phase === 'install' ? [`DESTDIR=${shQuote(c.stage)}`] : []),
    target,
  ];
  return dirs.map((dir) => ({ dir, cmd: words.filter(Boolean).join(' ') }));
}

/**
 * The arguments configure (GNU_CONFIGURE) or cmake (USE_CMAKE) gets for this
 * ABI: what mkpkg adds (prefix, the ABI's triplet and directories) followed
 * by the package's CONFIGURE_ARGS or CMAKE_ARGS. `show-var CONFIGURE_ARGS
 * ABI=32` prints these, since they are what the build uses.
 */
export function effectiveConfigureArgs(c: AbiContext): { name: 'CONFIGURE_ARGS' | 'CMAKE_ARGS'; value: string } | undefined {
  const style = configureStyle(c.vars);
  if (style !== 'gnu' && style !== 'cmake') return undefined;
  const one = new Map(c.vars);
  one.set('CONFIGURE_ENV', '');
  one.set('CONFIGURE_DIRS', '.');
  const [first] = configureCommands({ ...c, vars: one });
  if (!first) return undefined;
  const words = splitShellWords(first.cmd).slice(1);
  if (style === 'cmake') words.pop(); // the source directory
  return { name: style === 'cmake' ? 'CMAKE_ARGS' : 'CONFIGURE_ARGS', value: words.map(shQuote).join(' ') };
}
