import fs from 'node:fs';
import path from 'node:path';
import { type Abi, InputError, machineArch, splitList, UserError, writeFileAtomicSync } from '@mkpkg/platform';
import { checkElf } from './elfcheck.ts';
import { checkLinks } from './elflinks.ts';
import { readRecord } from './depends/resolve.ts';
import { infoFragments } from './infofiles.ts';
import { differingHeaders, incarchEntries, mergeStages, walk } from './merge.ts';
import { misplacedLibraries, misplacedMessage, oneAbiMessage, oneAbiPrograms } from './abilayout.ts';
import { type PackageDir, type Vars, get, isYes } from './pkgdir.ts';
import { parseAssignments } from './shell.ts';
import { type Note, destdirOf, lazy, logFile, prefixOf } from './workdir.ts';

// After the per-ABI installs: merge into DESTDIR, SMF, PLIST expansion and
// check, ELF check. The results (.PLIST, .scripts.json) feed `package`.

/** PLIST_SRC as absolute paths; a named file that is missing is bad input. */
export function plistSources(p: PackageDir): string[] {
  const files = splitList(get(p.vars, 'PLIST_SRC')).map((f) => path.resolve(p.dir, f));
  for (const f of files) if (!fs.existsSync(f)) throw new InputError(`PLIST_SRC names ${f}, which does not exist`, { where: { file: p.makefile } });
  return files;
}

/** plist-expand options from the package's MULTIARCH_*, PLIST_SUBST and PLIST_VARS. */
export async function expandOptions(p: PackageDir, extraLibSkip: readonly string[] = []) {
  const plist = await lazy.plist();
  const v = p.vars;
  const dv = p.abiVars.get(p.platform.defaultAbi) as Vars;
  const on = new Set(splitList(get(dv, '_MKPKG_PLIST_ON')));
  const plistVars: Record<string, boolean> = {};
  for (const n of splitList(get(dv, 'PLIST_VARS'))) plistVars[n] = on.has(n);
  const subst: Record<string, string> = {
    PREFIX: prefixOf(v),
    LOCALBASE: get(v, 'LOCALBASE'),
    PKGBASE: get(v, 'PKGBASE'),
    PKGNAME: get(v, 'PKGNAME'),
    PKGVERSION: get(v, 'PKGVERSION'),
    PKGMANDIR: get(v, 'PKGMANDIR'),
    PKGINFODIR: get(v, 'PKGINFODIR'),
    PKG_SYSCONFDIR: get(v, 'PKG_SYSCONFDIR'),
    OPSYS: p.platform.opsys,
    MACHINE_ARCH: machineArch(p.platform.defaultAbi),
    ...parseAssignments(get(dv, 'PLIST_SUBST')),
  };
  return plist.defaultExpandOptions(p.platform, p.multiarch, {
    binDirs: splitList(get(v, 'MULTIARCH_DIRS.bin')),
    libDirs: splitList(get(v, 'MULTIARCH_DIRS.lib')),
    skipBinDirs: splitList(get(v, 'MULTIARCH_SKIP_DIRS.bin')),
    skipLibDirs: [...new Set([...splitList(get(v, 'MULTIARCH_SKIP_DIRS.lib')), ...extraLibSkip])],
    subst,
    plistVars,
  });
}

/** Files (and symlinks) below a directory, relative to it. */
function filesOf(root: string): string[] {
  return walk(root).filter((e) => e.kind !== 'dir').map((e) => e.rel);
}

/** A library an ABI put outside its lib directory stops the build before the merge, saying what to pass. */
function checkLibraryDirs(p: PackageDir): void {
  if (!p.multiarch.enabled || !p.multiarch.lib) return;
  const libDirs = splitList(get(p.vars, 'MULTIARCH_DIRS.lib'));
  const found = p.abis.flatMap((abi) => misplacedLibraries(abi, filesOf(path.join(p.stageDir(abi), prefixOf(p.vars))), { platform: p.platform, libDirs }));
  if (found.length === 0) return;
  const m = misplacedMessage(found);
  throw new UserError(m.message, { hint: m.hint });
}

