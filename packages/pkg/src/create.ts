import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { InputError, UserError, splitPkgName } from '@mkpkg/platform';
import { type Compression, compressTo } from './compression.ts';
import { type PlistEntry, parseContents, renderEntry } from './contents.ts';
import {
  type HardLink, assembleScript, buildInfoText, descText, linkDeinstallFragment, linkInstallFragment, sourceDateEpoch,
} from './metadata.ts';
import { TarWriter } from './tarwrite.ts';
import { md5Staged } from './md5.ts';
import { keepYoungGenerationSmall } from './gcnudge.ts';

export interface CreateOptions {
  output: string;
  pkgname: string;
  prefix: string;
  /** Holds the files as they will be under `prefix`. */
  stageDir: string;
  /** Final expanded PLIST lines: paths and @-commands. */
  plist: readonly string[];
  /** Names the PLIST in messages (file:line); default "PLIST". */
  plistSource?: string;
  comment: string;
  descr: string;
  homepage?: string;
  depends?: string[];
  conflicts?: string[];
  /** Merged over the defaults (OPSYS, OS_VERSION, MACHINE_ARCH, PKGTOOLS_VERSION, ABI, MULTIARCH_ABIS, BUILD_DATE). */
  buildInfo: Record<string, string>;
  message?: string;
  /** +BUILD_VERSION: `file: $NetBSD…$` lines of the package's sources (pbulk's up-to-date check reads them). */
  buildVersion?: string;
  installFragments?: string[];
  deinstallFragments?: string[];
  compression?: Compression;
}

/**
 * What the stat/checksum pass learned about one PLIST file; `mtime` in
 * whole seconds (a Date per file was 3 MB of heap on 35,000 files).
 */
type Staged =
  | { kind: 'file'; path: string; size: number; mode: number; mtime: number; md5: string }
  | { kind: 'hardlink'; path: string; target: string; mode: number; mtime: number; md5: string; size: number }
  | { kind: 'symlink'; path: string; target: string; mode: number; mtime: number };

const OWNER = { uid: 0, gid: 0, uname: 'root', gname: 'root' } as const;
/** Hashed bytes between two turns of the event loop (a progress bar keeps drawing). */
const YIELD_EVERY = 32 * 1024 * 1024;

/**
 * Stats every PLIST file in the stage and checksums the regular ones.
 * Files sharing an inode after the first become tar hard-link members, as
 * libarchive's link resolver does for pkg_create.
 *
 * Synchronous calls, one file after the other, keeping only the fields the
 * package needs: a promise per lstat, open and read, and thousands of
 * fs.Stats kept alive until the end, grew the young heap by some 15 MB on
 * a tree of 4,000 files and made the pass slower than the reads.
 */
async function stagePass(stageDir: string, files: readonly Extract<PlistEntry, { kind: 'file' }>[], source: string, epoch: number | undefined): Promise<Staged[]> {
  const firstByInode = new Map<string, string>();
  const md5Of = new Map<string, string>();
  const buf = Buffer.allocUnsafe(1024 * 1024);
  const out: Staged[] = [];
  let hashed = 0;
  for (const f of files) {
    const where = { file: source, line: f.line };
    const abs = path.join(stageDir, f.path);
    let st: fs.Stats;
    try {
      st = fs.lstatSync(abs);
    } catch (err) {
      throw new InputError(`${f.path} is in the PLIST but not in the staging directory ${stageDir} (${(err as NodeJS.ErrnoException).code})`, {
        where, hint: 'install the file into the stage or remove the line from the PLIST',
      });
    }
    const mtime = epoch ?? Math.floor(st.mtimeMs / 1000);
    const mode = st.mode & 0o7777;
    if (st.isSymbolicLink()) {
      out.push({ kind: 'symlink', path: f.path, target: fs.readlinkSync(abs), mode, mtime });
    } else if (st.isFile()) {
      const key = `${st.dev}:${st.ino}`;
      const first = st.nlink > 1 ? firstByInode.get(key) : undefined;
      if (first !== undefined) {
        out.push({ kind: 'hardlink', path: f.path, target: first, mode, mtime, md5: md5Of.get(first) ?? '', size: st.size });
        continue;
      }
      if (st.nlink > 1) firstByInode.set(key, f.path);
      let sum: { md5: string; size: number };
      try {
        sum = md5Staged(abs, buf);
      } catch (err) {
        throw new UserError(`cannot read ${f.path} in the stage: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`, { where });
      }
      const { md5, size } = sum;
      if (size !== st.size) {
        throw new UserError(`${f.path} in the stage changed while it was being packed (${size} bytes, not ${st.size})`, { where });
      }
      // Only the first name of a hard-linked file is looked up later.
      if (st.nlink > 1) md5Of.set(f.path, md5);
      out.push({ kind: 'file', path: f.path, size, mode, mtime, md5 });
      hashed += size;
      if (hashed >= YIELD_EVERY) {
        hashed = 0;
        await new Promise<void>((r) => setImmediate(r));
      }
    } else {
      throw new InputError(`${f.path} in the stage is ${st.isDirectory() ? 'a directory' : 'not a regular file or symlink'}; a PLIST lists files only`, {
        where, hint: st.isDirectory() ? 'use @pkgdir for a directory the package owns' : undefined,
      });
    }
  }
  return out;
}

