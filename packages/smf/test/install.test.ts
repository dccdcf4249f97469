import fs from 'node:fs';
import path from 'node:path';
import { XMLValidator } from 'fast-xml-parser';
import { describe, expect, it } from 'vitest';
import { InputError } from '@mkpkg/platform';
import { filterSmfPlist, installSmf, parseFilesSubst, smfLibSkipDirs } from '../src/index.ts';
import { loadFixture, runFragment, tmpDir } from './helpers.ts';

function mode(file: string): number {
  return fs.statSync(file).mode & 0o7777;
}

describe('installSmf: a manifest and two methods (two-methods fixture)', async () => {
  const fx = await loadFixture('two-methods');
  const s = fx.settings!;
  const dest = path.join(tmpDir('dest'), 'opt/local');
  const old = process.umask(0o077); // the installed modes must not depend on the umask
  const res = await installSmf(s, { destPrefix: dest, filesSubst: fx.filesSubst, plistLines: fx.plist }).finally(() =>
    process.umask(old),
  );

  it('returns the PLIST lines: manifest, then methods in SMF_METHODS order', () => {
    expect(res.plistLines).toEqual(['lib/svc/manifest/tally.xml', 'lib/svc/method/tally', 'lib/svc/method/tally-rotate']);
    expect(res.warnings).toEqual([]);
  });

  it('installs exactly those files, the manifest 0644 and the methods 0755', () => {
    expect(fs.readdirSync(path.join(dest, 'lib/svc/manifest'))).toEqual(['tally.xml']);
    expect(fs.readdirSync(path.join(dest, 'lib/svc/method')).sort()).toEqual(['tally', 'tally-rotate']);
    expect(mode(path.join(dest, 'lib/svc/manifest/tally.xml'))).toBe(0o644);
    expect(mode(path.join(dest, 'lib/svc/method/tally'))).toBe(0o755);
    expect(mode(path.join(dest, 'lib/svc/method/tally-rotate'))).toBe(0o755);
  });

  it('substitutes generic, SMF and package keys in the manifest, which stays valid XML', () => {
    const xml = fs.readFileSync(path.join(dest, 'lib/svc/manifest/tally.xml'), 'utf8');
    expect(XMLValidator.validate(xml)).toBe(true);
    expect(xml).not.toMatch(/@[A-Z]/);
    expect(xml).toContain('<service name="pkgsrc/tally" type="service" version="1">');
    expect(xml).toContain('value="file://localhost/opt/local/etc/tally.conf"');
    expect(xml).toContain('<method_credential user="tally" group="other"/>');
    expect(xml).toContain('exec="/opt/local/lib/svc/method/tally start"');
    expect(xml).toContain(`exec="'/opt/local/lib/svc/method/tally-rotate'"`);
    expect(xml).toContain('<propval name="data" type="astring" value="/var/opt/local/tally"/>');
    expect(xml).toContain('<propval name="greeting" type="astring" value="hello, world"/>');
    expect(xml).toContain('manpath="/opt/local/man"');
  });

  it('substitutes the methods, shebang included', () => {
    const m = fs.readFileSync(path.join(dest, 'lib/svc/method/tally'), 'utf8');
    expect(m.split('\n')[0]).toBe('#!/sbin/sh');
    expect(m).toContain('# Start/stop method of svc:/pkgsrc/tally (from lib/svc/manifest/tally.xml).');
    expect(m).toContain('"/opt/local/sbin/tallyd" -c "/opt/local/etc/tally.conf" -d "$data" &');
    expect(m).toContain('pkill -u "tally" -x tallyd');
    const r = fs.readFileSync(path.join(dest, 'lib/svc/method/tally-rotate'), 'utf8');
    expect(r).toContain('log="/var/opt/local/log/tally.log"');
  });

  it('installed methods are shell scripts sh can parse', async () => {
    const { spawnSync } = await import('node:child_process');
    for (const m of ['tally', 'tally-rotate']) {
      expect(spawnSync('/bin/sh', ['-n', path.join(dest, 'lib/svc/method', m)]).status).toBe(0);
    }
  });

  it('makes install scripts that import the installed manifest and name the instance', () => {
    const run = runFragment(res.installFragment, 'POST-INSTALL', { prefix: dest, fakes: { svccfg: 0 } });
    expect(run.status).toBe(0);
    expect(run.calls).toEqual([`svccfg import ${dest}/lib/svc/manifest/tally.xml`]);
    expect(run.stdout).toContain('svcadm enable -r svc:/pkgsrc/tally:default');
    expect(res.deinstallFragment).toContain("smf_fmri='svc:/pkgsrc/tally'");
  });

  it('filters share/examples/rc.d out of the PLIST and keeps lib/svc out of multiarch', () => {
    expect(filterSmfPlist([...fx.plist!, ...res.plistLines])).toEqual([
      'sbin/tallyd',
      'share/examples/tally/tally.conf',
      'lib/svc/manifest/tally.xml',
      'lib/svc/method/tally',
      'lib/svc/method/tally-rotate',
    ]);
    expect(smfLibSkipDirs(s)).toEqual(['lib/svc']);
    expect(smfLibSkipDirs(undefined)).toEqual([]);
  });
});

