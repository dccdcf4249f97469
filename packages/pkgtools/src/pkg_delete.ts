import { runMain } from '@mkpkg/platform';
import { deleteCommand } from './delete.ts';

await runMain('pkg_delete', () => deleteCommand(process.argv.slice(2)));
