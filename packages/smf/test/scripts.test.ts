import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { deinstallFragment, installFragment } from '../src/index.ts';
import { runFragment, tmpDir } from './helpers.ts';

const frag = { manifestFile: 'lib/svc/manifest/tally.xml', service: 'pkgsrc/tally', instances: ['default', 'extra'] };

/** A prefix holding the installed manifest, as after pkg_add extracted the files. */
function installedPrefix(): string {
  const prefix = path.join(tmpDir('prefix'), 'opt/local');
  fs.mkdirSync(path.join(prefix, 'lib/svc/manifest'), { recursive: true });
  fs.writeFileSync(path.join(prefix, 'lib/svc/manifest/tally.xml'), '<service_bundle/>\n');
  return prefix;
}

// The real tools would change this machine's repository; their absence is what Linux looks like.
const hasRealSvccfg = fs.existsSync('/usr/sbin/svccfg') || fs.existsSync('/usr/bin/svcprop');

describe('+INSTALL fragment (run by /bin/sh with a recording svccfg)', () => {
  const script = installFragment(frag);

  it('imports the installed manifest at POST-INSTALL and tells how to enable each instance', () => {
    const prefix = installedPrefix();
    const r = runFragment(script, 'POST-INSTALL', { prefix, fakes: { svccfg: 0 } });
    expect(r.status).toBe(0);
    expect(r.calls).toEqual([`svccfg import ${prefix}/lib/svc/manifest/tally.xml`]);
    expect(r.stdout).not.toContain('To import');
    expect(r.stdout).toContain('    svcadm enable -r svc:/pkgsrc/tally:default\n    svcadm enable -r svc:/pkgsrc/tally:extra\n');
    expect(r.stderr).toBe('');
  });

  it('does nothing at the other stages', () => {
    const prefix = installedPrefix();
    for (const stage of ['PRE-INSTALL', 'DEINSTALL', 'POST-DEINSTALL']) {
      const r = runFragment(script, stage, { prefix, fakes: { svccfg: 0 } });
      expect(r).toMatchObject({ status: 0, stdout: '', stderr: '', calls: [] });
    }
  });

  it('prints the exact command, with svccfg output, when the import fails', () => {
    const prefix = installedPrefix();
    const r = runFragment(script, 'POST-INSTALL', { prefix, fakes: { svccfg: 3 } });
    expect(r.status).toBe(0);
    expect(r.calls).toHaveLength(1);
    expect(r.stdout).toContain(`SMF: svccfg import ${prefix}/lib/svc/manifest/tally.xml failed:\n    svccfg: simulated failure\n`);
    expect(r.stdout).toContain(`To import the service manifest, run:\n    svccfg import ${prefix}/lib/svc/manifest/tally.xml\n`);
  });

  it.skipIf(hasRealSvccfg)('prints the command when there is no svccfg at all', () => {
    const prefix = installedPrefix();
    const r = runFragment(script, 'POST-INSTALL', { prefix });
    expect(r.status).toBe(0);
    expect(r.stdout).toContain('SMF: svccfg was not found, so the manifest was not imported.');
    expect(r.stdout).toContain(`    svccfg import ${prefix}/lib/svc/manifest/tally.xml\n`);
    expect(r.stdout).toContain('svcadm enable -r svc:/pkgsrc/tally:default');
  });

  it('does not import when PKG_SKIP_SMF is set', () => {
    const prefix = installedPrefix();
    const r = runFragment(script, 'POST-INSTALL', { prefix, fakes: { svccfg: 0 }, env: { PKG_SKIP_SMF: 'yes' } });
    expect(r.calls).toEqual([]);
    expect(r.stdout).toContain('PKG_SKIP_SMF is set');
    expect(r.stdout).toContain(`    svccfg import ${prefix}/lib/svc/manifest/tally.xml\n`);
  });

  it('does not import into this system when installing under a PKG_DESTDIR', () => {
    const r = runFragment(script, 'POST-INSTALL', {
      prefix: '/opt/local',
      fakes: { svccfg: 0 },
      env: { PKG_DESTDIR: tmpDir('destdir') },
    });
    expect(r.calls).toEqual([]);
    expect(r.stdout).toContain('    svccfg import /opt/local/lib/svc/manifest/tally.xml\n');
  });

  it('survives set -eu and a prefix with a space', () => {
    const prefix = path.join(tmpDir('sp ace'), 'opt local');
    fs.mkdirSync(path.join(prefix, 'lib/svc/manifest'), { recursive: true });
    fs.writeFileSync(path.join(prefix, 'lib/svc/manifest/tally.xml'), '');
    const r = runFragment(script, 'POST-INSTALL', { prefix, fakes: { svccfg: 0 }, shellFlags: ['-eu'] });
    expect(r.status).toBe(0);
    expect(r.calls).toEqual([`svccfg import ${prefix}/lib/svc/manifest/tally.xml`]);
    const f = runFragment(script, 'POST-INSTALL', { prefix, fakes: { svccfg: 1 }, shellFlags: ['-eu'] });
    expect(f.status).toBe(0);
    expect(f.stdout).toContain('To import the service manifest');
  });

  it('quotes names so the shell never interprets them', () => {
    const odd = installFragment({ manifestFile: "lib/svc/manifest/it's $HOME.xml", service: 'pkgsrc/a', instances: ['default'] });
    const prefix = path.join(tmpDir('odd'), 'p');
    fs.mkdirSync(path.join(prefix, 'lib/svc/manifest'), { recursive: true });
    fs.writeFileSync(path.join(prefix, "lib/svc/manifest/it's $HOME.xml"), '');
    const r = runFragment(odd, 'POST-INSTALL', { prefix, fakes: { svccfg: 0 } });
    expect(r.calls).toEqual([`svccfg import ${prefix}/lib/svc/manifest/it's $HOME.xml`]);
  });
});

