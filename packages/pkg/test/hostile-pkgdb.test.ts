import fs from 'node:fs';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { addPackage, deletePackage, installedPackages } from '../src/index.ts';
import { Sandbox, refused } from './crafted.ts';
import { md5, snapshot } from './helpers.ts';

// Issue 13, items 1, 3 and 7 from the other side: pkgdb entries written by
// hand (or by a compromised tool) must not make `delete` touch anything
// outside the destination or belonging to another package.

let sb: Sandbox;
beforeEach(() => { sb = new Sandbox(); });
afterEach(() => sb.remove());

/** Writes pkgdb/<name>/+CONTENTS (and +COMMENT) by hand. */
function entry(name: string, lines: string[], db = path.join(sb.root, 'pkgdb')): string {
  const dir = path.join(db, name);
  fs.mkdirSync(dir, { recursive: true });
  fs.writeFileSync(path.join(dir, '+CONTENTS'), `${lines.join('\n')}\n`);
  fs.writeFileSync(path.join(dir, '+COMMENT'), 'hand-written\n');
  return dir;
}

describe('delete refuses a forged pkgdb entry as a whole', () => {
  it('that lists another package\'s file, a pkgdb file, or a path through a symlink', async () => {
    await addPackage(await sb.real('good'), { destdir: sb.dest });
    fs.symlinkSync(sb.outside, path.join(sb.root, 'out'));
    const sum = md5('good 0\n'.repeat(50));
    const cases: Array<[string[], RegExp]> = [
      [['share/good/f0', `@comment MD5:${sum}`], /share\/good\/f0 also belongs to installed package good-1\.0/],
      [['pkgdb/good-1.0/+CONTENTS'], /lies inside the package database/],
      [['pkgdb/.pkgdb.lock'], /lies inside the package database/],
      [['out/sentinel', `@comment MD5:${md5('keep me\n')}`], /out is a symlink/],
      [['@pkgdir out/lib/empty'], /out is a symlink/],
      [['@link share/good/f0 out/new'], /out is a symlink/],
      [['share/x', 'share/x'], /share\/x is listed twice/],
    ];
    const before = snapshot(sb.dest);
    for (const [lines, re] of cases) {
      entry('forged-1.0', ['@cwd /opt/local', '@name forged-1.0', ...lines]);
      const mid = snapshot(sb.dest);
      await refused(deletePackage('forged-1.0', { destdir: sb.dest }), re);
      expect(snapshot(sb.dest)).toEqual(mid);
      fs.rmSync(path.join(sb.root, 'pkgdb/forged-1.0'), { recursive: true });
    }
    expect(snapshot(sb.dest)).toEqual(before);
    sb.expectOutsideUntouched();
  });

  it('refuses a pkgdb reached through a symlink leading out of the destination', async () => {
    const db = entry('evil-1.0', ['@cwd /opt/local', '@name evil-1.0', 'share/x'], path.join(sb.outside, 'sub'));
    fs.mkdirSync(sb.root, { recursive: true });
    fs.symlinkSync(path.dirname(db), path.join(sb.root, 'pkgdb'));
    const before = snapshot(sb.outside);
    await refused(deletePackage('evil', { destdir: sb.dest, prefix: '/opt/local' }), /the package database .*pkgdb \(from --prefix\) resolves to .*outside\/sub, outside the destination/);
    await refused(addPackage(await sb.real('good'), { destdir: sb.dest }), /resolves to .*outside\/sub, outside the destination/);
    expect(snapshot(sb.outside)).toEqual(before);
  });

  it('does not take a symlinked entry for an installed package', async () => {
    await addPackage(await sb.real('good'), { destdir: sb.dest });
    const elsewhere = entry('ghost-1.0', ['@cwd /opt/local', '@name ghost-1.0', 'share/good/f0'], path.join(sb.pkgs, 'db'));
    fs.writeFileSync(path.join(elsewhere, '+DEINSTALL'), `#!/bin/sh\ntouch ${sb.outside}/pwned\n`, { mode: 0o755 });
    fs.symlinkSync(elsewhere, path.join(sb.root, 'pkgdb/ghost-1.0'));
    expect(await installedPackages({ destdir: sb.dest })).toEqual(['good-1.0']);
    await refused(deletePackage('ghost-1.0', { destdir: sb.dest }), /ghost-1\.0 is not installed/);
    expect(fs.existsSync(path.join(sb.root, 'share/good/f0'))).toBe(true);
    sb.expectOutsideUntouched();
  });

  it('a forged journal naming paths outside is reported, not replayed', async () => {
    await addPackage(await sb.real('good'), { destdir: sb.dest });
    const db = path.join(sb.root, 'pkgdb');
    fs.writeFileSync(path.join(db, '.mkpkg-journal'), [
      JSON.stringify({ op: 'add', pkg: 'good-1.0', root: sb.root, pid: 1 }),
      JSON.stringify({ t: 'new', p: path.join(sb.outside, 'sentinel') }),
      JSON.stringify({ t: 'meta', pkg: 'good-1.0' }),
    ].join('\n'));
    await refused(addPackage(await sb.real('other'), { destdir: sb.dest }), /the journal of an interrupted add names paths outside/);
    expect(await installedPackages({ destdir: sb.dest })).toEqual(['good-1.0']);
    // Its root elsewhere, its steps inside that root: still not replayed.
    fs.writeFileSync(path.join(db, '.mkpkg-journal'), [
      JSON.stringify({ op: 'add', pkg: 'evil-1.0', root: sb.outside, pid: 1 }),
      JSON.stringify({ t: 'new', p: path.join(sb.outside, 'sentinel') }),
    ].join('\n'));
    await refused(deletePackage('good', { destdir: sb.dest }), /names paths outside/);
    expect(await installedPackages({ destdir: sb.dest })).toEqual(['good-1.0']);
    // Inside the root, but another package's file.
    fs.writeFileSync(path.join(db, '.mkpkg-journal'), [
      JSON.stringify({ op: 'add', pkg: 'evil-1.0', root: sb.root, pid: 1 }),
      JSON.stringify({ t: 'new', p: path.join(sb.root, 'share/good/f0') }),
    ].join('\n'));
    const before = snapshot(sb.dest);
    await refused(addPackage(await sb.real('other'), { destdir: sb.dest }), /names paths outside/);
    expect(snapshot(sb.dest)).toEqual(before);
    sb.expectOutsideUntouched();
  });
});
