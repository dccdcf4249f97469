// A host that links 32-bit programs but whose kernel refuses to run them
// (packages/mkpkg/README.md, "Cross builds"), stood in for by test/lib/refusing.ts on any Linux that gives
// a user namespace its own binfmt_misc: the real kernel answers ENOEXEC for
// the real 32-bit files. mkpkg's probe must say so with both remedies, and
// mkpkg must build both ABIs anyway (ABI 32 as a cross build), skip ABI 32's
// test phase with a note and still test ABI 64.
import fs from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { refusingKernel } from '../lib/refusing.ts';
import { REPO, type RunResult, type Tree, explain, makeTree, run } from './tree.ts';

const kernel = refusingKernel();
const MKPKG_BIN = path.join(REPO, 'packages/mkpkg/bin/mkpkg.mjs');

/** `mkpkg ARGS` run where 32-bit programs are refused. */
function refused(args: readonly string[], env: Record<string, string> = {}): Promise<RunResult> {
  const [cmd, argv] = kernel.wrap(process.execPath, [MKPKG_BIN, ...args]);
  return run(cmd, argv, { env: { ...process.env, ...env } });
}

const skipUnlessAvailable = (ctx: { skip: (condition: boolean, note?: string) => void }) =>
  ctx.skip(!kernel.available, `cannot stand in for a refusing kernel: ${kernel.reason}`);

let tree: Tree | undefined;
let build: RunResult | undefined;
let test: RunResult | undefined;

beforeAll(async () => {
  if (!kernel.available) return;
  tree = await makeTree(['devel/libmulti']);
  build = await refused(['-C', tree.pkgDir('devel/libmulti'), '--multiarch', 'bin,lib', 'package'], tree.env);
  if (build.exitCode === 0) test = await refused(['-C', tree.pkgDir('devel/libmulti'), '--multiarch', 'bin,lib', 'test'], tree.env);
});

afterAll(async () => {
  if (tree !== undefined && process.env['MKPKG_E2E_KEEP'] === undefined) await tree.remove();
});

describe('a kernel that refuses 32-bit programs (ENOEXEC)', () => {
  it('mkpkg platform names the real cause and both remedies, and is no failure', async (ctx) => {
    skipUnlessAvailable(ctx);
    const r = await refused(['platform']);
    expect(r.exitCode, explain('mkpkg platform', r)).toBe(0);
    expect(r.stdout).toMatch(/^compiler: +ABI 32: cc links 32-bit C programs, but this machine cannot run them \(execve: ENOEXEC: Exec format error\)\. To run them: boot the kernel with ia32_emulation=1, or register an i386 emulator with binfmt_misc, flags PF/m);
    expect(r.stdout).toMatch(/mkpkg builds ABI 32 as a cross build here/);
    expect(r.stdout).toMatch(/^compiler: +cc builds and runs 64-bit programs$/m);
    expect(r.all).not.toMatch(/Syntax error|install gcc-multilib|cannot execute binary file/);
  });

  it('mkpkg --multiarch package builds both ABIs, saying once that ABI 32 is a cross build and why', (ctx) => {
    skipUnlessAvailable(ctx);
    expect(build?.exitCode, build && explain('mkpkg package', build)).toBe(0);
    const lines = build!.all.split('\n');
    expect(lines.filter((l) => l.includes('is a cross build'))).toEqual([
      '=> ABI 32 is a cross build (this machine cannot run 32-bit programs): GNU configure gets --build=x86_64-pc-linux-gnu ' +
        '--host=i686-pc-linux-gnu, CMake CMAKE_SYSTEM_NAME; its test phase is skipped',
    ]);
    expect(lines.filter((l) => l.includes('cannot run them (execve: ENOEXEC'))).toHaveLength(1);
    expect(build!.all).toMatch(/PLIST: \d+ lines match .*; \d+ ELF files have their ABI's class/);
  });

  it('configure for ABI 32 was told --build (this machine) and --host (i686)', async (ctx) => {
    skipUnlessAvailable(ctx);
    const log = await fs.readFile(path.join(tree!.pkgDir('devel/libmulti'), 'work/.logs/configure-32.log'), 'utf8');
    expect(log).toMatch(/--build=x86_64-pc-linux-gnu'? '?--host=i686-pc-linux-gnu/);
  });

  it('mkpkg test skips ABI 32 with a one-line reason and tests ABI 64', async (ctx) => {
    skipUnlessAvailable(ctx);
    expect(test?.exitCode, test && explain('mkpkg test', test)).toBe(0);
    expect(test!.all).toContain('=> test (ABI 32) skipped: ABI 32 is a cross build and this machine cannot run its programs');
    const logs = path.join(tree!.pkgDir('devel/libmulti'), 'work/.logs');
    await expect(fs.access(path.join(logs, 'test-32.log'))).rejects.toThrow();
    expect(await fs.readFile(path.join(logs, 'test-64.log'), 'utf8')).toContain('multiinfo --check');
  });
});
