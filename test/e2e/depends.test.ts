// Dependencies per ABI, end to end: from an empty prefix, one
// `mkpkg --multiarch bin,lib package` in misc/ptrreport builds and installs
// devel/libmulti (GNU configure, a generated header per ABI) and
// devel/libstack (CMake, finds libmulti through pkg-config) for both ABIs,
// then builds ptrreport per ABI against its buildlink views. A trap library
// sits in LOCALBASE, undeclared, where a careless build would find it.
// Then what must be refused: DEPENDS_TARGET=/nonexistent, a dependency
// installed for one ABI only, a cycle, a missing tool.
import fs from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { elfInfo, exists, explain, makeTree, packageMember, run, type RunResult, type Tree } from './tree.ts';

const CHAIN = ['pkgtools/isaexec', 'devel/libmulti', 'devel/libstack', 'misc/ptrreport'];

/** A tree of the chain whose mk.conf puts LOCALBASE (and the pkgdb) in the tree: an empty prefix. */
async function chainTree(extra: ReadonlyArray<string | { from: string; as: string }> = []): Promise<{ tree: Tree; localbase: string; pkgdb: string }> {
  const tree = await makeTree([...CHAIN, ...extra]);
  const localbase = path.join(tree.root, 'localbase');
  const pkgdb = path.join(localbase, 'pkgdb');
  await fs.writeFile(path.join(tree.root, 'mk.conf'), `LOCALBASE=\t${localbase}\nPKG_DBDIR=\t${pkgdb}\n`);
  return { tree, localbase, pkgdb };
}

/**
 * The trap: libtrap for both ABIs, its header and pkg-config files in
 * LOCALBASE, not declared by anything. ptrreport's configure uses it when it
 * can find it by pkg-config or by -ltrap.
 */
async function installTrap(localbase: string): Promise<void> {
  const src = path.join(localbase, '.trap-src');
  await fs.mkdir(path.join(localbase, 'include'), { recursive: true });
  await fs.mkdir(src, { recursive: true });
  await fs.writeFile(path.join(localbase, 'include/trap.h'), 'int trap_bits(void);\n');
  await fs.writeFile(path.join(src, 'trap.c'), 'int trap_bits(void) { return (int)(sizeof(void *) * 8); }\n');
  for (const [bits, lib] of [['32', 'lib/i86'], ['64', 'lib']] as const) {
    await fs.mkdir(path.join(localbase, lib, 'pkgconfig'), { recursive: true });
    const so = path.join(localbase, lib, 'libtrap.so');
    const r = await run('gcc', [`-m${bits}`, '-shared', '-fPIC', '-o', so, path.join(src, 'trap.c')]);
    if (r.exitCode !== 0) throw new Error(explain('gcc (trap library)', r));
    await fs.writeFile(
      path.join(localbase, lib, 'pkgconfig/trap.pc'),
      `prefix=${localbase}\nName: trap\nDescription: undeclared\nVersion: 1\nLibs: -L${path.join(localbase, lib)} -ltrap\nCflags: -I${localbase}/include\n`,
    );
  }
  await fs.rm(src, { recursive: true });
}

