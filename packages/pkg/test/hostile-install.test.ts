import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { addPackage, createPackage, deletePackage } from '../src/index.ts';
import { Sandbox, expectNotRegistered, refused } from './crafted.ts';
import { md5, snapshot } from './helpers.ts';

// Issue 13, items 1-9: crafted packages against the installer. After each
// case the sentinel tree next to the destination must be exactly as before.

let sb: Sandbox;
beforeEach(() => { sb = new Sandbox(); });
afterEach(() => sb.remove());

/** Files (not directories) under the destination. */
function filesIn(dir: string): string[] {
  return [...snapshot(dir).entries()].filter(([, v]) => v.type !== 'dir').map(([k]) => k);
}

/** Installs good-1.0: lib/a.so and share/doc/good, both with MD5s. */
async function installGood(): Promise<void> {
  const f = sb.pkg('good.tgz', {
    name: 'good-1.0',
    contents: ['lib/a.so', `@comment MD5:${md5('a.so\n')}`, 'share/doc/good', `@comment MD5:${md5('doc\n')}`, '@pkgdir share/keep'],
    payload: [{ name: 'lib/a.so', data: 'a.so\n' }, { name: 'share/doc/good', data: 'doc\n' }],
    meta: undefined,
  });
  await addPackage(f, { destdir: sb.dest });
  // A +DEINSTALL another package could try to replace.
  fs.chmodSync(path.join(sb.root, 'pkgdb/good-1.0'), 0o755);
  fs.writeFileSync(path.join(sb.root, 'pkgdb/good-1.0/+DEINSTALL'), '#!/bin/sh\nexit 0\n', { mode: 0o555 });
}

describe('1. @cwd is normalised, absolute, and checked again at delete', () => {
  it('stores the normalised prefix whatever blanks and slashes surround it', async () => {
    for (const [file, cwd] of [['tab.tgz', '\t/opt/local'], ['slashes.tgz', '/opt//local/./']] as const) {
      const f = sb.pkg(file, { rawContents: `@cwd${cwd}\n@name evil-1.0\nshare/x\n`, payload: [{ name: 'share/x', data: 'x' }] });
      const r = await addPackage(f, { destdir: sb.dest });
      expect(r.prefix).toBe('/opt/local');
      expect(fs.readFileSync(path.join(sb.root, 'pkgdb/evil-1.0/+CONTENTS'), 'utf8').split('\n')[0]).toBe('@cwd /opt/local');
      await deletePackage('evil-1.0', { destdir: sb.dest });
      expect(filesIn(sb.dest)).toEqual([]);
    }
    sb.expectOutsideUntouched();
  });

  it('refuses a relative, climbing or garbled @cwd with exit 2 and writes nothing', async () => {
    for (const cwd of ['opt/local', '../outside', '/opt/../../outside', '/opt/lo\x01cal', '.', '~/x']) {
      const f = sb.pkg('cwd.tgz', { cwd, contents: ['sentinel'], payload: [{ name: 'sentinel', data: 'pwned' }] });
      await refused(addPackage(f, { destdir: sb.dest }), /cwd\.tgz:\+CONTENTS:1: @cwd '.*' (is not an absolute path|contains '\.\.'|contains a control character)/);
      expect(filesIn(sb.dest)).toEqual([]);
    }
    sb.expectOutsideUntouched();
  });

  it('delete refuses a stored @cwd that is relative or resolves outside the destination', async () => {
    const db = path.join(sb.dest, 'db');
    const entry = (cwd: string) => {
      fs.rmSync(path.join(db, 'evil-1.0'), { recursive: true, force: true });
      fs.mkdirSync(path.join(db, 'evil-1.0'), { recursive: true });
      fs.writeFileSync(path.join(db, 'evil-1.0/+CONTENTS'), `@cwd ${cwd}\n@name evil-1.0\nsentinel\n@comment MD5:${md5('keep me\n')}\nlib/libc.so\n`);
      fs.writeFileSync(path.join(db, 'evil-1.0/+COMMENT'), 'x\n');
    };
    // The destination holds a symlink leading out: the prefix /escape resolves outside it.
    fs.mkdirSync(sb.dest);
    fs.symlinkSync(sb.outside, path.join(sb.dest, 'escape'));
    for (const cwd of [path.relative(sb.dest, sb.outside), '../outside', '/escape', '/escape/./', '/../outside']) {
      entry(cwd);
      await refused(deletePackage('evil-1.0', { destdir: sb.dest, pkgdb: db }), /@cwd '.*' (is not an absolute path|contains '\.\.')|resolves to .*, outside the destination/);
      expect(fs.existsSync(path.join(db, 'evil-1.0/+CONTENTS'))).toBe(true);
    }
    sb.expectOutsideUntouched();
  });
});

