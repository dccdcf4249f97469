// pbulk's contract with a tree, written from its description (pbulk's own
// code is not part of this project): how its scanner reads the output of
// `make pbulk-index`, how its resolver turns ALL_DEPENDS into DEPENDS, and
// when its up-to-date check calls a built package current. Only node
// built-ins, and deliberately none of mkpkg's own code: the point is to
// check mkpkg against the contract, not against itself.
import fs from 'node:fs/promises';
import path from 'node:path';

/** One scan entry: PKGNAME first, then KEY=value lines (first occurrence wins, as pbulk looks keys up). */
export interface ScanEntry {
  readonly location: string;
  readonly pkgname: string;
  readonly fields: ReadonlyMap<string, string>;
}

/** The keys pbulk's resolver and builder refuse to do without. */
export const REQUIRED_KEYS = ['ALL_DEPENDS', 'PKG_SKIP_REASON', 'PKG_FAIL_REASON'] as const;

/**
 * Parses one location's `pbulk-index` output as pbulk does: it must start
 * with `PKGNAME=`, an entry runs to the next line starting with `PKGNAME=`,
 * every line is KEY=value, no NUL byte, the name is base-version of at
 * least 4 characters without blanks. Throws with the reason otherwise.
 */
export function parseScanOutput(location: string, text: string): ScanEntry[] {
  if (text.includes('\0')) throw new Error(`${location}: output holds a NUL byte`);
  if (!text.startsWith('PKGNAME=')) throw new Error(`${location}: output does not start with PKGNAME= (starts ${JSON.stringify(text.slice(0, 40))})`);
  const entries: ScanEntry[] = [];
  let current: { pkgname: string; fields: Map<string, string> } | undefined;
  for (const line of text.replace(/\n$/, '').split('\n')) {
    const eq = line.indexOf('=');
    if (eq <= 0 || !/^[A-Z_][A-Z0-9_]*$/.test(line.slice(0, eq))) throw new Error(`${location}: line is not KEY=value: ${JSON.stringify(line)}`);
    const key = line.slice(0, eq);
    const value = line.slice(eq + 1);
    if (key === 'PKGNAME') {
      if (value.length < 4 || /\s/.test(value) || !/^.+-[^-]+$/.test(value)) throw new Error(`${location}: PKGNAME '${value}' is not base-version`);
      current = { pkgname: value, fields: new Map() };
      entries.push({ location, pkgname: value, fields: current.fields });
      continue;
    }
    if (current && !current.fields.has(key)) current.fields.set(key, value);
  }
  for (const e of entries) {
    for (const k of REQUIRED_KEYS) if (!e.fields.has(k)) throw new Error(`${location}: entry ${e.pkgname} has no ${k}= line`);
  }
  return entries;
}

/** An ALL_DEPENDS word: `pattern:../../category/dir`. */
export function splitDependency(word: string): { pattern: string; location: string } {
  const m = /^(.+):\.\.\/\.\.\/([^/]+\/[^/]+)$/.exec(word);
  if (!m) throw new Error(`ALL_DEPENDS word '${word}' is not pattern:../../category/dir`);
  return { pattern: m[1] as string, location: m[2] as string };
}

/** Compares dotted versions with an optional nbN suffix numerically. */
function compareVersions(a: string, b: string): number {
  const parts = (v: string) => v.split(/[.nb]+/).filter((x) => x !== '').map((x) => Number.parseInt(x, 10) || 0);
  const x = parts(a);
  const y = parts(b);
  for (let i = 0; i < Math.max(x.length, y.length); i++) {
    const d = (x[i] ?? 0) - (y[i] ?? 0);
    if (d !== 0) return d;
  }
  return 0;
}

/**
 * The package patterns the fixtures use, as pkg_install reads them: dewey
 * relations (`name>=1.0`, `name<2`), globs, exact names.
 */
