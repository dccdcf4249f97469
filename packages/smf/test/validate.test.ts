import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { InputError } from '@mkpkg/platform';
import { checkManifest, installSmf, substitute } from '../src/index.ts';
import { FIXTURES, loadFixture, lineOf, tmpDir } from './helpers.ts';

const manifestOf = (name: string) => path.join(FIXTURES, 'bad', name, 'files/smf/manifest.xml');

/** Installs a bad fixture and returns the error it must raise; checks that nothing was written. */
async function failure(name: string, opts: { withPlist?: boolean } = {}): Promise<InputError> {
  const fx = await loadFixture(`bad/${name}`);
  const dest = path.join(tmpDir('dest'), 'opt/local');
  try {
    await installSmf(fx.settings!, {
      destPrefix: dest,
      filesSubst: fx.filesSubst,
      plistLines: opts.withPlist === false ? undefined : (fx.plist ?? []),
    });
  } catch (err) {
    expect(err).toBeInstanceOf(InputError);
    // Everything is checked before anything is written.
    expect(fs.existsSync(path.join(dest, 'lib/svc'))).toBe(false);
    return err as InputError;
  }
  throw new Error(`${name}: installSmf did not fail`);
}

describe('build-time checks, each naming the file and line', () => {
  it('XML that is not well-formed', async () => {
    const f = manifestOf('not-well-formed');
    const e = await failure('not-well-formed');
    expect(e.message).toMatch(new RegExp(`^${f}:${lineOf(f, '</instance>')}: SMF manifest is not well-formed XML: .*'service'`));
    expect(e.exitCode).toBe(2);
  });

  it('a root element other than service_bundle', async () => {
    const f = manifestOf('wrong-root');
    const e = await failure('wrong-root');
    expect(e.message).toBe(`${f}:${lineOf(f, '<service name=')}: SMF manifest's root element is <service>, not <service_bundle>`);
    expect(e.hint).toMatch(/service_bundle/);
  });

  it('an @TOKEN@ left in the manifest', async () => {
    const f = manifestOf('leftover-manifest');
    const e = await failure('leftover-manifest');
    expect(e.message).toBe(`${f}:${lineOf(f, '@KVD_USRE@')}: @KVD_USRE@ is not substituted: FILES_SUBST has no KVD_USRE`);
    expect(e.hint).toContain('FILES_SUBST+= KVD_USRE=');
  });

  it('an @TOKEN@ left in a method script', async () => {
    const f = path.join(FIXTURES, 'bad/leftover-method/files/smf/tally-rotate.sh');
    const e = await failure('leftover-method');
    expect(e.message).toBe(`${f}:${lineOf(f, '@TALLY_LOG@')}: @TALLY_LOG@ is not substituted: FILES_SUBST has no TALLY_LOG`);
  });

  it('an exec_method path under PREFIX that the PLIST does not install', async () => {
    const f = manifestOf('exec-not-installed');
    const e = await failure('exec-not-installed');
    expect(e.message).toBe(
      `${f}:${lineOf(f, 'sbin/kvd-stop')}: exec_method 'stop' runs /opt/local/sbin/kvd-stop, which the package does not install`,
    );
    expect(e.hint).toContain('add sbin/kvd-stop to the PLIST');
  });

  it('without a PLIST, an exec_method path is checked against the installed tree', async () => {
    const fx = await loadFixture('bad/exec-not-installed');
    const dest = path.join(tmpDir('dest'), 'opt/local');
    fs.mkdirSync(path.join(dest, 'bin'), { recursive: true });
    fs.writeFileSync(path.join(dest, 'bin/kvd'), '');
    const o = { destPrefix: dest, filesSubst: fx.filesSubst };
    await expect(installSmf(fx.settings!, o)).rejects.toThrow(/runs \/opt\/local\/sbin\/kvd-stop, which the package does not install/);
    fs.mkdirSync(path.join(dest, 'sbin'));
    fs.writeFileSync(path.join(dest, 'sbin/kvd-stop'), '');
    const res = await installSmf(fx.settings!, o);
    expect(res.plistLines).toEqual(['lib/svc/manifest/kvd.xml']);
  });

  it('an instance that SMF_INSTANCES does not list', async () => {
    const f = manifestOf('instance-extra');
    const e = await failure('instance-extra');
    expect(e.message).toBe(
      `${f}:${lineOf(f, 'name="isis"')}: instance 'isis' of service 'pkgsrc/routed' is not in SMF_INSTANCES (bgp ospf)`,
    );
  });

  it('an SMF_INSTANCES entry that the manifest does not define', async () => {
    const f = manifestOf('instance-missing');
    const e = await failure('instance-missing');
    expect(e.message).toBe(
      `${f}:${lineOf(f, '<service name=')}: SMF_INSTANCES names 'ripng', but service 'pkgsrc/routed' has no such instance`,
    );
    expect(e.hint).toContain('<instance name="ripng"');
  });

  it('a method script that does not exist', async () => {
    const e = await failure('method-missing');
    expect(e.message).toBe(
      `cannot read the SMF method 'kvd' ${path.join(FIXTURES, 'bad/method-missing/files/smf/kvd.sh')}: no such file`,
    );
  });

  it('methods without a manifest', async () => {
    await expect(loadFixture('bad/methods-without-manifest')).rejects.toThrow(
      /^SMF_METHODS is set \(lonely\) but the SMF manifest .*methods-without-manifest\/files\/smf\/manifest.xml does not exist$/,
    );
  });

  it('a hard-coded service name is only a warning, and the scripts use the real name', async () => {
    const f = manifestOf('service-name');
    const fx = await loadFixture('bad/service-name');
    const dest = path.join(tmpDir('dest'), 'opt/local');
    const res = await installSmf(fx.settings!, { destPrefix: dest, filesSubst: fx.filesSubst, plistLines: [] });
    expect(res.warnings).toEqual([
      `${f}:${lineOf(f, '<service name=')}: service 'pkgsrc/quagga' is not named SMF_PREFIX/SMF_NAME 'pkgsrc/zebra'` +
        ` (the install messages use 'pkgsrc/quagga')`,
    ]);
    expect(fs.existsSync(path.join(dest, 'lib/svc/manifest/zebra.xml'))).toBe(true);
    expect(res.installFragment).toContain('svcadm enable -r svc:/pkgsrc/quagga:default');
    expect(res.deinstallFragment).toContain("smf_fmri='svc:/pkgsrc/quagga'");
  });
});

