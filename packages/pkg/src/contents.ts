import { InputError } from '@mkpkg/platform';

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
const NO_ARG: ReadonlySet<Keyword> = new Set(['ignore']);

/** Why a relative path is unsafe to create under a prefix, or undefined when it is fine. */
export function unsafePathReason(p: string): string | undefined {
  if (p === '') return 'is empty';
  if (p.includes('\0')) return 'contains a NUL byte';
  if (p.startsWith('/')) return 'is absolute';
  const parts = p.split('/');
  if (parts.includes('..')) return "contains '..'";
  if (parts.some((c) => c === '' || c === '.')) return "has an empty or '.' component";
  return undefined;
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
    const arg = raw.slice(1 + kw.length).trim();
    if (arg === '' && !NO_ARG.has(kw)) throw new InputError(`@${kw} needs an argument`, { where });
    switch (kw) {
      case 'cwd':
        prefix ??= arg;
        entries.push({ kind: 'cwd', dir: arg, line });
        break;
      case 'name':
        if (pkgname !== undefined) throw new InputError(`second @name '${arg}' (first was '${pkgname}')`, { where });
        pkgname = arg;
        entries.push({ kind: 'name', pkgname: arg, line });
        break;
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
  | { kind: 'file'; path: string; md5?: string; symlink?: string; line: number }
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
  for (const e of entries) {
    if (e.kind === 'ignore') { ignoreNext = true; continue; }
    if (e.kind === 'file') {
      current = undefined;
      if (ignoreNext) { ignoreNext = false; continue; }
      current = { kind: 'file', path: e.path, line: e.line };
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
