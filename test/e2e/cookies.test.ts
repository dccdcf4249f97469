// Phase cookies record what their phase was made from: a patch added after
// a failed configure reaches every ABI, and changing --multiarch rebuilds.
import fs from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { FIXTURES, elfInfo, explain, makeTree, run, type Tree } from './tree.ts';

let tree: Tree;

beforeAll(async () => {
  tree = await makeTree([{ from: 'devel/libmulti', as: 'devel/patchlate' }, 'misc/plainhello']);
});

afterAll(async () => {
  if (tree !== undefined && process.env['MKPKG_E2E_KEEP'] === undefined) await tree.remove();
});

const PATCHED = '(pkgsrc)';

describe('a patch added after a failed configure', () => {
  const pkg = 'devel/patchlate';
  const dir = () => tree.pkgDir(pkg);
  const src = (abi: string) => path.join(dir(), 'work', `abi${abi}`, 'libmulti-1.0', 'multiinfo.c');

  test('reaches both ABIs: both are extracted and patched again, and the build goes through', async () => {
    // The package without its patch, and a configure step that needs it.
    await fs.rm(path.join(dir(), 'patches'), { recursive: true });
    const mk = path.join(dir(), 'Makefile');
    const text = await fs.readFile(mk, 'utf8');
    await fs.writeFile(
      mk,
      text.replace(
        '.include "../../mk/bsd.pkg.mk"',
        `pre-configure:\n\tgrep -q '${PATCHED}' \${WRKSRC}/multiinfo.c || { echo 'multiinfo.c lacks the pkgsrc patch' >&2; exit 1; }\n\n.include "../../mk/bsd.pkg.mk"`,
      ),
    );
    const sum = await tree.mkpkg(pkg, ['makepatchsum']);
    expect(sum.exitCode, explain('makepatchsum', sum)).toBe(0);

    // Both ABIs extracted and "patched" (no patches yet), then configure fails.
    const patch = await tree.mkpkg(pkg, ['--multiarch', 'bin,lib', 'patch']);
    expect(patch.exitCode, explain('mkpkg patch', patch)).toBe(0);
    const failed = await tree.mkpkg(pkg, ['--multiarch', 'bin,lib', 'package']);
    expect(failed.exitCode).toBe(1);
    expect(failed.all).toContain('multiinfo.c lacks the pkgsrc patch');
    for (const abi of ['32', '64']) expect(await fs.readFile(src(abi), 'utf8')).not.toContain(PATCHED);

    // The maintainer adds the patch and records its checksum.
    await fs.mkdir(path.join(dir(), 'patches'));
    await fs.copyFile(path.join(FIXTURES, 'devel/libmulti/patches/patch-multiinfo.c'), path.join(dir(), 'patches/patch-multiinfo.c'));
    const sum2 = await tree.mkpkg(pkg, ['makepatchsum']);
    expect(sum2.exitCode, explain('makepatchsum', sum2)).toBe(0);

    const again = await tree.mkpkg(pkg, ['--multiarch', 'bin,lib', 'package']);
    expect(again.exitCode, explain('mkpkg package after adding the patch', again)).toBe(0);
    for (const abi of ['32', '64']) {
      expect(await fs.readFile(src(abi), 'utf8'), `ABI ${abi}`).toContain(PATCHED);
      expect(again.all).toMatch(new RegExp(`extract libmulti-1\\.0 \\(ABI ${abi}\\)`));
      expect(await fs.readFile(path.join(dir(), `work/.logs/patch-${abi}.log`), 'utf8')).toContain('patch-multiinfo.c');
    }
  });

  test('a re-run with nothing changed does nothing', async () => {
    const r = await tree.mkpkg(pkg, ['--multiarch', 'bin,lib', 'package']);
    expect(r.exitCode, explain('mkpkg package', r)).toBe(0);
    expect(r.all).toMatch(/up to date/);
  });

  test('an edited Makefile configures and builds again without extracting again', async () => {
    const mk = path.join(dir(), 'Makefile');
    await fs.appendFile(mk, '\nCONFIGURE_ARGS+=\t--disable-nothing\n');
    const r = await tree.mkpkg(pkg, ['--multiarch', 'bin,lib', 'package']);
    expect(r.exitCode, explain('mkpkg package after a Makefile edit', r)).toBe(0);
    expect(r.all).not.toMatch(/extract libmulti/);
    expect(r.all).toMatch(/configure libmulti-1\.0 \(ABI 32\)/);
    expect(r.all).toMatch(/configure libmulti-1\.0 \(ABI 64\)/);
    expect(r.all).toMatch(/wrote .*libmulti-1\.0\.tgz/);
  });

  test('a changed mk.conf builds again', async () => {
    await fs.appendFile(tree.env['MAKECONF'] as string, 'CFLAGS+=\t-DMKPKG_COOKIE_TEST\n');
    const r = await tree.mkpkg(pkg, ['--multiarch', 'bin,lib', 'build']);
    expect(r.exitCode, explain('mkpkg build after an mk.conf edit', r)).toBe(0);
    expect(r.all).toMatch(/build libmulti-1\.0 \(ABI 32\)/);
    expect(await fs.readFile(path.join(dir(), 'work/.logs/build-64.log'), 'utf8')).toContain('-DMKPKG_COOKIE_TEST');
  });
});

describe('changing --multiarch rebuilds', () => {
  const pkg = 'misc/plainhello';
  const pkgfile = () => path.join(tree.packages, 'All/plainhello-2.0.tgz');
  const members = async () => (await run('tar', ['-tzf', pkgfile()])).stdout.split('\n');

  test('single-ABI, then --multiarch bin: the package gains bin/i86 and bin/amd64', async () => {
    const one = await tree.mkpkg(pkg, ['package']);
    expect(one.exitCode, explain('mkpkg package', one)).toBe(0);
    expect(await members()).toContain('bin/plainhello');
    const multi = await tree.mkpkg(pkg, ['--multiarch', 'bin', 'package']);
    expect(multi.exitCode, explain('mkpkg --multiarch bin package', multi)).toBe(0);
    expect(multi.all).not.toMatch(/up to date/);
    const m = await members();
    expect(m).toContain('bin/i86/plainhello');
    expect(m).toContain('bin/amd64/plainhello');
    expect(await elfInfo(path.join(tree.pkgDir(pkg), 'work/.destdir/usr/pkg/bin/i86/plainhello'))).toMatchObject({ bits: 32 });
  });

  test('and back: the single-ABI package has no ABI directories', async () => {
    const one = await tree.mkpkg(pkg, ['package']);
    expect(one.exitCode, explain('mkpkg package', one)).toBe(0);
    expect(one.all).not.toMatch(/up to date/);
    const m = await members();
    expect(m).toContain('bin/plainhello');
    expect(m.some((x) => x.startsWith('bin/i86/'))).toBe(false);
  });
});
