import fs from 'node:fs';
import path from 'node:path';
import { InputError } from '@mkpkg/platform';
import { type PackageDir, get } from './pkgdir.ts';

// The directories mkpkg fills and removes (WRKDIR and everything in it,
// DESTDIR, the stages) and the ones it writes into (PACKAGES, DISTDIR) come
// from variables a user, a mk.conf or the environment can set to anything:
// `WRKDIR=.` once made `mkpkg clean` delete the package directory. Every
// such directory is checked here once, before anything is created, and a
// recursive removal accepts only a directory this module checked.

declare const checked: unique symbol;
/** A directory that passed the guard: strictly inside where it belongs, clear of everything it must not touch. */
export type SafeDir = string & { readonly [checked]: true };

/** Where a variable's value came from, for the message. */
export type Origin = 'the command line' | 'the environment' | 'the Makefile, mk.conf or the glue';

export interface DirVar {
  readonly name: string;
  readonly value: string;
  readonly origin: Origin;
}

export interface DirRule {
  /** Directories it must lie strictly inside (any one of them), with the variable that names each. */
  readonly inside?: readonly { readonly name: string; readonly dir: string }[];
  /** Paths it must neither be, nor contain, nor lie inside. */
  readonly clear?: readonly { readonly name: string; readonly path: string }[];
  readonly hint: string;
}

/** `child` lies strictly below `parent` (both absolute and normalised). */
export function isStrictlyInside(child: string, parent: string): boolean {
  const rel = path.relative(parent, child);
  return rel !== '' && rel !== '..' && !rel.startsWith(`..${path.sep}`) && !path.isAbsolute(rel);
}

/** The path with every symlink of its existing part resolved; the part that does not exist yet is appended as is. */
export function resolvedPath(p: string): string {
  const rest: string[] = [];
  let head = p;
  for (;;) {
    try {
      return path.join(fs.realpathSync(head), ...rest);
    } catch {
      const up = path.dirname(head);
      if (up === head) return p;
      rest.unshift(path.basename(head));
      head = up;
    }
  }
}

/**
 * Checks one directory variable: not empty, absolute, not `/`, not the
 * package directory or anything above it (the tree root), not HOME or
 * anything above it, inside one of `rule.inside`, clear of `rule.clear`.
 * Each test is made on the path as written and on the path with symlinks
 * resolved, so a `work -> /usr` link is caught as well as `WRKDIR=/usr`.
 */
export function checkDir(v: DirVar, pkgdir: string, rule: DirRule): SafeDir {
  const fail = (problem: string): never => {
    throw new InputError(`${v.name} is ${v.value === '' ? 'empty' : `'${v.value}'`} (from ${v.origin}): ${problem}`, { hint: rule.hint });
  };
  if (v.value.trim() === '') fail('mkpkg would write into, or remove, an unnamed directory');
  if (!path.isAbsolute(v.value)) fail('it must be an absolute path');
  const written = path.resolve(v.value);
  const home = process.env['HOME'];
  for (const p of new Set([written, resolvedPath(written)])) {
    const shown = p === written ? '' : ` (${written} resolves to ${p})`;
    if (p === '/') fail(`that is the root directory${shown}`);
    for (const pd of new Set([pkgdir, resolvedPath(pkgdir)])) {
      if (p === pd) fail(`that is the package directory itself${shown}`);
      if (isStrictlyInside(pd, p)) fail(`that holds the package directory ${pkgdir}${shown}`);
    }
    if (home && path.isAbsolute(home)) {
      for (const h of new Set([path.resolve(home), resolvedPath(path.resolve(home))])) {
        if (p === h || isStrictlyInside(h, p)) fail(`that is or holds the home directory ${home}${shown}`);
      }
    }
  }
  if (rule.inside && rule.inside.length > 0) {
    const real = resolvedPath(written);
    const ok = rule.inside.some((b) => isStrictlyInside(written, b.dir) && isStrictlyInside(real, resolvedPath(b.dir)));
    if (!ok) {
      const where = rule.inside.map((b) => `${b.name} (${b.dir})`).join(' or ');
      fail(`it must lie inside ${where}${real !== written ? `, and ${written} resolves to ${real}` : ''}`);
    }
  }
  for (const p of new Set([written, resolvedPath(written)])) {
    for (const c of rule.clear ?? []) {
      for (const cp of new Set([c.path, resolvedPath(c.path)])) {
        if (p === cp || isStrictlyInside(cp, p) || isStrictlyInside(p, cp)) fail(`that overlaps ${c.name} (${c.path})`);
      }
    }
  }
  return written as SafeDir;
}

/**
 * A path below a checked directory, checked to stay strictly below it
 * (symlinks resolved too); `what` names where the path came from.
 */
