// The directories the driver fills and removes (WRKDIR, DESTDIR, stages)
// or writes into (PACKAGES, DISTDIR) pass one guard: hostile values from
// the command line, the environment or the Makefile are refused with exit 2
// before anything is created or removed. Real bmake, real mkpkg runs.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { helloTree, listTree, mkpkgAsync as mkpkg } from './helpers.ts';

let root: string;
let pkg: string;
/** Where outside files live that nothing may touch. */
let outside: string;
const roots: string[] = [];

beforeAll(async () => {
  ({ root, pkg } = await helloTree());
  roots.push(root);
  const sum = await mkpkg(['-C', pkg, 'makesum']);
  if (sum.code !== 0) throw new Error(sum.stderr);
  outside = fs.mkdtempSync(path.join(os.tmpdir(), 'mkpkg-outside-'));
  roots.push(outside);
  fs.writeFileSync(path.join(outside, 'keep'), 'keep\n');
});

afterAll(() => {
  for (const r of roots) fs.rmSync(r, { recursive: true, force: true });
});

/** Everything in the tree except the variable cache mkpkg may write under work/. */
const snapshot = () => listTree(root).filter((f) => !f.startsWith('test/hello/work/'));

/** Runs mkpkg expecting a refusal; checks that the tree and the outside directory are unchanged. */
async function refused(args: string[], env: Record<string, string | undefined> = {}) {
  const before = snapshot();
  const r = await mkpkg(['-C', pkg, ...args], env);
  expect(r.code, r.stderr).toBe(2);
  expect(r.stderr).not.toMatch(/internal error|\n\s+at /);
  expect(snapshot()).toEqual(before);
  expect(fs.readFileSync(path.join(outside, 'keep'), 'utf8')).toBe('keep\n');
  return r.stderr;
}

describe('WRKDIR', () => {
  test("clean WRKDIR=. is refused, the package directory intact", async () => {
    const err = await refused(['clean', 'WRKDIR=.']);
    expect(err).toContain("WRKDIR is '.' (from the command line): it must be an absolute path");
    expect(err).toContain('hint: leave WRKDIR unset');
    expect(fs.existsSync(path.join(pkg, 'Makefile'))).toBe(true);
  });

  test.each([
    ['/', 'that is the root directory'],
    ['..', 'it must be an absolute path'],
    ['', 'WRKDIR is empty (from the command line)'],
  ])('clean WRKDIR=%j is refused', async (value, message) => {
    expect(await refused(['clean', `WRKDIR=${value}`])).toContain(message);
  });

  test('the package directory, its parent, the tree root are refused', async () => {
    expect(await refused(['clean', `WRKDIR=${pkg}`])).toContain('that is the package directory itself');
    expect(await refused(['clean', `WRKDIR=${path.dirname(pkg)}`])).toContain(`that holds the package directory ${pkg}`);
    expect(await refused(['clean', `WRKDIR=${root}`])).toContain(`that holds the package directory ${pkg}`);
  });

  test('a directory outside the package (/usr, another directory) is refused', async () => {
    expect(await refused(['clean', 'WRKDIR=/usr'])).toContain("WRKDIR is '/usr' (from the command line): it must lie inside the package directory");
    expect(await refused(['build', `WRKDIR=${outside}/work`])).toContain('it must lie inside the package directory');
    expect(fs.existsSync(path.join(outside, 'work'))).toBe(false);
  });

  test('HOME is refused, wherever it is', async () => {
    expect(await refused(['clean', `WRKDIR=${outside}`], { HOME: outside })).toContain(`that is or holds the home directory ${outside}`);
  });

  test("the package's own files and directories are refused (clean would remove them)", async () => {
    expect(await refused(['clean', `WRKDIR=${pkg}/DESCR`])).toContain(`that overlaps DESCR_SRC (${pkg}/DESCR)`);
    expect(await refused(['clean', `WRKDIR=${pkg}/patches`])).toContain(`that overlaps PATCHDIR (${pkg}/patches)`);
    expect(await refused(['clean', `WRKDIR=${pkg}/files/x`])).toContain(`that overlaps FILESDIR (${pkg}/files)`);
  });

  test('a work symlink leading out of the package is refused, and what it points at is kept', async () => {
    fs.rmSync(path.join(pkg, 'work'), { recursive: true, force: true });
    fs.symlinkSync(outside, path.join(pkg, 'work'));
    try {
      const err = await refused(['clean']);
      expect(err).toContain(`it must lie inside the package directory (${pkg}), and ${pkg}/work resolves to ${fs.realpathSync(outside)}`);
    } finally {
      fs.rmSync(path.join(pkg, 'work'));
    }
  });

  test('clean removes a symlink inside WRKDIR as a link, never what it points at', async () => {
    fs.mkdirSync(path.join(pkg, 'work/sub'), { recursive: true });
    fs.symlinkSync(outside, path.join(pkg, 'work/out'));
    fs.symlinkSync(outside, path.join(pkg, 'work/sub/out'));
    const r = await mkpkg(['-C', pkg, 'clean']);
    expect(r.code, r.stderr).toBe(0);
    expect(fs.existsSync(path.join(pkg, 'work'))).toBe(false);
    expect(fs.readFileSync(path.join(outside, 'keep'), 'utf8')).toBe('keep\n');
  });

  test('from the environment, the message says so', async () => {
    expect(await refused(['clean'], { WRKDIR: '/' })).toContain("WRKDIR is '/' (from the environment)");
  });

  test('WRKOBJDIR moves the work tree outside the package, and clean removes exactly it', async () => {
    const objdir = fs.mkdtempSync(path.join(os.tmpdir(), 'mkpkg-wrkobj-'));
    roots.push(objdir);
    const show = await mkpkg(['-C', pkg, 'show-var', 'WRKDIR', `WRKOBJDIR=${objdir}`]);
    expect(show.stdout).toBe(`${objdir}/test/hello/work\n`);
    const r = await mkpkg(['-C', pkg, 'extract', `WRKOBJDIR=${objdir}`]);
    expect(r.code, r.stderr).toBe(0);
    expect(fs.existsSync(path.join(objdir, 'test/hello/work/abi64/hello-1.0/hello.c'))).toBe(true);
    fs.writeFileSync(path.join(objdir, 'test/keep'), '');
    expect((await mkpkg(['-C', pkg, 'clean', `WRKOBJDIR=${objdir}`])).code).toBe(0);
    expect(listTree(objdir)).toEqual(['test/keep']);
    // WRKOBJDIR itself is not a work directory.
    expect(await refused(['clean', `WRKOBJDIR=${objdir}`, `WRKDIR=${objdir}`])).toContain('it must lie inside the package directory');
  });
});

