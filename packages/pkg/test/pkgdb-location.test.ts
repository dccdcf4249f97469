import fs from 'node:fs';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { addPackage, deletePackage, installedInfos, installedPackages, locatePkgdb } from '../src/index.ts';
import { Sandbox, refused } from './crafted.ts';
import { runMkpkg, snapshot } from './helpers.ts';

// Issue 13 item 12 (one pkgdb rule for every command) and issue 18 item 8
// (base names and patterns for delete and info).

let sb: Sandbox;
let saved: Record<string, string | undefined>;
beforeEach(() => {
  sb = new Sandbox();
  saved = { PKG_DBDIR: process.env['PKG_DBDIR'], MAKECONF: process.env['MAKECONF'] };
});
afterEach(() => {
  sb.remove();
  for (const [k, v] of Object.entries(saved)) {
    if (v === undefined) delete process.env[k];
    else process.env[k] = v;
  }
});

const noEnv = { PKG_DBDIR: '', MAKECONF: '' };

describe('12. add, info and delete find the same pkgdb with the same flags', () => {
  it('through the command line: add --destdir D, then info and delete --destdir D', async () => {
    const hello = await sb.real('hello');
    let r = runMkpkg(['add', hello, '--destdir', sb.dest], noEnv);
    expect(r.status, r.stderr).toBe(0);
    r = runMkpkg(['info', '--destdir', sb.dest], noEnv);
    expect(r.stdout).toBe('hello-1.0 hello comment\n');
    r = runMkpkg(['info', '-L', 'hello', '--destdir', sb.dest], noEnv);
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toBe('Information for hello-1.0:\n\nFiles:\n/opt/local/share/hello/f0\n/opt/local/share/hello/f1\n\n');
    r = runMkpkg(['info', 'hello>=1.0', '--destdir', sb.dest], noEnv);
    expect(r.stdout).toMatch(/^Information for hello-1\.0:\n\nComment:\nhello comment\n/);
    r = runMkpkg(['delete', 'hello-[0-9]*', '--destdir', sb.dest], noEnv);
    expect(r.status, r.stderr).toBe(0);
    expect([...snapshot(sb.dest).keys()]).toEqual(['opt', 'opt/local']);
    r = runMkpkg(['delete', 'hello', '--destdir', sb.dest], noEnv);
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/hello is not installed \(pkgdb .*dest\/usr\/pkg\/pkgdb, from the default LOCALBASE \/usr\/pkg\)/);
  });

  it('the rule: --pkgdb, else PKG_DBDIR (environment, then mk.conf), else PREFIX, else a search of the destdir', async () => {
    const env = (e: Record<string, string>) => ({ ...process.env, PKG_DBDIR: '', MAKECONF: '', ...e });
    const d = sb.dest;
    expect((await locatePkgdb({ destdir: d, pkgdb: '/x/db', env: env({ PKG_DBDIR: '/var/db/pkg' }) })).dirs).toEqual(['/x/db']);
    expect((await locatePkgdb({ destdir: d, packagePrefix: '/opt/local', env: env({ PKG_DBDIR: '/var/db/pkg' }) })).dirs).toEqual([path.join(d, 'var/db/pkg')]);
    const conf = path.join(sb.pkgs, 'mk.conf');
    fs.writeFileSync(conf, 'PKG_DBDIR=/var/db/conf\nLOCALBASE=/usr/local\n');
    expect((await locatePkgdb({ destdir: d, packagePrefix: '/opt/local', env: env({ MAKECONF: conf }) })).dirs).toEqual([path.join(d, 'var/db/conf')]);
    expect((await locatePkgdb({ destdir: d, packagePrefix: '/opt/local', env: env({}) })).dirs).toEqual([path.join(d, 'opt/local/pkgdb')]);
    expect((await locatePkgdb({ destdir: d, prefix: '/usr/pkg', packagePrefix: '/opt/local', env: env({}) })).dirs).toEqual([path.join(d, 'usr/pkg/pkgdb')]);
    expect((await locatePkgdb({ env: env({}) })).dirs).toEqual(['/usr/pkg/pkgdb']);
    fs.writeFileSync(conf, 'LOCALBASE=/usr/local\n');
    expect((await locatePkgdb({ env: env({ MAKECONF: conf }) })).dirs).toEqual(['/usr/local/pkgdb']);
    // With PKG_DBDIR set, every command uses it.
    const e = { PKG_DBDIR: '/var/db/pkg' };
    const hello = await sb.real('hello');
    Object.assign(process.env, e);
    try {
      await addPackage(hello, { destdir: d });
      expect(fs.existsSync(path.join(d, 'var/db/pkg/hello-1.0/+CONTENTS'))).toBe(true);
      expect(await installedPackages({ destdir: d })).toEqual(['hello-1.0']);
      await deletePackage('hello', { destdir: d });
      expect(await installedPackages({ destdir: d })).toEqual([]);
    } finally {
      delete process.env['PKG_DBDIR'];
    }
  });

  it('finds each prefix\'s pkgdb under a destdir, and says which when a name is in several', async () => {
    Object.assign(process.env, noEnv);
    const a = await sb.real('foo', { prefix: '/opt/local' });
    const b = await sb.real('foo', { prefix: '/usr/pkg', version: '2.0' });
    const c = await sb.real('bar', { prefix: '/usr/pkg' });
    for (const f of [a, b, c]) await addPackage(f, { destdir: sb.dest });
    expect(await installedPackages({ destdir: sb.dest })).toEqual(['bar-1.0', 'foo-1.0', 'foo-2.0']);
    await refused(deletePackage('foo', { destdir: sb.dest }), /foo is installed in several package databases: .*opt\/local\/pkgdb \(foo-1\.0\); .*usr\/pkg\/pkgdb \(foo-2\.0\)/);
    expect((await installedInfos('bar', { destdir: sb.dest })).map((i) => i.pkgname)).toEqual(['bar-1.0']);
    const r = runMkpkg(['info', '--destdir', sb.dest], noEnv);
    expect(r.stdout).toBe(`${path.join(sb.dest, 'opt/local/pkgdb')}:\nfoo-1.0 foo comment\n\n${path.join(sb.dest, 'usr/pkg/pkgdb')}:\nbar-1.0 bar comment\nfoo-2.0 foo comment\n`);
    expect((await deletePackage('foo', { destdir: sb.dest, prefix: '/usr/pkg' })).pkgname).toBe('foo-2.0');
    expect((await deletePackage('foo', { destdir: sb.dest })).pkgname).toBe('foo-1.0');
    // A pkgdb whose entries name another prefix (copied there by hand) is not taken for that prefix's.
    fs.mkdirSync(path.join(sb.dest, 'srv/pkgdb'), { recursive: true });
    fs.cpSync(path.join(sb.dest, 'usr/pkg/pkgdb/bar-1.0'), path.join(sb.dest, 'srv/pkgdb/bar-1.0'), { recursive: true });
    expect((await locatePkgdb({ destdir: sb.dest, env: { ...process.env } })).dirs).toEqual([path.join(sb.dest, 'usr/pkg/pkgdb')]);
  });
});