describe('2. @name must be a package name', () => {
  it('refuses names that are paths, lack a version or carry blanks and control characters', async () => {
    const bad = ['../../x-1.0', 'a/b-1.0', 'x', '.x-1.0', '-1.0', 'x y-1.0', 'x-abc', 'x-1.0\x07', 'x>=1-1.0', `${'a'.repeat(260)}-1.0`];
    for (const name of bad) {
      const f = sb.pkg('name.tgz', { name, contents: ['share/x'], payload: [{ name: 'share/x', data: 'x' }] });
      await refused(addPackage(f, { destdir: sb.dest }), /name\.tgz:\+CONTENTS:2: @name '.*' (contains|is not of the form|starts with|has a version|is longer)/);
      expect(fs.existsSync(sb.dest) ? filesIn(sb.dest) : []).toEqual([]);
    }
    sb.expectOutsideUntouched();
  });
});

describe('3. nothing is written through a symlink, into a pkgdb, or over another package on its resolved path', () => {
  it('refuses payload paths inside the pkgdb, its own entry included', async () => {
    await installGood();
    const before = snapshot(sb.dest);
    const cases: Array<[string, string[], RegExp]> = [
      ['pkgdb/good-1.0/+DEINSTALL', [], /lies inside the package database/],
      ['pkgdb/evil-1.0/+CONTENTS', [], /lies inside the package database/],
      ['pkgdb/new-1.0/+CONTENTS', [], /lies inside the package database/],
      ['share/ok', ['@pkgdir pkgdb/good-1.0'], /lies inside the package database/],
      ['share/ok', ['@link pkgdb/good-1.0/+DEINSTALL bin/x'], /lies inside the package database/],
      ['share/ok', ['@link share/ok pkgdb/good-1.0/+DEINSTALL'], /lies inside the package database/],
    ];
    for (const [member, extra, re] of cases) {
      const f = sb.pkg('db.tgz', { contents: [member, ...extra], payload: [{ name: member, data: '#!/bin/sh\ntouch /tmp/pwned\n', mode: 0o755 }] });
      await refused(addPackage(f, { destdir: sb.dest }), re);
      expect(snapshot(sb.dest)).toEqual(before);
    }
    sb.expectOutsideUntouched();
  });

  it('refuses a prefix inside a pkgdb and a path through another prefix\'s pkgdb', async () => {
    await installGood();
    const before = snapshot(sb.dest);
    const inDb = sb.pkg('indb.tgz', { cwd: '/opt/local/pkgdb', contents: ['good-1.0/+DEINSTALL'], payload: [{ name: 'good-1.0/+DEINSTALL', data: 'x' }] });
    await refused(addPackage(inDb, { destdir: sb.dest }), /the prefix .* lies inside the package database/);
    const above = sb.pkg('above.tgz', { cwd: '/opt', contents: ['local/pkgdb/good-1.0/+DEINSTALL'], payload: [{ name: 'local/pkgdb/good-1.0/+DEINSTALL', data: 'x' }] });
    await refused(addPackage(above, { destdir: sb.dest }), /is part of a package database; refusing to write/);
    const fresh = sb.pkg('fresh.tgz', { cwd: '/opt', contents: ['local/pkgdb/fake-1.0/+CONTENTS'], payload: [{ name: 'local/pkgdb/fake-1.0/+CONTENTS', data: '@cwd /\n' }] });
    await refused(addPackage(fresh, { destdir: sb.dest }), /is part of a package database/);
    for (const p of ['/opt/pkgdb', '/opt/local/pkgdb/pkgdb']) fs.rmSync(path.join(sb.dest, p), { recursive: true, force: true });
    expect(snapshot(sb.dest)).toEqual(before);
    sb.expectOutsideUntouched();
  });

  it('refuses writing through a symlink, whether the package made it or it was there', async () => {
    await installGood();
    // A symlink the administrator made inside the prefix, and one leading out.
    fs.symlinkSync('../lib', path.join(sb.root, 'share/l'));
    fs.symlinkSync(sb.outside, path.join(sb.root, 'share/out'));
    const before = snapshot(sb.dest);
    const cases: Array<[string[], Array<{ name: string; type?: 'symlink'; linkname?: string; data?: string }>, RegExp]> = [
      [['share/m', 'share/m/a.so'], [{ name: 'share/m', type: 'symlink', linkname: '../lib' }, { name: 'share/m/a.so', data: 'mine' }], /share\/m is listed as a file \(line 3\) and used as a directory/],
      [['share/l/a.so'], [{ name: 'share/l/a.so', data: 'mine' }], /share\/l\/a\.so: share\/l is a symlink; refusing to write/],
      [['share/l/new'], [{ name: 'share/l/new', data: 'mine' }], /share\/l is a symlink/],
      [['share/out/sentinel'], [{ name: 'share/out/sentinel', data: 'pwned' }], /share\/out is a symlink/],
      [['share/out/sub/f2'], [{ name: 'share/out/sub/f2', data: 'pwned' }], /share\/out is a symlink/],
      [['share/x', '@link share/x share/l/b.so'], [{ name: 'share/x', data: 'x' }], /share\/l is a symlink/],
      [['@link share/out/sentinel bin/s'], [], /share\/out is a symlink/],
      [['@pkgdir share/out/newdir'], [], /share\/out is a symlink/],
    ];
    for (const [contents, payload, re] of cases) {
      await refused(addPackage(sb.pkg('sym.tgz', { contents, payload }), { destdir: sb.dest }), re);
      expect(snapshot(sb.dest)).toEqual(before);
    }
    sb.expectOutsideUntouched();
  });

  it('finds the owner of a file reached by another spelling of the prefix', async () => {
    await installGood();
    const before = snapshot(sb.dest);
    const f = sb.pkg('spell.tgz', { cwd: '/opt//local/', contents: ['lib/a.so'], payload: [{ name: 'lib/a.so', data: 'mine' }] });
    await refused(addPackage(f, { destdir: sb.dest }), /\/opt\/local\/lib\/a\.so belongs to installed package good-1\.0/);
    expect(snapshot(sb.dest)).toEqual(before);
  });
});

