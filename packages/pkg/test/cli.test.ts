import fs from 'node:fs';
import path from 'node:path';
import zlib from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { copyStage, fixtures, runMkpkg, tarList, tmpdir } from './helpers.ts';

let dir: string;
beforeAll(() => { dir = tmpdir('cli'); });
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

const hello = (n: string) => path.join(fixtures, 'hello', n);

describe('mkpkg create/add/info/delete/summary', () => {
  it('runs the whole cycle through the command line', () => {
    const stage = copyStage('hello', path.join(dir, 'stage'));
    const repo = path.join(dir, 'All');
    const env = { SOURCE_DATE_EPOCH: '1700000000' };
    const mk = (name: string, args: string[]) => runMkpkg(['create', '-o', path.join(repo, `${name}.tgz`), ...args], env);
    let r = mk('isaexec-1.1', ['--name', 'isaexec-1.1', '--prefix', '/opt/local', '--stage', path.join(fixtures, 'isaexec/stage'),
      '--plist', path.join(fixtures, 'isaexec/PLIST'), '--comment', 'dispatcher', '--descr', path.join(fixtures, 'isaexec/DESCR'), '--compression', 'xz']);
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    r = mk('hello-1.0', ['--name', 'hello-1.0', '--prefix', '/opt/local', '--stage', stage, '--plist', hello('PLIST'),
      '--comment', 'Greets', '--descr', hello('DESCR'), '--homepage', 'https://example.org/hello', '--depend', 'isaexec>=1',
      '--conflict', 'hello-old-[0-9]*', '--build-info', 'CATEGORIES=misc', '--build-info', 'PKGPATH=misc/hello',
      '--message', hello('MESSAGE'), '--install-script', hello('INSTALL'), '--deinstall-script', hello('DEINSTALL')]);
    expect(r.status).toBe(0);
    expect(r.stdout.trim()).toBe(path.join(repo, 'hello-1.0.tgz'));
    expect(tarList(path.join(repo, 'hello-1.0.tgz'))[0]).toBe('+CONTENTS');

    const dest = path.join(dir, 'dest');
    const db = ['--destdir', dest, '--prefix', '/opt/local'];
    r = runMkpkg(['add', path.join(repo, 'hello-1.0.tgz'), ...db]);
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/^mkpkg: .*hello-1\.0\.tgz: hello-1\.0 needs 'isaexec>=1', not installed/);
    r = runMkpkg(['add', path.join(repo, 'isaexec-1.1.tgz'), path.join(repo, 'hello-1.0.tgz'), '--destdir', dest]);
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/hello is installed/);

    r = runMkpkg(['info', ...db]);
    expect(r.stdout).toBe('hello-1.0   Greets\nisaexec-1.1 dispatcher\n');
    r = runMkpkg(['info', '-L', 'hello-1.0', ...db]);
    expect(r.stdout.split('\n')).toEqual(expect.arrayContaining(['Files:', '/opt/local/bin/hello', '/opt/local/lib/libhello.so']));
    r = runMkpkg(['info', path.join(repo, 'hello-1.0.tgz')]);
    expect(r.stdout).toMatch(/^Information for hello-1\.0:\n\nComment:\nGreets\n\nDescription:\nhello is the smallest/);

    r = runMkpkg(['summary', repo]);
    expect(r.status).toBe(0);
    const summary = zlib.gunzipSync(fs.readFileSync(path.join(repo, 'pkg_summary.gz'))).toString();
    expect(summary).toMatch(/^PKGPATH=misc\/hello$/m);
    expect(summary).toMatch(/^CATEGORIES=misc$/m);

    fs.appendFileSync(path.join(dest, 'opt/local/share/doc/hello/README'), 'edited\n');
    r = runMkpkg(['delete', 'hello-1.0', 'isaexec-1.1', ...db]);
    expect(r.status).toBe(0);
    expect(r.stderr).toMatch(/hello-1\.0: .*share\/doc\/hello\/README was modified since it was installed; left in place/);
    expect(runMkpkg(['info', ...db]).stdout).toBe('');
  });

  it('delete and info find the pkgdb through mk.conf when no --prefix or --pkgdb is given', () => {
    const repo = path.join(dir, 'All-conf');
    const dest = path.join(dir, 'dest-conf');
    let r = runMkpkg(['create', '-o', path.join(repo, 'isaexec-1.1.tgz'), '--name', 'isaexec-1.1', '--prefix', '/opt/local',
      '--stage', path.join(fixtures, 'isaexec/stage'), '--plist', path.join(fixtures, 'isaexec/PLIST'),
      '--comment', 'dispatcher', '--descr', path.join(fixtures, 'isaexec/DESCR')]);
    expect(r.status).toBe(0);
    expect(runMkpkg(['add', path.join(repo, 'isaexec-1.1.tgz'), '--destdir', dest]).status).toBe(0);
    const conf = path.join(dir, 'mk.conf');
    fs.writeFileSync(conf, 'LOCALBASE=\t/opt/local\n');
    const env = { MAKECONF: conf, PKG_DBDIR: '' };
    expect(runMkpkg(['info', '--destdir', dest], env).stdout).toBe('isaexec-1.1 dispatcher\n');
    r = runMkpkg(['delete', 'isaexec-1.1', '--destdir', dest], env);
    expect([r.status, r.stderr]).toEqual([0, '']);
    expect(fs.existsSync(path.join(dest, 'opt/local/lib/isaexec'))).toBe(false);
    // Without mk.conf the default is pkgsrc's LOCALBASE, /usr/pkg: nothing installed there.
    fs.writeFileSync(conf, '# defaults\n');
    r = runMkpkg(['delete', 'isaexec-1.1', '--destdir', dest], env);
    expect(r.status).not.toBe(0);
    expect(r.stderr).toMatch(/isaexec-1\.1/);
  });

  it('exits 2 with a clear message on bad input', () => {
    const stage = path.join(fixtures, 'isaexec/stage');
    const base = ['create', '-o', path.join(dir, 'x.tgz'), '--name', 'x-1', '--prefix', '/opt/local', '--stage', stage, '--comment', 'x', '--descr', path.join(fixtures, 'isaexec/DESCR')];
    let r = runMkpkg([...base, '--plist', path.join(dir, 'nope')]);
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/--plist .*nope: cannot read it \(ENOENT\)/);
    const bad = path.join(dir, 'BADPLIST');
    fs.writeFileSync(bad, 'lib/isaexec\n@bogus thing\n');
    r = runMkpkg([...base, '--plist', bad]);
    expect(r.status).toBe(2);
    expect(r.stderr).toBe(`mkpkg: ${bad}:2: unknown packing-list command '@bogus thing'\n`);
    r = runMkpkg([...base, '--plist', path.join(fixtures, 'isaexec/PLIST'), '--compression', 'zip']);
    expect(r.status).toBe(2);
    r = runMkpkg([...base, '--plist', path.join(fixtures, 'isaexec/PLIST'), '--build-info', 'PKGTOOLS_VERSION=2009']);
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/PKGTOOLS_VERSION='2009' must be exactly 8 digits/);
    r = runMkpkg(['delete', 'x-1', '--pkgdb', path.join(dir, 'no-such-pkgdb')]);
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/x-1 is not installed \(pkgdb .*no-such-pkgdb, from --pkgdb\)/);
    r = runMkpkg(['add', path.join(dir, 'missing.tgz'), '--pkgdb', path.join(dir, 'db')]);
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/cannot open package .*missing\.tgz: ENOENT/);
    expect(fs.existsSync(path.join(dir, 'x.tgz'))).toBe(false);
  });
});