describe('DESTDIR, PACKAGES, DISTDIR', () => {
  test.each([
    [{ DESTDIR: '/' }, "DESTDIR is '/' (from the environment): that is the root directory"],
    [{ DESTDIR: '' }, 'DESTDIR is empty (from the environment)'],
    [{ DESTDIR: 'stage' }, "DESTDIR is 'stage' (from the environment): it must be an absolute path"],
  ])('install with %j in the environment is refused', async (env, message) => {
    const err = await refused(['install'], env);
    expect(err).toContain(message);
    expect(err).toContain('env -u DESTDIR');
  });

  test('DESTDIR outside WRKDIR, or on the stages, is refused', async () => {
    expect(await refused(['install', `DESTDIR=${pkg}`])).toContain('that is the package directory itself');
    expect(await refused(['install', `DESTDIR=${outside}`])).toContain(`it must lie inside WRKDIR (${pkg}/work)`);
    expect(await refused(['install', `DESTDIR=${pkg}/work`])).toContain(`it must lie inside WRKDIR (${pkg}/work)`);
    expect(await refused(['install', `DESTDIR=${pkg}/work/.stage/64/x`])).toContain('that overlaps the stages');
    // Without --multiarch the hello package builds ABI 64 only.
    expect(await refused(['install', `DESTDIR=${pkg}/work/abi64/x`])).toContain("that overlaps ABI 64's work tree");
  });

  test('PACKAGES and DISTDIR: not /, not empty, not the tree root, absolute', async () => {
    expect(await refused(['package', 'PACKAGES=/'])).toContain("PACKAGES is '/' (from the command line): that is the root directory");
    expect(await refused(['package', `PACKAGES=${root}`])).toContain('that holds the package directory');
    expect(await refused(['fetch', 'DISTDIR='])).toContain('DISTDIR is empty (from the command line)');
    expect(await refused(['makesum', 'DISTDIR=distfiles'])).toContain('it must be an absolute path');
  });
});

describe('the variable cache follows the environment', () => {
  test('env DESTDIR=x show-var DESTDIR, then without it: the default again', async () => {
    const x = `${pkg}/work/elsewhere`;
    expect((await mkpkg(['-C', pkg, 'show-var', 'DESTDIR'])).stdout).toBe(`${pkg}/work/.destdir\n`);
    expect((await mkpkg(['-C', pkg, 'show-var', 'DESTDIR'], { DESTDIR: x })).stdout).toBe(`${x}\n`);
    expect((await mkpkg(['-C', pkg, 'show-var', 'DESTDIR'])).stdout).toBe(`${pkg}/work/.destdir\n`);
  });

  test('any variable the glue takes from the environment (PKGMANDIR, a name of the user)', async () => {
    expect((await mkpkg(['-C', pkg, 'show-var', 'PKGMANDIR'], { PKGMANDIR: 'share/man' })).stdout).toBe('share/man\n');
    expect((await mkpkg(['-C', pkg, 'show-var', 'PKGMANDIR'])).stdout).toBe('man\n');
  });

  test('a cached run is still used when nothing changed', async () => {
    const cache = path.join(pkg, 'work/.mkpkg-vars.json');
    // The cache is written only into a work/ that exists (extract makes it).
    fs.mkdirSync(path.join(pkg, 'work'), { recursive: true });
    await mkpkg(['-C', pkg, 'show-var', 'PKGNAME']);
    const m = fs.statSync(cache).mtimeMs;
    expect((await mkpkg(['-C', pkg, 'show-var', 'PKGNAME'])).stdout).toBe('hello-1.0\n');
    expect(fs.statSync(cache).mtimeMs).toBe(m);
  });
});

describe('paths derived from variables stay inside the work tree', () => {
  test('INSTALLATION_DIRS with .. cannot create a directory outside the stage', async () => {
    await mkpkg(['-C', pkg, 'clean']);
    const escape = path.relative(path.join(pkg, 'work/.stage/64/usr/pkg'), path.join(outside, 'made'));
    const r = await mkpkg(['-C', pkg, 'install', `INSTALLATION_DIRS=bin ${escape}`]);
    expect(r.code, r.stderr).toBe(2);
    expect(r.stderr).toContain(`INSTALLATION_DIRS entry ${escape}: ${path.join(outside, 'made')} is not inside ${pkg}/work/.stage/64`);
    expect(fs.existsSync(path.join(outside, 'made'))).toBe(false);
    await mkpkg(['-C', pkg, 'clean']);
  });
});