export function matchPattern(pattern: string, pkgname: string): boolean {
  const dash = pkgname.lastIndexOf('-');
  const base = pkgname.slice(0, dash);
  const version = pkgname.slice(dash + 1);
  const rel = /^([^<>=]+?)(>=|<=|>|<)([^<>=]+)(?:(<|<=)([^<>=]+))?$/.exec(pattern);
  if (rel) {
    if (rel[1] !== base) return false;
    const test = (op: string, v: string) => {
      const c = compareVersions(version, v);
      return op === '>=' ? c >= 0 : op === '>' ? c > 0 : op === '<=' ? c <= 0 : c < 0;
    };
    return test(rel[2] as string, rel[3] as string) && (rel[4] === undefined || test(rel[4], rel[5] as string));
  }
  if (/[*?[]/.test(pattern)) {
    const re = new RegExp(`^${pattern.replace(/[.+^${}()|\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.')}$`);
    return re.test(pkgname);
  }
  return pattern === pkgname || pattern === base;
}

/** The resolver: for each entry, the highest scanned PKGNAME matching each ALL_DEPENDS pattern. */
export function resolveDepends(entries: readonly ScanEntry[]): Map<string, string[]> {
  const names = entries.map((e) => e.pkgname);
  const out = new Map<string, string[]>();
  for (const e of entries) {
    const deps: string[] = [];
    for (const w of (e.fields.get('ALL_DEPENDS') ?? '').split(/\s+/).filter((x) => x !== '')) {
      const { pattern } = splitDependency(w);
      const hits = names.filter((n) => matchPattern(pattern, n));
      if (hits.length === 0) throw new Error(`${e.location}: no scanned package matches ${pattern}`);
      const best = hits.sort((a, b) => compareVersions(b.slice(b.lastIndexOf('-') + 1), a.slice(a.lastIndexOf('-') + 1)))[0] as string;
      if (!deps.includes(best)) deps.push(best);
    }
    out.set(e.pkgname, deps);
  }
  return out;
}

/** The first `$NetBSD…$` ident of a file, or '' when it has none. */
async function firstIdent(file: string): Promise<string> {
  const text = await fs.readFile(file, 'latin1');
  return /\$NetBSD[^$\n]*\$/.exec(text)?.[0] ?? '';
}

/**
 * pbulk's up-to-date check (§4.3 of the contract): the package file exists;
 * every `file: id` line of `pkg_info -qb` names a tree file whose first
 * ident is `id`; every `pkg_info -qN` name is among the resolved DEPENDS;
 * no dependency's package file is newer. Returns why it is stale, or
 * undefined when it is current.
 */
export async function staleReason(
  o: { tree: string; packages: string; pkgname: string; depends: readonly string[] },
  pkgInfo: (args: string[]) => Promise<string>,
): Promise<string | undefined> {
  const file = path.join(o.packages, 'All', `${o.pkgname}.tgz`);
  let st;
  try {
    st = await fs.stat(file);
  } catch {
    return `${file} does not exist`;
  }
  for (const line of (await pkgInfo(['-qb', file])).split('\n').filter((l) => l !== '')) {
    const colon = line.indexOf(':');
    const rel = line.slice(0, colon);
    const id = line.slice(colon + 1).trim();
    let now: string;
    try {
      now = await firstIdent(path.join(o.tree, rel));
    } catch {
      return `${rel} is gone`;
    }
    if (now !== id) return `${rel}: ${id} -> ${now}`;
  }
  for (const dep of (await pkgInfo(['-qN', file])).split('\n').filter((l) => l !== '')) {
    if (!o.depends.includes(dep)) return `built against ${dep}, which is not among ${o.depends.join(' ') || 'no dependencies'}`;
    const depSt = await fs.stat(path.join(o.packages, 'All', `${dep}.tgz`)).catch(() => undefined);
    if (depSt && depSt.mtimeMs > st.mtimeMs) return `${dep}.tgz is newer`;
  }
  return undefined;
}
