// First: it takes the front end's key out of the environment before anything reads it.
import { frontEndKey } from './uptodate/key.ts';
import { existsSync } from 'node:fs';
import path from 'node:path';
import type { CommandModule } from 'yargs';
import { formatHelp, runMain } from '@mkpkg/platform';
import { platformCommand } from './commands/platform.ts';
import { type GlobalArgs, parseCmdVars, phaseCommands } from './commands/phases.ts';
import { TARGETS, type Target } from './targets.ts';

const USAGE = '$0 [--multiarch bin,lib] [--parallel-abis] [-C DIR] [PHASE [VAR=value ...]]';
const GLOBAL_OPTIONS = {
  C: { type: 'string', describe: 'run in this package directory', requiresArg: true },
  multiarch: { type: 'string', describe: 'build these parts multiarch (bin, lib, or bin,lib), overriding USE_MULTIARCH' },
  'parallel-abis': { type: 'boolean', describe: 'extract to build of the ABIs side by side (installs stay in order)' },
} as const;

const initTreeCommand: CommandModule<GlobalArgs, GlobalArgs & { dir?: string }> = {
  command: 'init-tree <dir>',
  describe: 'lay out a tree (mk/, mk.conf, distfiles/, packages/, pkgtools/isaexec) for package directories DIR/<category>/<name>',
  builder: (y) => y.positional('dir', { type: 'string', demandOption: true }),
  handler: async (a) => {
    const { initTree, initTreeReport } = await import('./inittree.ts');
    process.stdout.write(initTreeReport(a.dir as string, initTree(a.dir as string)));
  },
};

/** The first word that is not an option (or an option's argument): the command. */
function commandWord(argv: readonly string[]): string | undefined {
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i] as string;
    if (a === '-C' || a === '--multiarch') i++;
    else if (!a.startsWith('-')) return a;
  }
  return undefined;
}

const OWN = new Set(['platform', 'init-tree', 'show-var', ...TARGETS]);

/**
 * The invocations started most, answered without yargs (it costs about a
 * third of the start-up CPU): `mkpkg --help`, and the plain form of a phase
 * or show-var, `[-C DIR] [--multiarch X] [--parallel-abis] PHASE [VAR=value
 * …]` or `… show-var NAME [VAR=value …]`, as the bmake glue, scripts and
 * re-runs call them. Anything else, including every malformed variant of
 * these, goes to the yargs command line, which parses and reports as always.
 */
async function fastPath(argv: readonly string[], pkgCommands: () => Promise<readonly CommandModule[]>): Promise<boolean> {
  if (argv.length === 1 && argv[0] === '--help') {
    const commands = [platformCommand, ...phaseCommands, initTreeCommand, ...(await pkgCommands())];
    process.stdout.write(formatHelp({ prog: 'mkpkg', usage: USAGE, commands, options: GLOBAL_OPTIONS }));
    return true;
  }
  let dir: string | undefined;
  let multiarch: string | undefined;
  let parallelAbis = false;
  let i = 0;
  for (; i < argv.length; i++) {
    const [opt, value] = [argv[i] as string, argv[i + 1]];
    if (opt === '--parallel-abis' && !parallelAbis) parallelAbis = true;
    else if (value === undefined || value.startsWith('-')) break;
    else if (opt === '-C' && dir === undefined) (dir = value), i++;
    else if (opt === '--multiarch' && multiarch === undefined) (multiarch = value), i++;
    else break;
  }
  // No phase in a package directory: the whole job, as pkgsrc's `make package`.
  const [word = existsSync(path.join(dir ?? process.cwd(), 'Makefile')) ? 'package' : undefined, ...rest] = argv.slice(i);
  const name = word === 'show-var' ? rest.shift() : undefined;
  if (word === 'show-var' ? name === undefined || name.startsWith('-') : !(TARGETS as readonly string[]).includes(word ?? '')) return false;
  if (rest.some((v) => !/^[A-Za-z_.][A-Za-z0-9_.]*=/.test(v))) return false;
  const cmdVars = parseCmdVars(rest);
  const where = dir ?? process.cwd();
  if (name !== undefined) {
    const { showVars } = await import('./showvar.ts');
    const [value] = await showVars(where, [name], cmdVars, multiarch);
    process.stdout.write(`${value}\n`);
  } else {
    const { runTarget } = await import('./driver.ts');
    await runTarget(word as Target, { dir: where, cmdVars, ...(multiarch !== undefined ? { multiarch } : {}), parallelAbis, ...(frontEndKey !== undefined ? { uptodateKey: frontEndKey } : {}) });
  }
  return true;
}

await runMain('mkpkg', async () => {
  const argv = process.argv.slice(2);
  const pkgCommands = async (): Promise<readonly CommandModule[]> => (await import('@mkpkg/pkg/commands')).pkgCommands;
  if (await fastPath(argv, pkgCommands)) return;
  const word = commandWord(argv);
  const { default: yargs } = await import('yargs');
  await yargs(argv)
    .scriptName('mkpkg')
    .usage(USAGE)
    .options(GLOBAL_OPTIONS)
    .command(platformCommand)
    .command(phaseCommands)
    .command(initTreeCommand)
    // pkg's commands (create, add, …) are listed only where they can be asked for.
    .command(word !== undefined && OWN.has(word) ? [] : [...(await pkgCommands())])
    .demandCommand(1, 'name a phase or command; see mkpkg --help')
    .strict()
    .fail((msg, err) => {
      if (err) throw err;
      process.stderr.write(`mkpkg: ${msg}\n(see mkpkg --help)\n`);
      process.exit(2);
    })
    .help()
    // yargs' ESM build (the one bundled) wraps in the middle of words; mkpkg --help
    // itself is printed by formatHelp, which wraps between words.
    .wrap(null)
    .version(false)
    .parseAsync();
});
