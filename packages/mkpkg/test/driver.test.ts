// The driver on a real (tiny) plain-make package: bmake evaluates it, gcc
// builds it for -m32 and -m64, the package is read back with tar.
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { readElf } from '../src/elf.ts';
import { helloTree, listTree, mkpkgAsync as mkpkg, shAsync as sh } from './helpers.ts';

let root: string;
let pkg: string;
let first: Awaited<ReturnType<typeof mkpkg>>;
const work = () => path.join(pkg, 'work');

beforeAll(async () => {
  ({ root, pkg } = await helloTree());
  const sum = await mkpkg(['-C', pkg, 'makesum']);
  if (sum.code !== 0) throw new Error(sum.stderr);
  first = await mkpkg(['-C', pkg, '--multiarch', 'bin,lib', '--parallel-abis', 'package']);
});

afterAll(async () => {
  fs.rmSync(root, { recursive: true, force: true });
});

describe('mkpkg --multiarch bin,lib package on a plain-make package', () => {
  test('makesum wrote BLAKE2s, SHA512 and Size for the distfile', async () => {
    const di = fs.readFileSync(path.join(pkg, 'distinfo'), 'utf8');
    expect(di).toMatch(/^BLAKE2s \(hello-1\.0\.tar\.gz\) = [0-9a-f]{64}$/m);
    expect(di).toMatch(/^SHA512 \(hello-1\.0\.tar\.gz\) = [0-9a-f]{128}$/m);
    const size = fs.statSync(path.join(root, 'distfiles/hello-1.0.tar.gz')).size;
    expect(di).toContain(`Size (hello-1.0.tar.gz) = ${size} bytes`);
  });

  test('builds and writes PACKAGES/All/hello-1.0.tgz', async () => {
    expect(first.code, first.stderr).toBe(0);
    expect(fs.existsSync(path.join(root, 'packages/All/hello-1.0.tgz'))).toBe(true);
  });

  test('each ABI has its own work tree, stage, logs and cookies', async () => {
    for (const abi of ['32', '64']) {
      expect(fs.existsSync(path.join(work(), `abi${abi}/hello-1.0/hello.c`))).toBe(true);
      for (const ph of ['extract', 'patch', 'configure', 'build', 'install']) {
        expect(fs.existsSync(path.join(work(), `.cookies/${ph}.${abi}`)), `${ph}.${abi}`).toBe(true);
      }
      expect(fs.existsSync(path.join(work(), `.logs/build-${abi}.log`))).toBe(true);
    }
    // post-fetch ran once, without an ABI; post-install once per ABI with that ABI's variables.
    expect(fs.readFileSync(path.join(work(), 'post-fetch-ran'), 'utf8')).toBe('distfiles none\n');
    expect(fs.readFileSync(path.join(work(), 'post-install-ran.32'), 'utf8')).toBe('32 hello-1.0 /i86\n');
    expect(fs.readFileSync(path.join(work(), 'post-install-ran.64'), 'utf8')).toBe('64 hello-1.0 /amd64\n');
  });

  test('with --parallel-abis both ABIs\' makes draw from one jobserver instead of a fixed -jN each', () => {
    for (const abi of ['32', '64']) {
      const log = fs.readFileSync(path.join(work(), `.logs/build-${abi}.log`), 'utf8');
      expect(log).toMatch(/make takes its jobs from a jobserver shared by the ABIs/);
      expect(log).not.toMatch(/make -j\d/);
    }
  });

  test('the per-ABI generated headers differ, and merge made one copy per ABI plus a generic header', async () => {
    const d = path.join(work(), '.destdir/usr/pkg/include');
    expect(fs.readFileSync(path.join(d, 'i86/hello-config.h'), 'utf8')).toContain('HELLO_BITS 32');
    expect(fs.readFileSync(path.join(d, 'amd64/hello-config.h'), 'utf8')).toContain('HELLO_BITS 64');
    const generic = fs.readFileSync(path.join(d, 'hello-config.h'), 'utf8');
    expect(generic).toContain('#include "amd64/hello-config.h"');
    expect(generic).toContain('#include "i86/hello-config.h"');
  });

  test('objects are in their ABI directories with the right ELF class and RUNPATH', async () => {
    const d = path.join(work(), '.destdir/usr/pkg');
    expect(readElf(path.join(d, 'bin/i86/hello'))?.bits).toBe(32);
    expect(readElf(path.join(d, 'bin/amd64/hello'))?.bits).toBe(64);
    expect(readElf(path.join(d, 'lib/i86/libhello.so'))?.bits).toBe(32);
    expect(readElf(path.join(d, 'lib/libhello.so'))?.bits).toBe(64);
    expect(readElf(path.join(d, 'bin/i86/hello'))?.runpath).toContain('/usr/pkg/lib/i86');
    expect(readElf(path.join(d, 'bin/amd64/hello'))?.runpath).toContain('/usr/pkg/lib');
  });

  test('the absolute symlink into DESTDIR became relative, and info/dir is gone', async () => {
    const d = path.join(work(), '.destdir/usr/pkg');
    expect(fs.readlinkSync(path.join(d, 'share/doc/hello/README.txt'))).toBe('README');
    // SUBST_VARS replaced @PKGNAME@ at pre-configure, in each ABI's copy (identical, so no conflict).
    expect(fs.readFileSync(path.join(d, 'share/doc/hello/README'), 'utf8')).toBe('hello, a test program for mkpkg (hello-1.0)\n');
    expect(fs.existsSync(path.join(d, 'info/dir'))).toBe(false);
  });

  test('+CONTENTS lists both ABIs, the isaexec @link and the isaexec dependency', async () => {
    const r = await sh(`tar -xOzf ${path.join(root, 'packages/All/hello-1.0.tgz')} +CONTENTS`);
    const lines = r.stdout.split('\n');
    for (const l of ['bin/i86/hello', 'bin/amd64/hello', '@link lib/isaexec bin/hello', 'lib/i86/libhello.so', 'lib/libhello.so', 'include/hello-config.h', '@pkgdep isaexec>=1.0']) {
      expect(lines).toContain(l);
    }
  });

  test('a re-run with everything done runs no phase', async () => {
    const before = listTree(path.join(work(), '.logs')).map((f) => fs.statSync(path.join(work(), '.logs', f)).mtimeMs);
    const r = await mkpkg(['-C', pkg, '--multiarch', 'bin,lib', 'package']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toMatch(/up to date/);
    const after = listTree(path.join(work(), '.logs')).map((f) => fs.statSync(path.join(work(), '.logs', f)).mtimeMs);
    expect(after).toEqual(before);
  });

  test('resume: with the 32-bit build cookie gone only ABI 32 builds again, nothing is configured again', async () => {
    fs.rmSync(path.join(work(), '.cookies/build.32'));
    const conf = fs.statSync(path.join(work(), '.logs/configure-32.log')).mtimeMs;
    const b64 = fs.statSync(path.join(work(), '.logs/build-64.log')).mtimeMs;
    const r = await mkpkg(['-C', pkg, '--multiarch', 'bin,lib', 'build']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toContain('build hello-1.0 (ABI 32)');
    expect(r.stderr).not.toContain('(ABI 64)');
    expect(fs.statSync(path.join(work(), '.logs/configure-32.log')).mtimeMs).toBe(conf);
    expect(fs.statSync(path.join(work(), '.logs/build-64.log')).mtimeMs).toBe(b64);
  });

  test('after that rebuild, package installs ABI 32 again (its install is stale) but not ABI 64', async () => {
    expect(fs.existsSync(path.join(work(), '.cookies/install.32'))).toBe(false);
    expect(fs.existsSync(path.join(work(), '.cookies/package'))).toBe(false);
    const i64 = fs.statSync(path.join(work(), '.logs/install-64.log')).mtimeMs;
    const r = await mkpkg(['-C', pkg, '--multiarch', 'bin,lib', 'package']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toContain('install hello-1.0 (ABI 32)');
    expect(fs.statSync(path.join(work(), '.logs/install-64.log')).mtimeMs).toBe(i64);
  });

  test('print-plist folds the installed tree back', async () => {
    const r = await mkpkg(['-C', pkg, '--multiarch', 'bin,lib', 'print-plist']);
    expect(r.code, r.stderr).toBe(0);
    const lines = r.stdout.split('\n');
    expect(lines).toContain('bin/hello');
    expect(lines).toContain('lib/libhello.so');
    expect(lines.filter((l) => /\/(i86|amd64)\//.test(l) && l.startsWith('bin'))).toEqual([]);
  });

  test('show-var evaluates with the ABI given on the command line', async () => {
    expect((await mkpkg(['-C', pkg, 'show-var', 'PKGNAME'])).stdout).toBe('hello-1.0\n');
    expect((await mkpkg(['-C', pkg, '--multiarch', 'bin,lib', 'show-var', 'MAKE_FLAGS', 'ABI=32'])).stdout).toContain('BINDIR=bin/i86');
    expect((await mkpkg(['-C', pkg, 'show-var', 'PREFIX', 'PREFIX=/opt/t'])).stdout).toBe('/opt/t\n');
    expect((await mkpkg(['-C', pkg, 'show-var', 'PKGNAME', 'PKGREVISION=3'])).stdout).toBe('hello-1.0nb3\n');
  });

  test('show-var answers alike whether the fast path or yargs parses it; both refuse the same mistakes', async () => {
    // --parallel-abis is not one of the fast path's options: yargs parses this one.
    const viaYargs = await mkpkg(['--parallel-abis', '-C', pkg, 'show-var', 'PREFIX', 'PREFIX=/opt/t']);
    const fast = await mkpkg(['-C', pkg, 'show-var', 'PREFIX', 'PREFIX=/opt/t']);
    expect(viaYargs.stdout).toBe('/opt/t\n');
    expect(fast.stdout).toBe(viaYargs.stdout);
    const noName = await mkpkg(['-C', pkg, 'show-var']);
    expect(noName.code).toBe(2);
    expect(noName.stderr).toMatch(/Not enough non-option arguments/);
    const notAssignment = await mkpkg(['-C', pkg, 'show-var', 'PKGNAME', 'oops']);
    expect(notAssignment.code).toBe(2);
    expect(notAssignment.stderr).toContain("'oops' is not a VAR=value assignment");
  });

  test('--help lists every phase and command, wrapped between words', async () => {
    const r = await mkpkg(['--help']);
    expect(r.code).toBe(0);
    for (const c of ['platform', 'fetch', 'package', 'print-plist', 'install-package', 'show-var <name>', 'init-tree <dir>', 'create', 'add <pkgfile..>', 'summary <dir>']) {
      expect(r.stdout).toContain(`  mkpkg ${c} `);
    }
    expect(r.stdout.split('\n').every((l) => l.length <= 80)).toBe(true);
  });

  test('bmake targets in the package directory call mkpkg (bmake show-var, bmake clean)', async () => {
    const r = await sh('bmake show-var VARNAME=PKGNAME', pkg);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toBe('hello-1.0\n');
    const m = await sh('bmake show-var VARNAME=LIBARCHSUFFIX ABI=32 MKPKG_FLAGS="--multiarch bin,lib"', pkg);
    expect(m.stdout).toBe('/i86\n');
    const c = await sh('bmake clean', pkg);
    expect(c.code, c.stderr).toBe(0);
    expect(fs.existsSync(work())).toBe(false);
  });
});
