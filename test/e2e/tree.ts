// Helpers for the end-to-end tests: a scratch mkpkg tree holding copies of
// the fixture packages, the mkpkg command run on it, ELF headers read back.
// Only node built-ins: test/ belongs to no workspace package.
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { type RunResult, run } from '../lib/run.ts';

export { type RunResult, run };

export const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
export const FIXTURES = path.join(REPO, 'fixtures/pkgsrc');
const MKPKG_BIN = path.join(REPO, 'packages/mkpkg/bin/mkpkg.mjs');

/** Every fixture package, isaexec first (the others depend on it). */
export const ALL_PACKAGES = [
  'pkgtools/isaexec',
  'devel/libmulti',
  'devel/cmcalc',
  'misc/plainhello',
  'sysutils/tickd',
  'lang/tinyinterp1',
  'lang/tinyinterp2',
] as const;

/** Runs `mkpkg ARGS` (never throws; look at exitCode). */
export function mkpkg(args: readonly string[], env: Record<string, string> = {}): Promise<RunResult> {
  return run(process.execPath, [MKPKG_BIN, ...args], { env: { ...process.env, ...env } });
}

/** True when the path exists (without following a final symlink). */
export async function exists(p: string): Promise<boolean> {
  try {
    await fs.lstat(p);
    return true;
  } catch {
    return false;
  }
}

/** A failure report that shows what mkpkg said. */
export function explain(what: string, r: RunResult): string {
  return `${what} exited ${r.exitCode}; output:\n${r.all.slice(-4000)}`;
}

export interface Tree {
  readonly root: string;
  readonly packages: string;
  /** What mkpkg runs with besides the inherited environment (MAKECONF). */
  readonly env: Readonly<Record<string, string>>;
  pkgDir(pkg: string): string;
  /** `mkpkg -C <pkgdir> ARGS` */
  mkpkg(pkg: string, args: readonly string[]): Promise<RunResult>;
  remove(): Promise<void>;
}

/**
 * A scratch tree made by `mkpkg init-tree`, with copies of the named
 * fixture packages (optionally under another name, for mutated copies) and
 * all fixture distfiles.
 */
export async function makeTree(pkgs: ReadonlyArray<string | { from: string; as: string }>): Promise<Tree> {
  const root = await fs.mkdtemp(path.join(os.tmpdir(), 'mkpkg-e2e-'));
  const init = await mkpkg(['init-tree', root]);
  if (init.exitCode !== 0) throw new Error(explain(`mkpkg init-tree ${root}`, init));
  for (const p of pkgs) {
    const from = typeof p === 'string' ? p : p.from;
    const as = typeof p === 'string' ? p : p.as;
    await fs.cp(path.join(FIXTURES, from), path.join(root, as), { recursive: true });
  }
  await fs.mkdir(path.join(root, 'distfiles'), { recursive: true });
  await fs.cp(path.join(FIXTURES, 'distfiles'), path.join(root, 'distfiles'), { recursive: true });
  // The tree's own mk.conf, so the machine's /etc/mk.conf cannot change
  // what the tests build.
  const mkconf = path.join(root, 'mk.conf');
  if (!(await exists(mkconf))) await fs.writeFile(mkconf, '# mk.conf of an mkpkg end-to-end test tree: defaults only\n');
  const env: Record<string, string> = { MAKECONF: mkconf };
  return {
    root,
    packages: path.join(root, 'packages'),
    env,
    pkgDir: (pkg) => path.join(root, pkg),
    mkpkg: (pkg, args) => mkpkg(['-C', path.join(root, pkg), ...args], env),
    remove: () => fs.rm(root, { recursive: true, force: true }),
  };
}

/** Runs tasks with at most `limit` at a time (the CI machine has 2 cores). */
export async function pooled<T, R>(items: readonly T[], limit: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const out: R[] = new Array(items.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) {
      const i = next++;
      out[i] = await fn(items[i] as T);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return out;
}

export interface ElfInfo {
  bits: 32 | 64;
  machine: 'i386' | 'x86_64' | `machine ${number}`;
}

/** The class and machine of an ELF file, or undefined when it is not ELF. */
export async function elfInfo(file: string): Promise<ElfInfo | undefined> {
  const fh = await fs.open(file, 'r');
  try {
    const buf = Buffer.alloc(20);
    const { bytesRead } = await fh.read(buf, 0, 20, 0);
    if (bytesRead < 20 || buf.readUInt32BE(0) !== 0x7f454c46) return undefined;
    const bits = buf[4] === 1 ? 32 : buf[4] === 2 ? 64 : undefined;
    if (bits === undefined) return undefined;
    const little = buf[5] === 1;
    const m = little ? buf.readUInt16LE(18) : buf.readUInt16BE(18);
    const machine = m === 3 ? 'i386' : m === 62 ? 'x86_64' : (`machine ${m}` as const);
    return { bits, machine };
  } finally {
    await fh.close();
  }
}

/** Files (not directories) below dir, as paths relative to it, sorted. */
export async function listFiles(dir: string): Promise<string[]> {
  const out: string[] = [];
  const walk = async (rel: string): Promise<void> => {
    for (const e of await fs.readdir(path.join(dir, rel), { withFileTypes: true })) {
      const r = rel === '' ? e.name : `${rel}/${e.name}`;
      if (e.isDirectory()) await walk(r);
      else out.push(r);
    }
  };
  await walk('');
  return out.sort();
}

/** One member of a package (a tar.gz) read back with the real tar. */
export async function packageMember(pkgfile: string, member: string): Promise<string> {
  const r = await run('tar', ['-xOzf', pkgfile, member]);
  if (r.exitCode !== 0) throw new Error(explain(`tar -xOzf ${pkgfile} ${member}`, r));
  return r.stdout;
}
