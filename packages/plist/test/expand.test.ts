import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { InputError, platformFor } from '@mkpkg/platform';
import { expandLines } from '../src/index.ts';
import { fixtures, lines, linux, sunos } from './helpers.ts';

const x = (input: string[], opts = sunos()) => expandLines(input, opts);
const out = (input: string[], opts = sunos()) => x(input, opts).lines;

describe('rule A: automatic bin dirs', () => {
  it('copies a command per ABI in MULTIARCH_ABIS order, then the @link', () => {
    expect(out(['bin/foo'])).toEqual(['bin/amd64/foo', 'bin/i86/foo', '@link lib/isaexec bin/foo']);
    expect(out(['sbin/food'], linux())).toEqual(['sbin/i86/food', 'sbin/amd64/food', '@link lib/isaexec sbin/food']);
  });
  it('follows --abis order, not the table', () => {
    const p = platformFor('SunOS', { MULTIARCH_ABIS: '32 64' });
    expect(out(['bin/foo'], sunos({ platform: p }))).toEqual(['bin/i86/foo', 'bin/amd64/foo', '@link lib/isaexec bin/foo']);
  });
  it('uses the configured link source', () => {
    expect(out(['bin/foo'], sunos({ linkSource: 'lib/abiexec' }))[2]).toBe('@link lib/abiexec bin/foo');
  });
  it('needs the slash: libexec/ and binary/ are not bin or lib', () => {
    expect(out(['libexec/helper', 'binary/x', 'bin'])).toEqual(['libexec/helper', 'binary/x', 'bin']);
  });
  it('honours skip dirs for bin', () => {
    expect(out(['bin/scripts/x', 'bin/y'], sunos({ skipBinDirs: ['bin/scripts'] }))).toEqual([
      'bin/scripts/x', 'bin/amd64/y', 'bin/i86/y', '@link lib/isaexec bin/y',
    ]);
  });
  it('is off when USE_MULTIARCH has no bin', () => {
    expect(out(['bin/foo', 'lib/a.so'], sunos({}, { enabled: true, bin: false, lib: true }))).toEqual([
      'bin/foo', 'lib/amd64/a.so', 'lib/a.so',
    ]);
  });
  it('gives a nested configured dir precedence over its parent', () => {
    expect(out(['bin/sub/x'], sunos({ binDirs: ['bin', 'bin/sub'] }))).toEqual([
      'bin/sub/amd64/x', 'bin/sub/i86/x', '@link lib/isaexec bin/sub/x',
    ]);
  });
});

describe('rule B: automatic lib dirs', () => {
  it('copies per ABI; the default ABI keeps the plain dir; no @link', () => {
    expect(out(['lib/libfoo.so.1', 'lib/pkgconfig/foo.pc'])).toEqual([
      'lib/amd64/libfoo.so.1', 'lib/libfoo.so.1', 'lib/amd64/pkgconfig/foo.pc', 'lib/pkgconfig/foo.pc',
    ]);
    expect(out(['lib/libfoo.so.1'], linux())).toEqual(['lib/i86/libfoo.so.1', 'lib/libfoo.so.1']);
  });
  it('leaves lib/svc alone by default', () => {
    expect(out(['lib/svc/manifest/foo.xml', 'lib/svcfoo'])).toEqual([
      'lib/svc/manifest/foo.xml', 'lib/amd64/svcfoo', 'lib/svcfoo',
    ]);
  });
  it('is off when USE_MULTIARCH has no lib', () => {
    expect(out(['lib/a.so'], sunos({}, { enabled: true, bin: true, lib: false }))).toEqual(['lib/a.so']);
  });
});

describe('rule C: explicit tokens', () => {
  it('expands ${INCARCHSUFFIX} and adds the generic header', () => {
    expect(out(['include${INCARCHSUFFIX}/foo_config.h'])).toEqual([
      'include/amd64/foo_config.h', 'include/i86/foo_config.h', 'include/foo_config.h',
    ]);
  });
  it('expands ${BINARCHSUFFIX} with an @link to the plain path', () => {
    expect(out(['libexec${BINARCHSUFFIX}/tool'])).toEqual([
      'libexec/amd64/tool', 'libexec/i86/tool', '@link lib/isaexec libexec/tool',
    ]);
  });
  it('expands ${LIBARCHSUFFIX} on @-lines too', () => {
    expect(out(['@pkgdir lib${LIBARCHSUFFIX}/foo'])).toEqual(['@pkgdir lib/amd64/foo', '@pkgdir lib/foo']);
  });
  it('expands tokens even when multiarch is on without bin or lib (_MULTIARCH set, USE_MULTIARCH empty)', () => {
    expect(out(['share${BINARCHSUFFIX}/x', 'bin/y'], sunos({}, { enabled: true, bin: false, lib: false }))).toEqual([
      'share/amd64/x', 'share/i86/x', '@link lib/isaexec share/x', 'bin/y',
    ]);
  });
});

