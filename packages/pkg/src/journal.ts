import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { InputError, UserError } from '@mkpkg/platform';
import { PATH_MAX, pkgNameProblem, unsafePathReason } from './contents.ts';

/** The file in the pkgdb that records an add or delete while it runs. */
export const JOURNAL_NAME = '.mkpkg-journal';

/** Is `p` the directory `root` or inside it (both absolute and normalised)? */
export function inside(root: string, p: string): boolean {
  return p === root || p.startsWith(root.endsWith('/') ? root : `${root}/`);
}

/** The path with every existing leading part resolved (realpath), the rest appended. */
export async function canonical(p: string): Promise<string> {
  const abs = path.resolve(p);
  const tail: string[] = [];
  let cur = abs;
  for (;;) {
    try {
      const real = await fs.promises.realpath(cur);
      return tail.length === 0 ? real : path.join(real, ...tail.reverse());
    } catch {
      const parent = path.dirname(cur);
      if (parent === cur) return abs;
      tail.push(path.basename(cur));
      cur = parent;
    }
  }
}

/** A short name, unique in its directory, that fits NAME_MAX whatever the name it stands for. */
export function scratchName(dir: string, tag: string): string {
  return path.join(dir, `.mkpkg-${tag}-${crypto.randomBytes(6).toString('hex')}`);
}

/**
 * One step of an install as written to the journal before (or, for
 * directories, right after) it is taken, so that the step can be undone by
 * this process or, after a crash, by the next one. Paths are relative to
 * the journal's root; `meta` and `reqby` name pkgdb entries.
 */
type Step =
  | { t: 'mkdir'; p: string }
  | { t: 'new'; p: string }
  | { t: 'save'; p: string; b: string }
  | { t: 'meta'; pkg: string }
  | { t: 'reqby'; dep: string; pkg: string }
  | { t: 'commit' };

interface Header { op: 'add' | 'delete'; pkg: string; root: string; pid: number }

export interface GuardOptions {
  /** The package file (or pkgdb entry) being acted on, for messages. */
  source: string;
  /** The pkgdb: no payload path may lie inside it. */
  dbdir: string;
  /** When installing under a destdir: the root must resolve inside it. */
  destdir?: string | undefined;
}

function refuse(o: GuardOptions, what: string, hint?: string): InputError {
  return new InputError(`${o.source}: ${what}`, { hint: hint ?? 'the package is unsafe or the prefix is damaged; nothing was installed' });
}

/**
 * Every change an install makes under its root, so a failure (or the next
 * command after a crash) can undo it, and the guard on every path it
 * touches: each component from the root down is looked at with lstat when
 * it is used, and a symlink or a non-directory on the way is refused, so no
 * write can leave the root; nothing may be written inside the pkgdb.
 */
export class Journal {
  readonly #steps: Step[] = [];
  #realRoot = '';
  #realDb = '';
  #fd: number | undefined;
  readonly #dbLike = new Map<string, boolean>();

  constructor(readonly root: string, readonly o: GuardOptions) {}

