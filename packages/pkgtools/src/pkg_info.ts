import { runMain } from '@mkpkg/platform';
import { infoCommand } from './info.ts';

await runMain('pkg_info', () => infoCommand(process.argv.slice(2)));
