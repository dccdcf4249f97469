import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { InputError } from '@mkpkg/platform';
import { smfSettingsFromVars, smfVarNames } from '../src/index.ts';
import { FIXTURES, loadFixture, tmpDir } from './helpers.ts';

const withManifest = { pkgbase: 'KVD', filesdir: path.join(FIXTURES, 'one-instance/files'), wrkdir: '/nonexistent/work' };

describe('smfVarNames', () => {
  it('asks for the per-method variables only once the methods are known', () => {
    const base = smfVarNames();
    expect(base).toContain('SMF_METHODS');
    expect(base).toContain('PKG_SMF_DIR');
    expect(base.filter((n) => n.includes('.'))).toEqual([]);
    expect(smfVarNames(['a', 'b']).filter((n) => n.includes('.'))).toEqual([
      'SMF_METHOD_SRC.a',
      'SMF_METHOD_FILE.a',
      'SMF_METHOD_SRC.b',
      'SMF_METHOD_FILE.b',
    ]);
  });
});

describe('smfSettingsFromVars', () => {
  it("applies smf.mk's defaults", () => {
    expect(smfSettingsFromVars(new Map(), withManifest)).toEqual({
      name: 'kvd',
      prefix: 'pkgsrc',
      instances: ['default'],
      manifest: 'manifest.xml',
      manifestSrc: path.join(FIXTURES, 'one-instance/files/smf/manifest.xml'),
      methods: [],
      methodShell: '/sbin/sh',
      srcdir: path.join(FIXTURES, 'one-instance/files/smf'),
      pkgSmfDir: 'lib/svc',
      manifestDir: 'lib/svc/manifest',
      methodDir: 'lib/svc/method',
      manifestFile: 'lib/svc/manifest/kvd.xml',
      pkgmandir: 'man',
      genericSubst: {},
    });
  });

  it('is undefined when the package has no manifest', () => {
    expect(smfSettingsFromVars(new Map(), { ...withManifest, filesdir: tmpDir('nofiles') })).toBeUndefined();
  });

  it('follows the package variables, as bmake evaluated them', async () => {
    const s = (await loadFixture('instances')).settings;
    expect(s).toMatchObject({
      name: 'routed',
      prefix: 'network/pkgsrc',
      instances: ['bgp', 'ospf', 'rip'],
      methodShell: '/bin/sh',
      manifestFile: 'lib/svc/manifest/routed.xml',
      methods: [{ name: 'routed', src: path.join(FIXTURES, 'instances/files/init/routed.init'), file: 'lib/svc/method/routed' }],
      genericSubst: {
        PREFIX: '/opt/local',
        LOCALBASE: '/opt/local',
        VARBASE: '/var/opt/local',
        PKG_SYSCONFDIR: '/opt/local/etc',
        PKGMANDIR: 'man',
        PKGBASE: 'routing-suite',
      },
    });
  });

  it('moves every derived path with PKG_SMF_DIR', () => {
    const s = smfSettingsFromVars(new Map([['PKG_SMF_DIR', 'share/smf/'], ['SMF_METHODS', 'm']]), withManifest);
    expect(s).toMatchObject({
      pkgSmfDir: 'share/smf',
      manifestFile: 'share/smf/manifest/kvd.xml',
      methods: [{ name: 'm', file: 'share/smf/method/m' }],
    });
  });

  it.each([
    [['SMF_NAME', 'a/b'], /^SMF_NAME 'a\/b' is not a valid service name$/],
    [['SMF_PREFIX', 'pkgsrc//x'], /^SMF_PREFIX 'pkgsrc\/\/x' is not a valid FMRI prefix$/],
    [['SMF_INSTANCES', 'default default'], /^SMF_INSTANCES: 'default' is listed twice$/],
    [['SMF_INSTANCES', 'ok bad:name'], /^SMF_INSTANCES: 'bad:name' is not a valid name$/],
    [['SMF_METHODS', '../evil'], /^SMF_METHODS: '..\/evil' is not a valid name$/],
    [['PKG_SMF_DIR', '/lib/svc'], /^PKG_SMF_DIR '\/lib\/svc' must be a path relative to PREFIX inside it$/],
    [['PKG_SMF_DIR', 'lib/../../svc'], /^PKG_SMF_DIR .* must be a path relative to PREFIX/],
    [['SMF_MANIFEST_FILE', '../x.xml'], /^SMF_MANIFEST_FILE .* must be a path relative to PREFIX/],
  ] as const)('rejects %j', (kv, msg) => {
    const run = () => smfSettingsFromVars(new Map([kv as readonly [string, string]]), withManifest);
    expect(run).toThrow(InputError);
    expect(run).toThrow(msg);
  });

  it('says when methods are named but the manifest is missing from the work directory', () => {
    const wrk = tmpDir('wrk');
    const run = () =>
      smfSettingsFromVars(new Map([['SMF_METHODS', 'x'], ['SMF_SRCDIR', path.join(wrk, 'src/smf')]]), { ...withManifest, wrkdir: wrk });
    expect(run).toThrow(/SMF_METHODS is set \(x\) but the SMF manifest .*src\/smf\/manifest.xml does not exist/);
    try {
      run();
    } catch (e) {
      expect((e as InputError).hint).toMatch(/work directory/);
    }
  });
});