describe('4. duplicate paths', () => {
  it('refuses a path listed twice before touching the administrator\'s file', async () => {
    fs.mkdirSync(path.join(sb.root, 'share'), { recursive: true });
    fs.writeFileSync(path.join(sb.root, 'share/a'), 'the admin wrote this\n');
    const before = snapshot(sb.dest);
    const cases: Array<[string[], RegExp]> = [
      [['share/a', 'share/a', 'share/b', `@comment MD5:${md5('not b')}`], /share\/a is listed twice \(first at line 3\)/],
      [['share/a', '@link share/a share/a'], /share\/a is listed twice/],
      [['share/b', '@link share/b share/a', 'share/a'], /share\/a is listed twice/],
      [['@pkgdir share/a', 'share/a/x'], /share\/a\/x|share\/a is listed as a file|is in the way/],
    ];
    for (const [contents, re] of cases) {
      const payload = contents.filter((c) => !c.startsWith('@')).map((name) => ({ name, data: name }));
      await refused(addPackage(sb.pkg('dup.tgz', { contents, payload }), { destdir: sb.dest }), re);
      expect(snapshot(sb.dest)).toEqual(before);
    }
    sb.expectOutsideUntouched();
  });

  it('restores every file it moved aside when a later member fails', async () => {
    fs.mkdirSync(path.join(sb.root, 'share'), { recursive: true });
    for (const n of ['a', 'b']) fs.writeFileSync(path.join(sb.root, `share/${n}`), `admin ${n}\n`);
    const before = snapshot(sb.dest);
    const f = sb.pkg('later.tgz', {
      contents: ['share/a', 'share/b', 'share/c', `@comment MD5:${md5('not c')}`],
      payload: [{ name: 'share/a', data: 'a' }, { name: 'share/b', data: 'b' }, { name: 'share/c', data: 'c' }],
    });
    await refused(addPackage(f, { destdir: sb.dest }), /later\.tgz: \+CONTENTS does not match the archive: share\/c has MD5/);
    expect(snapshot(sb.dest)).toEqual(before);
  });
});

