import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import zlib from 'node:zlib';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { META_ORDER, addPackage, createPackage, deletePackage, installedPackages, parseBuildInfo, writeSummary } from '../src/index.ts';
import { copyStage, fixtures, helloOptions, isaexecPackage, readLines, realIsaexecPackage, snapshot, tarList, tmpdir } from './helpers.ts';

let dir: string;
let savedEpoch: string | undefined;
beforeEach(() => {
  dir = tmpdir('rt');
  savedEpoch = process.env['SOURCE_DATE_EPOCH'];
  process.env['SOURCE_DATE_EPOCH'] = '1700000000';
});
afterEach(() => {
  if (savedEpoch === undefined) delete process.env['SOURCE_DATE_EPOCH'];
  else process.env['SOURCE_DATE_EPOCH'] = savedEpoch;
  fs.rmSync(dir, { recursive: true, force: true });
});

async function buildHello(sub = 'a', over = {}): Promise<{ file: string; stage: string }> {
  const stage = copyStage('hello', path.join(dir, `stage-${sub}`));
  const file = path.join(dir, `out-${sub}`, 'hello-1.0.tgz');
  await createPackage(helloOptions(stage, file, over));
  return { file, stage };
}

describe('createPackage: the archive as other tools read it', () => {
  it('puts +CONTENTS first, metadata in pkg_install order, then the payload in PLIST order', async () => {
    const { file } = await buildHello();
    const names = tarList(file);
    expect(names[0]).toBe('+CONTENTS');
    const meta = names.filter((n) => n.startsWith('+'));
    expect(meta).toEqual(['+CONTENTS', '+COMMENT', '+DESC', '+INSTALL', '+DEINSTALL', '+DISPLAY', '+BUILD_INFO', '+SIZE_PKG', '+SIZE_ALL']);
    const idx = meta.map((m) => (META_ORDER as readonly string[]).indexOf(m));
    expect([...idx].sort((a, b) => a - b)).toEqual(idx);
    // Payload: PLIST files in order; the @link destination is not stored.
    expect(names.slice(meta.length)).toEqual([
      'bin/amd64/hello', 'bin/i86/hello', 'lib/libhello.so', 'lib/libhello.so.1', 'man/man1/hello.1',
      'share/doc/hello/README', 'share/doc/hello/README.hardlink',
    ]);
    expect(names).not.toContain('bin/hello');
  });

  it('writes +CONTENTS with @name, @cwd, dependencies, MD5 and Symlink comments and @link kept', async () => {
    const { file, stage } = await buildHello();
    const contents = execFileSync('tar', ['-xzOf', file, '+CONTENTS'], { encoding: 'utf8' }).split('\n');
    expect(contents.slice(0, 4)).toEqual(['@cwd /opt/local', '@pkgcfl hello-old-[0-9]*', '@name hello-1.0', '@pkgdep isaexec>=1.0']);
    const md5 = (rel: string) => execFileSync('md5sum', [path.join(stage, rel)], { encoding: 'utf8' }).slice(0, 32);
    const at = (l: string) => contents.indexOf(l);
    expect(contents[at('bin/amd64/hello') + 1]).toBe(`@comment MD5:${md5('bin/amd64/hello')}`);
    expect(contents[at('lib/libhello.so') + 1]).toBe('@comment Symlink:libhello.so.1');
    expect(contents).toContain('@link lib/isaexec bin/hello');
    expect(contents[at('@link lib/isaexec bin/hello') + 1]).not.toMatch(/^@comment/);
    expect(contents[at('share/doc/hello/README.hardlink') + 1]).toBe(`@comment MD5:${md5('share/doc/hello/README')}`);
    expect(contents).toContain('@display +DISPLAY');
    const tail = contents.slice(at('@cwd .'));
    expect(tail.filter((l) => l.startsWith('+'))).toEqual(['+COMMENT', '+DESC', '+INSTALL', '+DEINSTALL', '+DISPLAY', '+BUILD_INFO', '+SIZE_PKG', '+SIZE_ALL']);
  });

  it('records build information, sizes and the homepage', async () => {
    const { file, stage } = await buildHello();
    const x = (m: string) => execFileSync('tar', ['-xzOf', file, m], { encoding: 'utf8' });
    const info = parseBuildInfo(x('+BUILD_INFO'));
    for (const k of ['OPSYS', 'OS_VERSION', 'MACHINE_ARCH', 'PKGTOOLS_VERSION', 'ABI', 'MULTIARCH_ABIS']) expect(info.has(k)).toBe(true);
    expect(info.get('PKGTOOLS_VERSION')?.[0]).toMatch(/^\d{8}$/);
    expect(info.get('MULTIARCH_ABIS')).toEqual(['32 64']);
    expect(info.get('BUILD_DATE')).toEqual(['2023-11-14 22:13:20 +0000']);
    const lines = x('+BUILD_INFO').trim().split('\n');
    expect([...lines].sort()).toEqual(lines);
    const files = ['bin/amd64/hello', 'bin/i86/hello', 'lib/libhello.so.1', 'man/man1/hello.1', 'share/doc/hello/README', 'share/doc/hello/README.hardlink'];
    const size = files.reduce((n, f) => n + fs.statSync(path.join(stage, f)).size, 0);
    expect(x('+SIZE_PKG')).toBe(`${size}\n`);
    expect(x('+DESC')).toMatch(/\n\nHomepage:\nhttps:\/\/example\.org\/hello\n$/);
  });

  it('stores a PLIST hard link as a tar hard link and normalises ownership', async () => {
    const { file } = await buildHello();
    const v = execFileSync('tar', ['-tvzf', file], { encoding: 'utf8' });
    expect(v).toMatch(/^h.* root\/root .* share\/doc\/hello\/README\.hardlink link to share\/doc\/hello\/README$/m);
    expect(v).toMatch(/^l.* lib\/libhello\.so -> libhello\.so\.1$/m);
    for (const l of v.trim().split('\n')) expect(l).toMatch(/ root\/root /);
  });

  it('is byte-identical for the same inputs under SOURCE_DATE_EPOCH', async () => {
    const a = await buildHello('a');
    const b = await buildHello('b');
    // Different stage copies, different mtimes and inodes: same bytes.
    fs.utimesSync(path.join(b.stage, 'man/man1/hello.1'), new Date(5e12), new Date(5e12));
    const c = path.join(dir, 'c.tgz');
    await createPackage({ ...helloOptions(copyStage('hello', path.join(dir, 'stage-c')), c) });
    expect(fs.readFileSync(a.file).equals(fs.readFileSync(b.file))).toBe(true);
    expect(fs.readFileSync(a.file).equals(fs.readFileSync(c))).toBe(true);
    process.env['SOURCE_DATE_EPOCH'] = '1700000001';
    const d = path.join(dir, 'd.tgz');
    await createPackage(helloOptions(copyStage('hello', path.join(dir, 'stage-d')), d));
    expect(fs.readFileSync(a.file).equals(fs.readFileSync(d))).toBe(false);
  });

  it.each([
    ['bzip2', '-j', 'BZh'],
    ['xz', '-J', '\xfd7zXZ'],
    ['none', '', 'ustar'],
  ] as const)('writes %s packages the system tar reads, +CONTENTS first', async (compression, flag, magic) => {
    const { file } = await buildHello(compression, { compression });
    const head = fs.readFileSync(file).subarray(0, 300).toString('latin1');
    expect(compression === 'none' ? head.slice(257, 262) : head.slice(0, magic.length)).toBe(magic);
    const names = tarList(file, flag);
    expect(names[0]).toBe('+CONTENTS');
    expect(names).toContain('share/doc/hello/README.hardlink');
    // And our own installer reads it back.
    const isa = await isaexecPackage(dir);
    const dest = path.join(dir, `dest-${compression}`);
    await addPackage(isa, { destdir: dest });
    await addPackage(file, { destdir: dest });
    expect(fs.readFileSync(path.join(dest, 'opt/local/share/doc/hello/README'), 'utf8')).toMatch(/two ABIs/);
  });

  it('extracts with GNU tar to the same files as the stage', async () => {
    const { file, stage } = await buildHello();
    const x = path.join(dir, 'x');
    fs.mkdirSync(x);
    execFileSync('tar', ['-xzf', file, '-C', x]);
    for (const m of fs.readdirSync(x).filter((n) => n.startsWith('+'))) fs.rmSync(path.join(x, m));
    const want = snapshot(stage);
    const got = snapshot(x);
    for (const [k, v] of want) {
      if (v.type === 'dir') continue;
      expect(got.get(k)?.data, k).toBe(v.data);
      expect(got.get(k)?.mode, k).toBe(v.mode);
    }
    expect(got.get('share/doc/hello/README.hardlink')?.ino).toBe(got.get('share/doc/hello/README')?.ino);
  });

  it('stores long and non-ASCII names that GNU tar and the installer read back', async () => {
    const stage = path.join(dir, 'long');
    const names = [`share/${'d'.repeat(90)}/${'f'.repeat(60)}`, `share/${'x/'.repeat(140)}deep`, 'share/ünïcode ☃.txt'];
    for (const n of names) {
      fs.mkdirSync(path.dirname(path.join(stage, n)), { recursive: true });
      fs.writeFileSync(path.join(stage, n), n);
    }
    const file = path.join(dir, 'long-1.0.tgz');
    await createPackage({ output: file, pkgname: 'long-1.0', prefix: '/opt/local', stageDir: stage, plist: names, comment: 'x', descr: 'x', buildInfo: {} });
    expect(tarList(file).filter((n) => !n.startsWith('+'))).toEqual(names);
    const dest = path.join(dir, 'dest');
    await addPackage(file, { destdir: dest });
    for (const n of names) expect(fs.readFileSync(path.join(dest, 'opt/local', n), 'utf8')).toBe(n);
  });

  it('never leaves a partial package under the final name', async () => {
    const stage = copyStage('hello', path.join(dir, 'stage'));
    const out = path.join(dir, 'out', 'hello-1.0.tgz');
    fs.rmSync(path.join(stage, 'man/man1/hello.1'));
    await expect(createPackage(helloOptions(stage, out))).rejects.toThrow(/PLIST:\d+: man\/man1\/hello\.1 is in the PLIST but not in the staging directory/);
    expect(fs.existsSync(out)).toBe(false);
    expect(fs.existsSync(path.dirname(out)) ? fs.readdirSync(path.dirname(out)) : []).toEqual([]);
  });
});

