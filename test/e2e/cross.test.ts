// The cross path (packages/mkpkg/README.md, "Cross builds") forced with MULTIARCH_CROSS_ABIS=32, so it is
// exercised on every host: an autoconf package (configure made by the real
// autoconf), a CMake package and a plain-make package build both ABIs, no
// 32-bit program runs while they build, and every object under a 32-bit
// directory of the package is ELF class 32.
//
// "No 32-bit program ran" is watched, not assumed: every process of the
// build gets LD_PRELOAD=<dir>/$LIB/ran32.so. The loader expands $LIB per
// ELF class (lib32 for Debian's i386 loader, lib/x86_64-linux-gnu for the
// amd64 one), so a 32-bit program, natively or under qemu, loads a library
// that records it; 64-bit programs load an empty one. A positive control
// shows the watch works where 32-bit programs run.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { needs32 } from '../lib/abi32.ts';
import { type ElfInfo, FIXTURES, type RunResult, type Tree, elfInfo, explain, listFiles, makeTree, mkpkg, run } from './tree.ts';

const PACKAGES = { 'devel/acgreet': 'acgreet-1.0', 'devel/cmcalc': 'cmcalc-0.3', 'misc/plainhello': 'plainhello-2.0' } as const;
type Pkg = keyof typeof PACKAGES;
const hasAutoconf = spawnSync('autoconf', ['--version'], { stdio: 'ignore' }).status === 0;

let tree: Tree;
let watchEnv: Record<string, string>;
let ranLog: string;
const builds = new Map<Pkg, RunResult>();

const RECORDER = `#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
__attribute__((constructor)) static void ran32(void) {
  const char *log = getenv("MKPKG_TEST_RAN32");
  char exe[4096];
  ssize_t n;
  int fd;
  if (log == NULL || (n = readlink("/proc/self/exe", exe, sizeof exe - 1)) <= 0) return;
  exe[n++] = '\\n';
  if ((fd = open(log, O_WRONLY | O_CREAT | O_APPEND, 0644)) == -1) return;
  (void)write(fd, exe, (size_t)n);
  close(fd);
}
`;

async function compile(args: readonly string[]): Promise<void> {
  const r = await run('gcc', args);
  if (r.exitCode !== 0) throw new Error(explain(`gcc ${args.join(' ')}`, r));
}

/** The LD_PRELOAD watch described at the top; returns the environment that arms it. */
async function armWatch(dir: string): Promise<Record<string, string>> {
  await fs.mkdir(dir, { recursive: true });
  const src = path.join(dir, 'ran32.c');
  await fs.writeFile(src, RECORDER);
  for (const d of ['lib32', 'lib', 'lib/i386-linux-gnu']) {
    await fs.mkdir(path.join(dir, d), { recursive: true });
    await compile(['-m32', '-shared', '-fPIC', '-o', path.join(dir, d, 'ran32.so'), src]);
  }
  const empty = path.join(dir, 'empty.c');
  await fs.writeFile(empty, 'int mkpkg_test_empty;\n');
  for (const d of ['lib64', 'lib/x86_64-linux-gnu']) {
    await fs.mkdir(path.join(dir, d), { recursive: true });
    await compile(['-m64', '-shared', '-fPIC', '-o', path.join(dir, d, 'ran32.so'), empty]);
  }
  ranLog = path.join(dir, 'ran32.log');
  const env = { LD_PRELOAD: `${dir}/$LIB/ran32.so`, MKPKG_TEST_RAN32: ranLog };
  // A 64-bit program must load it without a word: a loader complaint on
  // every process would disturb configure scripts.
  const quiet = await run('/bin/true', [], { env: { ...process.env, ...env } });
  if (quiet.exitCode !== 0 || quiet.all !== '') throw new Error(`the LD_PRELOAD watch is not silent for 64-bit programs: ${quiet.all}`);
  return env;
}

/** Where the tree's acgreet distfile comes from: fixtures/pkgsrc/autoconf/acgreet-1.0 with `autoconf` run in it. */
async function makeAcgreetDistfile(t: Tree): Promise<void> {
  const work = path.join(t.root, '.acgreet-src');
  await fs.cp(path.join(FIXTURES, 'autoconf/acgreet-1.0'), path.join(work, 'acgreet-1.0'), { recursive: true });
  const ac = await run('autoconf', [], { cwd: path.join(work, 'acgreet-1.0') });
  if (ac.exitCode !== 0) throw new Error(explain('autoconf', ac));
  await fs.rm(path.join(work, 'acgreet-1.0/autom4te.cache'), { recursive: true, force: true });
  const tar = await run('tar', ['-czf', path.join(t.root, 'distfiles/acgreet-1.0.tar.gz'), '-C', work, 'acgreet-1.0']);
  if (tar.exitCode !== 0) throw new Error(explain('tar', tar));
}