describe('+DEINSTALL fragment', () => {
  const script = deinstallFragment(frag);
  const advice = 'svcadm disable -s svc:/pkgsrc/tally\n    svccfg delete svc:/pkgsrc/tally\n';

  it('tells how to delete the service when svcprop says it exists', () => {
    const r = runFragment(script, 'DEINSTALL', { prefix: '/opt/local', fakes: { svcprop: 0, svccfg: 0 } });
    expect(r.status).toBe(0);
    expect(r.calls).toEqual(['svcprop -q svc:/pkgsrc/tally']);
    expect(r.stdout).toContain(advice);
  });

  it('says nothing when the service is not in the repository', () => {
    const r = runFragment(script, 'DEINSTALL', { prefix: '/opt/local', fakes: { svcprop: 1 } });
    expect(r).toMatchObject({ status: 0, stdout: '', calls: ['svcprop -q svc:/pkgsrc/tally'] });
  });

  it.skipIf(hasRealSvccfg)('advises anyway when svcprop is missing', () => {
    const r = runFragment(script, 'DEINSTALL', { prefix: '/opt/local' });
    expect(r.stdout).toContain(advice);
  });

  it('stays quiet when removing from a PKG_DESTDIR', () => {
    const r = runFragment(script, 'DEINSTALL', { prefix: '/opt/local', fakes: { svcprop: 0 }, env: { PKG_DESTDIR: '/img' } });
    expect(r).toMatchObject({ status: 0, stdout: '', calls: [] });
  });

  it('never deletes anything itself and acts only at DEINSTALL', () => {
    const r = runFragment(script, 'POST-DEINSTALL', { prefix: '/opt/local', fakes: { svcprop: 0, svccfg: 0 } });
    expect(r).toMatchObject({ status: 0, stdout: '', calls: [] });
    const d = runFragment(script, 'DEINSTALL', { prefix: '/opt/local', fakes: { svcprop: 0, svccfg: 0 } });
    expect(d.calls.filter((c) => c.startsWith('svccfg'))).toEqual([]);
  });
});
