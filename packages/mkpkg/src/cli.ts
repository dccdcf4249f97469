import yargs from 'yargs';
import { hideBin } from 'yargs/helpers';
import { runMain } from '@mkpkg/platform';
import { pkgCommands } from '@mkpkg/pkg/commands';
import { platformCommand } from './commands/platform.ts';
import { phaseCommands } from './commands/phases.ts';
import { initTree } from './inittree.ts';

await runMain('mkpkg', async () => {
  await yargs(hideBin(process.argv))
    .scriptName('mkpkg')
    .usage('$0 [--multiarch bin,lib] [--parallel-abis] [-C DIR] PHASE [VAR=value ...]')
    .option('C', { type: 'string', describe: 'run in this package directory', requiresArg: true })
    .option('multiarch', { type: 'string', describe: 'build these parts multiarch (bin, lib, or bin,lib), overriding USE_MULTIARCH' })
    .option('parallel-abis', { type: 'boolean', describe: 'extract to build of the ABIs side by side (installs stay in order)' })
    .command(platformCommand)
    .command(phaseCommands)
    .command({
      command: 'init-tree <dir>',
      describe: 'lay out a tree (mk/, distfiles/, packages/) for package directories DIR/<category>/<name>',
      builder: (y) => y.positional('dir', { type: 'string', demandOption: true }),
      handler: (a) => {
        initTree(a.dir as string);
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
    .version(false)
    .parseAsync();
});
