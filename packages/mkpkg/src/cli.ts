import yargs from 'yargs';
import { hideBin } from 'yargs/helpers';
import { runMain } from '@mkpkg/platform';
import { pkgCommands } from '@mkpkg/pkg/commands';
import { platformCommand } from './commands/platform.ts';

await runMain('mkpkg', async () => {
  await yargs(hideBin(process.argv))
    .scriptName('mkpkg')
    .usage('$0 [options] PHASE [VAR=value ...]')
    .command(platformCommand)
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
