import { type Abi, bmakeVars } from '@mkpkg/platform';
import { type Vars, abiCmdVars, evaluationEnv, get, loadPackage } from './pkgdir.ts';
import { withSmfDefaults } from './smfvars.ts';

// show-var is what the bmake glue and scripts start most often: this module
// needs only the package reader (variables come from its cache when current),
// not the phases, so the command loads it alone.

/** Prints variables as bmake evaluates them for this package (with VAR=value and ABI= honoured). */
export async function showVars(dir: string, names: readonly string[], cmdVars: Readonly<Record<string, string>>, multiarch?: string): Promise<string[]> {
  const p = await loadPackage(dir, { cmdVars, ...(multiarch !== undefined ? { cliMultiarch: multiarch } : {}) });
  const abi = cmdVars['ABI'];
  const v = abi !== undefined && p.abiVars.has(abi as Abi) ? (p.abiVars.get(abi as Abi) as Vars) : undefined;
  if (v && names.every((n) => v.has(n))) return withSmfDefaults(p, v, names, names.map((n) => get(v, n)));
  if (names.every((n) => p.vars.has(n))) return withSmfDefaults(p, p.vars, names, names.map((n) => get(p.vars, n)));
  const extra = abi !== undefined && p.abiVars.has(abi as Abi) ? abiCmdVars(p.platform, p.multiarch, abi as Abi, p.abiWrksrc(abi as Abi)) : {};
  const r = await bmakeVars(p.makefile, names, { cwd: p.dir, cmdVars: { ...extra, ...cmdVars }, env: evaluationEnv(process.env, p.dir) });
  return withSmfDefaults(p, new Map([...(v ?? p.vars), ...r]), names, names.map((n) => r.get(n) ?? ''));
}