describe('a multiarch program with a chain of library dependencies, from an empty prefix', () => {
  let tree: Tree;
  let localbase = '';
  let pkgdb = '';
  let build: RunResult;

  beforeAll(async () => {
    ({ tree, localbase, pkgdb } = await chainTree());
    await installTrap(localbase);
    build = await tree.mkpkg('misc/ptrreport', ['--multiarch', 'bin,lib', 'package']);
  });

  afterAll(async () => {
    if (tree !== undefined && process.env['MKPKG_E2E_KEEP'] === undefined) await tree.remove();
  });

  test('one command builds and installs the libraries for both ABIs first, saying why', async () => {
    expect(build.exitCode, explain('mkpkg --multiarch bin,lib package in misc/ptrreport', build)).toBe(0);
    const out = build.all;
    const at = (s: string) => {
      const i = out.indexOf(s);
      expect(i, `'${s}' in the output:\n${out.slice(-3000)}`).toBeGreaterThanOrEqual(0);
      return i;
    };
    const libmulti = at('devel/libmulti: needed by misc/ptrreport (DEPENDS libmulti>=1.0), not installed, building');
    const libstack = at('devel/libstack: needed by misc/ptrreport (DEPENDS libstack>=1.0), not installed, building');
    const own = at('configure ptrreport-1.0 (ABI 32)');
    expect(libmulti).toBeLessThan(libstack);
    expect(at('installed libmulti-1.0')).toBeLessThan(libstack);
    expect(at('installed libstack-1.0')).toBeLessThan(own);
    // Each dependency is built once: libstack finds the libmulti just installed.
    expect(out.split('needed by devel/libstack').length).toBe(1);
    expect((await fs.readdir(pkgdb)).filter((n) => !n.startsWith('.')).sort()).toEqual(['isaexec-1.0', 'libmulti-1.0', 'libstack-1.0']);
  });

  test('the dependencies were built multiarch, like the package that needed them', async () => {
    for (const name of ['libmulti-1.0', 'libstack-1.0']) {
      const info = await fs.readFile(path.join(pkgdb, name, '+BUILD_INFO'), 'utf8');
      expect(info, name).toMatch(/^MULTIARCH_ABIS=32 64$/m);
    }
    for (const [lib, bits] of [['lib/i86/libstack.so.1.0.0', 32], ['lib/libstack.so.1.0.0', 64], ['lib/i86/libmulti.so.1.0', 32], ['lib/libmulti.so.1.0', 64]] as const) {
      expect((await elfInfo(path.join(localbase, lib)))?.bits, lib).toBe(bits);
    }
  });

  test('+CONTENTS records @blddep (exact) and @pkgdep (pattern) as pkgsrc orders them', async () => {
    expect(build.exitCode, explain('build', build)).toBe(0);
    const contents = await packageMember(path.join(tree.packages, 'All/ptrreport-1.0.tgz'), '+CONTENTS');
    const deps = contents.split('\n').filter((l) => /^@(blddep|pkgdep) /.test(l));
    // isaexec is in ALL_DEPENDS of a build with multiarch bin (--multiarch reaches the glue as MKPKG_FLAGS), as pbulk's scan says.
    expect(deps).toEqual(['@blddep libmulti-1.0', '@pkgdep libmulti>=1.0', '@blddep libstack-1.0', '@pkgdep libstack>=1.0', '@blddep isaexec-1.0', '@pkgdep isaexec>=1.0']);
    // libstack's package records what it was built against as well.
    const stack = await packageMember(path.join(tree.packages, 'All/libstack-1.0.tgz'), '+CONTENTS');
    expect(stack).toMatch(/^@blddep libmulti-1\.0\n@pkgdep libmulti>=1\.0$/m);
  });

  test('each ABI was configured against its own buildlink view, never LOCALBASE', async () => {
    const work = path.join(tree.pkgDir('misc/ptrreport'), 'work');
    for (const abi of ['32', '64']) {
      const log = await fs.readFile(path.join(work, `.logs/configure-${abi}.log`), 'utf8');
      expect(log, abi).toContain('checking for trap... no');
      const view = path.join(work, '.buildlink', abi);
      const pc = await fs.readFile(path.join(view, abi === '32' ? 'lib/i86/pkgconfig/libmulti.pc' : 'lib/pkgconfig/libmulti.pc'), 'utf8');
      expect(pc).toContain(`libdir=${view}/lib${abi === '32' ? '/i86' : ''}`);
      expect(pc).not.toContain(localbase + '/');
      // Only this ABI's generated header directory is in the view.
      expect(await exists(path.join(view, 'include', abi === '32' ? 'i86' : 'amd64', 'multi-config.h'))).toBe(true);
      expect(await exists(path.join(view, 'include', abi === '32' ? 'amd64' : 'i86'))).toBe(false);
      expect(await exists(path.join(view, 'include/trap.h'))).toBe(false);
    }
  });

  test('no installed text file names a buildlink view or a work directory', async () => {
    const r = await run('grep', ['-rlI', '-e', '.buildlink', '-e', '/work/', path.join(localbase, 'lib'), path.join(localbase, 'include'), path.join(localbase, 'bin')]);
    expect(r.exitCode, `grep found: ${r.stdout}`).toBe(1);
  });

  test('the trap is real: a careless build that searched LOCALBASE would link it', async () => {
    const dir = await fs.mkdtemp(path.join(tree.root, 'careless-'));
    await fs.writeFile(path.join(dir, 'c.c'), '#include <trap.h>\nint main(void) { return trap_bits() == 0; }\n');
    const r = await run('gcc', ['-m64', `-I${localbase}/include`, '-o', path.join(dir, 'c'), path.join(dir, 'c.c'), `-L${localbase}/lib`, '-ltrap']);
    expect(r.exitCode, explain('gcc against LOCALBASE', r)).toBe(0);
  });

  test('installed, the program reports the right pointer size from itself and each library under ABI=32 and ABI=64', async () => {
    expect(build.exitCode, explain('build', build)).toBe(0);
    const add = await tree.mkpkg('misc/ptrreport', ['add', '--pkgdb', pkgdb, path.join(tree.packages, 'All/ptrreport-1.0.tgz')]);
    expect(add.exitCode, explain('mkpkg add ptrreport', add)).toBe(0);
    for (const bits of ['32', '64']) {
      const env: Record<string, string | undefined> = { ...process.env, ABI: bits };
      delete env['LD_LIBRARY_PATH'];
      const r = await run(path.join(localbase, 'bin/ptrreport'), [], { env });
      expect(r.exitCode, explain(`ABI=${bits} ptrreport`, r)).toBe(0);
      expect(r.stdout).toContain(`ptrreport: ${bits}-bit`);
      expect(r.stdout).toContain(`libmulti: ${bits}-bit (${bits === '32' ? 'i686' : 'x86_64'}-`);
      expect(r.stdout).toContain(`libstack: ${bits}-bit, its libmulti ${bits}-bit, its multi-config.h ${bits}-bit`);
      expect(r.stdout).toContain(`multi-config.h: ${bits}-bit`);
      expect(r.stdout).toContain('trap: not found');
    }
  });

  test('each ABI\'s program needs the libraries of the chain, never libtrap, and runs from its own lib directory', async () => {
    for (const [prog, lib] of [['bin/i86/ptrreport', 'lib/i86'], ['bin/amd64/ptrreport', 'lib']] as const) {
      const r = await run('readelf', ['-d', path.join(localbase, prog)]);
      expect(r.exitCode, explain('readelf', r)).toBe(0);
      const needed = [...r.stdout.matchAll(/\(NEEDED\)\s+Shared library: \[([^\]]+)\]/g)].map((m) => m[1]);
      expect(needed, prog).toEqual(expect.arrayContaining(['libmulti.so.1', 'libstack.so.1']));
      expect(needed.filter((n) => n?.startsWith('libtrap')), prog).toEqual([]);
      const runpath = /\((?:RUNPATH|RPATH)\)\s+Library r(?:un)?path: \[([^\]]+)\]/.exec(r.stdout)?.[1] ?? '';
      expect(runpath.split(':'), prog).toContain(path.join(localbase, lib));
      expect(runpath, prog).not.toContain('.buildlink');
    }
  });
});

