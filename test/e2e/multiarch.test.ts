// The main job end to end: every fixture package built for both ABIs by
// `mkpkg --multiarch bin,lib package`, installed with `mkpkg add --destdir`
// into a scratch prefix, and its commands run through isaexec and verexec.
import fs from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import {
  ALL_PACKAGES,
  elfInfo,
  exists,
  explain,
  listFiles,
  makeTree,
  packageMember,
  pooled,
  run,
  type RunResult,
  type Tree,
} from './tree.ts';
import { needs32 } from '../lib/abi32.ts';

type Pkg = (typeof ALL_PACKAGES)[number];
const PKGNAMES: Record<Pkg, string> = {
  'pkgtools/isaexec': 'isaexec-1.0',
  'devel/libmulti': 'libmulti-1.0',
  'devel/cmcalc': 'cmcalc-0.3',
  'misc/plainhello': 'plainhello-2.0',
  'sysutils/tickd': 'tickd-1.2',
  'lang/tinyinterp1': 'tinyinterp1-1.4',
  'lang/tinyinterp2': 'tinyinterp2-2.1',
};

const PARALLEL: ReadonlySet<Pkg> = new Set(['devel/cmcalc', 'sysutils/tickd', 'lang/tinyinterp2']);

let tree: Tree;
let prefix = '';
let destdir = '';
let root = ''; // ${destdir}${prefix}: where the packages are installed
const builds = new Map<Pkg, RunResult>();
const installs = new Map<Pkg, RunResult>();

const pkgFile = (p: Pkg): string => path.join(tree.packages, 'All', `${PKGNAMES[p]}.tgz`);

beforeAll(async () => {
  tree = await makeTree(ALL_PACKAGES);
  const pv = await tree.mkpkg('devel/libmulti', ['show-var', 'PREFIX']);
  if (pv.exitCode !== 0) throw new Error(explain('mkpkg show-var PREFIX', pv));
  prefix = pv.stdout.trim();
  destdir = path.join(tree.root, 'scratch');
  root = path.join(destdir, prefix);
  // isaexec is one static build for every ABI; the others are multiarch.
  // Two builds at a time share DISTDIR and PACKAGES, as a build farm would.
  // Some build their ABIs side by side (--parallel-abis), the rest in turn.
  await pooled(ALL_PACKAGES, 2, async (p) => {
    const args =
      p === 'pkgtools/isaexec'
        ? ['package']
        : PARALLEL.has(p)
          ? ['--multiarch', 'bin,lib', '--parallel-abis', 'package']
          : ['--multiarch', 'bin,lib', 'package'];
    builds.set(p, await tree.mkpkg(p, args));
  });
  for (const p of ALL_PACKAGES) {
    if (builds.get(p)?.exitCode !== 0) continue;
    installs.set(p, await tree.mkpkg(p, ['add', '--destdir', destdir, pkgFile(p)]));
  }
});

afterAll(async () => {
  if (tree !== undefined && process.env['MKPKG_E2E_KEEP'] === undefined) await tree.remove();
});

function built(p: Pkg): void {
  const r = builds.get(p);
  if (r === undefined) throw new Error(`${p} was not built`);
  expect(r.exitCode, explain(`mkpkg package in ${p}`, r)).toBe(0);
}

function installed(p: Pkg): void {
  built(p);
  const r = installs.get(p);
  if (r === undefined) throw new Error(`${p} was not installed`);
  expect(r.exitCode, explain(`mkpkg add ${PKGNAMES[p]}.tgz`, r)).toBe(0);
}

/** The environment the installed commands run with under the scratch prefix. */
function runEnv(extra: Record<string, string> = {}): Record<string, string | undefined> {
  const env: Record<string, string | undefined> = { ...process.env, ...extra };
  delete env['ABI'];
  for (const k of Object.keys(env)) if (k.startsWith('VEREXEC_')) delete env[k];
  // The RUNPATHs name ${PREFIX}/lib…, which is under the destdir here; the
  // loader skips the directory of the wrong ELF class.
  env['LD_LIBRARY_PATH'] = `${root}/lib/i86:${root}/lib`;
  env['VEREXEC_ALTDIR'] = `${root}/etc/verexec.d`;
  return { ...env, ...extra };
}

