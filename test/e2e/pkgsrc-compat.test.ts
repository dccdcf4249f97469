// A package written as pkgsrc writes it, built multiarch with no workaround:
// archivers/twinzip is bzip2's shape (a plain Makefile that sets CC itself,
// so the package passes CC/CFLAGS/LDFLAGS in MAKE_FLAGS; a do-install with
// the INSTALL_* and LN variables; one program under three hard-linked names).
import fs from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { elfInfo, explain, makeTree, run, type RunResult, type Tree } from './tree.ts';

const PKG = 'archivers/twinzip';
let tree: Tree;
let build: RunResult;
let add: RunResult;
let destdir = '';
const work = (...p: string[]) => path.join(tree.pkgDir(PKG), 'work', ...p);
const PROGRAMS = ['twin', 'untwin', 'twincat'];

beforeAll(async () => {
  tree = await makeTree([PKG, 'pkgtools/isaexec', 'devel/libmulti']);
  const isa = await tree.mkpkg('pkgtools/isaexec', ['package']);
  if (isa.exitCode !== 0) throw new Error(explain('mkpkg package in pkgtools/isaexec', isa));
  build = await tree.mkpkg(PKG, ['--multiarch', 'bin,lib', 'package']);
  destdir = path.join(tree.root, 'scratch');
  if (build.exitCode === 0) {
    const a = await tree.mkpkg(PKG, ['add', '--destdir', destdir, path.join(tree.packages, 'All/isaexec-1.0.tgz')]);
    if (a.exitCode !== 0) throw new Error(explain('mkpkg add isaexec', a));
    add = await tree.mkpkg(PKG, ['add', '--destdir', destdir, path.join(tree.packages, 'All/twinzip-1.0.tgz')]);
  }
});

afterAll(async () => {
  if (tree !== undefined && process.env['MKPKG_E2E_KEEP'] === undefined) await tree.remove();
});

describe('MAKE_FLAGS+= CC=${CC:Q} LDFLAGS=${LDFLAGS:Q}: the built-in build sees the ABI\'s values', () => {
  test('the package builds', () => {
    expect(build.exitCode, explain('mkpkg --multiarch bin,lib package', build)).toBe(0);
  });

  test.each([
    ['32', 32],
    ['64', 64],
  ] as const)('every object ABI %s built is ELFCLASS%i', async (abi, bits) => {
    const src = work(`abi${abi}`, 'twinzip-1.0');
    const objects = ['libtwin.o', 'libtwin-pic.o', 'twin.o', 'libtwin.so.1.0', 'twin'];
    for (const o of objects) expect(await elfInfo(path.join(src, o)), `${abi}: ${o}`).toMatchObject({ bits });
    // The static library's member too, read back with the real ar.
    const x = await run('ar', ['p', path.join(src, 'libtwin.a'), 'libtwin.o']);
    expect(x.exitCode).toBe(0);
    const cls = Buffer.from(x.stdout, 'latin1')[4];
    expect(cls).toBe(bits === 32 ? 1 : 2);
  });

  test("ABI 32's build command had -m32 and the ABI's -L and run path in CC and LDFLAGS", async () => {
    const log = await fs.readFile(work('.logs/build-32.log'), 'utf8');
    expect(log).toMatch(/CC=cc\\ -pipe\\ -m32|CC='cc -pipe -m32'/);
    // -L into the ABI's buildlink view (the declared dependencies only), run path to the installed lib dir.
    expect(log).toMatch(/LDFLAGS=\S*-m32\\ -L\S*\/work\/\.buildlink\/32\/lib\/i86\\ -Wl,-rpath,\/usr\/pkg\/lib\/i86/);
  });
});

describe('show-var prints what the build uses', () => {
  test('CC, LDFLAGS and MAKE_FLAGS with ABI=32 and ABI=64', async () => {
    const show = async (name: string, abi: string) => {
      const r = await tree.mkpkg(PKG, ['--multiarch', 'bin,lib', 'show-var', name, `ABI=${abi}`]);
      expect(r.exitCode, explain(`show-var ${name} ABI=${abi}`, r)).toBe(0);
      return r.stdout.trim();
    };
    expect(await show('CC', '32')).toMatch(/ -m32$/);
    expect(await show('CC', '64')).toMatch(/ -m64$/);
    expect(await show('LDFLAGS', '32')).toMatch(/^-m32 -L\S*\/work\/\.buildlink\/32\/lib\/i86 -Wl,-rpath,\/usr\/pkg\/lib\/i86$/);
    expect(await show('MAKE_FLAGS', '32')).toMatch(/CC=.*-m32 .*LDFLAGS=-m32\\ -L\S*\/work\/\.buildlink\/32\/lib\/i86/);
    // GNU configure: what mkpkg adds for the ABI, then the package's own.
    const conf = await tree.mkpkg('devel/libmulti', ['--multiarch', 'bin,lib', 'show-var', 'CONFIGURE_ARGS', 'ABI=32', 'CONFIGURE_ARGS=--disable-nls']);
    expect(conf.stdout.trim()).toMatch(/^--prefix=\/usr\/pkg --build=i686-pc-linux-gnu .*--libdir=\/usr\/pkg\/lib\/i86 --bindir=\/usr\/pkg\/bin\/i86 .*--disable-nls$/);
    const plain = await tree.mkpkg(PKG, ['show-var', 'CC']);
    expect(plain.stdout.trim()).not.toMatch(/-m(32|64)/);
  });
});