describe('checkManifest on text', () => {
  const want = { service: 'pkgsrc/x', instances: ['default'], prefix: '/opt/local', installs: () => false };
  const check = (text: string) => () => checkManifest('m.xml', substitute(text, {}), want);

  it('rejects a second root element, which the validator lets through', () => {
    expect(check('<service_bundle name="x">\n<service name="pkgsrc/x"><create_default_instance/></service>\n</service_bundle>\n<service_bundle/>\n')).toThrow(
      /^m\.xml:4: SMF manifest is not well-formed XML: a second root element <service_bundle>$/,
    );
  });

  it('rejects an empty file, a bundle without services and an unnamed instance', () => {
    expect(check('')).toThrow(/^m\.xml:1: SMF manifest is not well-formed XML/);
    expect(check('<?xml version="1.0"?>\n<service_bundle/>')).toThrow(/^m\.xml:2: SMF manifest has no <service> element$/);
    expect(check('<service_bundle>\n<service name="pkgsrc/x">\n<instance/></service></service_bundle>')).toThrow(
      /^m\.xml:3: <instance> has no name attribute$/,
    );
  });

  it('counts lines in CRLF files', () => {
    expect(check('<service_bundle>\r\n<service\r\n name="pkgsrc/x">\r\n<instance name="y"/></service></service_bundle>')).toThrow(
      /^m\.xml:4: instance 'y' of service 'pkgsrc\/x' is not in SMF_INSTANCES \(default\)$/,
    );
  });

  it('leaves commands outside PREFIX, property references and built-in methods alone', () => {
    const ok = (exec: string) =>
      checkManifest('m.xml', substitute(`<service_bundle><service name="pkgsrc/x"><create_default_instance/><exec_method name="start" exec="${exec}"/></service></service_bundle>`, {}), want);
    for (const exec of [':kill', ':true', '/usr/bin/true', '%{config/prog} -d', '$HOME/x', '/opt/localx/bin/y']) {
      expect(ok(exec).warnings).toEqual([]);
    }
    expect(() => ok('&quot;/opt/local/bin/y&quot; -x')).toThrow(/runs \/opt\/local\/bin\/y, which the package does not install/);
    let hint: string | undefined;
    try {
      ok('/opt/local/bin/../sbin/z');
    } catch (e) {
      hint = (e as InputError).hint;
    }
    expect(hint).toMatch(/^add sbin\/z to the PLIST/);
  });
});
