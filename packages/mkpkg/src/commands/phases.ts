import type { Argv, CommandModule } from 'yargs';
import { InputError } from '@mkpkg/platform';
import { TARGETS, type Target } from '../targets.ts';
import { frontEndKey } from '../uptodate/key.ts';

// The driver is loaded when a phase runs, not to list or parse the commands.

export interface GlobalArgs {
  C?: string;
  multiarch?: string;
  'parallel-abis'?: boolean;
}

interface PhaseArgs extends GlobalArgs {
  vars?: string[];
  name?: string;
}

/** `VAR=value` words from the command line, as bmake gets them. */
export function parseCmdVars(words: readonly string[] = []): Record<string, string> {
  const out: Record<string, string> = {};
  for (const w of words) {
    const m = /^([A-Za-z_.][A-Za-z0-9_.]*)=(.*)$/s.exec(w);
    if (!m) throw new InputError(`'${w}' is not a VAR=value assignment`, { hint: 'give variables as NAME=value after the phase' });
    out[m[1] as string] = m[2] as string;
  }
  return out;
}

const DESCRIBE: Record<Target, string> = {
  fetch: 'fetch the distfiles into DISTDIR',
  checksum: 'check the distfiles against distinfo',
  depends: 'install or build (DEPENDS_TARGET) every dependency that is not installed',
  extract: 'extract the distfiles, one copy of the work tree per ABI',
  patch: 'apply patches/patch-* to each ABI copy',
  configure: 'configure each ABI',
  build: 'build each ABI',
  test: 'run the package tests for each ABI',
  install: 'install each ABI into its stage, merge, check PLIST and ELF classes',
  package: 'write the package into the work area and publish it as ${PACKAGES}/All/${PKGNAME}.tgz',
  clean: 'remove the work directory',
  makesum: 'write the distfile checksums into distinfo',
  makepatchsum: 'write the patch checksums into distinfo',
  'print-plist': 'print the PLIST folded from what was installed',
  'install-package': 'package, then add the package to the pkgdb',
  'stage-package-create': 'write the package to ${STAGE_PKGFILE} in the work area without publishing it (pbulk)',
};

function withVars(y: Argv<GlobalArgs>): Argv<PhaseArgs> {
  return y.positional('vars', { type: 'string', array: true, describe: 'VAR=value assignments passed to bmake' }) as Argv<PhaseArgs>;
}

export const phaseCommands: CommandModule<GlobalArgs, PhaseArgs>[] = [
  ...TARGETS.map(
    (t): CommandModule<GlobalArgs, PhaseArgs> => ({
      command: `${t} [vars..]`,
      describe: DESCRIBE[t],
      builder: withVars,
      handler: async (a) => {
        const { runTarget } = await import('../driver.ts');
        await runTarget(t, {
          dir: a.C ?? process.cwd(),
          cmdVars: parseCmdVars(a.vars),
          ...(a.multiarch !== undefined ? { multiarch: a.multiarch } : {}),
          parallelAbis: a['parallel-abis'] ?? false,
          ...(frontEndKey !== undefined ? { uptodateKey: frontEndKey } : {}),
        });
      },
    }),
  ),
  {
    command: 'show-var <name> [vars..]',
    describe: "print a variable's value as the package sees it (ABI=32 for one ABI's value)",
    builder: (y) => withVars(y).positional('name', { type: 'string', demandOption: true }) as Argv<PhaseArgs>,
    handler: async (a) => {
      const { showVars } = await import('../showvar.ts');
      const [value] = await showVars(a.C ?? process.cwd(), [a.name as string], parseCmdVars(a.vars), a.multiarch);
      process.stdout.write(`${value}\n`);
    },
  },
];
