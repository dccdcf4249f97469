import { type Abi, bmakeVars, parseAbi } from '@mkpkg/platform';
import { PACKAGE_VARS, type Vars, evaluationEnv, get, loadPackage } from './pkgdir.ts';
import { withSmfDefaults } from './smfvars.ts';

// show-var is what the bmake glue and scripts start most often: this module
// needs only the package reader (variables come from its cache when current),
// not the phases, so the command loads it alone.

/**
 * Variables as bmake evaluates them for this package (VAR=value honoured).
 * With ABI=32 or ABI=64 the values are that ABI's, from the same per-ABI
 * evaluation the build uses: CC with -m32, LDFLAGS with the ABI's -L and
 * run paths, MAKE_FLAGS and CONFIGURE_ARGS expanded with them. SMF
 * variables show the defaults the SMF code applies.
 */
export async function showVars(dir: string, names: readonly string[], cmdVars: Readonly<Record<string, string>>, multiarch?: string): Promise<string[]> {
  // ABI chooses which evaluation to show; it is not a variable of the package's own evaluation.
  const { ABI: abiArg, ...rest } = cmdVars;
  const p = await loadPackage(dir, { cmdVars: abiArg === undefined ? cmdVars : rest, ...(multiarch !== undefined ? { cliMultiarch: multiarch } : {}) });
  const env = evaluationEnv(process.env, p.dir, multiarch);
  if (abiArg === undefined) {
    if (names.every((n) => p.vars.has(n))) return withSmfDefaults(p, p.vars, names, names.map((n) => get(p.vars, n)));
    const r = await bmakeVars(p.makefile, names, { cwd: p.dir, cmdVars: p.cmdVars, env });
    return withSmfDefaults(p, new Map([...p.vars, ...r]), names, names.map((n) => r.get(n) ?? ''));
  }
  const abi: Abi = parseAbi(abiArg, 'ABI=');
  const cmdLine = p.abiCmdLine.get(abi);
  const { evaluateAbi } = await import('./abivars.ts');
  const { effectiveConfigureArgs } = await import('./abienv.ts');
  // An ABI this build does not make (multiarch off) is evaluated as it would be built on its own.
  const v: Vars =
    p.abiVars.get(abi) ??
    (await evaluateAbi({ makefile: p.makefile, cwd: p.dir, env, names: PACKAGE_VARS, platform: p.platform, multiarch: p.multiarch, abi, wrksrc: p.abiWrksrc(abi), cmdVars: p.cmdVars })).vars;
  const others = names.filter((n) => !v.has(n));
  const more = others.length > 0 ? await bmakeVars(p.makefile, others, { cwd: p.dir, cmdVars: cmdLine ?? p.cmdVars, env }) : new Map<string, string>();
  // The configure arguments the build uses include what mkpkg adds for the ABI.
  const conf = effectiveConfigureArgs({ abi, platform: p.platform, multiarch: p.multiarch, vars: v, wrksrc: p.abiWrksrc(abi), stage: p.stageDir(abi) });
  const values = names.map((n) => (conf && n === conf.name ? conf.value : v.has(n) ? get(v, n) : (more.get(n) ?? '')));
  return withSmfDefaults(p, new Map([...v, ...more]), names, values);
}
