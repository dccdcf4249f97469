import { createRequire } from 'node:module';
import { hideBin } from 'yargs/helpers';
import { runMain } from '@mkpkg/platform';
import { platformCommand } from './commands/platform.ts';
import { phaseCommands } from './commands/phases.ts';
import { initTree, initTreeReport } from './inittree.ts';
import { TARGETS } from './driver.ts';

/** The first word that is not an option (or an option's argument): the command. */
function commandWord(argv: readonly string[]): string | undefined {
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i] as string;
    if (a === '-C' || a === '--multiarch') i++;
    else if (!a.startsWith('-')) return a;
  }
  return undefined;
}

// yargs' CommonJS build: its ESM build wraps help text in the middle of
// words (cliui's ESM entry has no word-aware wrap).
const yargs = createRequire(import.meta.url)('yargs') as typeof import('yargs').default;

const OWN = new Set(['platform', 'init-tree', 'show-var', ...TARGETS]);

await runMain('mkpkg', async () => {
  const argv = hideBin(process.argv);
  const word = commandWord(argv);
  // pkg's commands (create, add, …) load the package builder; a phase does not need it.
  const pkgCommands = word !== undefined && OWN.has(word) ? [] : (await import('@mkpkg/pkg/commands')).pkgCommands;
  await yargs(argv)
    .scriptName('mkpkg')
    .usage('$0 [--multiarch bin,lib] [--parallel-abis] [-C DIR] PHASE [VAR=value ...]')
    .option('C', { type: 'string', describe: 'run in this package directory', requiresArg: true })
    .option('multiarch', { type: 'string', describe: 'build these parts multiarch (bin, lib, or bin,lib), overriding USE_MULTIARCH' })
    .option('parallel-abis', { type: 'boolean', describe: 'extract to build of the ABIs side by side (installs stay in order)' })
    .command(platformCommand)
    .command(phaseCommands)
    .command({
      command: 'init-tree <dir>',
      describe: 'lay out a tree (mk/, mk.conf, distfiles/, packages/, pkgtools/isaexec) for package directories DIR/<category>/<name>',
      builder: (y) => y.positional('dir', { type: 'string', demandOption: true }),
      handler: (a) => {
        process.stdout.write(initTreeReport(a.dir as string, initTree(a.dir as string)));
      },
    })
    .command(pkgCommands)
    .demandCommand(1, 'name a phase or command; see mkpkg --help')
    .strict()
    .fail((msg, err) => {
      if (err) throw err;
      process.stderr.write(`mkpkg: ${msg}\n(see mkpkg --help)\n`);
      process.exit(2);
    })
    .help()
    .wrap(Math.min(100, yargs().terminalWidth() || 80))
    .version(false)
    .parseAsync();
});