describe('what the depends phase refuses', () => {
  let tree: Tree;
  let pkgdb = '';

  beforeAll(async () => {
    ({ tree, pkgdb } = await chainTree([
      { from: 'misc/ptrreport', as: 'cyc/one' },
      { from: 'misc/ptrreport', as: 'cyc/two' },
      { from: 'misc/ptrreport', as: 'tools/needsm4' },
      'misc/plainhello',
    ]));
    const cyc = (me: string, other: string) =>
      `DISTNAME=\t${me}-1.0\nDISTFILES=\nCATEGORIES=\tcyc\nCOMMENT=\tcycle\nDEPENDS+=\t${other}>=1:../../cyc/${other}\n.include "../../mk/bsd.pkg.mk"\n`;
    await fs.writeFile(path.join(tree.pkgDir('cyc/one'), 'Makefile'), cyc('one', 'two'));
    await fs.writeFile(path.join(tree.pkgDir('cyc/two'), 'Makefile'), cyc('two', 'one'));
    const mf = path.join(tree.pkgDir('tools/needsm4'), 'Makefile');
    await fs.writeFile(mf, (await fs.readFile(mf, 'utf8')).replace('USE_TOOLS+=\tpkg-config', 'USE_TOOLS+=\tpkg-config no-such-tool-mkpkg'));
  });

  afterAll(async () => {
    if (tree !== undefined && process.env['MKPKG_E2E_KEEP'] === undefined) await tree.remove();
  });

  test('DEPENDS_TARGET=/nonexistent: a missing dependency is named and never built', async () => {
    const r = await tree.mkpkg('misc/ptrreport', ['--multiarch', 'bin,lib', 'package', 'DEPENDS_TARGET=/nonexistent']);
    expect(r.exitCode, explain('mkpkg package DEPENDS_TARGET=/nonexistent', r)).toBe(1);
    expect(r.stderr).toContain('misc/ptrreport: dependency devel/libmulti (DEPENDS libmulti>=1.0) is not installed, and DEPENDS_TARGET=/nonexistent does not build it');
    expect(await exists(path.join(tree.pkgDir('devel/libmulti'), 'work'))).toBe(false);
    expect(await exists(path.join(tree.pkgDir('misc/ptrreport'), 'work/.logs/extract-32.log'))).toBe(false);
  });

  test('a cycle is reported with its chain of package paths', async () => {
    const r = await tree.mkpkg('cyc/one', ['package']);
    expect(r.exitCode, explain('mkpkg package in cyc/one', r)).toBe(2);
    expect(r.stderr).toContain('dependency cycle: cyc/one -> cyc/two -> cyc/one');
  });

  test('a tool USE_TOOLS names that is nowhere stops the build before any phase', async () => {
    const r = await tree.mkpkg('tools/needsm4', ['--multiarch', 'bin,lib', 'package']);
    expect(r.exitCode, explain('mkpkg package with a missing tool', r)).toBe(1);
    expect(r.stderr).toMatch(/USE_TOOLS names a tool this machine does not have:\n\s+no-such-tool-mkpkg: none of no-such-tool-mkpkg is on PATH/);
    expect(await exists(path.join(tree.pkgDir('tools/needsm4'), 'work/.logs'))).toBe(false);
  });

  test('a dependency installed for one ABI only is refused before configure, naming it and the missing ABI', async () => {
    // libmulti built and installed without multiarch: 64-bit only.
    const single = await tree.mkpkg('devel/libmulti', ['install-package']);
    expect(single.exitCode, explain('mkpkg install-package (single ABI) in devel/libmulti', single)).toBe(0);
    expect(await fs.readFile(path.join(pkgdb, 'libmulti-1.0/+BUILD_INFO'), 'utf8')).not.toMatch(/^MULTIARCH_ABIS=32/m);
    const r = await tree.mkpkg('devel/libstack', ['--multiarch', 'bin,lib', 'package']);
    expect(r.exitCode, explain('mkpkg --multiarch package in devel/libstack', r)).toBe(1);
    expect(r.stderr).toMatch(/devel\/libmulti \(libmulti-1\.0\) is installed for ABI 64 only: ABI 32 has no libmulti-1\.0 to link against/);
    expect(await exists(path.join(tree.pkgDir('devel/libstack'), 'work/.logs/configure-32.log'))).toBe(false);
  });

  test('packaging a multiarch program whose isaexec package is nowhere also packages isaexec (without installing it)', async () => {
    const r = await tree.mkpkg('misc/plainhello', ['--multiarch', 'bin,lib', 'package']);
    expect(r.exitCode, explain('mkpkg --multiarch bin,lib package in misc/plainhello', r)).toBe(0);
    expect(r.all).toContain('pkgtools/isaexec: needed at run time by misc/plainhello (isaexec>=1.0), no package in');
    expect(await exists(path.join(tree.packages, 'All/isaexec-1.0.tgz'))).toBe(true);
    expect(await exists(path.join(pkgdb, 'isaexec-1.0'))).toBe(false);
  });
});

