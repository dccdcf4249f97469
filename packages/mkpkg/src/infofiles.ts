import { shQuote } from './shell.ts';

/**
 * INFO_FILES: register the info pages in the installed system's info/dir,
 * and remove them again. PKGINFODIR and the file names are package input:
 * each goes into the script as one quoted word, never inside "…" where $( )
 * and backquotes would run.
 */
export function infoFragments(infoDir: string, files: readonly string[]): { install: string; deinstall: string } {
  const list = files.map((f) => shQuote(f)).join(' ');
  const dir = shQuote(infoDir);
  const run = (extra: string) =>
    `\tif command -v install-info >/dev/null 2>&1; then\n` +
    `\t\tfor f in ${list}; do install-info ${extra}--info-dir="\${PKG_DESTDIR}\${PKG_PREFIX}/"${dir} "\${PKG_DESTDIR}\${PKG_PREFIX}/$f" >/dev/null 2>&1 || :; done\n` +
    `\tfi\n`;
  return {
    install: `case "$STAGE" in\nPOST-INSTALL)\n${run('')}\t;;\nesac\n`,
    deinstall: `case "$STAGE" in\nDEINSTALL)\n${run('--delete ')}\t;;\nesac\n`,
  };
}