/** The packing list pkg_create would write for these inputs (facts §5.3). */
function contentsText(o: CreateOptions, entries: readonly PlistEntry[], staged: ReadonlyMap<string, Staged>, meta: readonly string[]): string {
  const out: string[] = [`@cwd ${o.prefix}`];
  for (const c of o.conflicts ?? []) out.push(`@pkgcfl ${c}`);
  out.push(`@name ${o.pkgname}`);
  for (const d of o.depends ?? []) out.push(`@pkgdep ${d}`);
  for (const e of entries) {
    out.push(renderEntry(e));
    if (e.kind !== 'file') continue;
    const s = staged.get(e.path);
    if (s?.kind === 'symlink') out.push(`@comment Symlink:${s.target}`);
    else if (s) out.push(`@comment MD5:${s.md5}`);
  }
  out.push('@cwd .');
  for (const m of meta) {
    if (m === '+DISPLAY') out.push('@display +DISPLAY');
    out.push('@ignore', m);
  }
  return `${out.join('\n')}\n`;
}

function checkOptions(o: CreateOptions): void {
  if (!/^[^\s/]+-[^\s/-]+$/.test(o.pkgname)) {
    throw new InputError(`package name '${o.pkgname}' is not of the form <base>-<version>`);
  }
  splitPkgName(o.pkgname);
  if (!path.isAbsolute(o.prefix)) throw new InputError(`prefix '${o.prefix}' must be an absolute path`);
  if (o.comment.trim() === '' || o.comment.includes('\n')) throw new InputError('COMMENT must be one non-empty line');
  for (const p of [...(o.depends ?? []), ...(o.conflicts ?? [])]) {
    if (p.trim() === '' || /\s/.test(p)) throw new InputError(`dependency/conflict pattern '${p}' must be one word`);
  }
}

/**
 * Reduces the PLIST to what goes into +CONTENTS: drops old MD5/Symlink
 * comments (recomputed) and @cwd/@name lines (the options set them), and
 * refuses duplicates that would make the archive and the list disagree.
 */
function plistEntries(o: CreateOptions, source: string): PlistEntry[] {
  const { entries } = parseContents(o.plist.join('\n'), source);
  const seen = new Map<string, number>();
  const out: PlistEntry[] = [];
  for (const e of entries) {
    if (e.kind === 'comment' && /^(MD5|Symlink):/.test(e.text)) continue;
    if (e.kind === 'cwd') {
      if (e.dir !== o.prefix && e.dir !== '.') throw new InputError(`@cwd ${e.dir} differs from the prefix ${o.prefix}`, { where: { file: source, line: e.line } });
      continue;
    }
    if (e.kind === 'name') {
      if (e.pkgname !== o.pkgname) throw new InputError(`@name ${e.pkgname} differs from the package name ${o.pkgname}`, { where: { file: source, line: e.line } });
      continue;
    }
    if (e.kind === 'ignore' || e.kind === 'display') throw new InputError(`@${e.kind} is written by the builder; remove it from the PLIST`, { where: { file: source, line: e.line } });
    const owned = e.kind === 'file' ? e.path : e.kind === 'link' ? e.dst : undefined;
    if (owned !== undefined) {
      const prev = seen.get(owned);
      if (prev !== undefined) throw new InputError(`${owned} is listed twice (first at line ${prev})`, { where: { file: source, line: e.line } });
      seen.set(owned, e.line);
    }
    out.push(e);
  }
  return out;
}

/**
 * Builds a pkgsrc binary package: +CONTENTS first, the other metadata in
 * pkg_install's order, then the payload in PLIST order, streamed file by
 * file through the compressor into a temporary file renamed at the end.
 */
