import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { InputError, UserError } from '@mkpkg/platform';

/** The digests distinfo may carry, with node's name for each. */
const ALGORITHMS = { BLAKE2s: 'blake2s256', SHA512: 'sha512', SHA1: 'sha1', RMD160: 'rmd160' } as const;
export type Algorithm = keyof typeof ALGORITHMS;

export interface DistinfoEntry {
  readonly algorithm: Algorithm | 'Size';
  readonly file: string;
  readonly value: string;
  readonly line: number;
}

export interface Distinfo {
  readonly file: string;
  readonly entries: readonly DistinfoEntry[];
}

const LINE = /^(\w+) \((.+)\) = (.+)$/;

/** Parses distinfo text; a line it cannot read is an error naming file:line. */
export function parseDistinfo(text: string, file: string): Distinfo {
  const entries: DistinfoEntry[] = [];
  text.split('\n').forEach((raw, i) => {
    const line = raw.trimEnd();
    if (line === '' || line.startsWith('$NetBSD') || line.startsWith('#')) return;
    const m = LINE.exec(line);
    const alg = m?.[1];
    if (!m || !alg || !(alg === 'Size' || alg in ALGORITHMS)) {
      throw new InputError(`cannot read this distinfo line: '${line}'`, {
        where: { file, line: i + 1 },
        hint: "lines look like 'SHA512 (file) = hex' or 'Size (file) = N bytes'; 'mkpkg makesum' rewrites the file",
      });
    }
    const value = alg === 'Size' ? (m[3] as string).replace(/ bytes$/, '') : (m[3] as string).toLowerCase();
    entries.push({ algorithm: alg as Algorithm | 'Size', file: m[2] as string, value, line: i + 1 });
  });
  return { file, entries };
}

export function readDistinfo(file: string): Distinfo {
  if (!fs.existsSync(file)) return { file, entries: [] };
  return parseDistinfo(fs.readFileSync(file, 'utf8'), file);
}

export function digestFile(file: string, algorithm: Algorithm): string {
  return crypto.createHash(ALGORITHMS[algorithm]).update(fs.readFileSync(file)).digest('hex');
}

/** pkgsrc checksums a patch without its $NetBSD$ id lines, so CVS keyword expansion does not change it. */
export function patchDigest(file: string): string {
  const text = fs.readFileSync(file, 'latin1');
  const kept = text.split(/(?<=\n)/).filter((l) => !/\$NetBSD.*\$/.test(l)).join('');
  return crypto.createHash('sha1').update(Buffer.from(kept, 'latin1')).digest('hex');
}

/**
 * Checks one distfile against every entry distinfo has for it. Returns the
 * number of digests checked; throws naming distinfo's line when one differs.
 */
export function checkDistfile(di: Distinfo, name: string, file: string): number {
  const entries = di.entries.filter((e) => e.file === name);
  if (entries.length === 0) {
    throw new InputError(`${path.basename(di.file)} has no checksum for ${name}`, {
      where: { file: di.file },
      hint: "run 'mkpkg makesum' to record it",
    });
  }
  for (const e of entries) {
    if (e.algorithm === 'Size') {
      const size = fs.statSync(file).size;
      if (String(size) !== e.value) {
        throw new UserError(`size of ${name} is ${size} bytes, distinfo says ${e.value}`, {
          where: { file: di.file, line: e.line },
          hint: `remove ${file} and fetch it again; if the new file is right, run 'mkpkg makesum'`,
        });
      }
      continue;
    }
    const got = digestFile(file, e.algorithm);
    if (got !== e.value) {
      throw new UserError(`${e.algorithm} checksum of ${name} does not match distinfo\n  expected ${e.value}\n  got      ${got}`, {
        where: { file: di.file, line: e.line },
        hint: `remove ${file} and fetch it again; if the new file is right, run 'mkpkg makesum'`,
      });
    }
  }
  return entries.length;
}

/** Checks a patch's SHA1 as pkgsrc records it; a patch without an entry is an error. */
export function checkPatch(di: Distinfo, patchFile: string): void {
  const name = path.basename(patchFile);
  const e = di.entries.find((x) => x.file === name && x.algorithm === 'SHA1');
  if (!e) {
    throw new InputError(`${name} has no checksum in distinfo`, {
      where: { file: di.file },
      hint: "run 'mkpkg makepatchsum' after reviewing the patch",
    });
  }
  const got = patchDigest(patchFile);
  if (got !== e.value) {
    throw new UserError(`${name}: SHA1 ${got} does not match distinfo (${e.value})`, {
      where: { file: di.file, line: e.line },
      hint: "the patch changed since distinfo was written; run 'mkpkg makepatchsum' if the change is intended",
    });
  }
}

/** Lines recording a distfile: BLAKE2s, SHA512 and Size, as pkgsrc writes them. */
export function distfileLines(name: string, file: string): string[] {
  return [
    `BLAKE2s (${name}) = ${digestFile(file, 'BLAKE2s')}`,
    `SHA512 (${name}) = ${digestFile(file, 'SHA512')}`,
    `Size (${name}) = ${fs.statSync(file).size} bytes`,
  ];
}

export function patchLine(patchFile: string): string {
  return `SHA1 (${path.basename(patchFile)}) = ${patchDigest(patchFile)}`;
}

/** The lines an existing distinfo has for the given files (kept as they are by makesum/makepatchsum). */
export function keptLines(di: Distinfo, keep: (e: DistinfoEntry) => boolean): string[] {
  return di.entries.filter(keep).map((e) => (e.algorithm === 'Size' ? `Size (${e.file}) = ${e.value} bytes` : `${e.algorithm} (${e.file}) = ${e.value}`));
}

export function formatDistinfo(distLines: readonly string[], patchLines: readonly string[]): string {
  return ['$NetBSD$', '', ...distLines, ...patchLines].join('\n') + '\n';
}
