import { InputError, NAME_MAX, PATH_MAX, unsafePathReason } from '@mkpkg/platform';

/**
 * The packing list (+CONTENTS) as pkg_install reads it: one entry per line,
 * a bare line is a file relative to the prefix, `@keyword arg` a command.
 * Parsing is pure; the builder and the installer share it so both agree on
 * what a package contains.
 */
export type PlistEntry =
  | { kind: 'file'; path: string; line: number }
  | { kind: 'cwd'; dir: string; line: number }
  | { kind: 'name'; pkgname: string; line: number }
  | { kind: 'comment'; text: string; line: number }
  | { kind: 'link'; src: string; dst: string; line: number }
  | { kind: 'pkgdir'; dir: string; line: number }
  | { kind: 'dirrm'; dir: string; line: number }
  | { kind: 'exec'; cmd: string; line: number }
  | { kind: 'unexec'; cmd: string; line: number }
  | { kind: 'pkgdep'; pattern: string; line: number }
  | { kind: 'blddep'; pkgname: string; line: number }
  | { kind: 'pkgcfl'; pattern: string; line: number }
  | { kind: 'ignore'; line: number }
  | { kind: 'display'; file: string; line: number }
  | { kind: 'option'; value: string; line: number }
  | { kind: 'attr'; which: 'mode' | 'owner' | 'group' | 'src'; value: string; line: number };

type Keyword = Exclude<PlistEntry['kind'], 'file' | 'attr'> | 'mode' | 'owner' | 'group' | 'src';

/**
 * Keywords in pkg_install's table order. pkg_install matches the text after
 * `@` by prefix against this table, so `@commentary x` is `@comment ary x`;
 * we keep that so packages read the same in both tools.
 */
const KEYWORDS: readonly Keyword[] = [
  'cwd', 'src', 'exec', 'unexec', 'mode', 'owner', 'group', 'comment', 'ignore', 'name',
  'display', 'pkgdep', 'blddep', 'pkgcfl', 'pkgdir', 'dirrm', 'option', 'link',
];
// `@owner`, `@group` and `@mode` with no argument reset to the default, as in pkg_install.
const NO_ARG: ReadonlySet<Keyword> = new Set(['ignore', 'owner', 'group', 'mode']);

// The path rule and its limits live in @mkpkg/platform: plist-expand applies the same one.
export { NAME_MAX, PATH_MAX, unsafePathReason };

// eslint-disable-next-line no-control-regex
const CONTROL = /[\x00-\x1f\x7f]/;

/**
 * Why a string cannot be a package name (PKGBASE-VERSION), or undefined.
 * The name becomes a directory of the pkgdb and an argument of +INSTALL,
 * so it must be one path component without blanks or control characters.
 */
export function pkgNameProblem(name: string): string | undefined {
  if (name.includes('/')) return "contains '/'";
  if (CONTROL.test(name) || /\s/.test(name)) return 'contains a blank or a control character';
  if (name.startsWith('.') || name.startsWith('-')) return "starts with '.' or '-'";
  if (Buffer.byteLength(name) > NAME_MAX) return `is longer than ${NAME_MAX} bytes`;
  const m = /^(.+)-([^-]+)$/.exec(name);
  if (!m) return 'is not of the form PKGBASE-VERSION';
  if (!/^[0-9]/.test(m[2] ?? '')) return `has a version ('${m[2]}') that does not start with a digit`;
  if (/[<>*?[\]{}]/.test(name)) return 'contains a pattern character (< > * ? [ ] { })';
  return undefined;
}

/**
 * The package prefix an `@cwd` names, normalised (no `//`, `.` or trailing
 * `/`), or why it cannot be one: it must be absolute, without `..` and
 * control characters.
 */
export function normalPrefix(cwd: string): { prefix: string } | { problem: string } {
  if (!cwd.startsWith('/')) return { problem: 'is not an absolute path' };
  if (CONTROL.test(cwd)) return { problem: 'contains a control character' };
  if (cwd.split('/').includes('..')) return { problem: "contains '..'" };
  const prefix = cwd.replace(/\/+/g, '/').split('/').filter((c) => c !== '.').join('/').replace(/(.)\/$/, '$1') || '/';
  if (Buffer.byteLength(prefix) >= PATH_MAX) return { problem: 'is too long' };
  return { prefix };
}

export interface ParsedContents {
  entries: PlistEntry[];
  pkgname: string | undefined;
  /** The first @cwd: the package prefix (later @cwd lines only scope metadata). */
  prefix: string | undefined;
}

/**
 * Parses packing-list text. `source` names the file in messages. With
 * `strictPaths` every path the installer would create (files, @link ends,
 * @pkgdir) must be a safe relative path.
 */