describe('installSmf: one instance, no methods (one-instance fixture)', () => {
  it('installs the manifest only, with the property group filled in', async () => {
    const fx = await loadFixture('one-instance');
    const dest = path.join(tmpDir('dest'), 'opt/local');
    const res = await installSmf(fx.settings!, { destPrefix: dest, filesSubst: fx.filesSubst, plistLines: fx.plist });
    expect(res.plistLines).toEqual(['lib/svc/manifest/kvd.xml']);
    expect(fs.existsSync(path.join(dest, 'lib/svc/method'))).toBe(false);
    const xml = fs.readFileSync(path.join(dest, 'lib/svc/manifest/kvd.xml'), 'utf8');
    expect(xml).toContain('<propval name="user" type="astring" value="kvd"/>');
    expect(xml).toContain('exec="/opt/local/bin/kvd -u %{config/user} -l %{config/listen} -d %{config/data}"');
    expect(xml).toContain('<envvar name="KVD_HOME" value="/var/opt/local/db/kvd"/>');
    expect(xml).toContain('<service_fmri value="svc:/network/loopback:default"/>');
    const enable = res.installFragment.match(/svcadm enable -r \S+/g);
    expect(enable).toEqual(["svcadm enable -r svc:/pkgsrc/kvd:default'"]);
  });
});

describe('installSmf: several instances (instances fixture)', () => {
  it('takes the method from SMF_METHOD_SRC, uses SMF_NAME/SMF_PREFIX and names every instance', async () => {
    const fx = await loadFixture('instances');
    const dest = path.join(tmpDir('dest'), 'opt/local');
    const res = await installSmf(fx.settings!, { destPrefix: dest, filesSubst: fx.filesSubst, plistLines: fx.plist });
    expect(res.plistLines).toEqual(['lib/svc/manifest/routed.xml', 'lib/svc/method/routed']);
    const method = fs.readFileSync(path.join(dest, 'lib/svc/method/routed'), 'utf8');
    expect(method.split('\n')[0]).toBe('#!/bin/sh');
    expect(method).toContain('-f "/opt/local/etc/routed/$1.conf"');
    const xml = fs.readFileSync(path.join(dest, 'lib/svc/manifest/routed.xml'), 'utf8');
    expect(xml).toContain('exec="/opt/local/lib/svc/method/routed ospf"');
    const run = runFragment(res.installFragment, 'POST-INSTALL', { prefix: dest, fakes: { svccfg: 0 } });
    expect(run.calls).toEqual([`svccfg import ${dest}/lib/svc/manifest/routed.xml`]);
    expect(run.stdout.match(/svcadm enable -r \S+/g)).toEqual([
      'svcadm enable -r svc:/network/pkgsrc/routed:bgp',
      'svcadm enable -r svc:/network/pkgsrc/routed:ospf',
      'svcadm enable -r svc:/network/pkgsrc/routed:rip',
    ]);
  });
});

describe('installSmf: where the substitution values come from', () => {
  it('takes the generic keys from the settings when FILES_SUBST has only PREFIX and the package entries', async () => {
    const fx = await loadFixture('two-methods');
    const full = path.join(tmpDir('full'), 'p');
    const lean = path.join(tmpDir('lean'), 'p');
    await installSmf(fx.settings!, { destPrefix: full, filesSubst: fx.filesSubst, plistLines: fx.plist });
    const filesSubst = { PREFIX: '/opt/local', ...parseFilesSubst(fx.vars.get('FILES_SUBST') ?? '') };
    expect(Object.keys(filesSubst)).not.toContain('VARBASE');
    await installSmf(fx.settings!, { destPrefix: lean, filesSubst, plistLines: fx.plist });
    for (const f of ['lib/svc/manifest/tally.xml', 'lib/svc/method/tally', 'lib/svc/method/tally-rotate']) {
      expect(fs.readFileSync(path.join(lean, f), 'utf8')).toBe(fs.readFileSync(path.join(full, f), 'utf8'));
    }
  });

  it('lets FILES_SUBST override the generic and SMF keys', async () => {
    const fx = await loadFixture('two-methods');
    const dest = path.join(tmpDir('over'), 'p');
    await installSmf(fx.settings!, {
      destPrefix: dest,
      filesSubst: { ...fx.filesSubst, VARBASE: '/srv', SMF_METHOD_SHELL: '/bin/bash' },
      plistLines: fx.plist,
    });
    const m = fs.readFileSync(path.join(dest, 'lib/svc/method/tally-rotate'), 'utf8');
    expect(m.split('\n')[0]).toBe('#!/bin/bash');
    expect(m).toContain('log="/srv/log/tally.log"');
  });

  it('needs an absolute PREFIX', async () => {
    const fx = await loadFixture('one-instance');
    const s = { ...fx.settings!, genericSubst: {} };
    const dest = path.join(tmpDir('nopfx'), 'p');
    await expect(installSmf(s, { destPrefix: dest, filesSubst: { KVD_USER: 'kvd' } })).rejects.toThrow(InputError);
    await expect(installSmf(s, { destPrefix: dest, filesSubst: { PREFIX: 'opt' } })).rejects.toThrow(
      /^SMF: PREFIX must be an absolute path \(got 'opt'\)$/,
    );
  });
});
