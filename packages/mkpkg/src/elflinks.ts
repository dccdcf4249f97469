import fs from 'node:fs';
import path from 'node:path';
import { UserError } from '@mkpkg/platform';
import { readElf } from './elf.ts';
import { walk } from './merge.ts';

/**
 * The link check: every DT_NEEDED library that the package or
 * one of its dependencies provides must resolve, through the needing
 * object's run path, to an object of the same ELF class. The loader skips a
 * library of the wrong class and goes on searching, so a 32-bit program
 * whose run path leads only to the 64-bit copy fails at run time, far from
 * the build that caused it. Libraries the system provides are not judged.
 */
export interface LinkCheckOptions {
  /** ${DESTDIR}${PREFIX}: the package's files as they will be installed under `prefix`. */
  readonly root: string;
  readonly prefix: string;
  /** Absolute paths of the dependencies' installed files (from their +CONTENTS). */
  readonly depFiles: readonly string[];
  readonly skipDirs: readonly string[];
  /** The work directory: no run path may lead into it (the buildlink views live there). */
  readonly wrkdir?: string;
}

export interface LinkCheckResult {
  readonly checked: number;
  /** Problems that are only reported: a library whose own run path misses a sibling the program loads first. */
  readonly warnings: readonly string[];
}

const under = (rel: string, dir: string) => rel === dir || rel.startsWith(`${dir}/`);

/** Where a path the loader would open is now: in the package's staged tree, or installed. */
function locate(abs: string, o: LinkCheckOptions): string | undefined {
  const rel = path.posix.relative(o.prefix, abs);
  if (!rel.startsWith('..') && !path.isAbsolute(rel)) {
    const staged = path.join(o.root, rel);
    if (fs.existsSync(staged)) return staged;
  }
  return fs.existsSync(abs) ? abs : undefined;
}

export function checkLinks(o: LinkCheckOptions): LinkCheckResult {
  const provided = new Map<string, string[]>();
  const provide = (name: string, where: string) => provided.set(name, [...(provided.get(name) ?? []), where]);
  const objects: { rel: string; bits: number; runpath: readonly string[]; needed: readonly string[] }[] = [];
  const problems: string[] = [];
  for (const e of walk(o.root)) {
    if (e.kind === 'dir') continue;
    if (o.skipDirs.some((d) => under(e.rel, d))) continue;
    provide(path.basename(e.rel), path.posix.join(o.prefix, e.rel));
    if (e.kind !== 'file') continue;
    const info = readElf(path.join(o.root, e.rel));
    if (info && o.wrkdir) {
      const bad = info.runpath.filter((d) => d === o.wrkdir || d.startsWith(`${o.wrkdir}/`));
      if (bad.length > 0) problems.push(`  ${e.rel}: RUNPATH entry ${bad.join(', ')} leads into the work directory`);
    }
    if (info && info.needed.length > 0) objects.push({ rel: e.rel, bits: info.bits, runpath: info.runpath, needed: info.needed });
  }
  for (const f of o.depFiles) provide(path.basename(f), f);
  const warnings: string[] = [];
  for (const obj of objects) {
    const origin = path.posix.dirname(path.posix.join(o.prefix, obj.rel));
    const dirs = obj.runpath.map((d) => d.replace(/\$(ORIGIN|\{ORIGIN\})/g, origin));
    for (const soname of obj.needed) {
      const from = provided.get(soname);
      if (!from) continue;
      let found: { dir: string; bits: number } | undefined;
      const wrong: string[] = [];
      for (const d of dirs) {
        const file = locate(path.posix.join(d, soname), o);
        if (!file) continue;
        const info = readElf(file);
        if (!info) continue;
        if (info.bits === obj.bits) {
          found = { dir: d, bits: info.bits };
          break;
        }
        wrong.push(`${path.posix.join(d, soname)} (${info.bits}-bit)`);
      }
      if (found) continue;
      const where = `${obj.rel} (${obj.bits}-bit) needs ${soname}`;
      if (wrong.length > 0) problems.push(`  ${where}: its run path leads only to ${wrong.join(', ')}`);
      else {
        const msg = `  ${where}, provided at ${from.join(', ')}, but its run path (${obj.runpath.join(':') || 'none'}) does not lead to a ${obj.bits}-bit copy`;
        // A program must find it; a library may rely on the program having loaded it.
        if (/^(s?bin|libexec)(\/|$)/.test(obj.rel)) problems.push(msg);
        else warnings.push(msg.trim());
      }
    }
  }
  if (problems.length > 0) {
    throw new UserError(`ELF link check failed: ${problems.length} problem(s):\n${problems.join('\n')}`, {
      hint: 'link with -Wl,-rpath,${PREFIX}/lib${LIBARCHSUFFIX} (mkpkg puts it in LDFLAGS; a build that drops LDFLAGS or sets its own run path loses it), and link each ABI against that ABI\'s libraries',
    });
  }
  return { checked: objects.length, warnings };
}