/** Programs only some ABIs built, in the merged tree (empty unless bin is multiarch). */
function oneAbiIn(p: PackageDir, root: string, opts: { binDirs: string[]; skipBinDirs: string[] }) {
  if (!p.multiarch.enabled || !p.multiarch.bin) return [];
  return oneAbiPrograms(filesOf(root), { platform: p.platform, binDirs: opts.binDirs, skipBinDirs: opts.skipBinDirs });
}

/** Merges the per-ABI stages into DESTDIR and records what it did in .logs/merge.log. */
export function merge(p: PackageDir, extraIncEntries: readonly string[] = []): void {
  checkLibraryDirs(p);
  const raw = [...plistSources(p).flatMap((f) => fs.readFileSync(f, 'utf8').split('\n')), ...extraIncEntries];
  const r = mergeStages({
    stages: p.abis.map((abi) => ({ abi, root: p.stageDir(abi) })),
    destdir: destdirOf(p),
    prefix: prefixOf(p.vars),
    platform: p.platform,
    incEntries: p.multiarch.enabled ? incarchEntries(raw) : [],
    infoDir: get(p.vars, 'PKGINFODIR') || 'info',
  });
  const log = logFile(p, 'merge');
  fs.mkdirSync(path.dirname(log), { recursive: true });
  fs.writeFileSync(log, [`${r.files} files merged`, ...r.rewrittenLinks.map((l) => `rewrote symlink ${l}`), ...r.generated.map((g) => `generated generic header ${g}`)].join('\n') + '\n');
}

/**
 * `mkpkg print-plist`: the merged tree folded back into a single-arch PLIST
 * (per-ABI paths become bin/foo, lib/libfoo.so, … again), with pkgsrc's
 * `@comment $NetBSD$` first line. Headers that differ between the ABIs are
 * written include${INCARCHSUFFIX}/<name>, which is what makes them merge.
 */
