import fs from 'node:fs';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { addPackage, createPackage } from '../src/index.ts';
import { type CraftEntry, craftArchive, isaexecPackage, md5, snapshot, tmpdir } from './helpers.ts';

let dir: string;
let dest: string;
let outside: string;
beforeEach(() => {
  dir = tmpdir('hostile');
  dest = path.join(dir, 'dest');
  outside = path.join(dir, 'outside');
  fs.mkdirSync(outside);
  fs.writeFileSync(path.join(outside, 'sentinel'), 'keep me\n');
});
afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

const BUILD_INFO = 'MACHINE_ARCH=x86_64\nOPSYS=Linux\nOS_VERSION=6.1\nPKGTOOLS_VERSION=20091115\n';

/** A package whose +CONTENTS and members are exactly as given. */
function hostile(name: string, contents: string[], payload: CraftEntry[], meta: CraftEntry[] | undefined = undefined): string {
  const file = path.join(dir, `${name}.tgz`);
  craftArchive(file, [
    ...(meta ?? [
      { name: '+CONTENTS', data: ['@cwd /opt/local', '@name evil-1.0', ...contents, ''].join('\n') },
      { name: '+COMMENT', data: 'evil\n' },
      { name: '+DESC', data: 'evil\n' },
      { name: '+BUILD_INFO', data: BUILD_INFO },
    ]),
    ...payload,
  ]);
  return file;
}

/** Nothing outside the prefix changed and nothing of the package is left inside it. */
function expectUntouched(): void {
  expect(fs.readdirSync(outside)).toEqual(['sentinel']);
  expect(fs.readFileSync(path.join(outside, 'sentinel'), 'utf8')).toBe('keep me\n');
  const left = [...snapshot(dest).entries()].filter(([, v]) => v.type !== 'dir').map(([k]) => k);
  expect(left).toEqual([]);
  expect(fs.existsSync(path.join(dest, 'opt/local/pkgdb/evil-1.0'))).toBe(false);
}

