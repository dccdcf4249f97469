import type { CommandModule } from 'yargs';
import { formatHelp, runMain } from '@mkpkg/platform';
import { platformCommand } from './commands/platform.ts';
import { type GlobalArgs, parseCmdVars, phaseCommands } from './commands/phases.ts';
import { TARGETS } from './targets.ts';

const USAGE = '$0 [--multiarch bin,lib] [--parallel-abis] [-C DIR] PHASE [VAR=value ...]';
const GLOBAL_OPTIONS = {
  C: { type: 'string', describe: 'run in this package directory', requiresArg: true },
  multiarch: { type: 'string', describe: 'build these parts multiarch (bin, lib, or bin,lib), overriding USE_MULTIARCH' },
  'parallel-abis': { type: 'boolean', describe: 'extract to build of the ABIs side by side (installs stay in order)' },
} as const;

const initTreeCommand: CommandModule<GlobalArgs, GlobalArgs & { dir?: string }> = {
  command: 'init-tree <dir>',
  describe: 'lay out a tree (mk/, distfiles/, packages/) for package directories DIR/<category>/<name>',
  builder: (y) => y.positional('dir', { type: 'string', demandOption: true }),
  handler: async (a) => {
    const { initTree } = await import('./inittree.ts');
    initTree(a.dir as string);
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
 * The two invocations started most, answered without yargs (it costs about
 * a third of the start-up CPU): `mkpkg --help`, and `show-var NAME
 * [VAR=value …]` with only -C/--multiarch before it, as the bmake glue and
 * scripts call it. Anything else, including every malformed variant of
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
  let i = 0;
  for (; i < argv.length; i += 2) {
    const [opt, value] = [argv[i] as string, argv[i + 1]];
    if (value === undefined || value.startsWith('-')) break;
    if (opt === '-C' && dir === undefined) dir = value;
    else if (opt === '--multiarch' && multiarch === undefined) multiarch = value;
    else break;
  }
  const [word, name, ...vars] = argv.slice(i);
  if (word !== 'show-var' || name === undefined || name.startsWith('-') || vars.some((v) => !/^[A-Za-z_.][A-Za-z0-9_.]*=/.test(v))) return false;
  const { showVars } = await import('./showvar.ts');
  const [value] = await showVars(dir ?? process.cwd(), [name], parseCmdVars(vars), multiarch);
  process.stdout.write(`${value}\n`);
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
    .version(false)
    .parseAsync();
});