describe("pkgsrc's tool variables in an ordinary do-install", () => {
  test('INSTALL_PROGRAM strips and gives mode 755; INSTALL_DATA and INSTALL_MAN 644; INSTALL_DATA_DIR makes the directory', async () => {
    const stage = work('.stage/32/usr/pkg');
    const mode = async (rel: string) => (await fs.stat(path.join(stage, rel))).mode & 0o7777;
    expect(await mode('bin/i86/twin')).toBe(0o755);
    expect(await mode('include/twin.h')).toBe(0o644);
    expect(await mode('man/man1/twin.1')).toBe(0o644);
    expect(await mode('share/doc/twinzip/README')).toBe(0o644);
    const f = await run('file', [path.join(stage, 'bin/i86/twin')]);
    expect(f.stdout).toMatch(/, stripped/);
  });

  test('each tool variable is a command, as in pkgsrc', async () => {
    const names = ['INSTALL_PROGRAM', 'INSTALL_SCRIPT_DIR', 'LN', 'RM', 'MKDIR', 'SED', 'CP', 'MV', 'CHMOD', 'TOUCH', 'ECHO', 'TEST', 'BUILD_MAKE_CMD', 'INSTALL_MAKE_CMD'];
    // One real bmake run over the package Makefile, as the glue sees it.
    const r = await run('bmake', ['-f', 'Makefile', ...names.flatMap((n) => ['-v', n])], { cwd: tree.pkgDir(PKG), env: { ...process.env, ...tree.env } });
    expect(r.exitCode, explain('bmake -v', r)).toBe(0);
    const values = new Map(names.map((n, i) => [n, r.stdout.split('\n')[i] ?? '']));
    for (const n of names) expect(values.get(n), n).not.toBe('');
    expect(values.get('MKDIR')).toBe('mkdir -p');
    expect(values.get('INSTALL_PROGRAM')).toMatch(/install -c -s .*-m 755$/);
    expect(values.get('BUILD_MAKE_CMD')).toMatch(/^env .*CC=.* -f Makefile$/);
  });
});

describe('hard links inside a stage stay hard links', () => {
  test('the merged tree keeps them', async () => {
    for (const isa of ['i86', 'amd64']) {
      const inodes = await Promise.all(PROGRAMS.map(async (p) => (await fs.stat(work('.destdir/usr/pkg/bin', isa, p))).ino));
      expect(new Set(inodes).size, isa).toBe(1);
    }
  });

  test('the package holds them as tar hard-link members', async () => {
    const r = await run('tar', ['-tvzf', path.join(tree.packages, 'All/twinzip-1.0.tgz')]);
    expect(r.exitCode).toBe(0);
    for (const isa of ['i86', 'amd64']) {
      expect(r.stdout).toMatch(new RegExp(`^h.* bin/${isa}/untwin link to bin/${isa}/twin$`, 'm'));
      expect(r.stdout).toMatch(new RegExp(`^h.* bin/${isa}/twincat link to bin/${isa}/twin$`, 'm'));
    }
  });

  test('mkpkg add recreates them: one inode per ABI, and each name runs in its ABI', async () => {
    expect(add?.exitCode, add && explain('mkpkg add twinzip', add)).toBe(0);
    for (const [isa, bits] of [['i86', 32], ['amd64', 64]] as const) {
      const bin = path.join(destdir, 'usr/pkg/bin', isa);
      const st = await Promise.all(PROGRAMS.map((p) => fs.stat(path.join(bin, p))));
      expect(new Set(st.map((s) => s.ino)).size, isa).toBe(1);
      expect(st[0]?.nlink).toBe(3);
      for (const p of PROGRAMS) {
        expect(await elfInfo(path.join(bin, p))).toMatchObject({ bits });
        const r = await run(path.join(bin, p));
        expect(r.stdout.trim()).toBe(`${p}: ${bits}-bit`);
      }
    }
  });
});
