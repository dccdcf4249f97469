import { shQuote } from './shell.ts';

/** INFO_FILES: register the info pages in the installed system's info/dir, and remove them again. */
export function infoFragments(infoDir: string, files: readonly string[]): { install: string; deinstall: string } {
  const list = files.map((f) => shQuote(f)).join(' ');
  const run = (extra: string) =>
    `\tif command -v install-info >/dev/null 2>&1; then\n` +
    `\t\tfor f in ${list}; do install-info ${extra}--info-dir="\${PKG_DESTDIR}\${PKG_PREFIX}/${infoDir}" "\${PKG_DESTDIR}\${PKG_PREFIX}/$f" >/dev/null 2>&1 || :; done\n` +
    `\tfi\n`;
  return {
    install: `case "$STAGE" in\nPOST-INSTALL)\n${run('')}\t;;\nesac\n`,
    deinstall: `case "$STAGE" in\nDEINSTALL)\n${run('--delete ')}\t;;\nesac\n`,
  };
}
