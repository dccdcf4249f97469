import os from 'node:os';
import { InputError } from '@mkpkg/platform';

/** The pkg_install version our packages claim; pkg_add compares it with its own. */
export const PKGTOOLS_VERSION = '20091115';

/** Seconds since the epoch from SOURCE_DATE_EPOCH, when set (reproducible builds). */
export function sourceDateEpoch(env: NodeJS.ProcessEnv = process.env): number | undefined {
  const v = env['SOURCE_DATE_EPOCH'];
  if (v === undefined || v === '') return undefined;
  if (!/^\d+$/.test(v)) throw new InputError(`SOURCE_DATE_EPOCH='${v}' is not a number of seconds`);
  return Number(v);
}

function hostMachineArch(): string {
  const a = os.arch();
  return a === 'x64' ? 'x86_64' : a === 'ia32' ? 'i386' : a;
}

function buildDate(epochSeconds: number | undefined): string {
  const d = epochSeconds === undefined ? new Date() : new Date(epochSeconds * 1000);
  const p = (n: number) => String(n).padStart(2, '0');
  return `${d.getUTCFullYear()}-${p(d.getUTCMonth() + 1)}-${p(d.getUTCDate())} ${p(d.getUTCHours())}:${p(d.getUTCMinutes())}:${p(d.getUTCSeconds())} +0000`;
}

/**
 * +BUILD_INFO: the caller's values over defaults for this machine, as sorted
 * KEY=value lines. BUILD_HOST is left out under SOURCE_DATE_EPOCH so that
 * the same inputs give the same package on any machine.
 */
export function buildInfoText(given: Readonly<Record<string, string>>, homepage: string | undefined, epoch: number | undefined): string {
  const machineArch = given['MACHINE_ARCH'] ?? hostMachineArch();
  const abi = given['ABI'] ?? (/64/.test(machineArch) ? '64' : '32');
  const info: Record<string, string> = {
    OPSYS: os.type(),
    OS_VERSION: os.release(),
    MACHINE_ARCH: machineArch,
    PKGTOOLS_VERSION,
    ABI: abi,
    MULTIARCH_ABIS: abi,
    BUILD_DATE: buildDate(epoch),
    ...(epoch === undefined ? { BUILD_HOST: os.hostname() } : {}),
    ...(homepage ? { HOMEPAGE: homepage } : {}),
    ...given,
  };
  for (const [k, v] of Object.entries(info)) {
    if (!/^[A-Za-z_][A-Za-z0-9_.]*$/.test(k)) throw new InputError(`build info key '${k}' is not a variable name`);
    if (/[\n\0]/.test(v)) throw new InputError(`build info ${k} must be a single line`);
  }
  if (!/^\d{8}$/.test(info['PKGTOOLS_VERSION'] ?? '')) {
    throw new InputError(`PKGTOOLS_VERSION='${info['PKGTOOLS_VERSION']}' must be exactly 8 digits (pkg_add refuses anything else)`);
  }
  return Object.keys(info).sort().map((k) => `${k}=${info[k]}\n`).join('');
}

/** Parses +BUILD_INFO (also repeated keys such as PROVIDES, kept in order). */
export function parseBuildInfo(text: string): Map<string, string[]> {
  const m = new Map<string, string[]>();
  for (const line of text.split('\n')) {
    const eq = line.indexOf('=');
    if (eq <= 0) continue;
    const k = line.slice(0, eq);
    const list = m.get(k) ?? [];
    list.push(line.slice(eq + 1));
    m.set(k, list);
  }
  return m;
}

/** +DESC: DESCR, then a blank line and the homepage as pkgsrc's metadata.mk writes it. */
export function descText(descr: string, homepage: string | undefined): string {
  const body = descr.endsWith('\n') || descr === '' ? descr : `${descr}\n`;
  return homepage ? `${body}\nHomepage:\n${homepage}\n` : body;
}

/** Single-quotes a string for sh. */
export function shq(s: string): string {
  return `'${s.replace(/'/g, `'\\''`)}'`;
}

function scriptHeader(prefix: string): string {
  return [
    '#!/bin/sh',
    '#',
    '# Assembled by mkpkg. Called as pkg_add/pkg_delete do: $0 <pkgname> <stage>.',
    '#',
    'PKGNAME="$1"',
    'STAGE="$2"',
    `PKG_PREFIX="\${PKG_PREFIX:-${prefix.replace(/["\\$`]/g, '\\$&')}}"`,
    'PKG_DESTDIR="${PKG_DESTDIR:-}"',
    '',
  ].join('\n');
}

export interface HardLink { src: string; dst: string }

/**
 * The +INSTALL lines that make @link hard links after the files are in
 * place, for a pkg_add that drops @link (upstream pkg_install). With an
 * installer that knows @link the destination exists already and nothing
 * happens.
 */
export function linkInstallFragment(links: readonly HardLink[]): string {
  if (links.length === 0) return '';
  return [
    '# @link: hard links an installer without @link support left out.',
    'case "$STAGE" in',
    'POST-INSTALL)',
    '\tmkpkg_link() {',
    '\t\t_s="${PKG_DESTDIR}${PKG_PREFIX}/$1"; _d="${PKG_DESTDIR}${PKG_PREFIX}/$2"',
    '\t\tif [ -e "$_d" ] || [ -h "$_d" ]; then return 0; fi',
    '\t\tif [ ! -f "$_s" ]; then echo "${PKGNAME}: cannot link $2: $1 is missing" >&2; return 0; fi',
    '\t\tmkdir -p "${_d%/*}" && ln "$_s" "$_d"',
    '\t}',
    ...links.map((l) => `\tmkpkg_link ${shq(l.src)} ${shq(l.dst)}`),
    '\t;;',
    'esac',
    '',
  ].join('\n');
}

/**
 * The +DEINSTALL lines that remove those hard links again, only where the
 * destination still is a hard link of the source (so nothing else is lost)
 * and no other installed package lists the same @link (a shared link, such
 * as bin/perl -> lib/verexec delivered by every perl version).
 */
export function linkDeinstallFragment(links: readonly HardLink[]): string {
  if (links.length === 0) return '';
  return [
    '# @link: remove the hard links an installer without @link support does not know about.',
    'case "$STAGE" in',
    'DEINSTALL)',
    '\tmkpkg_unlink() {',
    '\t\t_s="${PKG_DESTDIR}${PKG_PREFIX}/$1"; _d="${PKG_DESTDIR}${PKG_PREFIX}/$2"',
    '\t\t[ -f "$_d" ] && [ "$_d" -ef "$_s" ] || return 0',
    '\t\tfor _c in "${PKG_METADATA_DIR:-.}"/../*/+CONTENTS; do',
    '\t\t\t[ -f "$_c" ] && ! [ "$_c" -ef "${PKG_METADATA_DIR:-.}/+CONTENTS" ] || continue',
    '\t\t\tgrep -qxF "@link $1 $2" "$_c" && return 0',
    '\t\tdone',
    '\t\trm -f "$_d"',
    '\t}',
    ...links.map((l) => `\tmkpkg_unlink ${shq(l.src)} ${shq(l.dst)}`),
    '\t;;',
    'esac',
    '',
  ].join('\n');
}

/** A whole +INSTALL/+DEINSTALL script, or undefined when there is nothing to run. */
export function assembleScript(prefix: string, fragments: readonly string[]): string | undefined {
  const parts = fragments.filter((f) => f.trim() !== '');
  if (parts.length === 0) return undefined;
  return `${scriptHeader(prefix)}${parts.map((f) => (f.endsWith('\n') ? f : `${f}\n`)).join('\n')}\nexit 0\n`;
}