beforeAll(async () => {
  tree = await makeTree(Object.keys(PACKAGES));
  await fs.appendFile(path.join(tree.root, 'mk.conf'), 'MULTIARCH_CROSS_ABIS=\t32\n');
  watchEnv = await armWatch(path.join(tree.root, '.watch'));
  if (hasAutoconf) await makeAcgreetDistfile(tree);
  for (const p of Object.keys(PACKAGES) as Pkg[]) {
    if (p === 'devel/acgreet' && !hasAutoconf) continue;
    builds.set(p, await mkpkg(['-C', tree.pkgDir(p), '--multiarch', 'bin,lib', 'package'], { ...tree.env, ...watchEnv }));
  }
});

afterAll(async () => {
  if (tree !== undefined && process.env['MKPKG_E2E_KEEP'] === undefined) await tree.remove();
});

function built(ctx: { skip: (condition: boolean, note?: string) => void }, p: Pkg): RunResult {
  ctx.skip(p === 'devel/acgreet' && !hasAutoconf, 'needs autoconf (scripts/setup test installs it)');
  const r = builds.get(p);
  if (r === undefined) throw new Error(`${p} was not built`);
  expect(r.exitCode, explain(`mkpkg package in ${p}`, r)).toBe(0);
  return r;
}

/** The ELF class and machine of every object in the package, by directory; static libraries by member. */
async function packageObjects(p: Pkg): Promise<Map<string, ElfInfo | undefined>> {
  const out = new Map<string, ElfInfo | undefined>();
  const dir = path.join(tree.root, '.unpacked', PACKAGES[p]);
  await fs.mkdir(dir, { recursive: true });
  const x = await run('tar', ['-xzf', path.join(tree.packages, 'All', `${PACKAGES[p]}.tgz`), '-C', dir]);
  expect(x.exitCode, explain('tar -xzf', x)).toBe(0);
  for (const f of await listFiles(dir)) {
    if (!/^(bin|lib)\//.test(f)) continue;
    const file = path.join(dir, f);
    if ((await fs.lstat(file)).isSymbolicLink()) continue;
    if (f.endsWith('.a')) {
      const members = path.join(tree.root, '.unpacked', `${PACKAGES[p]}-${f.replace(/\//g, '_')}`);
      await fs.mkdir(members, { recursive: true });
      const ar = await run('ar', ['x', file], { cwd: members });
      expect(ar.exitCode, explain(`ar x ${f}`, ar)).toBe(0);
      for (const m of await fs.readdir(members)) out.set(`${f}(${m})`, await elfInfo(path.join(members, m)));
    } else {
      out.set(f, await elfInfo(file));
    }
  }
  return out;
}

describe('the cross path, forced with MULTIARCH_CROSS_ABIS=32', () => {
  it.for(Object.keys(PACKAGES) as Pkg[])('%s builds both ABIs and says once that ABI 32 is a cross build', (p, ctx) => {
    const r = built(ctx, p);
    const notes = r.all.split('\n').filter((l) => l.includes('is a cross build'));
    // Forced here; where the kernel refuses 32-bit programs, that reason wins.
    expect(notes).toHaveLength(1);
    expect(notes[0]).toMatch(
      /^=> ABI 32 is a cross build \((MULTIARCH_CROSS_ABIS asks for it|this machine cannot run 32-bit programs)\): GNU configure gets --build=x86_64-pc-linux-gnu --host=i686-pc-linux-gnu, CMake CMAKE_SYSTEM_NAME; its test phase /,
    );
  });

  it("no 32-bit program ran while they built, but mkpkg's compiler probe", async (ctx) => {
    for (const p of Object.keys(PACKAGES) as Pkg[]) if (p !== 'devel/acgreet' || hasAutoconf) built(ctx, p);
    // The probe starts one 32-bit program per package to learn whether the
    // ABI's tests can run here; a configure test or build step is anything else.
    const ran = (await fs.readFile(ranLog, 'utf8').catch(() => '')).split('\n').filter(Boolean);
    expect(ran.filter((exe) => !/\/mkpkg-probe-[^/]+\/probe$/.test(exe))).toEqual([]);
  });

  it('the watch sees a 32-bit program that does run (positive control)', async (ctx) => {
    needs32(ctx);
    const dir = path.join(tree.root, '.watch');
    await fs.writeFile(path.join(dir, 'p.c'), 'int main(void) { return 0; }\n');
    await compile(['-m32', '-o', path.join(dir, 'p32'), path.join(dir, 'p.c')]);
    const log = path.join(dir, 'control.log');
    const r = await run(path.join(dir, 'p32'), [], { env: { ...process.env, ...watchEnv, MKPKG_TEST_RAN32: log } });
    expect(r.exitCode).toBe(0);
    expect(await fs.readFile(log, 'utf8')).toBe(`${path.join(dir, 'p32')}\n`);
  });

  it('autoconf: configure for ABI 32 got --build/--host and took the cross-compiling path; ABI 64 ran its programs', async (ctx) => {
    built(ctx, 'devel/acgreet');
    const log = await fs.readFile(path.join(tree.pkgDir('devel/acgreet'), 'work/.logs/configure-32.log'), 'utf8');
    expect(log).toMatch(/\.\/configure .*'?--build=x86_64-pc-linux-gnu'? '?--host=i686-pc-linux-gnu'?/);
    const config32 = await fs.readFile(path.join(tree.pkgDir('devel/acgreet'), 'work/abi32/acgreet-1.0/config.log'), 'utf8');
    expect(config32).toMatch(/checking whether we are cross compiling\n(?:.*\n)*?configure:\d+: result: yes\n/);
    expect(config32).toContain("acg_cv_ran=cross");
    const config64 = await fs.readFile(path.join(tree.pkgDir('devel/acgreet'), 'work/abi64/acgreet-1.0/config.log'), 'utf8');
    expect(config64).toMatch(/checking whether we are cross compiling\n(?:.*\n)*?configure:\d+: result: no\n/);
    expect(config64).toContain("acg_cv_ran=yes");
  });

  it('CMake: ABI 32 was configured as a cross build (CMAKE_CROSSCOMPILING), ABI 64 was not', async (ctx) => {
    built(ctx, 'devel/cmcalc');
    const system = async (abi: string) => {
      const files = await listFiles(path.join(tree.pkgDir('devel/cmcalc'), `work/abi${abi}/cmcalc-0.3/CMakeFiles`));
      const f = files.find((x) => x.endsWith('/CMakeSystem.cmake'));
      if (f === undefined) throw new Error(`no CMakeSystem.cmake for ABI ${abi}`);
      return fs.readFile(path.join(tree.pkgDir('devel/cmcalc'), `work/abi${abi}/cmcalc-0.3/CMakeFiles`, f), 'utf8');
    };
    expect(await system('32')).toContain('set(CMAKE_CROSSCOMPILING "TRUE")');
    expect(await system('64')).not.toContain('set(CMAKE_CROSSCOMPILING "TRUE")');
  });

  it.for(Object.keys(PACKAGES) as Pkg[])('%s: every object under a 32-bit directory is ELF32 i386, the rest ELF64 x86-64', async (p, ctx) => {
    built(ctx, p);
    const objects = await packageObjects(p);
    const want32 = [...objects.keys()].filter((f) => /^(bin|lib)\/i86\//.test(f));
    expect(want32.length, `no 32-bit objects in ${p}`).toBeGreaterThan(0);
    for (const [f, info] of objects) {
      const want = want32.includes(f) ? { bits: 32, machine: 'i386' } : { bits: 64, machine: 'x86_64' };
      expect(info, f).toEqual(want);
    }
  });

  it('the test phase of the cross ABI runs where its programs run (natively or under a registered emulator)', async (ctx) => {
    built(ctx, 'devel/acgreet');
    needs32(ctx);
    const r = await mkpkg(['-C', tree.pkgDir('devel/acgreet'), '--multiarch', 'bin,lib', 'test'], tree.env);
    expect(r.exitCode, explain('mkpkg test', r)).toBe(0);
    const log = await fs.readFile(path.join(tree.pkgDir('devel/acgreet'), 'work/.logs/test-32.log'), 'utf8');
    expect(log).toContain('acgreet 32-bit (configure: cross, sizeof(void *) 4)');
  });
});