describe('build: mkpkg --multiarch bin,lib package', () => {
  test.each(ALL_PACKAGES)('%s builds and is written to PACKAGES/All', async (p) => {
    built(p);
    expect(await exists(pkgFile(p))).toBe(true);
  });

  test('each ABI is configured in its own copy of the work tree, and their headers differ', async () => {
    built('devel/libmulti');
    const work = path.join(tree.pkgDir('devel/libmulti'), 'work');
    // Work trees only: not the stages or the merged DESTDIR (dot directories).
    const headers = (await listFiles(work)).filter((f) => f.endsWith('/multi-config.h') && !/(^|\/)\./.test(f));
    const contents = await Promise.all(headers.map((h) => fs.readFile(path.join(work, h), 'utf8')));
    expect(contents.map((c) => /MULTI_SIZEOF_LONG (\d+)/.exec(c)?.[1]).sort(), headers.join(', ')).toEqual(['4', '8']);
  });

  test('libmulti: +CONTENTS has both ABIs, the isaexec @link, the generic header and the isaexec dependency', async () => {
    built('devel/libmulti');
    const contents = (await packageMember(pkgFile('devel/libmulti'), '+CONTENTS')).split('\n');
    for (const line of [
      'bin/i86/multiinfo',
      'bin/amd64/multiinfo',
      '@link lib/isaexec bin/multiinfo',
      'include/i86/multi-config.h',
      'include/amd64/multi-config.h',
      'include/multi-config.h',
      'include/multi.h',
      'lib/i86/libmulti.so.1.0',
      'lib/libmulti.so.1.0',
      'lib/i86/pkgconfig/libmulti.pc',
      'lib/pkgconfig/libmulti.pc',
    ]) {
      expect(contents, `+CONTENTS line ${line}`).toContain(line);
    }
    expect(contents.some((l) => /^@pkgdep isaexec>=1\.0/.test(l)), contents.join('\n')).toBe(true);
    expect(contents.filter((l) => l.startsWith('bin/multiinfo'))).toEqual([]);
    const info = await packageMember(pkgFile('devel/libmulti'), '+BUILD_INFO');
    expect(info).toMatch(/^MULTIARCH_ABIS=\s*32 64$/m);
    // Old enough for any libarchive-era pkg_add to take the package without -f.
    expect(info).toMatch(/^PKGTOOLS_VERSION=20091115$/m);
  });

  test('isaexec: a single-ABI package with both dispatchers and their man pages, no ABI directories', async () => {
    built('pkgtools/isaexec');
    const contents = (await packageMember(pkgFile('pkgtools/isaexec'), '+CONTENTS')).split('\n');
    for (const f of ['lib/isaexec', 'lib/verexec', 'man/man1/isaexec.1', 'man/man1/verexec.1']) {
      expect(contents).toContain(f);
    }
    expect(contents.filter((l) => /\/(i86|amd64)\//.test(l))).toEqual([]);
  });

  test('plainhello: the info page is packaged, the info/dir index make install wrote is not', async () => {
    built('misc/plainhello');
    const contents = (await packageMember(pkgFile('misc/plainhello'), '+CONTENTS')).split('\n');
    expect(contents).toContain('info/plainhello.info');
    expect(contents.filter((l) => /(^|\/)info\/dir$/.test(l))).toEqual([]);
  });

  test('tickd: MESSAGE becomes +DISPLAY', async () => {
    built('sysutils/tickd');
    expect(await packageMember(pkgFile('sysutils/tickd'), '+DISPLAY')).toContain('tickd is an SMF service');
  });

  test('print-plist folds the staged tree back into the single-arch PLIST', async () => {
    built('devel/libmulti');
    const r = await tree.mkpkg('devel/libmulti', ['--multiarch', 'bin,lib', 'print-plist']);
    expect(r.exitCode, explain('mkpkg print-plist', r)).toBe(0);
    const lines = r.stdout.split('\n');
    expect(lines[0]).toBe('@comment $NetBSD$');
    expect(lines).toContain('include${INCARCHSUFFIX}/multi-config.h');
    expect(lines).toContain('bin/multiinfo');
    expect(lines).toContain('lib/libmulti.so.1.0');
    expect(lines.filter((l) => /^(bin|lib)\/(i86|amd64)\//.test(l))).toEqual([]);
  });

  test('a re-run with every phase done reconfigures nothing', async () => {
    built('devel/libmulti');
    const work = path.join(tree.pkgDir('devel/libmulti'), 'work');
    const stamp = async (): Promise<string[]> => {
      const files = (await listFiles(work)).filter((f) => /(^|\/)(multi-config\.h|multiinfo)$/.test(f));
      return Promise.all(files.map(async (f) => `${f} ${(await fs.stat(path.join(work, f))).mtimeMs}`));
    };
    const before = await stamp();
    const r = await tree.mkpkg('devel/libmulti', ['--multiarch', 'bin,lib', 'package']);
    expect(r.exitCode, explain('second mkpkg package', r)).toBe(0);
    expect(before.length).toBeGreaterThanOrEqual(2);
    expect(await stamp()).toEqual(before);
  });
});

describe('install: mkpkg add --destdir into a scratch prefix', () => {
  test.each(ALL_PACKAGES)('%s installs', (p) => {
    installed(p);
  });

  // tinyinterp2 is checked with verexec below: its install depends on the
  // shared bin/tiny link, which these checks have nothing to do with.
  const ONE_EACH = ALL_PACKAGES.filter((p) => p !== 'lang/tinyinterp2');

  test('every ELF file under an ABI directory has that ABI class and machine', async () => {
    for (const p of ONE_EACH) installed(p);
    const files = await listFiles(root);
    const checked: string[] = [];
    for (const f of files) {
      const dirs = f.split('/').slice(0, -1);
      const want = dirs.includes('i86') ? 32 : dirs.includes('amd64') ? 64 : /^lib\/[^/]+\.so/.test(f) ? 64 : undefined;
      if (want === undefined) continue;
      const st = await fs.lstat(path.join(root, f));
      if (!st.isFile()) continue;
      const elf = await elfInfo(path.join(root, f));
      if (elf === undefined) continue;
      expect(elf, f).toEqual({ bits: want, machine: want === 32 ? 'i386' : 'x86_64' });
      checked.push(f);
    }
    for (const f of [
      'bin/i86/multiinfo',
      'bin/amd64/multiinfo',
      'lib/i86/libmulti.so.1.0',
      'lib/libmulti.so.1.0',
      'bin/i86/cmcalc',
      'bin/amd64/cmcalc',
      'lib/i86/libcmcalc.so.0.3.0',
      'lib/libcmcalc.so.0.3.0',
      'bin/i86/plainhello',
      'bin/amd64/plainhello',
      'sbin/i86/tickd',
      'sbin/amd64/tickd',
      'bin/i86/tiny-1.4',
      'bin/amd64/tiny-1.4',
    ]) {
      expect(checked, `${f} installed and checked`).toContain(f);
    }
  });

  test('commands are hard links to the dispatchers (same inode)', async () => {
    for (const p of ONE_EACH) installed(p);
    const ino = async (f: string): Promise<number> => (await fs.stat(path.join(root, f))).ino;
    const isaexec = await ino('lib/isaexec');
    for (const f of ['bin/multiinfo', 'bin/cmcalc', 'bin/plainhello', 'sbin/tickd', 'bin/tiny-1.4']) {
      expect(await ino(f), f).toBe(isaexec);
    }
    expect(await ino('bin/tiny')).toBe(await ino('lib/verexec'));
  });

  test('the absolute symlink make install wrote into DESTDIR is rewritten', async () => {
    installed('devel/libmulti');
    for (const dir of ['lib', 'lib/i86']) {
      const link = path.join(root, dir, 'libmulti.so');
      const target = await fs.readlink(link);
      expect(target, `${dir}/libmulti.so -> ${target}`).not.toContain(tree.root);
      const resolved = path.isAbsolute(target) ? path.join(destdir, target) : path.resolve(path.dirname(link), target);
      expect(path.relative(root, resolved), `${dir}/libmulti.so -> ${target}`).toBe(`${dir}/libmulti.so.1.0`);
    }
  });

  test('the generic multi-config.h selects the per-ABI header for -m32 and -m64', async () => {
    installed('devel/libmulti');
    const src = path.join(tree.root, 'generic.c');
    await fs.writeFile(
      src,
      '#include <multi.h>\n_Static_assert(MULTI_SIZEOF_VOIDP == sizeof(void *), "wrong ABI header");\n' +
        '_Static_assert(MULTI_SIZEOF_LONG == sizeof(long), "wrong ABI header");\nint x;\n',
    );
    for (const m of ['-m32', '-m64']) {
      const r = await run('gcc', [m, '-std=c11', '-fsyntax-only', `-I${root}/include`, src]);
      expect(r.exitCode, explain(`gcc ${m} against the installed headers`, r)).toBe(0);
    }
    const generic = await fs.readFile(path.join(root, 'include/multi-config.h'), 'utf8');
    expect(generic).not.toMatch(/MULTI_SIZEOF_LONG/);
  });

  test('SMF: manifest and both methods are installed, substituted, never per ABI', async () => {
    installed('sysutils/tickd');
    const manifest = await fs.readFile(path.join(root, 'lib/svc/manifest/tickd.xml'), 'utf8');
    expect(manifest).toContain('name="pkgsrc/tickd"');
    expect(manifest).toContain(`exec="${prefix}/lib/svc/method/tickd %{config/ticks}"`);
    expect(manifest).toContain(`exec="${prefix}/lib/svc/method/tickdctl stop`);
    expect(manifest).toContain('user="nobody"');
    expect(manifest).not.toMatch(/@[A-Z][A-Z0-9_.]*@/);
    for (const m of ['tickd', 'tickdctl']) {
      const f = path.join(root, 'lib/svc/method', m);
      expect(((await fs.stat(f)).mode & 0o777).toString(8), m).toBe('755');
      const text = await fs.readFile(f, 'utf8');
      expect(text).not.toMatch(/@[A-Z][A-Z0-9_.]*@/);
      expect(text.split('\n')[0]).toMatch(/^#!\//);
    }
    const files = await listFiles(root);
    expect(files.filter((f) => f.startsWith('lib/i86/svc') || f.startsWith('lib/amd64/svc'))).toEqual([]);
    const install = await packageMember(pkgFile('sysutils/tickd'), '+INSTALL');
    expect(install).toContain('svccfg');
  });
});

describe('run: isaexec picks the ABI', () => {
  const cases: Array<[string, string[], RegExp]> = [
    ['bin/multiinfo', [], /^multiinfo 1\.0 \(pkgsrc\): BITS-bit, long is LONG bytes, host HOST/],
    ['bin/cmcalc', ['100'], /^cmcalc BITS-bit: triangle\(100\) = 5050$/],
    ['bin/plainhello', [], /^hello from .*plainhello, BITS-bit$/],
    ['sbin/tickd', ['-V'], /^tickd 1\.2 BITS-bit$/],
  ];
  const groups: Record<'64' | '32', Array<[string | undefined, 32 | 64]>> = {
    '64': [[undefined, 64], ['64', 64], ['amd64', 64]],
    '32': [['32', 32], ['i86', 32]],
  };
  const perGroup = cases.flatMap(([cmd, args, pattern]) => (['64', '32'] as const).map((g) => [cmd, g, args, pattern] as const));
  test.for(perGroup)('%s runs the ELF class ABI asks for (%s-bit ABI values)', async ([cmd, group, args, pattern], ctx) => {
    if (group === '32') needs32(ctx);
    for (const p of ALL_PACKAGES) if (p !== 'lang/tinyinterp1' && p !== 'lang/tinyinterp2') installed(p);
    for (const [abi, bits] of groups[group]) {
      const r = await run(path.join(root, cmd), args, { env: runEnv(abi === undefined ? {} : { ABI: abi }) });
      expect(r.exitCode, explain(`ABI=${abi ?? '(unset)'} ${cmd}`, r)).toBe(0);
      const want = new RegExp(
        pattern.source
          .replace('BITS', String(bits))
          .replace('LONG', bits === 32 ? '4' : '8')
          .replace('HOST', bits === 32 ? 'i[3-6]86-' : 'x86_64-'),
        'm',
      );
      expect(r.stdout, `ABI=${abi ?? '(unset)'} ${cmd}`).toMatch(want);
    }
  });

  test('an unknown ABI is refused with the accepted values, exit 127', async () => {
    installed('devel/libmulti');
    const r = await run(path.join(root, 'bin/multiinfo'), [], { env: runEnv({ ABI: 'sparcv9' }) });
    expect(r.exitCode).toBe(127);
    expect(r.stderr).toMatch(/sparcv9/);
    expect(r.stderr).toMatch(/32/);
    expect(r.stderr).toMatch(/64/);
  });
});

describe('run: verexec picks the version', () => {
  test('two versions install side by side, both delivering @link lib/verexec bin/tiny (a shared link)', async () => {
    installed('lang/tinyinterp1');
    installed('lang/tinyinterp2');
    const ino = async (f: string): Promise<number> => (await fs.stat(path.join(root, f))).ino;
    expect(await ino('bin/tiny-2.1')).toBe(await ino('lib/isaexec'));
    expect(await ino('bin/tiny')).toBe(await ino('lib/verexec'));
    expect(await elfInfo(path.join(root, 'bin/i86/tiny-2.1'))).toEqual({ bits: 32, machine: 'i386' });
    expect(await elfInfo(path.join(root, 'bin/amd64/tiny-2.1'))).toEqual({ bits: 64, machine: 'x86_64' });
  });

  test.for(['64', '32'] as const)('bin/tiny runs the highest installed version, in the ABI asked for (%s-bit)', async (group, ctx) => {
    if (group === '32') needs32(ctx);
    installed('lang/tinyinterp1');
    installed('lang/tinyinterp2');
    const abis = group === '64' ? ([[undefined, 64], ['64', 64]] as const) : ([['32', 32]] as const);
    for (const [abi, bits] of abis) {
      const r = await run(path.join(root, 'bin/tiny'), ['-v'], { env: runEnv(abi === undefined ? {} : { ABI: abi }) });
      expect(r.exitCode, explain(`ABI=${abi ?? '(unset)'} bin/tiny -v`, r)).toBe(0);
      expect(r.stdout.trim()).toBe(`tiny 2.1 (${bits}-bit)`);
    }
    const pow = await run(path.join(root, 'bin/tiny'), ['-e', '2**10 % 1000'], { env: runEnv() });
    expect(pow.stdout.trim(), explain('tiny -e', pow)).toBe('24');
  });

  test.for(['64', '32'] as const)('VEREXEC_tiny overrides the choice (%s-bit)', async (bits, ctx) => {
    if (bits === '32') needs32(ctx);
    installed('lang/tinyinterp1');
    installed('lang/tinyinterp2');
    const env = runEnv({ VEREXEC_tiny: path.join(root, 'bin/tiny-1.4'), ...(bits === '32' ? { ABI: '32' } : {}) });
    const r = await run(path.join(root, 'bin/tiny'), ['-v'], { env });
    expect(r.exitCode, explain('VEREXEC_tiny=bin/tiny-1.4 bin/tiny -v', r)).toBe(0);
    expect(r.stdout.trim()).toBe(`tiny 1.4 (${bits}-bit)`);
  });

  test('the verexec.d links are relative and point at the versioned commands', async () => {
    installed('lang/tinyinterp1');
    installed('lang/tinyinterp2');
    for (const v of ['1.4', '2.1']) {
      const link = path.join(root, 'etc/verexec.d/tiny', v);
      expect(await fs.readlink(link)).toBe(`../../../bin/tiny-${v}`);
    }
  });
});

describe('bmake glue', () => {
  test('bmake in a package directory reaches mkpkg (show-var, print-plist)', async () => {
    built('misc/plainhello');
    const dir = tree.pkgDir('misc/plainhello');
    const env = { ...process.env, ...(tree.env['MAKECONF'] !== undefined ? { MAKECONF: tree.env['MAKECONF'] } : {}) };
    const sv = await run('bmake', ['show-var', 'VARNAME=PKGNAME'], { cwd: dir, env });
    expect(sv.exitCode, explain('bmake show-var VARNAME=PKGNAME', sv)).toBe(0);
    expect(sv.stdout.trim()).toBe('plainhello-2.0');
    const pp = await run('bmake', ['print-plist'], { cwd: dir, env });
    expect(pp.exitCode, explain('bmake print-plist', pp)).toBe(0);
    expect(pp.stdout.split('\n')).toContain('man/man1/plainhello.1');
  });
});

describe('delete', () => {
  test('deleting the highest version keeps the shared bin/tiny, which then runs the other version', async () => {
    installed('lang/tinyinterp1');
    installed('lang/tinyinterp2');
    const pkgdb = path.join(root, 'pkgdb');
    const r = await tree.mkpkg('lang/tinyinterp2', ['delete', '--destdir', destdir, '--pkgdb', pkgdb, PKGNAMES['lang/tinyinterp2']]);
    expect(r.exitCode, explain('mkpkg delete tinyinterp2-2.1', r)).toBe(0);
    expect(await exists(path.join(root, 'etc/verexec.d/tiny/2.1'))).toBe(false);
    expect(await exists(path.join(root, 'bin/amd64/tiny-2.1'))).toBe(false);
    expect((await fs.stat(path.join(root, 'bin/tiny'))).ino).toBe((await fs.stat(path.join(root, 'lib/verexec'))).ino);
    const v = await run(path.join(root, 'bin/tiny'), ['-v'], { env: runEnv() });
    expect(v.stdout.trim(), explain('bin/tiny -v after deleting 2.1', v)).toBe('tiny 1.4 (64-bit)');
  });

  test('mkpkg delete removes every ABI copy and the @link of a package', async () => {
    installed('misc/plainhello');
    // Runs last in this file: the run tests above no longer need plainhello.
    expect(await exists(path.join(root, 'pkgdb', PKGNAMES['misc/plainhello'], '+CONTENTS')), 'pkgdb at ${PREFIX}/pkgdb').toBe(true);
    const r = await tree.mkpkg('misc/plainhello', ['delete', '--destdir', destdir, '--pkgdb', path.join(root, 'pkgdb'), PKGNAMES['misc/plainhello']]);
    expect(r.exitCode, explain('mkpkg delete plainhello-2.0', r)).toBe(0);
    for (const f of ['bin/plainhello', 'bin/i86/plainhello', 'bin/amd64/plainhello', 'man/man1/plainhello.1']) {
      expect(await exists(path.join(root, f)), f).toBe(false);
    }
    expect(await exists(path.join(root, 'lib/isaexec'))).toBe(true);
  });
});