describe('addPackage and deletePackage: the round trip', () => {
  it('installs files identical to the stage, links hard links, runs scripts, and deletes back to the prefix as before', async () => {
    const { file, stage } = await buildHello();
    const isa = await realIsaexecPackage(dir);
    const dest = path.join(dir, 'dest');
    const log = path.join(dir, 'script.log');
    process.env['MKPKG_TEST_LOG'] = log;
    try {
      await addPackage(isa, { destdir: dest });
      const before = snapshot(dest);
      const r = await addPackage(file, { destdir: dest });
      expect(r).toMatchObject({ pkgname: 'hello-1.0', prefix: '/opt/local' });
      expect(r.display).toMatch(/hello is installed/);
      const root = path.join(dest, 'opt/local');
      const got = snapshot(root);
      for (const [k, v] of snapshot(stage)) {
        expect(got.get(k)?.type, k).toBe(v.type);
        expect(got.get(k)?.data, k).toBe(v.data);
        if (v.type === 'file') expect(got.get(k)?.mode, k).toBe(v.mode);
      }
      // @link: a hard link to the real dispatcher (native/build/isaexec), which runs the command of the ABI asked for.
      expect(fs.statSync(path.join(root, 'bin/hello')).ino).toBe(fs.statSync(path.join(root, 'lib/isaexec')).ino);
      expect(fs.readFileSync(path.join(root, 'lib/isaexec')).subarray(0, 4).toString('latin1')).toBe('\x7fELF');
      expect(execFileSync(path.join(root, 'bin/hello'), { encoding: 'utf8', env: { ...process.env, ABI: '64' } })).toBe('hello from amd64\n');
      expect(execFileSync(path.join(root, 'bin/hello'), { encoding: 'utf8', env: { ...process.env, ABI: '32' } })).toBe('hello from i86\n');
      // Tar hard link in the package: one inode.
      expect(got.get('share/doc/hello/README.hardlink')?.ino).toBe(got.get('share/doc/hello/README')?.ino);
      expect(fs.statSync(path.join(root, 'var/hello')).isDirectory()).toBe(true);
      // pkgdb like pkg_install's, with its modes; dependency registered.
      const db = path.join(root, 'pkgdb');
      expect(await installedPackages({ destdir: dest, prefix: '/opt/local' })).toEqual(['hello-1.0', 'isaexec-1.1']);
      expect(fs.statSync(path.join(db, 'hello-1.0/+CONTENTS')).mode & 0o777).toBe(0o644);
      expect(fs.statSync(path.join(db, 'hello-1.0/+INSTALL')).mode & 0o777).toBe(0o555);
      expect(fs.statSync(path.join(db, 'hello-1.0/+COMMENT')).mode & 0o777).toBe(0o444);
      expect(readLines(path.join(db, 'isaexec-1.1/+REQUIRED_BY'))).toEqual(['hello-1.0']);
      await expect(deletePackage('isaexec-1.1', { destdir: dest, prefix: '/opt/local' })).rejects.toThrow(/isaexec-1\.1 is required by hello-1\.0/);

      const res = await deletePackage('hello-1.0', { destdir: dest, prefix: '/opt/local' });
      expect(res.modified).toEqual([]);
      expect(snapshot(dest)).toEqual(before);
      expect(fs.existsSync(path.join(db, 'isaexec-1.1/+REQUIRED_BY'))).toBe(false);
      const metaDir = path.join(db, 'hello-1.0');
      expect(readLines(log)).toEqual([
        `install hello-1.0 PRE-INSTALL prefix=/opt/local destdir=${dest} meta=${metaDir} cwd=${metaDir}`,
        "exec 'share/doc/hello/README' 'README'",
        `install hello-1.0 POST-INSTALL prefix=/opt/local destdir=${dest} meta=${metaDir} cwd=${metaDir}`,
        `deinstall hello-1.0 DEINSTALL prefix=/opt/local destdir=${dest}`,
        "unexec 'share/doc/hello/README'",
        `deinstall hello-1.0 POST-DEINSTALL prefix=/opt/local destdir=${dest}`,
      ].map((l) => l.replace(/'/g, '')));
      await deletePackage('isaexec-1.1', { destdir: dest, prefix: '/opt/local' });
      expect(snapshot(dest)).toEqual(new Map([['opt', expect.anything()], ['opt/local', expect.anything()]]));
    } finally {
      delete process.env['MKPKG_TEST_LOG'];
    }
  });

  it('delete leaves modified files in place and reports them', async () => {
    const { file } = await buildHello();
    const dest = path.join(dir, 'dest');
    await addPackage(await isaexecPackage(dir), { destdir: dest });
    await addPackage(file, { destdir: dest });
    const root = path.join(dest, 'opt/local');
    fs.appendFileSync(path.join(root, 'man/man1/hello.1'), 'local edit\n');
    fs.rmSync(path.join(root, 'lib/libhello.so'));
    fs.symlinkSync('elsewhere', path.join(root, 'lib/libhello.so'));
    const r = await deletePackage('hello-1.0', { destdir: dest, prefix: '/opt/local' });
    expect(r.modified.sort()).toEqual([path.join(root, 'lib/libhello.so'), path.join(root, 'man/man1/hello.1')]);
    expect(fs.readFileSync(path.join(root, 'man/man1/hello.1'), 'utf8')).toMatch(/local edit/);
    expect(fs.existsSync(path.join(root, 'bin/amd64/hello'))).toBe(false);
    expect(fs.existsSync(path.join(root, 'bin/hello'))).toBe(false);
    expect(fs.existsSync(path.join(root, 'pkgdb/hello-1.0'))).toBe(false);
  });

  it('uses --pkgdb as given and PKG_DBDIR under the destdir', async () => {
    const isa = await isaexecPackage(dir);
    const db = path.join(dir, 'elsewhere/db');
    await addPackage(isa, { destdir: path.join(dir, 'd1'), pkgdb: db });
    expect(fs.existsSync(path.join(db, 'isaexec-1.1/+CONTENTS'))).toBe(true);
    expect(fs.existsSync(path.join(dir, 'd1/opt/local/pkgdb'))).toBe(false);
    process.env['PKG_DBDIR'] = '/var/db/pkg';
    try {
      await addPackage(isa, { destdir: path.join(dir, 'd2') });
      expect(fs.existsSync(path.join(dir, 'd2/var/db/pkg/isaexec-1.1/+CONTENTS'))).toBe(true);
    } finally {
      delete process.env['PKG_DBDIR'];
    }
  });

  it('installs under --prefix instead of the package prefix and records it', async () => {
    const isa = await isaexecPackage(dir);
    const dest = path.join(dir, 'dest');
    await addPackage(isa, { destdir: dest, prefix: '/usr/pkg' });
    expect(fs.existsSync(path.join(dest, 'usr/pkg/lib/isaexec'))).toBe(true);
    expect(readLines(path.join(dest, 'usr/pkg/pkgdb/isaexec-1.1/+CONTENTS'))[0]).toBe('@cwd /usr/pkg');
    await deletePackage('isaexec-1.1', { destdir: dest, prefix: '/usr/pkg' });
    expect(fs.existsSync(path.join(dest, 'usr/pkg/lib'))).toBe(false);
  });

  it('the +INSTALL/+DEINSTALL @link lines make and remove the hard link for a pkg_add without @link', async () => {
    const { file } = await buildHello();
    // Stand in for upstream pkg_add: tar extracts the payload, then POST-INSTALL runs.
    const dest = path.join(dir, 'dest');
    const root = path.join(dest, 'opt/local');
    fs.mkdirSync(path.join(root, 'lib'), { recursive: true });
    fs.copyFileSync(path.join(fixtures, 'isaexec/stage/lib/isaexec'), path.join(root, 'lib/isaexec'));
    execFileSync('tar', ['-xzf', file, '-C', root]);
    const env = { ...process.env, PKG_DESTDIR: dest, PKG_PREFIX: '/opt/local' };
    execFileSync('sh', ['./+INSTALL', 'hello-1.0', 'POST-INSTALL'], { cwd: root, env });
    expect(fs.statSync(path.join(root, 'bin/hello')).ino).toBe(fs.statSync(path.join(root, 'lib/isaexec')).ino);
    // Running it again leaves the link alone.
    execFileSync('sh', ['./+INSTALL', 'hello-1.0', 'POST-INSTALL'], { cwd: root, env });
    execFileSync('sh', ['./+DEINSTALL', 'hello-1.0', 'DEINSTALL'], { cwd: root, env });
    expect(fs.existsSync(path.join(root, 'bin/hello'))).toBe(false);
    expect(fs.existsSync(path.join(root, 'lib/isaexec'))).toBe(true);
  });
});

describe('writeSummary', () => {
  it('writes pkg_summary.gz with one block per package', async () => {
    const { file } = await buildHello();
    const repo = path.dirname(file);
    await isaexecPackage(repo);
    const r = await writeSummary(repo);
    expect(r.packages).toEqual(['hello-1.0.tgz', 'isaexec-1.1.tgz']);
    const text = zlib.gunzipSync(fs.readFileSync(r.path)).toString('utf8');
    const blocks = text.split('\n\n').filter((b) => b !== '');
    expect(blocks).toHaveLength(2);
    const hello = (blocks[0] ?? '').split('\n');
    expect(hello).toContain('PKGNAME=hello-1.0');
    expect(hello).toContain('COMMENT=Greets in both ABIs');
    expect(hello).toContain('DEPENDS=isaexec>=1.0');
    expect(hello).toContain('CONFLICTS=hello-old-[0-9]*');
    expect(hello).toContain('MACHINE_ARCH=x86_64');
    expect(hello).toContain(`FILE_SIZE=${fs.statSync(file).size}`);
    expect(hello.filter((l) => l.startsWith('DESCRIPTION='))).toEqual([
      'DESCRIPTION=hello is the smallest multiarch package: one command built for',
      'DESCRIPTION=both ABIs, dispatched by isaexec.',
      'DESCRIPTION=',
      'DESCRIPTION=Homepage:',
      'DESCRIPTION=https://example.org/hello',
    ]);
    for (const k of ['BUILD_DATE', 'CATEGORIES', 'OPSYS', 'OS_VERSION', 'PKGPATH', 'PKGTOOLS_VERSION', 'SIZE_PKG']) {
      expect(hello.some((l) => l.startsWith(`${k}=`)), k).toBe(true);
    }
  });
});