describe('5. hard links are made only to the inode this package wrote', () => {
  it('refuses the swapped-symlink sequence', async () => {
    const f = sb.pkg('swap.tgz', {
      contents: ['lib/l', 'lib/l/f', 'lib/l', 'share/h'],
      payload: [
        { name: 'lib/l', type: 'symlink', linkname: 'real' },
        { name: 'lib/l/f', data: 'mine' },
        { name: 'lib/l', type: 'symlink', linkname: path.join(sb.outside, 'sub') },
        { name: 'share/h', type: 'hardlink', linkname: 'lib/l/f' },
      ],
    });
    await refused(addPackage(f, { destdir: sb.dest }), /lib\/l is listed twice|lib\/l is listed as a file/);
    expect(filesIn(sb.dest)).toEqual([]);
    expect(fs.statSync(path.join(sb.outside, 'sub/f')).nlink).toBe(1);
    sb.expectOutsideUntouched();
  });

  it('re-checks the target when the link is made (a script swapped a directory for a symlink)', async () => {
    const f = sb.pkg('exec.tgz', {
      contents: ['a/f', `@exec rm -rf %D/a && ln -s ${sb.outside}/sub %D/a`, 'b'],
      payload: [{ name: 'a/f', data: 'mine' }, { name: 'b', type: 'hardlink', linkname: 'a/f' }],
    });
    await refused(addPackage(f, { destdir: sb.dest }), /hard link b: a is a symlink; refusing/);
    expect(fs.statSync(path.join(sb.outside, 'sub/f')).nlink).toBe(1);
    expectNotRegistered(sb.root);
    // The script's symlink is not the installer's to remove, but nothing went through it.
    sb.expectOutsideUntouched();
  });
});

describe('6. long names', () => {
  it('installs and deletes names up to NAME_MAX, refuses longer ones with exit 2', async () => {
    const names = [245, 250, 255].map((n) => `share/${'n'.repeat(n)}`);
    fs.mkdirSync(path.join(sb.root, 'share'), { recursive: true });
    // An administrator's file under the longest name is moved aside and put back.
    fs.writeFileSync(path.join(sb.root, names[2] as string), 'admin\n');
    const before = snapshot(sb.dest);
    const failing = sb.pkg('long-fail.tgz', {
      contents: [...names, 'share/z', `@comment MD5:${md5('not z')}`],
      payload: [...names.map((name) => ({ name, data: name })), { name: 'share/z', data: 'z' }],
    });
    await refused(addPackage(failing, { destdir: sb.dest }), /share\/z has MD5/);
    expect(snapshot(sb.dest)).toEqual(before);
    fs.rmSync(path.join(sb.root, names[2] as string));
    const ok = sb.pkg('long.tgz', { contents: names, payload: names.map((name) => ({ name, data: name })) });
    await addPackage(ok, { destdir: sb.dest });
    for (const n of names) expect(fs.readFileSync(path.join(sb.root, n), 'utf8')).toBe(n);
    await deletePackage('evil', { destdir: sb.dest });
    expect(filesIn(sb.dest)).toEqual([]);
    const tooLong = `share/${'n'.repeat(256)}`;
    await refused(addPackage(sb.pkg('too-long.tgz', { contents: [tooLong], payload: [{ name: tooLong, data: 'x' }] }), { destdir: sb.dest }), /has a component longer than 255 bytes \(NAME_MAX\)/);
    sb.expectOutsideUntouched();
  });

  it('create accepts 245 characters and names the line of a longer one', async () => {
    const stage = path.join(sb.dir, 'pkgs', 'stage');
    const name = 'x'.repeat(245);
    fs.mkdirSync(path.join(stage, 'share'), { recursive: true });
    fs.writeFileSync(path.join(stage, 'share', name), 'x');
    const out = path.join(sb.pkgs, 'long-1.0.tgz');
    await createPackage({ output: out, pkgname: 'long-1.0', prefix: '/opt/local', stageDir: stage, plist: [`share/${name}`], comment: 'x', descr: 'x', buildInfo: {} });
    await addPackage(out, { destdir: sb.dest });
    expect(fs.readFileSync(path.join(sb.root, 'share', name), 'utf8')).toBe('x');
    await refused(createPackage({ output: out, pkgname: 'long-1.0', prefix: '/opt/local', stageDir: stage, plist: ['share/ok', `share/${'y'.repeat(300)}`], comment: 'x', descr: 'x', buildInfo: {} }), /PLIST:2: file '.*' has a component longer than 255 bytes/);
  });
});

