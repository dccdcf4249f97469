import { type Abi, bmakeVars, type Multiarch, type Platform } from '@mkpkg/platform';
import { TOOL_INPUTS, abiToolVars, buildlinkDir } from './abienv.ts';
import type { Vars } from './pkgdir.ts';

/**
 * One ABI's view of a package: its variables as bmake evaluates them for
 * that ABI, and the command line that evaluation had. Every per-ABI bmake
 * run (the evaluation, the package's own targets, show-var ABI=…) gets the
 * same command line, so a package variable means the same everywhere.
 */
export interface AbiEvaluation {
  readonly vars: Vars;
  readonly cmdLine: Readonly<Record<string, string>>;
}

export interface AbiEvalOptions {
  readonly makefile: string;
  readonly cwd: string;
  readonly env: Readonly<Record<string, string | undefined>>;
  /** Variables to evaluate besides the tool variables. */
  readonly names: readonly string[];
  readonly platform: Platform;
  readonly multiarch: Multiarch;
  readonly abi: Abi;
  readonly wrksrc: string;
  /** The user's VAR=value assignments. */
  readonly cmdVars: Readonly<Record<string, string>>;
}

/** ABI, the suffixes and the ABI's WRKSRC: what tells a bmake run which ABI it is for. */
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

/**
 * Evaluates one ABI in two bmake runs: the first learns the tool variables
 * (CC, CFLAGS, LDFLAGS, …) the Makefile and mk.conf give this ABI, the
 * second evaluates everything with the ABI's tool variables (flags, -L and
 * run paths added) on the command line. The ABI's settings come after the
 * user's, so `ABI=32` given to `show-var` cannot leak into ABI 64.
 */
export async function evaluateAbi(o: AbiEvalOptions): Promise<AbiEvaluation> {
  const base = { ...o.cmdVars, ...abiCmdVars(o.platform, o.multiarch, o.abi, o.wrksrc) };
  const raw = await bmakeVars(o.makefile, TOOL_INPUTS, { cwd: o.cwd, cmdVars: base, env: o.env });
  // Headers, libraries and pkg-config files come from the ABI's buildlink view only.
  const wrkdir = raw.get('WRKDIR');
  const buildlink = wrkdir ? buildlinkDir(wrkdir, o.abi) : undefined;
  const cmdLine = { ...base, ...abiToolVars({ abi: o.abi, platform: o.platform, vars: raw, ...(buildlink ? { buildlink } : {}) }) };
  const vars = await bmakeVars(o.makefile, o.names, { cwd: o.cwd, cmdVars: cmdLine, env: o.env });
  return { vars, cmdLine };
}