export async function printPlist(p: PackageDir, note: Note): Promise<string[]> {
  const prefixRel = prefixOf(p.vars).replace(/^\/+/, '');
  const differing = p.multiarch.enabled ? differingHeaders(p.abis.map((abi) => ({ abi, root: p.stageDir(abi) })), prefixRel, p.platform) : [];
  const inc = differing.map((h) => h.replace(/^include\//, 'include${INCARCHSUFFIX}/'));
  if (inc.length > 0) note(`print-plist: ${inc.length} header(s) differ between the ABIs; listed as ${inc.join(', ')}`);
  merge(p, inc);
  const root = path.join(destdirOf(p), prefixOf(p.vars));
  const plist = await lazy.plist();
  const opts = await expandOptions(p);
  for (const f of oneAbiIn(p, root, opts)) {
    note(`print-plist: warning: ${f.line} was built for ABI ${f.has.join(', ')} only (ABI ${f.lacks.join(', ')} lacks it); the PLIST check will refuse ${f.paths.join(', ')}`);
  }
  return ['@comment $NetBSD$', ...(await plist.foldTree(root, opts))];
}

/** Merge, SMF, PLIST expansion and check, ELF check; writes .PLIST and .scripts.json for `package`. */
export async function finishInstall(p: PackageDir, note: Note): Promise<void> {
  const v = p.vars;
  note(`merging ${p.abis.length > 1 ? `ABIs ${p.abis.join(', ')}` : `ABI ${p.abis[0]}`} into ${destdirOf(p)}`);
  merge(p);
  const root = path.join(destdirOf(p), prefixOf(v));
  const dv = p.abiVars.get(p.platform.defaultAbi) as Vars;
  const [plist, smf] = await Promise.all([lazy.plist(), lazy.smf()]);
  const settings = smf.smfSettingsFromVars(dv, { pkgbase: get(v, 'PKGBASE'), filesdir: path.resolve(p.dir, get(v, 'FILESDIR')), wrkdir: p.wrkdir });
  const opts = await expandOptions(p, settings ? smf.smfLibSkipDirs(settings) : []);
  const expanded = await plist.expandPlistFiles(plistSources(p), opts);
  // plist-expand's warnings already read `file:line: warning: ...`.
  for (const w of expanded.warnings) note(w);
  let lines = expanded.lines;
  const meta: { install: string[]; deinstall: string[] } = { install: [], deinstall: [] };
  if (settings) {
    const filesSubst = { PREFIX: prefixOf(v), ...smf.filesSubstFromVars(dv) };
    const r = await smf.installSmf(settings, { destPrefix: root, filesSubst, plistLines: lines });
    for (const w of r.warnings) note(`warning: ${w}`);
    lines = [...smf.filterSmfPlist(lines), ...r.plistLines];
    meta.install.push(r.installFragment);
    meta.deinstall.push(r.deinstallFragment);
  }
  if (isYes(dv, 'INFO_FILES')) {
    const infoDir = get(v, 'PKGINFODIR') || 'info';
    const infos = lines.filter((l) => l.startsWith(`${infoDir}/`) && /\.info$/.test(l));
    if (infos.length > 0) {
      const frag = infoFragments(infoDir, infos);
      meta.install.push(frag.install);
      meta.deinstall.push(frag.deinstall);
    }
  }
  const oneAbi = oneAbiIn(p, root, opts);
  if (oneAbi.length > 0) {
    const m = oneAbiMessage(oneAbi);
    throw new UserError(`PLIST check failed: ${m.message}`, { hint: m.hint });
  }
  const check = await plist.checkTree(lines, root, { platform: p.platform });
  if (check.missing.length > 0 || check.unlisted.length > 0) throw plistError(check);
  const n = checkElf({
    root,
    prefix: prefixOf(v),
    platform: p.platform,
    multiarch: p.multiarch,
    binDirs: opts.binDirs,
    libDirs: opts.libDirs,
    skipDirs: [...opts.skipLibDirs, ...opts.skipBinDirs],
  });
  const links = checkLinks({ root, prefix: prefixOf(v), depFiles: await dependencyFiles(p), skipDirs: [...opts.skipLibDirs, ...opts.skipBinDirs], wrkdir: p.wrkdir });
  for (const w of links.warnings) note(`warning: ${w}`);
  note(`PLIST: ${lines.length} lines match ${root}; ${n} ELF files have their ABI's class; the needed libraries of ${links.checked} resolve to their class`);
  writeFileAtomicSync(path.join(p.wrkdir, '.PLIST'), lines.join('\n') + '\n');
  writeFileAtomicSync(path.join(p.wrkdir, '.scripts.json'), JSON.stringify(meta));
}

/** Absolute paths of the files of every dependency the depends phase resolved (from the pkgdb). */
async function dependencyFiles(p: PackageDir): Promise<string[]> {
  const record = readRecord(p);
  const names = new Set([...record.resolved.map((r) => r.pkgname), ...record.buildlink.map((b) => b.pkgname)]);
  if (names.size === 0) return [];
  const pkg = await lazy.pkg();
  const pkgdb = path.resolve(p.dir, get(p.vars, 'PKG_DBDIR'));
  const out: string[] = [];
  for (const n of names) {
    const file = path.join(pkgdb, n, '+CONTENTS');
    if (!fs.existsSync(file)) continue;
    const c = pkg.parseContents(fs.readFileSync(file, 'utf8'), file);
    for (const e of c.entries) if (e.kind === 'file') out.push(path.posix.join(c.prefix ?? '/', e.path));
  }
  return out;
}

/** The PLIST check's failure, with the ABI that lacks each missing file where it is known. */
function plistError(check: { missing: string[]; unlisted: string[]; missingByAbi?: Partial<Record<Abi, string[]>> }): UserError {
  const parts: string[] = [];
  if (check.missing.length > 0) {
    parts.push(`${check.missing.length} file(s) in the PLIST were not installed (missing):`);
    const byAbi = check.missingByAbi ?? {};
    const tagged = new Map<string, Abi>();
    for (const [abi, files] of Object.entries(byAbi) as [Abi, string[]][]) for (const f of files) tagged.set(f, abi);
    for (const f of check.missing) parts.push(`  ${f}${tagged.has(f) ? `  (ABI ${tagged.get(f)} did not install it)` : ''}`);
  }
  if (check.unlisted.length > 0) {
    parts.push(`${check.unlisted.length} installed file(s) are not listed in the PLIST (unlisted):`);
    for (const f of check.unlisted) parts.push(`  ${f}`);
  }
  return new UserError(`PLIST check failed:\n${parts.join('\n')}`, {
    hint: "fix the PLIST (mkpkg print-plist shows what was installed, folded), or make the package install what it lists",
  });
}
