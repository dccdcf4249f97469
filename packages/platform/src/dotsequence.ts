import { InputError } from './errors.ts';
import type { Ordering } from './dewey.ts';

/**
 * pkg(5) (IPS) versions: `release[,build_release][-branch][:timestamp]`,
 * each of the first three a DotSequence of non-negative integers without
 * leading zeros. Unlike dewey, a proper prefix is smaller: 1.0 < 1.0.0.
 */
export interface Pkg5Version {
  readonly release: readonly bigint[];
  readonly buildRelease: readonly bigint[];
  readonly branch: readonly bigint[] | undefined;
  readonly timestamp: string | undefined;
}

export function parseDotSequence(s: string, what = 'version'): bigint[] {
  if (s === '') throw new InputError(`${what}: empty dot sequence`);
  return s.split('.').map((part) => {
    if (!/^[0-9]+$/.test(part)) throw new InputError(`${what} '${s}': '${part}' is not a non-negative integer`);
    if (part.length > 1 && part.startsWith('0')) throw new InputError(`${what} '${s}': '${part}' has a leading zero`);
    return BigInt(part);
  });
}

const TIMESTAMP_RE = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/;

export function parsePkg5Version(s: string): Pkg5Version {
  let rest = s;
  let timestamp: string | undefined;
  const colon = rest.indexOf(':');
  if (colon >= 0) {
    timestamp = rest.slice(colon + 1);
    rest = rest.slice(0, colon);
    const m = TIMESTAMP_RE.exec(timestamp);
    const valid =
      m &&
      (() => {
        const [, y, mo, d, h, mi, se] = m.map(Number) as number[];
        const date = new Date(Date.UTC(y!, mo! - 1, d!, h!, mi!, se!));
        return date.getUTCMonth() === mo! - 1 && date.getUTCDate() === d! && h! < 24 && mi! < 60 && se! < 60;
      })();
    if (!valid) throw new InputError(`pkg(5) version '${s}': timestamp must be YYYYMMDDTHHMMSSZ`);
  }
  let branch: bigint[] | undefined;
  const dash = rest.indexOf('-');
  if (dash >= 0) {
    branch = parseDotSequence(rest.slice(dash + 1), `pkg(5) version '${s}' branch`);
    rest = rest.slice(0, dash);
  }
  let buildRelease: bigint[] = [5n, 11n];
  const comma = rest.indexOf(',');
  if (comma >= 0) {
    buildRelease = parseDotSequence(rest.slice(comma + 1), `pkg(5) version '${s}' build release`);
    rest = rest.slice(0, comma);
  }
  if (rest === '') throw new InputError(`pkg(5) version '${s}': the release part is empty`);
  const release = parseDotSequence(rest, `pkg(5) version '${s}' release`);
  return { release, buildRelease, branch, timestamp };
}

export function compareDotSequence(a: readonly bigint[], b: readonly bigint[]): Ordering {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const x = a[i] as bigint;
    const y = b[i] as bigint;
    if (x !== y) return x < y ? -1 : 1;
  }
  return a.length === b.length ? 0 : a.length < b.length ? -1 : 1;
}

/** Release, then branch (absent < present), then timestamp (absent < present); build release is ignored. */
export function comparePkg5(a: string, b: string): Ordering {
  const va = parsePkg5Version(a);
  const vb = parsePkg5Version(b);
  const r = compareDotSequence(va.release, vb.release);
  if (r !== 0) return r;
  const br = cmpOptional(va.branch, vb.branch, compareDotSequence);
  if (br !== 0) return br;
  return cmpOptional(va.timestamp, vb.timestamp, (x, y) => (x < y ? -1 : x > y ? 1 : 0));
}

function cmpOptional<T>(a: T | undefined, b: T | undefined, cmp: (x: T, y: T) => Ordering): Ordering {
  if (a === undefined) return b === undefined ? 0 : -1;
  if (b === undefined) return 1;
  return cmp(a, b);
}