export function parseContents(text: string, source: string, strictPaths = true): ParsedContents {
  const entries: PlistEntry[] = [];
  let pkgname: string | undefined;
  let prefix: string | undefined;
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const line = i + 1;
    const raw = (lines[i] ?? '').replace(/[ \t\r]+$/, '');
    if (raw === '') continue;
    const where = { file: source, line };
    const bad = (what: string, path: string): never => {
      throw new InputError(`${what} '${path}' ${unsafePathReason(path) ?? ''}`.trimEnd(), {
        where,
        hint: 'package paths must be relative to the prefix, without ".." or a leading "/"',
      });
    };
    const checked = (what: string, path: string): string => {
      if (strictPaths && unsafePathReason(path) !== undefined) bad(what, path);
      return path;
    };
    if (!raw.startsWith('@')) {
      entries.push({ kind: 'file', path: checked('file', raw), line });
      continue;
    }
    const word = /^@(\S*)/.exec(raw)?.[1] ?? '';
    const kw = KEYWORDS.find((k) => word.startsWith(k));
    if (kw === undefined) throw new InputError(`unknown packing-list command '${raw}'`, { where });
    const arg = raw.slice(1 + kw.length).replace(/^[ \t]+|[ \t]+$/g, '');
    if (arg === '' && !NO_ARG.has(kw)) throw new InputError(`@${kw} needs an argument`, { where });
    switch (kw) {
      case 'cwd':
        prefix ??= arg;
        entries.push({ kind: 'cwd', dir: arg, line });
        break;
      case 'name': {
        const problem = pkgNameProblem(arg);
        if (problem !== undefined) {
          throw new InputError(`@name '${arg}' ${problem}`, { where, hint: 'a package name is PKGBASE-VERSION, one path component (e.g. foo-1.0)' });
        }
        if (pkgname !== undefined) throw new InputError(`second @name '${arg}' (first was '${pkgname}')`, { where });
        pkgname = arg;
        entries.push({ kind: 'name', pkgname: arg, line });
        break;
      }
      case 'comment': entries.push({ kind: 'comment', text: arg, line }); break;
      case 'link': {
        // The first blank separates the ends; the rest (even with blanks) is the destination.
        const body = raw.slice(1 + kw.length).replace(/^[ \t]+/, '');
        const m = /^(\S+)[ \t](.+)$/.exec(body);
        if (!m?.[1] || !m[2]) throw new InputError(`@link needs a source and a destination: '${raw}'`, { where });
        entries.push({ kind: 'link', src: checked('@link source', m[1]), dst: checked('@link destination', m[2]), line });
        break;
      }
      case 'pkgdir': entries.push({ kind: 'pkgdir', dir: checked('@pkgdir', arg.replace(/\/+$/, '')), line }); break;
      case 'dirrm': entries.push({ kind: 'dirrm', dir: checked('@dirrm', arg.replace(/\/+$/, '')), line }); break;
      case 'exec': entries.push({ kind: 'exec', cmd: arg, line }); break;
      case 'unexec': entries.push({ kind: 'unexec', cmd: arg, line }); break;
      case 'pkgdep': entries.push({ kind: 'pkgdep', pattern: arg, line }); break;
      case 'blddep': entries.push({ kind: 'blddep', pkgname: arg, line }); break;
      case 'pkgcfl': entries.push({ kind: 'pkgcfl', pattern: arg, line }); break;
      case 'ignore': entries.push({ kind: 'ignore', line }); break;
      case 'display': entries.push({ kind: 'display', file: arg, line }); break;
      case 'option': entries.push({ kind: 'option', value: arg, line }); break;
      case 'mode': case 'owner': case 'group': case 'src':
        entries.push({ kind: 'attr', which: kw, value: arg, line });
        break;
    }
  }
  return { entries, pkgname, prefix };
}

export function renderEntry(e: PlistEntry): string {
  switch (e.kind) {
    case 'file': return e.path;
    case 'cwd': return `@cwd ${e.dir}`;
    case 'name': return `@name ${e.pkgname}`;
    case 'comment': return `@comment ${e.text}`;
    case 'link': return `@link ${e.src} ${e.dst}`;
    case 'pkgdir': return `@pkgdir ${e.dir}`;
    case 'dirrm': return `@dirrm ${e.dir}`;
    case 'exec': return `@exec ${e.cmd}`;
    case 'unexec': return `@unexec ${e.cmd}`;
    case 'pkgdep': return `@pkgdep ${e.pattern}`;
    case 'blddep': return `@blddep ${e.pkgname}`;
    case 'pkgcfl': return `@pkgcfl ${e.pattern}`;
    case 'ignore': return '@ignore';
    case 'display': return `@display ${e.file}`;
    case 'option': return `@option ${e.value}`;
    case 'attr': return `@${e.which} ${e.value}`;
  }
}

/** A payload item of an installed or packed package, with what +CONTENTS says about it. */
export type PayloadItem =
  | { kind: 'file'; path: string; md5?: string; symlink?: string; owner?: string; group?: string; line: number }
  | { kind: 'link'; src: string; dst: string; line: number }
  | { kind: 'pkgdir'; dir: string; line: number }
  | { kind: 'exec'; cmd: string; lastFile: string | undefined; line: number }
  | { kind: 'unexec'; cmd: string; lastFile: string | undefined; line: number };

/**
 * The installable view of a packing list: payload files in order (with the
 * MD5/Symlink comment that follows each), @link, @pkgdir and @exec/@unexec,
 * skipping what @ignore marks and everything under a later `@cwd` that only
 * holds metadata.
 */
