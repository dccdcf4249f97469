import { describe, expect, it } from 'vitest';
import { InputError } from '@mkpkg/platform';
import { assertNoLeftoverTokens, filesSubstFromVars, filterSmfPlist, parseFilesSubst, smfSubstitutions, substitute } from '../src/index.ts';
import type { SmfSettings } from '../src/index.ts';

describe('substitute', () => {
  it('replaces only known keys, literally, longest key first', () => {
    const r = substitute('a=@A@ ab=@AB@ x=@X@ m=@SMF_METHOD_FILE.b-c@\n', {
      A: '&\\1!$0',
      AB: 'long',
      'SMF_METHOD_FILE.b-c': 'lib/svc/method/b-c',
    });
    expect(r.text).toBe('a=&\\1!$0 ab=long x=@X@ m=lib/svc/method/b-c\n');
  });

  it('finds a token right after a stray @', () => {
    expect(substitute('mail me@host@PREFIX@/x', { PREFIX: '/p' }).text).toBe('mail me@host/p/x');
  });

  it('does not substitute inside substituted values', () => {
    expect(substitute('@A@', { A: '@B@', B: 'no' }).text).toBe('@B@');
  });

  it('maps lines back to the template when a value spans lines', () => {
    const r = substitute('one @M@\ntwo\nthree @LEFT@\n', { M: 'x\ny\nz' });
    expect(r.text).toBe('one x\ny\nz\ntwo\nthree @LEFT@\n');
    expect(r.srcLine).toEqual([1, 1, 1, 2, 3, 4]);
    expect(() => assertNoLeftoverTokens('t.sh', r)).toThrow(/^t\.sh:3: @LEFT@ is not substituted/);
  });
});

describe('assertNoLeftoverTokens', () => {
  it.each(['exec "$@"', 'mail root@example.org', 'x@y@z', '@lowercase@', '@ SPACE @'])('does not flag %j', (line) => {
    expect(() => assertNoLeftoverTokens('f', substitute(line, {}))).not.toThrow();
  });
  it.each([
    ['@VARBASE@/log', 'VARBASE'],
    ['#!@SMF_METHOD_SHELL@', 'SMF_METHOD_SHELL'],
    ['x @SMF_METHOD_FILE.php-fpm@', 'SMF_METHOD_FILE.php-fpm'],
  ])('flags %j', (line, key) => {
    expect(() => assertNoLeftoverTokens('f', substitute(line, {}))).toThrow(new InputError(`@${key}@ is not substituted: FILES_SUBST has no ${key}`, { where: { file: 'f', line: 1 } }).message);
  });
});

describe('parseFilesSubst', () => {
  it('reads make-quoted and shell-quoted values; the first entry of a key wins', () => {
    expect(parseFilesSubst(`A=1 B=hello,\\ world C='x y' D="p \\"q\\" $" E= A=2`)).toEqual({
      A: '1',
      B: 'hello, world',
      C: 'x y',
      D: 'p "q" $',
      E: '',
    });
    expect(parseFilesSubst('  ')).toEqual({});
  });
  it('rejects words that are not KEY=value', () => {
    expect(() => parseFilesSubst('A=1 oops')).toThrow(/^FILES_SUBST: 'oops' is not KEY=value$/);
    expect(() => parseFilesSubst('=x')).toThrow(InputError);
    expect(() => parseFilesSubst("A='x")).toThrow(/unbalanced/);
  });
});

describe('smfSubstitutions', () => {
  it("adds smf.mk's keys", () => {
    const s: SmfSettings = {
      name: 'n',
      prefix: 'pkgsrc',
      instances: ['a', 'b'],
      manifest: 'manifest.xml',
      manifestSrc: '/src/manifest.xml',
      methods: [{ name: 'm', src: '/src/m.sh', file: 'lib/svc/method/m' }],
      methodShell: '/sbin/sh',
      srcdir: '/src',
      pkgSmfDir: 'lib/svc',
      manifestDir: 'lib/svc/manifest',
      methodDir: 'lib/svc/method',
      manifestFile: 'lib/svc/manifest/n.xml',
      pkgmandir: 'share/man',
      genericSubst: { PREFIX: '/p' },
    };
    expect(smfSubstitutions(s)).toEqual({
      PKGMANDIR: 'share/man',
      SMF_PREFIX: 'pkgsrc',
      SMF_NAME: 'n',
      SMF_INSTANCES: 'a b',
      SMF_MANIFEST: 'manifest.xml',
      SMF_MANIFEST_FILE: 'lib/svc/manifest/n.xml',
      SMF_METHOD_SHELL: '/sbin/sh',
      'SMF_METHOD_FILE.m': 'lib/svc/method/m',
    });
  });
});

describe('filterSmfPlist', () => {
  it('drops share/examples/rc.d lines only', () => {
    expect(
      filterSmfPlist(['bin/x', 'share/examples/rc.d/x', 'share/examples/rc.d', 'share/examples/x/rc.d', '@comment share/examples/rc.d/x']),
    ).toEqual(['bin/x', 'share/examples/x/rc.d', '@comment share/examples/rc.d/x']);
  });
});

describe('filesSubstFromVars', () => {
  it('takes the generic keys that are set, then the package entries, which win', () => {
    const vars = new Map([
      ['PREFIX', '/opt/local'],
      ['VARBASE', '/var/opt/local'],
      ['X11BASE', ''],
      ['FILES_SUBST', 'VARBASE=/var MY_USER=me'],
    ]);
    expect(filesSubstFromVars(vars)).toEqual({ PREFIX: '/opt/local', VARBASE: '/var', MY_USER: 'me' });
  });
});