export async function createPackage(o: CreateOptions): Promise<{ path: string; sizePkg: number }> {
  checkOptions(o);
  keepYoungGenerationSmall();
  const source = o.plistSource ?? 'PLIST';
  const epoch = sourceDateEpoch();
  const entries = plistEntries(o, source);
  const files = entries.filter((e): e is Extract<PlistEntry, { kind: 'file' }> => e.kind === 'file');
  const links: HardLink[] = entries.flatMap((e) => (e.kind === 'link' ? [{ src: e.src, dst: e.dst }] : []));
  const staged = await stagePass(o.stageDir, files, source, epoch);
  const byPath = new Map(staged.map((s) => [s.path, s]));
  const sizePkg = staged.reduce((n, s) => n + (s.kind === 'symlink' ? 0 : s.size), 0);

  const install = assembleScript(o.prefix, [...(o.installFragments ?? []), linkInstallFragment(links)]);
  const deinstall = assembleScript(o.prefix, [...(o.deinstallFragments ?? []), linkDeinstallFragment(links)]);
  const meta: Array<[string, string, number]> = [
    ['+COMMENT', `${o.comment}\n`, 0o444],
    ['+DESC', descText(o.descr, o.homepage), 0o444],
  ];
  if (install) meta.push(['+INSTALL', install, 0o555]);
  if (deinstall) meta.push(['+DEINSTALL', deinstall, 0o555]);
  if (o.message !== undefined && o.message !== '') meta.push(['+DISPLAY', o.message.endsWith('\n') ? o.message : `${o.message}\n`, 0o444]);
  if (o.buildVersion) meta.push(['+BUILD_VERSION', o.buildVersion.endsWith('\n') ? o.buildVersion : `${o.buildVersion}\n`, 0o444]);
  meta.push(['+BUILD_INFO', buildInfoText(o.buildInfo, o.homepage, epoch), 0o444]);
  meta.push(['+SIZE_PKG', `${sizePkg}\n`, 0o444]);
  // Dependencies' sizes are unknown here, so SIZE_ALL counts this package only.
  meta.push(['+SIZE_ALL', `${sizePkg}\n`, 0o444]);
  // A Buffer at once: the string (MBs on a big PLIST) is not kept through the payload.
  const contents = Buffer.from(contentsText(o, entries, byPath, meta.map((m) => m[0])));

  const out = path.resolve(o.output);
  await fs.promises.mkdir(path.dirname(out), { recursive: true });
  const tmp = path.join(path.dirname(out), `.${path.basename(out)}.tmp-${process.pid}-${crypto.randomBytes(4).toString('hex')}`);
  const metaTime = new Date((epoch ?? Math.floor(Date.now() / 1000)) * 1000);
  const fh = await fs.promises.open(tmp, 'wx', 0o644);
  const sink = compressTo(o.compression ?? 'gzip', fh.fd, out);
  sink.done.catch(() => {});
  try {
    const tar = new TarWriter(sink.input);
    const tasks = async () => {
      await tar.add({ path: '+CONTENTS', type: 'File', mode: 0o644, mtime: metaTime, ...OWNER }, contents);
      for (const [name, text, mode] of meta) {
        await tar.add({ path: name, type: 'File', mode, mtime: metaTime, ...OWNER }, Buffer.from(text));
      }
      for (const s of staged) {
        const h = { path: s.path, mode: s.mode, mtime: new Date(s.mtime * 1000), ...OWNER };
        if (s.kind === 'symlink') await tar.add({ ...h, type: 'SymbolicLink', linkpath: s.target });
        else if (s.kind === 'hardlink') await tar.add({ ...h, type: 'Link', linkpath: s.target });
        else await tar.addFile({ ...h, type: 'File', size: s.size }, path.join(o.stageDir, s.path));
      }
      await tar.finish();
      sink.input.end();
    };
    await Promise.all([tasks(), sink.done]);
    // On disk before it gets its final name: a crash after the rename never leaves a short package there.
    await fh.sync();
    await fh.close();
    await fs.promises.rename(tmp, out);
  } catch (err) {
    sink.input.destroy();
    // Writes still under way must end before the descriptor is closed (and its number reused).
    await sink.done.catch(() => {});
    await fh.close().catch(() => {});
    await fs.promises.rm(tmp, { force: true });
    if (err instanceof UserError) throw err;
    throw new UserError(`cannot write package ${out}: ${(err as Error).message}`);
  }
  return { path: out, sizePkg };
}
