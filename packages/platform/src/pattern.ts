import { type DeweyOp, compareDewey, deweyTest, splitPkgName } from './dewey.ts';
import { InputError } from './errors.ts';

/**
 * Package patterns as pkg_install's pkg_match() reads them: `{a,b}`
 * alternation, dewey ranges (`foo>=1.0<2`), shell globs, exact names, and a
 * bare name meaning any version of it.
 */
export function pkgMatch(pattern: string, pkgname: string): boolean {
  const alternatives = expandBraces(pattern);
  return alternatives.some((p) => matchOne(p, pkgname));
}

/** Expands csh-style `{a,b}` groups (nestable). Unbalanced braces are bad input. */
export function expandBraces(pattern: string): string[] {
  const open = pattern.indexOf('{');
  if (open < 0) {
    if (pattern.includes('}')) throw new InputError(`package pattern '${pattern}': '}' without '{'`);
    return [pattern];
  }
  let depth = 0;
  const commas: number[] = [];
  let close = -1;
  for (let i = open; i < pattern.length; i++) {
    const c = pattern[i];
    if (c === '{') depth++;
    else if (c === '}') {
      depth--;
      if (depth === 0) {
        close = i;
        break;
      }
    } else if (c === ',' && depth === 1) commas.push(i);
  }
  if (close < 0) throw new InputError(`package pattern '${pattern}': unbalanced '{'`);
  const head = pattern.slice(0, open);
  const tail = pattern.slice(close + 1);
  const bounds = [open, ...commas, close];
  const out: string[] = [];
  for (let k = 0; k + 1 < bounds.length; k++) {
    const alt = pattern.slice((bounds[k] as number) + 1, bounds[k + 1]);
    out.push(...expandBraces(head + alt + tail));
  }
  return out;
}

function matchOne(pattern: string, pkgname: string): boolean {
  if (/[<>]/.test(pattern)) return deweyMatch(pattern, pkgname);
  if (/[*?[\]]/.test(pattern)) return globMatch(pattern, pkgname);
  if (pattern === pkgname) return true;
  return globMatch(`${pattern}-[0-9]*`, pkgname);
}

const OP_RE = /^(<=|>=|<|>)/;

function deweyMatch(pattern: string, pkgname: string): boolean {
  const first = pattern.search(/[<>]/);
  const patBase = pattern.slice(0, first);
  const { base, version } = splitPkgName(pkgname);
  if (base !== patBase || version === '') return false;
  let rest = pattern.slice(first);
  const constraints: [DeweyOp, string][] = [];
  while (rest.length > 0) {
    const m = OP_RE.exec(rest);
    if (!m) throw new InputError(`package pattern '${pattern}': expected <, <=, > or >= at '${rest}'`);
    const op = m[1] as DeweyOp;
    rest = rest.slice(op.length);
    const next = rest.search(/[<>]/);
    const v = next < 0 ? rest : rest.slice(0, next);
    rest = next < 0 ? '' : rest.slice(next);
    if (v === '') throw new InputError(`package pattern '${pattern}': missing version after '${op}'`);
    constraints.push([op, v]);
  }
  if (constraints.length > 2) throw new InputError(`package pattern '${pattern}': at most a lower and an upper bound`);
  return constraints.every(([op, v]) => deweyTest(version, op, v));
}

const globCache = new Map<string, RegExp>();

/** fnmatch(3) with FNM_PERIOD for package names (no `/` in them). */
export function globMatch(glob: string, s: string): boolean {
  let re = globCache.get(glob);
  if (!re) {
    let src = '^';
    for (let i = 0; i < glob.length; i++) {
      const c = glob[i] as string;
      if (c === '*') src += i === 0 ? '(?!\\.)[^]*' : '[^]*';
      else if (c === '?') src += i === 0 ? '(?!\\.)[^]' : '[^]';
      else if (c === '[') {
        const end = glob.indexOf(']', i + 2);
        if (end < 0) {
          src += '\\[';
          continue;
        }
        let cls = glob.slice(i + 1, end);
        if (cls.startsWith('!')) cls = '^' + cls.slice(1);
        src += '[' + cls.replace(/\\/g, '\\\\') + ']';
        i = end;
      } else src += c.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
    }
    re = new RegExp(src + '$');
    globCache.set(glob, re);
  }
  return re.test(s);
}

/**
 * The best of several installed or available packages for a pattern:
 * highest version; on equal versions the lexically smaller name (pkg_order()).
 */
export function bestMatch(pattern: string, pkgnames: Iterable<string>): string | undefined {
  let best: string | undefined;
  for (const name of pkgnames) {
    if (!pkgMatch(pattern, name)) continue;
    if (best === undefined) {
      best = name;
      continue;
    }
    const c = compareDewey(splitPkgName(name).version, splitPkgName(best).version);
    if (c > 0 || (c === 0 && name < best)) best = name;
  }
  return best;
}