export function payloadOf(entries: readonly PlistEntry[]): PayloadItem[] {
  const out: PayloadItem[] = [];
  let ignoreNext = false;
  let lastFile: string | undefined;
  let current: Extract<PayloadItem, { kind: 'file' }> | undefined;
  let owner: string | undefined;
  let group: string | undefined;
  for (const e of entries) {
    if (e.kind === 'ignore') { ignoreNext = true; continue; }
    if (e.kind === 'attr') {
      // @owner/@group apply to the files after them until the next one (empty: the default).
      if (e.which === 'owner') owner = e.value || undefined;
      if (e.which === 'group') group = e.value || undefined;
      continue;
    }
    if (e.kind === 'file') {
      current = undefined;
      if (ignoreNext) { ignoreNext = false; continue; }
      current = { kind: 'file', path: e.path, line: e.line, ...(owner ? { owner } : {}), ...(group ? { group } : {}) };
      out.push(current);
      lastFile = e.path;
      continue;
    }
    if (e.kind === 'comment' && current) {
      if (e.text.startsWith('MD5:')) { current.md5 = e.text.slice(4).toLowerCase(); continue; }
      if (e.text.startsWith('Symlink:')) { current.symlink = e.text.slice(8); continue; }
    }
    if (e.kind === 'comment') continue;
    current = undefined;
    if (e.kind === 'link') out.push({ kind: 'link', src: e.src, dst: e.dst, line: e.line });
    else if (e.kind === 'pkgdir') out.push({ kind: 'pkgdir', dir: e.dir, line: e.line });
    else if (e.kind === 'exec') out.push({ kind: 'exec', cmd: e.cmd, lastFile, line: e.line });
    else if (e.kind === 'unexec') out.push({ kind: 'unexec', cmd: e.cmd, lastFile, line: e.line });
  }
  return out;
}

/**
 * Refuses a payload the installer could not undo or that would write one
 * path through another: a path listed twice (a file, an @link destination),
 * a path listed as a file and used as a directory by another entry, a
 * @pkgdir that is also a file.
 */
export function checkPayload(payload: readonly PayloadItem[], source: string): void {
  const owned = new Map<string, number>();
  const dirs = new Map<string, number>();
  const needDir = (p: string, line: number) => {
    for (let i = p.indexOf('/'); i >= 0; i = p.indexOf('/', i + 1)) if (!dirs.has(p.slice(0, i))) dirs.set(p.slice(0, i), line);
  };
  for (const item of payload) {
    const where = { file: source, line: item.line };
    const p = item.kind === 'file' ? item.path : item.kind === 'link' ? item.dst : undefined;
    if (p !== undefined) {
      const first = owned.get(p);
      if (first !== undefined) throw new InputError(`${p} is listed twice (first at line ${first})`, { where, hint: 'the package is corrupt; a packing list names each path once' });
      owned.set(p, item.line);
      needDir(p, item.line);
    } else if (item.kind === 'pkgdir') {
      if (!dirs.has(item.dir)) dirs.set(item.dir, item.line);
      needDir(item.dir, item.line);
    }
  }
  for (const [d, line] of dirs) {
    const first = owned.get(d);
    if (first !== undefined) {
      throw new InputError(`${d} is listed as a file (line ${first}) and used as a directory (line ${line})`, {
        where: { file: source, line: Math.max(first, line) }, hint: 'the package is corrupt or would write one of its files through another',
      });
    }
  }
}

/** A path a package owns, relative to its prefix; for an @link destination, the link's source too. */
export interface OwnedPath {
  readonly path: string;
  readonly linkSrc?: string;
}

/** Every path (file or @link destination) the package owns. */
export function ownedItems(entries: readonly PlistEntry[]): OwnedPath[] {
  const out: OwnedPath[] = [];
  for (const p of payloadOf(entries)) {
    if (p.kind === 'file') out.push({ path: p.path });
    else if (p.kind === 'link') out.push({ path: p.dst, linkSrc: p.src });
  }
  return out;
}

/** `ownedItems`, the paths alone. */
export function ownedPaths(entries: readonly PlistEntry[]): string[] {
  return ownedItems(entries).map((o) => o.path);
}

/**
 * Expands %F %D %B %f in an @exec/@unexec command as pkg_install does, each
 * value shell-quoted; `%` before any other character stays as written.
 */
export function formatExec(cmd: string, prefix: string, lastFile: string | undefined, where: { file: string; line: number }): string {
  const q = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;
  const full = lastFile === undefined ? undefined : `${prefix.replace(/\/+$/, '')}/${lastFile}`;
  return cmd.replace(/%([FDBf])/g, (_m, c: string) => {
    if (c === 'D') return q(prefix);
    if (full === undefined || lastFile === undefined) {
      throw new InputError(`@exec/@unexec uses %${c} before any file is listed`, { where });
    }
    if (c === 'F') return q(lastFile);
    const slash = full.lastIndexOf('/');
    return c === 'B' ? q(full.slice(0, slash) || '/') : q(full.slice(slash + 1));
  });
}