describe('hostile packages are refused and nothing is written outside the prefix', () => {
  it('member names with ..', async () => {
    const rel = path.relative(path.join(dest, 'opt/local'), path.join(outside, 'pwned'));
    const f = hostile('dotdot', [rel], [{ name: rel, data: 'x' }]);
    await expect(addPackage(f, { destdir: dest })).rejects.toThrow(/file '\.\.\/.*pwned' contains '\.\.'/);
    // Same member behind an innocent +CONTENTS line.
    const g = hostile('dotdot2', ['share/ok'], [{ name: rel, data: 'x' }]);
    await expect(addPackage(g, { destdir: dest })).rejects.toThrow(/\+CONTENTS does not match the archive: share\/ok is listed but the next member is '\.\.\//);
    expectUntouched();
  });

  it('absolute member names', async () => {
    const abs = path.join(outside, 'pwned');
    const f = hostile('abs', [abs], [{ name: abs, data: 'x' }]);
    await expect(addPackage(f, { destdir: dest })).rejects.toThrow(/is absolute/);
    const g = hostile('abs2', ['share/ok'], [{ name: abs.slice(1), data: 'x' }, { name: abs, data: 'y' }]);
    await expect(addPackage(g, { destdir: dest })).rejects.toThrow(/does not match the archive/);
    expectUntouched();
  });

  it('a symlink member followed by a file written through it', async () => {
    const f = hostile('symlink', ['lib/evil', `@comment Symlink:${outside}`, 'share/fine', 'lib/evil/pwned'], [
      { name: 'lib/evil', type: 'symlink', linkname: outside },
      { name: 'share/fine', data: 'fine' },
      { name: 'lib/evil/pwned', data: 'x' },
    ]);
    await expect(addPackage(f, { destdir: dest })).rejects.toThrow(/symlink\.tgz:\+CONTENTS:6: lib\/evil is listed as a file \(line 3\) and used as a directory \(line 6\)/);
    expectUntouched();
  });

  it('a relative symlink climbing out, then a file through it', async () => {
    const f = hostile('symlink2', ['lib/up', 'lib/up/x/pwned'], [
      { name: 'lib/up', type: 'symlink', linkname: '../../../outside' },
      { name: 'lib/up/x/pwned', data: 'x' },
    ]);
    await expect(addPackage(f, { destdir: dest })).rejects.toThrow(/lib\/up is listed as a file \(line 3\) and used as a directory/);
    expectUntouched();
  });

  it('a hard link pointing outside the prefix', async () => {
    const f = hostile('hardlink', ['share/passwd'], [{ name: 'share/passwd', type: 'hardlink', linkname: path.join(outside, 'sentinel') }]);
    await expect(addPackage(f, { destdir: dest })).rejects.toThrow(/hard link share\/passwd points to '.*sentinel', which is not a file installed before it by this package/);
    const g = hostile('hardlink2', ['share/a', 'share/passwd'], [
      { name: 'share/a', data: 'a' },
      { name: 'share/passwd', type: 'hardlink', linkname: '../../../outside/sentinel' },
    ]);
    await expect(addPackage(g, { destdir: dest })).rejects.toThrow(/not a file installed before it/);
    const h = hostile('hardlink3', ['@link ../../../outside/sentinel bin/x'], []);
    await expect(addPackage(h, { destdir: dest })).rejects.toThrow(/@link source '\.\.\/.*' contains '\.\.'/);
    expect(fs.statSync(path.join(outside, 'sentinel')).nlink).toBe(1);
    expectUntouched();
  });

  it('a +CONTENTS that does not match the members', async () => {
    const cases: Array<[string, string[], CraftEntry[], RegExp]> = [
      ['wrong-md5', ['share/a', `@comment MD5:${md5('other')}`], [{ name: 'share/a', data: 'a' }], /share\/a has MD5 .*, \+CONTENTS says/],
      ['extra', ['share/a'], [{ name: 'share/a', data: 'a' }, { name: 'share/b', data: 'b' }], /member 'share\/b' is not in \+CONTENTS/],
      ['missing', ['share/a', 'share/b'], [{ name: 'share/a', data: 'a' }], /share\/b is listed but not in the archive/],
      ['order', ['share/a', 'share/b'], [{ name: 'share/b', data: 'b' }, { name: 'share/a', data: 'a' }], /share\/a is listed but the next member is 'share\/b'/],
      ['symlink-target', ['share/l', '@comment Symlink:a'], [{ name: 'share/l', type: 'symlink', linkname: '/etc' }], /symlink share\/l points to '\/etc', \+CONTENTS says 'a'/],
      ['dir', ['share/d'], [{ name: 'share/d', type: 'dir' }], /share\/d is listed but the next member is 'share\/d\/'/],
      ['fifo', ['share/f'], [{ name: 'share/f', type: 'fifo' }], /member share\/f is a FIFO; a package holds files, symlinks and hard links only/],
    ];
    for (const [name, contents, payload, re] of cases) {
      await expect(addPackage(hostile(name, contents, payload), { destdir: dest }), name).rejects.toThrow(re);
      expectUntouched();
    }
  });

  it('misordered, duplicate or missing metadata', async () => {
    const base = [{ name: '+CONTENTS', data: '@cwd /opt/local\n@name evil-1.0\n' }];
    await expect(addPackage(hostile('mis', [], [], [{ name: '+COMMENT', data: 'x' }, ...base]), { destdir: dest })).rejects.toThrow(/misordered package: \+CONTENTS comes after \+COMMENT/);
    await expect(addPackage(hostile('dup', [], [], [...base, ...base]), { destdir: dest })).rejects.toThrow(/duplicate member \+CONTENTS/);
    await expect(addPackage(hostile('nodesc', [], [], [...base, { name: '+COMMENT', data: 'x' }]), { destdir: dest })).rejects.toThrow(/required member \+DESC is missing/);
    await expect(addPackage(hostile('first', [], [], [{ name: 'share/a', data: 'a' }, ...base]), { destdir: dest })).rejects.toThrow(/\+CONTENTS must be the first member/);
    await expect(addPackage(hostile('signed', [], [], [{ name: '+PKG_HASH', data: 'pkgsrc signature\n' }, ...base]), { destdir: dest })).rejects.toThrow(/a signed package \(\+PKG_HASH\); mkpkg does not verify signatures/);
    const noInfo = [...base, { name: '+COMMENT', data: 'x' }, { name: '+DESC', data: 'x' }, { name: '+BUILD_INFO', data: 'OPSYS=Linux\n' }];
    await expect(addPackage(hostile('noinfo', [], [], noInfo), { destdir: dest })).rejects.toThrow(/missing OS_VERSION, MACHINE_ARCH/);
    const noName = [{ name: '+CONTENTS', data: '@cwd /opt/local\nshare/a\n' }, { name: '+COMMENT', data: 'x' }, { name: '+DESC', data: 'x' }, { name: '+BUILD_INFO', data: BUILD_INFO }];
    await expect(addPackage(hostile('noname', [], [], noName), { destdir: dest })).rejects.toThrow(/missing @name/);
    expectUntouched();
  });

  it('a truncated gzip stream', async () => {
    const stage = path.join(dir, 'stage');
    fs.mkdirSync(path.join(stage, 'share'), { recursive: true });
    // Random data does not compress, so cutting the file cuts the payload.
    fs.writeFileSync(path.join(stage, 'share/big'), Buffer.from(Array.from({ length: 200_000 }, (_x, i) => (i * 7919) % 251)));
    fs.writeFileSync(path.join(stage, 'share/small'), 'small\n');
    const good = path.join(dir, 'good.tgz');
    await createPackage({ output: good, pkgname: 'evil-1.0', prefix: '/opt/local', stageDir: stage, plist: ['share/small', 'share/big'], comment: 'x', descr: 'x', buildInfo: {} });
    const bytes = fs.readFileSync(good);
    const cut = path.join(dir, 'cut.tgz');
    fs.writeFileSync(cut, bytes.subarray(0, bytes.length - 40));
    await expect(addPackage(cut, { destdir: dest })).rejects.toThrow(/cut\.tgz: the gzip stream is truncated/);
    expectUntouched();
    const corrupt = Buffer.from(bytes);
    corrupt[corrupt.length - 6] = (corrupt[corrupt.length - 6] ?? 0) ^ 0xff; // the CRC/length trailer
    fs.writeFileSync(cut, corrupt);
    await expect(addPackage(cut, { destdir: dest })).rejects.toThrow(/cut\.tgz: cannot read the archive/);
    expectUntouched();
  });
});

describe('installer refusals undo everything', () => {
  it('refuses a file another package owns', async () => {
    const isa = await isaexecPackage(dir);
    await addPackage(isa, { destdir: dest });
    const before = snapshot(dest);
    const f = hostile('owned', ['share/a', 'lib/isaexec'], [{ name: 'share/a', data: 'a' }, { name: 'lib/isaexec', data: 'mine' }]);
    await expect(addPackage(f, { destdir: dest })).rejects.toThrow(/\/opt\/local\/lib\/isaexec belongs to installed package isaexec-1\.1/);
    expect(snapshot(dest)).toEqual(before);
  });

  it('refuses a missing dependency and a conflict', async () => {
    const f = hostile('dep', ['@pkgdep isaexec>=2', 'share/a'], [{ name: 'share/a', data: 'a' }]);
    await expect(addPackage(f, { destdir: dest })).rejects.toThrow(/evil-1\.0 needs 'isaexec>=2', not installed/);
    await addPackage(await isaexecPackage(dir), { destdir: dest });
    await expect(addPackage(f, { destdir: dest })).rejects.toThrow(/needs 'isaexec>=2'/);
    const c = hostile('cfl', ['@pkgcfl isaexec-[0-9]*', 'share/a'], [{ name: 'share/a', data: 'a' }]);
    await expect(addPackage(c, { destdir: dest })).rejects.toThrow(/evil-1\.0 conflicts with installed package isaexec-1\.1/);
    await expect(addPackage(await isaexecPackage(dir), { destdir: dest })).rejects.toThrow(/isaexec-1\.1 is already installed/);
  });

  it('fails clearly when an @link source is missing, and removes what it wrote', async () => {
    const f = hostile('nolink', ['share/a', '@link lib/isaexec bin/x', 'share/b'], [{ name: 'share/a', data: 'a' }, { name: 'share/b', data: 'b' }]);
    await expect(addPackage(f, { destdir: dest })).rejects.toThrow(/@link lib\/isaexec bin\/x: the source .*lib\/isaexec does not exist/);
    expectUntouched();
  });

  it('restores a file it overwrote when a later step fails', async () => {
    const root = path.join(dest, 'opt/local');
    fs.mkdirSync(path.join(root, 'share'), { recursive: true });
    fs.writeFileSync(path.join(root, 'share/a'), 'the admin wrote this\n');
    const before = snapshot(dest);
    const f = hostile('overwrite', ['share/a', 'share/b', `@comment MD5:${md5('not b')}`], [{ name: 'share/a', data: 'a' }, { name: 'share/b', data: 'b' }]);
    await expect(addPackage(f, { destdir: dest })).rejects.toThrow(/share\/b has MD5/);
    expect(snapshot(dest)).toEqual(before);
  });

  it('undoes the install when +INSTALL PRE-INSTALL fails', async () => {
    const f = hostile('prefail', ['share/a'], [{ name: 'share/a', data: 'a' }], [
      { name: '+CONTENTS', data: '@cwd /opt/local\n@name evil-1.0\nshare/a\n' },
      { name: '+COMMENT', data: 'x' }, { name: '+DESC', data: 'x' },
      { name: '+INSTALL', data: '#!/bin/sh\n[ "$2" = PRE-INSTALL ] && { echo "no room" >&2; exit 3; }\nexit 0\n', mode: 0o555 },
      { name: '+BUILD_INFO', data: BUILD_INFO },
    ]);
    await expect(addPackage(f, { destdir: dest })).rejects.toThrow(/evil-1\.0: \+INSTALL PRE-INSTALL failed \(exit 3\)/);
    expectUntouched();
    expect(fs.existsSync(dest) ? [...snapshot(dest).keys()] : []).toEqual([]);
  });
});
