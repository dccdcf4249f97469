import { InputError, NAME_MAX, unsafePathReason } from '@mkpkg/platform';

/**
 * PLIST syntax: a line is a file path relative to the prefix, or an
 * `@command arguments` line. The command set is pkg_install's (plist.c)
 * plus Joyent's `@link` and pkgsrc's `@imake-man` macro.
 */
export const PLIST_COMMANDS = [
  'comment', 'exec', 'unexec', 'pkgdir', 'dirrm', 'cwd', 'src', 'mode', 'owner', 'group',
  'ignore', 'ignore_inst', 'name', 'display', 'pkgdep', 'blddep', 'pkgcfl', 'option',
  'link', 'imake-man',
] as const;
export type PlistCommand = (typeof PLIST_COMMANDS)[number];

const COMMAND_SET: ReadonlySet<string> = new Set(PLIST_COMMANDS);

export type PlistEntry =
  | { readonly kind: 'file'; readonly path: string }
  | { readonly kind: 'command'; readonly command: PlistCommand; readonly arg: string };

/** File and line of a PLIST line, for messages. */
export interface Position {
  readonly file: string;
  readonly line: number;
}

/** Splits `@name rest` at the first space or tab, as pkg_install does. */
export function splitCommand(line: string): { name: string; arg: string } {
  let i = 1;
  while (i < line.length && line[i] !== ' ' && line[i] !== '\t') i++;
  return { name: line.slice(1, i), arg: line.slice(i + 1) };
}

export function parseLine(line: string, at: Position): PlistEntry {
  if (line.charCodeAt(0) !== 64 /* @ */) {
    checkRelativePath(line, at);
    return { kind: 'file', path: line };
  }
  const { name, arg } = splitCommand(line);
  if (!COMMAND_SET.has(name)) {
    throw new InputError(`unknown PLIST command '@${name}'`, {
      where: at,
      hint: `known commands: ${PLIST_COMMANDS.map((c) => '@' + c).join(' ')}; to keep text, use '@comment'`,
    });
  }
  const command = name as PlistCommand;
  if (command === 'pkgdir' || command === 'dirrm') checkRelativePath(arg, at, `@${command} `);
  if (command === 'link') {
    const { src, dest } = splitLink(arg);
    if (src === '' || dest === '') {
      throw new InputError(`'@link ${arg}' needs a source and a destination ('@link lib/isaexec bin/foo')`, { where: at });
    }
    checkRelativePath(src, at, '@link source ');
    checkRelativePath(dest, at, '@link destination ');
  }
  return { kind: 'command', command, arg };
}

/** `@link SRC DEST`: the first space or tab separates; the rest is DEST. */
export function splitLink(arg: string): { src: string; dest: string } {
  const m = /[ \t]/.exec(arg);
  if (!m) return { src: arg, dest: '' };
  return { src: arg.slice(0, m.index), dest: arg.slice(m.index + 1) };
}

/**
 * Paths in a PLIST are relative to the prefix, may not climb out of it and
 * are written in one spelling only: the rule `mkpkg create` and `add` apply
 * (unsafePathReason), so plist-expand never passes a line they refuse.
 */
export function checkRelativePath(path: string, at: Position, what = ''): void {
  const reason = unsafePathReason(path);
  if (reason === undefined) return;
  if (path === '') throw new InputError(`${what}path is empty`, { where: at });
  if (path.charCodeAt(0) === 47 /* / */) {
    throw new InputError(`${what}'${path}' is an absolute path; PLIST paths are relative to the prefix`, {
      where: at,
      hint: `write it without the leading '/' (and without the prefix)`,
    });
  }
  if (path.split('/').includes('..')) {
    throw new InputError(`${what}'${path}' has a '..' component; PLIST paths may not leave the prefix`, { where: at });
  }
  const respelt = path.split('/').filter((c) => c !== '' && c !== '.').join('/');
  const respell = respelt !== '' && respelt !== path && unsafePathReason(respelt) === undefined;
  throw new InputError(`${what}'${path}' ${reason}`, { where: at, ...(respell ? { hint: `write the path as the file is named: ${respelt}` } : {}) });
}

/**
 * Whether a file line needs the full checkRelativePath: the common case
 * (none of '/' first, '.' first, '/.', '//', '..', '/' last, a control
 * character, more than NAME_MAX characters) is decided inline.
 */
export function mayBeUnsafePath(s: string): boolean {
  const c0 = s.charCodeAt(0);
  return s === '' || c0 === 47 || c0 === 46 || s.charCodeAt(s.length - 1) === 47 || s.includes('/.') || s.includes('//') || s.includes('..') ||
    s.length > NAME_MAX || CONTROL.test(s);
}

// eslint-disable-next-line no-control-regex
const CONTROL = /[\x00-\x1f\x7f]/;

export function nulError(at: Position): InputError {
  return new InputError('NUL byte in line; a PLIST is text', { where: at, hint: 'regenerate the file; it may be binary or corrupt' });
}
