import { execFile } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { writeFileAtomicSync } from '@mkpkg/platform';
import { Cookies } from '../cookies.ts';
import { isPublished, packageFile, stagePackageFile } from '../package.ts';
import { type PackageDir, watchedUnchanged } from '../pkgdir.ts';

/**
 * The up-to-date record, ${WRKDIR}/.mkpkg-uptodate: what lets bin/mkpkg, a
 * POSIX shell script, answer a re-run whose package is already made without
 * starting Node (Node's start alone costs several times bmake's evaluation
 * of the Makefile). A run that ends with the package up to date writes it;
 * every run that takes the work area's lock removes it first.
 *
 * The front end answers from it only when all of these hold, and otherwise
 * runs the Node command, so a record can cost a re-run time, never a wrong
 * answer:
 * - the record is the user's own and names format 1;
 * - `cksum` of the invocation key (environment, directory, arguments) and of
 *   every input file gives exactly the lines recorded (content, not dates:
 *   a file copied over with its old mtime is still seen);
 * - no input file or directory is newer than the record, whose mtime is set
 *   to a second before the inputs were last checked (so an edit made while
 *   they were being checked shows too, at any timestamp precision), and
 *   every directory still exists: an added patch or PLIST shows in its
 *   directory's mtime;
 * - the staged package exists and, for `package`, the published one is the
 *   same file.
 *
 * The inputs are what the package cookie's digest was made from (patches,
 * distinfo, FILESDIR, PLIST, DESCR, MESSAGE, every makefile bmake read) and
 * what the evaluated variables depend on (the makefiles, and the directories
 * whose entries the glue tests for). An absent input is watched through the
 * nearest directory that exists.
 *
 * Format, one item a line (a path holding a newline gets no record):
 *   mkpkg-uptodate 1
 *   key <cksum line of the key>      sum <cksum line of each file, in order>
 *   staged <path>                    published <path>   (package only)
 *   say <line to print on stderr>    dir <path>         file <path>
 */
export const RECORD_NAME = '.mkpkg-uptodate';
const MAGIC = 'mkpkg-uptodate 1';

export interface UptodateRecord {
  /** The front end's `cksum -` line of its key. */
  readonly key: string;
  readonly staged: string;
  /** Where `package` publishes (absent for stage-package-create, which does not). */
  readonly published?: string;
  /** What the run printed, line by line, for the front end to print the same. */
  readonly say: readonly string[];
  readonly dirs: readonly string[];
  readonly files: readonly string[];
  /** cksum's line for each of files, in the same order. */
  readonly sums: readonly string[];
}

/** The record as text, or undefined when some item cannot be written on one line. */
export function formatRecord(r: UptodateRecord): string | undefined {
  if (r.files.length === 0 || r.sums.length !== r.files.length) return undefined;
  const lines = [
    MAGIC,
    `key ${r.key}`,
    ...r.sums.map((s) => `sum ${s}`),
    `staged ${r.staged}`,
    ...(r.published !== undefined ? [`published ${r.published}`] : []),
    ...r.say.map((s) => `say ${s}`),
    ...r.dirs.map((d) => `dir ${d}`),
    ...r.files.map((f) => `file ${f}`),
  ];
  if (lines.some((l) => /[\n\r\0]/.test(l))) return undefined;
  return `${lines.join('\n')}\n`;
}

/** Where the front end looks: only a WRKDIR of ./work (the front end knows no other). */
export function recordPath(p: PackageDir): string | undefined {
  return p.wrkdir === path.join(p.dir, 'work') ? path.join(p.wrkdir, RECORD_NAME) : undefined;
}

/** Removes the record: called by every run that may change the work area, before it does. */
export function dropRecord(p: PackageDir): void {
  const r = recordPath(p);
  if (r !== undefined) fs.rmSync(r, { force: true });
}

export interface RecordRequest {
  /** The front end's key (uptodate/key.ts). */
  readonly key: string;
  /** The package was published into ${PACKAGES}/All (target package), not only staged. */
  readonly published: boolean;
  /** The lines a run that finds the package up to date prints. */
  readonly say: readonly string[];
  /** The package directory loaded afresh with this run's options. */
  readonly reload: () => Promise<PackageDir>;
}

/**
 * Writes the record when the package is up to date now. Everything is
 * checked again from the files, after the moment the record will be dated
 * with: what the run computed earlier may be older than an edit made
 * during it. Best effort: a record not written costs the next run time.
 */
export async function writeRecord(p: PackageDir, req: RecordRequest): Promise<void> {
  const file = recordPath(p);
  if (file === undefined) return;
  try {
    const since = Math.floor(Date.now() / 1000) - 1;
    const fresh = await req.reload();
    if (recordPath(fresh) !== file) return;
    if (!watchedUnchanged(fresh.watched)) return;
    const cookies = new Cookies(fresh);
    if (!cookies.done('package')) return;
    const staged = stagePackageFile(fresh);
    const published = req.published ? packageFile(fresh) : undefined;
    if (req.published ? !isPublished(fresh) : !fs.statSync(staged).isFile()) return;

    const inputs = cookies.inputs();
    const files = new Set<string>(inputs.files);
    const dirs = new Set<string>();
    for (const f of Object.keys(fresh.watched)) (isDir(f) ? dirs : files).add(f);
    for (const d of [...inputs.dirs, ...inputs.others]) {
      const existing = nearestExisting(d);
      if (existing === undefined || !isDir(existing)) return;
      dirs.add(existing);
    }
    const limit = BigInt(since) * 1_000_000_000n;
    for (const f of [...files, ...dirs]) {
      if (fs.statSync(f, { bigint: true }).mtimeNs > limit) return;
    }
    const list = [...files];
    const sums = await cksum(list);
    const text = formatRecord({ key: req.key, staged, ...(published !== undefined ? { published } : {}), say: req.say, dirs: [...dirs], files: list, sums });
    if (text === undefined) return;
    writeFileAtomicSync(file, text, { mode: 0o644, mtime: since });
  } catch {
    // No record: the next run starts Node and finds out for itself.
  }
}

/** cksum's line for each file, as the front end's cksum will print it (the same program, by PATH). */
async function cksum(files: readonly string[]): Promise<string[]> {
  const { stdout } = await promisify(execFile)('cksum', [...files], { encoding: 'utf8', maxBuffer: 1 << 24 });
  const lines = stdout.replace(/\n$/, '').split('\n');
  if (lines.length !== files.length) throw new Error('cksum printed an unexpected number of lines');
  return lines;
}

function isDir(f: string): boolean {
  try {
    return fs.statSync(f).isDirectory();
  } catch {
    return false;
  }
}

/** The path itself when it exists, else its nearest ancestor that does. */
function nearestExisting(f: string): string | undefined {
  for (let d = f; ; d = path.dirname(d)) {
    if (fs.existsSync(d)) return d;
    if (path.dirname(d) === d) return undefined;
  }
}
