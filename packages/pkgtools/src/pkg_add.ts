import { runMain } from '@mkpkg/platform';
import { addCommand } from './add.ts';

await runMain('pkg_add', () => addCommand(process.argv.slice(2)));