  /**
   * Is the existing directory `dir` part of a package database: an entry
   * (it holds +CONTENTS) or a pkgdb (a directory in it does)? Any pkgdb
   * counts, not only ours: a package with @cwd inside another prefix's
   * pkgdb must not plant scripts there either.
   */
  async #inPkgdb(dir: string): Promise<boolean> {
    const known = this.#dbLike.get(dir);
    if (known !== undefined) return known;
    let hit = fs.existsSync(path.join(dir, '+CONTENTS')) || fs.existsSync(path.join(dir, 'pkgdb.byfile.db'));
    if (!hit) {
      const names = await fs.promises.readdir(dir, { withFileTypes: true }).catch(() => []);
      hit = names.some((d) => d.isDirectory() && fs.existsSync(path.join(dir, d.name, '+CONTENTS')));
    }
    this.#dbLike.set(dir, hit);
    return hit;
  }

  get realRoot(): string {
    return this.#realRoot;
  }

  /** Makes the root (recorded for rollback) or, with `create` false, only looks at it; checks it lies inside the destdir. */
  async init(create = true): Promise<void> {
    if (this.o.destdir !== undefined) {
      const realDest = await canonical(this.o.destdir);
      const realRoot = await canonical(this.root);
      if (!inside(realDest, realRoot)) {
        throw refuse(this.o, `the prefix ${this.root} resolves to ${realRoot}, outside the destination ${this.o.destdir}`, 'a directory on the way is a symlink leading out; remove it');
      }
    }
    if (create) {
      const first = await fs.promises.mkdir(this.root, { recursive: true });
      if (first !== undefined) {
        const rel = path.relative(first, this.root);
        let p = first;
        this.#steps.push({ t: 'mkdir', p });
        for (const c of rel === '' ? [] : rel.split(path.sep)) {
          p = path.join(p, c);
          this.#steps.push({ t: 'mkdir', p });
        }
      }
    }
    this.#realRoot = await canonical(this.root);
    this.#realDb = await canonical(this.o.dbdir);
    // The prefix itself must not lie inside a package database.
    const top = this.o.destdir !== undefined ? await canonical(this.o.destdir) : '/';
    for (let d = this.#realRoot; inside(top, d); d = path.dirname(d)) {
      if (fs.existsSync(d) && (await this.#inPkgdb(d))) throw refuse(this.o, `the prefix ${this.root} lies inside the package database ${d}`);
      if (d === top || d === '/') break;
    }
  }

  /** Starts writing the journal file in the pkgdb (the caller holds the pkgdb lock). */
  begin(op: Header['op'], pkg: string): void {
    const file = path.join(this.o.dbdir, JOURNAL_NAME);
    this.#fd = fs.openSync(file, 'wx', 0o644);
    const h: Header = { op, pkg, root: this.root, pid: process.pid };
    fs.writeSync(this.#fd, `${JSON.stringify(h)}\n`);
    for (const s of this.#steps) fs.writeSync(this.#fd, `${JSON.stringify(s)}\n`);
  }

  #log(s: Step): void {
    this.#steps.push(s);
    if (this.#fd !== undefined) fs.writeSync(this.#fd, `${JSON.stringify(s)}\n`);
  }

  abs(rel: string): string {
    return path.join(this.root, rel);
  }

  /**
   * Checks the path `rel` may be touched: safe as a name, not in the pkgdb,
   * and every existing directory on its way a real directory (no symlink).
   * Returns the absolute path and what is there now (lstat), if anything.
   */
  async check(rel: string, what = rel): Promise<{ abs: string; st: fs.Stats | undefined }> {
    const why = unsafePathReason(rel);
    if (why !== undefined) throw refuse(this.o, `${what}: the path '${rel}' ${why}`);
    const abs = this.abs(rel);
    if (Buffer.byteLength(abs) >= PATH_MAX) throw refuse(this.o, `${what}: ${abs} is longer than PATH_MAX`);
    const real = path.join(this.#realRoot, rel);
    if (inside(this.#realDb, real) || inside(`${this.#realDb}.refcount`, real)) {
      throw refuse(this.o, `${what}: ${abs} lies inside the package database ${this.o.dbdir}`, 'a package may not write into the pkgdb; the package is unsafe');
    }
    const comps = rel.split('/');
    let p = this.root;
    for (let i = 0; i < comps.length; i++) {
      p = path.join(p, comps[i] as string);
      let st: fs.Stats;
      try {
        st = await fs.promises.lstat(p);
      } catch (err) {
        const code = (err as NodeJS.ErrnoException).code;
        if (code === 'ENOENT') return { abs, st: undefined };
        throw refuse(this.o, `${what}: cannot look at ${p} (${code ?? String(err)})`);
      }
      if (i === comps.length - 1) return { abs, st };
      if (st.isSymbolicLink()) {
        throw refuse(this.o, `${what}: ${path.relative(this.root, p)} is a symlink; refusing to write ${rel} through it`, 'a package writes its files under real directories only');
      }
      if (!st.isDirectory()) throw refuse(this.o, `${what}: ${path.relative(this.root, p)} is in the way: it is not a directory`);
      if (await this.#inPkgdb(p)) {
        throw refuse(this.o, `${what}: ${p} is part of a package database; refusing to write ${rel} there`, 'a package may not write into a pkgdb; the package is unsafe');
      }
    }
    return { abs, st: undefined };
  }

  /** Makes the directory `rel` (and its parents) under the root, each checked. */
  async dir(rel: string, forPath = rel): Promise<void> {
    if (rel === '' || rel === '.') return;
    const comps = rel.split('/');
    for (let i = 1; i <= comps.length; i++) {
      const sub = comps.slice(0, i).join('/');
      const { abs, st } = await this.check(sub, forPath);
      if (st === undefined) {
        await fs.promises.mkdir(abs);
        this.#log({ t: 'mkdir', p: abs });
      } else if (st.isSymbolicLink()) {
        throw refuse(this.o, `${forPath}: ${sub} is a symlink; refusing to write through it`, 'a package writes its files under real directories only');
      } else if (!st.isDirectory()) {
        throw refuse(this.o, `${forPath}: ${sub} is in the way: it is not a directory`);
      }
    }
  }

  /**
   * Gets `rel` ready to be written: parents made and checked, an existing
   * file moved aside under a short unique name (restored on rollback,
   * removed on commit). Records that `rel` will be new.
   */
  async prepare(rel: string): Promise<string> {
    await this.dir(path.posix.dirname(rel), rel);
    const { abs, st } = await this.check(rel);
    if (st?.isDirectory()) throw refuse(this.o, `${abs} is a directory; the package has a file there`, 'remove or rename the directory');
    if (st) {
      const backup = scratchName(path.dirname(abs), 'save');
      this.#log({ t: 'save', p: abs, b: backup });
      await fs.promises.rename(abs, backup);
    }
    this.#log({ t: 'new', p: abs });
    return abs;
  }

  /** A temporary name next to `abs`, recorded so a crash does not leave it behind. */
  temp(abs: string): string {
    const tmp = scratchName(path.dirname(abs), 'tmp');
    this.#log({ t: 'new', p: tmp });
    return tmp;
  }

  /** The pkgdb entry `pkg` was made (removed on rollback). */
  madeMeta(pkg: string): void {
    this.#log({ t: 'meta', pkg });
  }

  /** `pkg` is about to be added to `dep`'s +REQUIRED_BY. */
  requiredBy(dep: string, pkg: string): void {
    this.#log({ t: 'reqby', dep, pkg });
  }

  async rollback(): Promise<void> {
    await undo(this.#steps, this.o.dbdir, this.root);
    this.#close();
  }

  async commit(): Promise<void> {
    this.#log({ t: 'commit' });
    await finish(this.#steps, this.root);
    this.#close();
  }

  #close(): void {
    if (this.#fd !== undefined) {
      fs.closeSync(this.#fd);
      this.#fd = undefined;
      fs.rmSync(path.join(this.o.dbdir, JOURNAL_NAME), { force: true });
    }
  }
}

async function removeLine(file: string, line: string): Promise<void> {
  let lines: string[];
  try {
    lines = (await fs.promises.readFile(file, 'utf8')).split('\n').filter((l) => l !== '');
  } catch {
    return;
  }
  const next = lines.filter((l) => l !== line);
  if (next.length === lines.length) return;
  if (next.length === 0) await fs.promises.rm(file, { force: true });
  else await fs.promises.writeFile(file, `${next.join('\n')}\n`);
}

/**
 * Are all directories between `root` and `p` real directories? Undoing a
 * step must not follow a symlink either: a script run by the package may
 * have replaced one of its directories with a symlink leading out.
 */
async function realParents(root: string, p: string): Promise<boolean> {
  if (!inside(root, p) || p === root) return false;
  let cur = root;
  for (const c of path.relative(root, p).split('/').slice(0, -1)) {
    cur = path.join(cur, c);
    const st = await fs.promises.lstat(cur).catch(() => undefined);
    if (!st?.isDirectory()) return false;
  }
  return true;
}

async function undo(steps: readonly Step[], dbdir: string, root: string): Promise<void> {
  for (const s of [...steps].reverse()) {
    if (s.t === 'mkdir') {
      // The root's own levels (made by init) lie above it; they are checked against their parent.
      const base = inside(root, s.p) && s.p !== root ? root : path.dirname(s.p);
      if (await realParents(base, s.p)) await fs.promises.rmdir(s.p).catch(() => {});
    } else if (s.t === 'new') {
      if (await realParents(root, s.p)) await fs.promises.rm(s.p, { force: true }).catch(() => {});
    } else if (s.t === 'save') {
      if ((await realParents(root, s.p)) && (fs.existsSync(s.b) || isLink(s.b))) await fs.promises.rename(s.b, s.p).catch(() => {});
    } else if (s.t === 'meta') await fs.promises.rm(path.join(dbdir, s.pkg), { recursive: true, force: true });
    else if (s.t === 'reqby') await removeLine(path.join(dbdir, s.dep, '+REQUIRED_BY'), s.pkg);
  }
}

function isLink(p: string): boolean {
  try {
    return fs.lstatSync(p).isSymbolicLink();
  } catch {
    return false;
  }
}

async function finish(steps: readonly Step[], root: string): Promise<void> {
  for (const s of steps) if (s.t === 'save' && (await realParents(root, s.b))) await fs.promises.rm(s.b, { force: true });
}

/**
 * Checks a journal step read back from disk before acting on it: the pkgdb
 * is not trusted more than a package, so every path must lie under the
 * recorded root with real directories on the way, and that root inside the
 * destdir when there is one.
 */
async function trusted(s: Step, root: string, pkg: string): Promise<boolean> {
  const paths = s.t === 'mkdir' || s.t === 'new' ? [s.p] : s.t === 'save' ? [s.p, s.b] : [];
  for (const p of paths) {
    if (typeof p !== 'string' || !inside(root, p) || p === root) return false;
    const rel = path.relative(root, p);
    if (unsafePathReason(rel) !== undefined) return false;
    let cur = root;
    for (const c of rel.split('/').slice(0, -1)) {
      cur = path.join(cur, c);
      const st = await fs.promises.lstat(cur).catch(() => undefined);
      if (st === undefined) break;
      if (!st.isDirectory()) return false;
    }
  }
  // Only the entry of the package the journal is about, never another one.
  if (s.t === 'meta' && (s.pkg !== pkg || pkgNameProblem(s.pkg) !== undefined)) return false;
  if (s.t === 'reqby' && (s.pkg !== pkg || typeof s.dep !== 'string' || pkgNameProblem(s.dep) !== undefined)) return false;
  return true;
}

/**
 * Looks for the journal of an add or delete that did not finish (the
 * process was killed) and deals with it, under the pkgdb lock: an add is
 * undone (or, if it had committed, finished); a delete is reported (its
 * package is still registered; deleting it again completes it). Returns
 * what it did, for the caller to tell the user.
 */
export async function recoverJournal(
  dbdir: string,
  destdir: string | undefined,
  owners: () => Promise<ReadonlyMap<string, ReadonlyArray<{ pkg: string }>>> = async () => new Map(),
): Promise<string[]> {
  const file = path.join(dbdir, JOURNAL_NAME);
  let text: string;
  try {
    text = await fs.promises.readFile(file, 'utf8');
  } catch {
    return [];
  }
  const lines = text.split('\n').filter((l) => l !== '');
  let header: Header;
  const steps: Step[] = [];
  try {
    header = JSON.parse(lines[0] ?? '') as Header;
    for (const l of lines.slice(1)) {
      try {
        steps.push(JSON.parse(l) as Step);
      } catch {
        // A line cut by the crash: the step it announced was never taken.
      }
    }
  } catch {
    throw new UserError(`${file}: an unreadable journal of an interrupted command`, { hint: `look at it, then remove ${file}` });
  }
  const root = typeof header.root === 'string' ? path.resolve(header.root) : '';
  const rootOk = root !== '' && root !== '/' && (destdir === undefined || inside(await canonical(destdir), await canonical(root)));
  const bad: Step[] = [];
  for (const s of steps) if (!rootOk || !(await trusted(s, root, String(header.pkg)))) bad.push(s);
  // Nor may it remove or replace what another installed package holds.
  if (bad.length === 0 && steps.some((s) => s.t === 'new' || s.t === 'save')) {
    const held = await owners();
    const realRoot = await canonical(root);
    for (const s of steps) {
      if (s.t !== 'new' && s.t !== 'save') continue;
      const holders = held.get(path.join(realRoot, path.relative(root, s.p))) ?? [];
      if (holders.some((h) => h.pkg !== header.pkg)) bad.push(s);
    }
  }
  if (bad.length > 0) {
    throw new InputError(`${file}: the journal of an interrupted ${String(header.op)} names paths outside ${destdir ?? root}; not replaying it`, {
      hint: `check the prefix by hand, then remove ${file}`,
    });
  }
  const done: string[] = [];
  if (header.op === 'add') {
    if (steps.some((s) => s.t === 'commit')) {
      await finish(steps, root);
      done.push(`an interrupted install of ${header.pkg} had completed; removed the files it had moved aside`);
    } else {
      await undo(steps, dbdir, root);
      done.push(`an install of ${header.pkg} was interrupted (process ${header.pid}); undid it`);
    }
  } else {
    done.push(`a delete of ${header.pkg} was interrupted (process ${header.pid}); it is still registered: run mkpkg delete ${header.pkg} again to finish it`);
  }
  await fs.promises.rm(file, { force: true });
  return done;
}
