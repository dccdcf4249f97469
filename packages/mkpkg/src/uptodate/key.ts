/**
 * The invocation key bin/mkpkg (the shell front end) hands the Node command:
 * the `cksum` line of everything that identifies the invocation (environment,
 * directory, arguments), as the front end computed it. A run that ends with
 * the package up to date stores it in the record (record.ts), so the front
 * end can recognise the same invocation later without starting Node.
 *
 * Taken out of the environment as this module loads (cli.ts imports it
 * first): neither the variable cache's key nor any child process may see it.
 */
export const KEY_VARIABLE = 'MKPKG_UPTODATE_KEY';

function take(env: NodeJS.ProcessEnv): string | undefined {
  const key = env[KEY_VARIABLE];
  delete env[KEY_VARIABLE];
  // cksum's "CRC SIZE -"; anything else is not from the front end.
  return key !== undefined && /^\d+ \d+ -$/.test(key) ? key : undefined;
}

export const frontEndKey: string | undefined = take(process.env);
