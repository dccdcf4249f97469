import fs from 'node:fs';
import path from 'node:path';
import { UserError } from '@mkpkg/platform';

function refuse(what: string, hint?: string): UserError {
  return new UserError(what, { hint: hint ?? 'the package is unsafe or the prefix is damaged; nothing was installed' });
}

function inside(root: string, p: string): boolean {
  return p === root || p.startsWith(root.endsWith('/') ? root : `${root}/`);
}

/**
 * Every change an install makes under its root, so a failure can undo it:
 * files and directories created, files moved aside. It also guards each
 * path: no directory on the way may be (or lead through a symlink to)
 * anything outside the root.
 */
export class Journal {
  readonly #created: Array<{ abs: string; dir: boolean }> = [];
  readonly #saved: Array<{ abs: string; backup: string }> = [];
  #realRoot = '';

  constructor(readonly root: string) {}

  /** Makes the root (recorded for rollback) or, with `create` false, only looks at it. */
  async init(create = true): Promise<void> {
    if (!create) {
      this.#realRoot = await fs.promises.realpath(this.root).catch(() => path.resolve(this.root));
      return;
    }
    const first = await fs.promises.mkdir(this.root, { recursive: true });
    if (first !== undefined) {
      // Record each level made, outermost first, so rollback removes them innermost first.
      const rel = path.relative(first, this.root);
      let p = first;
      this.#created.push({ abs: p, dir: true });
      for (const c of rel === '' ? [] : rel.split(path.sep)) {
        p = path.join(p, c);
        this.#created.push({ abs: p, dir: true });
      }
    }
    this.#realRoot = await fs.promises.realpath(this.root);
  }

  abs(rel: string): string {
    return path.join(this.root, rel);
  }

  /** Checks (without creating) that the directories leading to `rel` stay inside the root. */
  async checkParents(rel: string): Promise<boolean> {
    const comps = rel.split('/').slice(0, -1);
    let p = this.root;
    for (const c of comps) {
      p = path.join(p, c);
      let st: fs.Stats;
      try { st = await fs.promises.lstat(p); } catch { return true; }
      if (st.isSymbolicLink()) {
        let real: string;
        try { real = await fs.promises.realpath(p); } catch { return false; }
        if (!inside(this.#realRoot, real)) return false;
      } else if (!st.isDirectory()) return false;
    }
    return true;
  }

  /** Makes the directory `rel` (and its parents) under the root. */
  async dir(rel: string, forPath = rel): Promise<void> {
    if (rel === '' || rel === '.') return;
    let p = this.root;
    for (const c of rel.split('/')) {
      p = path.join(p, c);
      let st: fs.Stats | undefined;
      try { st = await fs.promises.lstat(p); } catch { st = undefined; }
      if (st === undefined) {
        await fs.promises.mkdir(p);
        this.#created.push({ abs: p, dir: true });
      } else if (st.isSymbolicLink()) {
        let real: string | undefined;
        try { real = await fs.promises.realpath(p); } catch { real = undefined; }
        if (real === undefined || !inside(this.#realRoot, real)) {
          throw refuse(`${path.relative(this.root, p)} is a symlink leading outside ${this.root}; refusing to write ${forPath} through it`);
        }
        if (!(await fs.promises.stat(p)).isDirectory()) throw refuse(`${path.relative(this.root, p)} is not a directory`);
      } else if (!st.isDirectory()) {
        throw refuse(`${path.relative(this.root, p)} is in the way: it is not a directory`);
      }
    }
  }

  /**
   * Gets `rel` ready to be written: parents made and checked, an existing
   * file moved aside (restored on rollback, removed on commit).
   */
  async prepare(rel: string): Promise<string> {
    await this.dir(path.posix.dirname(rel), rel);
    const abs = this.abs(rel);
    let st: fs.Stats | undefined;
    try { st = await fs.promises.lstat(abs); } catch { st = undefined; }
    if (st?.isDirectory()) throw refuse(`${abs} is a directory; the package has a file there`, 'remove or rename the directory');
    if (st) {
      const backup = `${abs}.mkpkg-save-${process.pid}`;
      await fs.promises.rename(abs, backup);
      this.#saved.push({ abs, backup });
    }
    return abs;
  }

  wrote(abs: string): void {
    this.#created.push({ abs, dir: false });
  }

  async rollback(): Promise<void> {
    for (const c of [...this.#created].reverse()) {
      await (c.dir ? fs.promises.rmdir(c.abs) : fs.promises.rm(c.abs, { force: true })).catch(() => {});
    }
    for (const s of [...this.#saved].reverse()) await fs.promises.rename(s.backup, s.abs).catch(() => {});
  }

  async commit(): Promise<void> {
    for (const s of this.#saved) await fs.promises.rm(s.backup, { force: true });
  }
}
