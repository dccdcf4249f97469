/** The longest file-name component the systems we install on accept (NAME_MAX, in bytes). */
export const NAME_MAX = 255;
/** The longest path they accept (PATH_MAX, in bytes, with the terminating NUL). */
export const PATH_MAX = 4096;

// eslint-disable-next-line no-control-regex
const CONTROL = /[\x00-\x1f\x7f]/;

/**
 * One rule for a path a package installs under its prefix, shared by the
 * PLIST reader (plist-expand, and the builder through it) and the package
 * reader and installer (`mkpkg create`, `add`): what one accepts the other
 * must too. The path is written exactly as the file is named: relative, no
 * empty component (`a//b`, a trailing `/`), no `.` and no `..` component,
 * no control character, within NAME_MAX and PATH_MAX. `share/./x` names
 * the same file as `share/x`, so two spellings would defeat the duplicate
 * and ownership checks that compare strings.
 */
export function unsafePathReason(p: string): string | undefined {
  if (p === '') return 'is empty';
  if (p.includes('\0')) return 'contains a NUL byte';
  if (CONTROL.test(p)) return 'contains a control character';
  if (p.startsWith('/')) return 'is absolute';
  const parts = p.split('/');
  if (parts.includes('..')) return "contains '..'";
  if (p.endsWith('/')) return "ends in '/'";
  if (parts.some((c) => c === '' || c === '.')) return "has an empty or '.' component";
  if (parts.some((c) => Buffer.byteLength(c) > NAME_MAX)) return `has a component longer than ${NAME_MAX} bytes (NAME_MAX)`;
  if (Buffer.byteLength(p) >= PATH_MAX) return `is longer than ${PATH_MAX - 1} bytes (PATH_MAX)`;
  return undefined;
}