describe('18.8. delete and info take base names and patterns', () => {
  it('deletes by base name, dewey pattern or glob; two matches are an error for delete, both reported by info', async () => {
    Object.assign(process.env, noEnv);
    for (const [pat, ok] of [['foo', true], ['foo>=1.0', true], ['foo-[0-9]*', true], ['foo<1.0', false], ['fo', false], ['foo-1.0', true], ['{foo,bar}-1.*', true]] as const) {
      await addPackage(await sb.real('foo'), { destdir: sb.dest });
      if (ok) {
        expect((await deletePackage(pat, { destdir: sb.dest })).pkgname, pat).toBe('foo-1.0');
      } else {
        await refused(deletePackage(pat, { destdir: sb.dest }), /is not installed/);
        await deletePackage('foo-1.0', { destdir: sb.dest });
      }
    }
    // Two versions registered at once (a pkgdb written by hand or by another tool).
    await addPackage(await sb.real('foo'), { destdir: sb.dest });
    const db = path.join(sb.root, 'pkgdb');
    fs.cpSync(path.join(db, 'foo-1.0'), path.join(db, 'foo-1.1'), { recursive: true });
    const c = path.join(db, 'foo-1.1/+CONTENTS');
    fs.chmodSync(c, 0o644);
    fs.writeFileSync(c, fs.readFileSync(c, 'utf8').replace('@name foo-1.0', '@name foo-1.1').replace(/^share\/foo\/f\d\n@comment MD5:.*\n/gm, ''));
    const before = snapshot(sb.dest);
    await refused(deletePackage('foo', { destdir: sb.dest }), /foo matches 2 installed packages: foo-1\.0, foo-1\.1/);
    expect(snapshot(sb.dest)).toEqual(before);
    expect((await installedInfos('foo', { destdir: sb.dest })).map((i) => i.pkgname)).toEqual(['foo-1.0', 'foo-1.1']);
    const r = runMkpkg(['delete', 'foo', '--destdir', sb.dest], noEnv);
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/foo matches 2 installed packages: foo-1\.0, foo-1\.1\n {2}hint: give the full name/);
    expect((await deletePackage('foo-1.1', { destdir: sb.dest })).pkgname).toBe('foo-1.1');
    expect((await deletePackage('foo', { destdir: sb.dest })).pkgname).toBe('foo-1.0');
  });
});