describe('7. @pkgdir pruning never climbs through a symlink', () => {
  it('refuses to delete when a directory on the way became a symlink', async () => {
    const f = sb.pkg('pd.tgz', { contents: ['share/x/f', '@pkgdir share/x/empty'], payload: [{ name: 'share/x/f', data: 'f' }] });
    await addPackage(f, { destdir: sb.dest });
    // The administrator moved share/x away and left a symlink to a tree with an empty directory of that name.
    fs.rmSync(path.join(sb.root, 'share/x'), { recursive: true });
    fs.symlinkSync(path.join(sb.outside, 'lib'), path.join(sb.root, 'share/x'));
    await refused(deletePackage('evil-1.0', { destdir: sb.dest }), /share\/x is a symlink/);
    expect(fs.existsSync(path.join(sb.outside, 'lib/empty'))).toBe(true);
    sb.expectOutsideUntouched();
  });

  it('refuses a hand-written pkgdb entry whose @pkgdir leads through a symlink', async () => {
    fs.mkdirSync(path.join(sb.root, 'pkgdb/evil-1.0'), { recursive: true });
    fs.writeFileSync(path.join(sb.root, 'pkgdb/evil-1.0/+CONTENTS'), '@cwd /opt/local\n@name evil-1.0\n@pkgdir l/empty\n@pkgdir l\n');
    fs.symlinkSync(path.join(sb.outside, 'lib'), path.join(sb.root, 'l'));
    await refused(deletePackage('evil-1.0', { destdir: sb.dest }), /l is a symlink/);
    sb.expectOutsideUntouched();
  });
});

describe('8. modes and ownership', () => {
  it('warns about setuid, setgid and world-writable members and applies @owner/@group', async () => {
    const nobody = execFileSync('id', ['-u', 'nobody'], { encoding: 'utf8' }).trim();
    const f = sb.pkg('modes.tgz', {
      contents: ['bin/su', 'bin/sg', 'share/ww', '@owner nobody', '@group root', 'etc/owned', '@owner', '@group', 'etc/plain', '@owner no-such-user-h13', 'etc/unknown'],
      payload: [
        { name: 'bin/su', data: 'su', mode: 0o4755 }, { name: 'bin/sg', data: 'sg', mode: 0o2755 }, { name: 'share/ww', data: 'ww', mode: 0o666 },
        { name: 'etc/owned', data: 'o', mode: 0o4750 }, { name: 'etc/plain', data: 'p' }, { name: 'etc/unknown', data: 'u' },
      ],
    });
    const r = await addPackage(f, { destdir: sb.dest });
    expect(r.warnings).toEqual(expect.arrayContaining([
      'bin/su is installed setuid (mode 4755)',
      'bin/sg is installed setgid (mode 2755)',
      'share/ww is installed world-writable (mode 0666)',
      'etc/owned is installed setuid (mode 4750)',
      'etc/unknown: user no-such-user-h13 unknown on this system; left owned by the installing user',
    ]));
    const st = fs.statSync(path.join(sb.root, 'etc/owned'));
    if (process.getuid?.() === 0) {
      expect(st.uid).toBe(Number(nobody));
      expect(st.gid).toBe(0);
      // chown comes before chmod, so the setuid bit survives it.
      expect(st.mode & 0o7777).toBe(0o4750);
    } else {
      expect(r.warnings.join('\n')).toMatch(/etc\/owned: @owner\/@group nobody:root not applied \(not running as root\)/);
    }
    expect(fs.statSync(path.join(sb.root, 'etc/plain')).uid).toBe(process.getuid?.());
  });
});