export function below(parent: SafeDir, p: string, what?: string): SafeDir {
  const abs = path.resolve(parent, p);
  if (!isStrictlyInside(abs, parent) || !isStrictlyInside(resolvedPath(abs), resolvedPath(parent))) {
    throw new InputError(`${what ? `${what}: ` : ''}${abs} is not inside ${parent}; mkpkg will not write or remove it`, {
      hint: `mkpkg writes and removes only inside ${parent}: drop the '..' or the symbolic link that leads out of it`,
    });
  }
  return abs as SafeDir;
}

/**
 * The entries of a checked directory, for removing one by one: an entry
 * that is a symbolic link is removed as the link (rm never follows it), so
 * unlike `below` this does not resolve the last component.
 */
export function entriesOf(dir: SafeDir): SafeDir[] {
  return fs.readdirSync(dir).map((e) => path.join(dir, e) as SafeDir);
}

/** `rm -rf` for a checked directory: the only recursive removal the driver does. */
export function removeTree(dir: SafeDir): void {
  fs.rmSync(dir, { recursive: true, force: true });
}

/** The directories a run writes into or removes, each checked. */
export interface WorkDirs {
  readonly wrkdir: SafeDir;
  readonly destdir: SafeDir;
  readonly packages: SafeDir;
  readonly distdir: SafeDir;
}

/**
 * Checks WRKDIR, DESTDIR, PACKAGES and DISTDIR of a package before a run
 * creates or removes anything. WRKDIR lies inside the package directory
 * (its default is ${.CURDIR}/work) or inside WRKOBJDIR when that is set;
 * DESTDIR inside WRKDIR; none of them may be `/`, the package directory or
 * above it, HOME or above it; WRKDIR must keep clear of the package's own
 * files, PACKAGES and DISTDIR, which `clean` would otherwise remove.
 */
export function checkWorkDirs(p: PackageDir, env: Readonly<Record<string, string | undefined>> = process.env): WorkDirs {
  const dv = (name: string): DirVar => ({ name, value: get(p.vars, name), origin: originOf(name, p, env) });
  const wrkobjdir = get(p.vars, 'WRKOBJDIR');
  const abs = (name: string) => path.resolve(p.dir, get(p.vars, name));
  const own = ['FILESDIR', 'PATCHDIR', 'DISTINFO_FILE', 'DESCR_SRC', 'MESSAGE_SRC']
    .filter((n) => get(p.vars, n) !== '')
    .map((n) => ({ name: n, path: abs(n) }));
  const plists = get(p.vars, 'PLIST_SRC').split(/\s+/).filter(Boolean).map((f) => ({ name: 'PLIST_SRC', path: path.resolve(p.dir, f) }));
  const outputHint = (name: string, def: string) => `set ${name} to an absolute directory of its own (default: ${def}), or leave it unset`;
  const packages = checkDir(dv('PACKAGES'), p.dir, { hint: outputHint('PACKAGES', "the tree's packages/") });
  const distdir = checkDir(dv('DISTDIR'), p.dir, { hint: outputHint('DISTDIR', "the tree's distfiles/") });
  const wrkdir = checkDir(dv('WRKDIR'), p.dir, {
    inside: [{ name: 'the package directory', dir: p.dir }, ...(path.isAbsolute(wrkobjdir) ? [{ name: 'WRKOBJDIR', dir: path.resolve(wrkobjdir) }] : [])],
    clear: [...own, ...plists, { name: 'PACKAGES', path: packages }, { name: 'DISTDIR', path: distdir }],
    hint: 'leave WRKDIR unset (it defaults to ${.CURDIR}/work), or set WRKOBJDIR to an absolute directory of its own; WRKDIR then defaults to ${WRKOBJDIR}/<category>/<package>/work',
  });
  const destdir = checkDir(dv('DESTDIR'), p.dir, {
    inside: [{ name: 'WRKDIR', dir: wrkdir }],
    clear: [{ name: 'the stages', path: path.join(wrkdir, '.stage') }, ...p.abis.map((a) => ({ name: `ABI ${a}'s work tree`, path: p.abiWrkdir(a) }))],
    hint: 'leave DESTDIR unset (unset it in the environment too: env -u DESTDIR mkpkg …); mkpkg stages into ${WRKDIR}/.destdir',
  });
  return { wrkdir, destdir, packages, distdir };
}

function originOf(name: string, p: PackageDir, env: Readonly<Record<string, string | undefined>>): Origin {
  if (name in p.cmdVars) return 'the command line';
  if (env[name] !== undefined && env[name] === get(p.vars, name)) return 'the environment';
  return 'the Makefile, mk.conf or the glue';
}
