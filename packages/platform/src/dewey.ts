/**
 * pkgsrc "dewey" version ordering, as pkg_install's lib/dewey.c defines it,
 * with one deliberate fix: digit runs are compared as numbers of any length
 * (dewey.c accumulates them in a C int and overflows). The C dispatcher
 * verexec implements the same rules; both are tested against
 * fixtures/versions/dewey.txt.
 */

/** One parsed version: the component list and the separate `nb` revision. */
export interface Dewey {
  readonly parts: readonly bigint[];
  readonly nb: bigint;
}

// Order matters: the first modifier that matches (case-insensitively) wins.
const MODIFIERS: readonly (readonly [string, bigint])[] = [
  ['alpha', -3n],
  ['beta', -2n],
  ['pre', -1n],
  ['rc', -1n],
  ['pl', 0n],
  ['_', 0n],
  ['.', 0n],
];

const isDigit = (c: number): boolean => c >= 48 && c <= 57;
const isAsciiLetter = (c: number): boolean => (c >= 65 && c <= 90) || (c >= 97 && c <= 122);

function digitRun(s: string, i: number): [bigint, number] {
  let j = i;
  while (j < s.length && isDigit(s.charCodeAt(j))) j++;
  return [j > i ? BigInt(s.slice(i, j)) : 0n, j];
}

/** Never throws: every string is a version (unknown characters are skipped, as in dewey.c). */
export function parseDewey(version: string): Dewey {
  const parts: bigint[] = [];
  let nb = 0n;
  // Only ASCII is folded: String.toLowerCase() can change a string's length.
  const lower = version.replace(/[A-Z]+/g, (m) => m.toLowerCase());
  let i = 0;
  outer: while (i < version.length) {
    const c = version.charCodeAt(i);
    if (isDigit(c)) {
      const [n, j] = digitRun(version, i);
      parts.push(n);
      i = j;
      continue;
    }
    for (const [word, value] of MODIFIERS) {
      if (lower.startsWith(word, i)) {
        parts.push(value);
        i += word.length;
        continue outer;
      }
    }
    if (lower.startsWith('nb', i)) {
      const [n, j] = digitRun(version, i + 2);
      nb = n;
      i = j;
      continue;
    }
    if (isAsciiLetter(c)) {
      parts.push(0n, BigInt(lower.charCodeAt(i) - 96));
    }
    i++;
  }
  return { parts, nb };
}

export type Ordering = -1 | 0 | 1;

const sign = (a: bigint, b: bigint): Ordering => (a < b ? -1 : a > b ? 1 : 0);

export function compareParsedDewey(a: Dewey, b: Dewey): Ordering {
  const n = Math.max(a.parts.length, b.parts.length);
  for (let i = 0; i < n; i++) {
    const c = sign(a.parts[i] ?? 0n, b.parts[i] ?? 0n);
    if (c !== 0) return c;
  }
  return sign(a.nb, b.nb);
}

/** Compares two version strings (not package names): -1, 0 or 1. */
export function compareDewey(a: string, b: string): Ordering {
  return compareParsedDewey(parseDewey(a), parseDewey(b));
}

export type DeweyOp = '<' | '<=' | '>' | '>=' | '==' | '!=';

export function deweyTest(a: string, op: DeweyOp, b: string): boolean {
  const c = compareDewey(a, b);
  switch (op) {
    case '<':
      return c < 0;
    case '<=':
      return c <= 0;
    case '>':
      return c > 0;
    case '>=':
      return c >= 0;
    case '==':
      return c === 0;
    case '!=':
      return c !== 0;
  }
}

/** Splits `name-1.2nb3` at the last `-`: the convention pkg_install uses. */
export function splitPkgName(pkgname: string): { base: string; version: string } {
  const i = pkgname.lastIndexOf('-');
  if (i < 0) return { base: pkgname, version: '' };
  return { base: pkgname.slice(0, i), version: pkgname.slice(i + 1) };
}