describe('rule D: multiarch off', () => {
  it('strips the tokens and passes everything else through', () => {
    const r = x(['include${INCARCHSUFFIX}/a.h', 'bin${BINARCHSUFFIX}/bar', 'lib${LIBARCHSUFFIX}/libbar.a', 'bin/foo', 'lib/x.so'], sunos({}, { enabled: false }));
    expect(r.lines).toEqual(['include/a.h', 'bin/bar', 'lib/libbar.a', 'bin/foo', 'lib/x.so']);
  });
});

describe("the fixes of plist-multiarch.awk's rules", () => {
  it('dir names are literal strings, not regular expressions', () => {
    const o = sunos({ binDirs: ['b.n'], libDirs: ['lib+'] });
    expect(out(['bin/x', 'b.n/y', 'libb/z', 'lib+/w'], o)).toEqual([
      'bin/x', 'b.n/amd64/y', 'b.n/i86/y', '@link lib/isaexec b.n/y', 'libb/z', 'lib+/amd64/w', 'lib+/w',
    ]);
  });
  it('a token on a line in an automatic dir is expanded together with the dir', () => {
    expect(out(['lib/foo${LIBARCHSUFFIX}.so'])).toEqual(['lib/amd64/foo/amd64.so', 'lib/foo.so']);
    expect(out(['bin/foo${INCARCHSUFFIX}.h'])).toEqual([
      'bin/amd64/foo/amd64.h', 'bin/i86/foo/i86.h', '@link lib/isaexec bin/foo.h', 'bin/foo.h',
    ]);
  });
  it('no @link for @comment or other @-lines carrying ${BINARCHSUFFIX}', () => {
    expect(out(['@comment bin${BINARCHSUFFIX}/x'])).toEqual(['@comment bin/amd64/x', '@comment bin/i86/x']);
  });
  it('@-lines are never expanded by directory', () => {
    expect(out(['@comment bin/x', '@pkgdir lib/foo'])).toEqual(['@comment bin/x', '@pkgdir lib/foo']);
  });
  it('a path already under an ABI dir is left as it is', () => {
    expect(out(['bin/amd64/already', 'bin/i86/also', 'lib/amd64/libx.so'])).toEqual([
      'bin/amd64/already', 'bin/i86/also', 'lib/amd64/libx.so',
    ]);
    // On Linux the 32-bit libs are the suffixed ones.
    expect(out(['lib/i86/liby.so', 'lib/amd64/libz.so'], linux())).toEqual([
      'lib/i86/liby.so', 'lib/i86/amd64/libz.so', 'lib/amd64/libz.so',
    ]);
  });
  it('drops exact duplicates with a warning naming the duplicate line', () => {
    const r = x(['bin/foo', 'share/a', 'bin/foo', 'share/a', 'lib/amd64/l.so', 'lib/l.so']);
    expect(r.lines).toEqual([
      'bin/amd64/foo', 'bin/i86/foo', '@link lib/isaexec bin/foo', 'share/a', 'lib/amd64/l.so', 'lib/l.so',
    ]);
    expect(r.warnings).toEqual([
      "PLIST:3: warning: duplicate entry 'bin/amd64/foo' dropped (already listed above)",
      "PLIST:4: warning: duplicate entry 'share/a' dropped (already listed above)",
      "PLIST:6: warning: duplicate entry 'lib/amd64/l.so' dropped (already listed above)",
    ]);
  });
  it('copies of one line that coincide are not reported as duplicates', () => {
    const p = platformFor('SunOS', { 'INCARCHSUFFIX.32': '', 'INCARCHSUFFIX.64': '' });
    const r = x(['include${INCARCHSUFFIX}/a.h'], sunos({ platform: p }));
    expect(r.lines).toEqual(['include/a.h']);
    expect(r.warnings).toEqual([]);
  });
});