describe('MULTIARCH=yes in mk.conf, no --multiarch: dependencies without USE_MULTIARCH are built multiarch too', () => {
  let tree: Tree;
  let pkgdb = '';

  beforeAll(async () => {
    ({ tree, pkgdb } = await chainTree());
    await fs.appendFile(path.join(tree.root, 'mk.conf'), 'MULTIARCH=\tyes\n');
    for (const lib of ['devel/libmulti', 'devel/libstack']) {
      const mf = path.join(tree.pkgDir(lib), 'Makefile');
      await fs.writeFile(mf, (await fs.readFile(mf, 'utf8')).replace(/^USE_MULTIARCH=.*\n/m, ''));
    }
  });

  afterAll(async () => {
    if (tree !== undefined && process.env['MKPKG_E2E_KEEP'] === undefined) await tree.remove();
  });

  test('mkpkg package in misc/ptrreport builds libmulti and libstack for both ABIs', async () => {
    const r = await tree.mkpkg('misc/ptrreport', ['package']);
    expect(r.exitCode, explain('mkpkg package (MULTIARCH=yes)', r)).toBe(0);
    for (const name of ['libmulti-1.0', 'libstack-1.0']) {
      expect(await fs.readFile(path.join(pkgdb, name, '+BUILD_INFO'), 'utf8'), name).toMatch(/^MULTIARCH_ABIS=32 64$/m);
    }
    const contents = await packageMember(path.join(tree.packages, 'All/ptrreport-1.0.tgz'), '+CONTENTS');
    expect(contents).toContain('bin/i86/ptrreport');
  });
});