describe('PLIST_SUBST and ${PLIST.name}', () => {
  it('substitutes variables and conditionals before expansion', () => {
    const o = sunos({ subst: { PKGMANDIR: 'man', SOVERSION: '1.2' }, plistVars: { tools: true, docs: false } });
    expect(out(['${PKGMANDIR}/man1/foo.1', 'lib/libfoo.so.${SOVERSION}', '${PLIST.tools}bin/t', '${PLIST.docs}bin/d'], o)).toEqual([
      'man/man1/foo.1', 'lib/amd64/libfoo.so.1.2', 'lib/libfoo.so.1.2',
      'bin/amd64/t', 'bin/i86/t', '@link lib/isaexec bin/t', '@comment bin/d',
    ]);
  });
  it('a disabled line with a token becomes per-ABI comments', () => {
    expect(out(['${PLIST.x}bin${BINARCHSUFFIX}/y'], sunos({ plistVars: { x: false } }))).toEqual([
      '@comment bin/amd64/y', '@comment bin/i86/y',
    ]);
  });
  it('leaves unknown variables as written and never re-scans replacements', () => {
    const o = sunos({ subst: { A: '${B}', B: 'no' } });
    expect(out(['share/${UNKNOWN}/x', 'share/${A}/y'], o)).toEqual(['share/${UNKNOWN}/x', 'share/${B}/y']);
  });
  it('does not let PLIST_SUBST replace the multiarch tokens', () => {
    expect(out(['bin${BINARCHSUFFIX}/x'], sunos({ subst: { BINARCHSUFFIX: '/oops' } }))[0]).toBe('bin/amd64/x');
  });
});

describe('worked example (facts §2.3, with the fixes)', () => {
  it('matches the expected expansion for SunOS, ABIs 64 32', () => {
    const input = readFileSync(path.join(fixtures, 'worked-example.PLIST'), 'utf8').split('\n');
    const expected = lines(readFileSync(path.join(fixtures, 'worked-example.SunOS.expected'), 'utf8'));
    const r = x(input, sunos({ plistVars: { opt: false } }));
    expect(r.lines).toEqual(expected);
    expect(r.warnings.map((w) => w.split(': ')[0])).toEqual(['PLIST:12', 'PLIST:13']);
  });
});

describe('bad input: file:line and exit status 2', () => {
  const bad = (line: string, msg: RegExp) => {
    let err: unknown;
    try {
      expandLines(['share/ok', line], sunos(), 'pkg/PLIST');
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(InputError);
    expect((err as InputError).exitCode).toBe(2);
    expect((err as InputError).message).toMatch(/^pkg\/PLIST:2: /);
    expect((err as InputError).message).toMatch(msg);
  };
  it('unknown @-command', () => bad('@frobnicate x', /unknown PLIST command '@frobnicate'/));
  it('a lone @', () => bad('@', /unknown PLIST command '@'/));
  it('absolute path', () => bad('/usr/pkg/bin/foo', /absolute path/));
  it('absolute path in @pkgdir', () => bad('@pkgdir /etc', /absolute path/));
  it('.. component', () => bad('share/../../etc/passwd', /'\.\.' component/));
  it('.. in a token line', () => bad('bin${BINARCHSUFFIX}/../x', /'\.\.' component/));
  it('.. in @link', () => bad('@link lib/isaexec ../bin/x', /'\.\.' component/));
  it('malformed @link', () => bad('@link lib/isaexec', /needs a source and a destination/));
  it('unterminated ${', () => bad('share/${PKGBASE/x', /unterminated '\$\{' at column 7/));
  it('NUL byte', () => bad('share/a\0b', /NUL byte/));
  it('accepts names with dots that are not ..', () => {
    expect(out(['share/..foo/x..y', '@comment ../anything'])).toEqual(['share/..foo/x..y', '@comment ../anything']);
  });
  it('knows every @-command pkgsrc uses', () => {
    const cmds = ['@comment c', '@exec ${CHMOD} 755 %D/x', '@unexec rm -f %D/x', '@pkgdir share/d', '@dirrm share/d',
      '@cwd /usr/pkg', '@src /tmp', '@mode 0755', '@owner root', '@group wheel', '@ignore', '@ignore_inst',
      '@name foo-1.0', '@display MESSAGE', '@pkgdep bar>=1', '@blddep baz-1', '@pkgcfl qux-[0-9]*', '@option preserve',
      '@link lib/isaexec bin/x', '@imake-man share/man 1 foo'];
    expect(out(cmds)).toEqual(cmds);
  });
});
