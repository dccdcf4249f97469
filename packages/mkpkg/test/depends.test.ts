// The pieces of dependency handling on their own: the buildlink3
// glue read by the real bmake, the parsing of what it yields, the views'
// selection and rewriting, the USE_TOOLS lookup and the +CONTENTS lines.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { bmakeVars, platformFor, singleAbiPlatform } from '@mkpkg/platform';
import { initTree } from '../src/inittree.ts';
import { declaredDepends, parseDepEntry } from '../src/depends/declared.ts';
import { contentsDepLines } from '../src/depends/resolve.ts';
import { missingTools, patternBase } from '../src/depends/tools.ts';
import { replacePrefix, rewriteLa, rewritePc } from '../src/buildlink/rewrite.ts';
import { inView, makeView } from '../src/buildlink/view.ts';
import { unviewStage } from '../src/buildlink/unview.ts';

const bl3 = (name: string, dir: string, body: string) =>
  `# $NetBSD$\n\nBUILDLINK_TREE+=\t${name}\n\n.if !defined(${name.toUpperCase()}_BUILDLINK3_MK)\n${name.toUpperCase()}_BUILDLINK3_MK:=\n\n` +
  `BUILDLINK_PKGSRCDIR.${name}?=\t../../${dir}\n${body}.endif\n\nBUILDLINK_TREE+=\t-${name}\n`;

describe('the buildlink3 glue, read by bmake', () => {
  let root = '';
  let pkg = '';
  const VARS = ['DEPENDS', 'BUILD_DEPENDS', 'TOOL_DEPENDS', 'BUILDLINK_PACKAGES', 'BUILDLINK_DEPENDS', '_MKPKG_BUILDLINK', 'BUILDLINK_PREFIX.liba', 'LOCALBASE'];

  beforeAll(() => {
    root = fs.mkdtempSync(path.join(os.tmpdir(), 'mkpkg-bl3-'));
    initTree(root);
    const put = (rel: string, text: string) => {
      fs.mkdirSync(path.dirname(path.join(root, rel)), { recursive: true });
      fs.writeFileSync(path.join(root, rel), text);
    };
    put('devel/liba/buildlink3.mk', bl3('liba', 'devel/liba', 'BUILDLINK_API_DEPENDS.liba+=\tliba>=1.0\nBUILDLINK_ABI_DEPENDS.liba+=\tliba>=1.0nb2\n'));
    // libb is built against only, and includes liba: liba is then indirect through libb.
    put('devel/libb/buildlink3.mk', bl3('libb', 'devel/libb', 'BUILDLINK_API_DEPENDS.libb+=\tlibb>=0.5\nBUILDLINK_DEPMETHOD.libb?=\tbuild\n.include "../../devel/liba/buildlink3.mk"\n'));
    put('devel/libc/buildlink3.mk', bl3('libc', 'devel/libc', '.include "../../devel/liba/buildlink3.mk"\n'));
    pkg = path.join(root, 'graphics/top');
    put('graphics/top/Makefile', 'DISTNAME=\ttop-1.0\nDEPENDS+=\tfoo>=1:../../misc/foo\nTOOL_DEPENDS+=\tm4>=1.4:../../devel/m4\n');
  });

  afterAll(() => fs.rmSync(root, { recursive: true, force: true }));

  const evaluate = async (includes: string[], extra = '') => {
    fs.writeFileSync(
      path.join(pkg, 'Makefile'),
      `DISTNAME=\ttop-1.0\nDEPENDS+=\tfoo>=1:../../misc/foo\nTOOL_DEPENDS+=\tm4>=1.4:../../devel/m4\n${extra}${includes.map((i) => `.include "../../${i}/buildlink3.mk"\n`).join('')}.include "../../mk/bsd.pkg.mk"\n`,
    );
    return bmakeVars(path.join(pkg, 'Makefile'), VARS, { cwd: pkg, cmdVars: { MAKECONF: '/dev/null' } });
  };

  test('a direct full dependency becomes DEPENDS with the API and ABI patterns; a build one becomes BUILD_DEPENDS', async () => {
    const v = await evaluate(['devel/libb', 'devel/liba']);
    expect(v.get('DEPENDS')).toBe('foo>=1:../../misc/foo liba>=1.0:../../devel/liba liba>=1.0nb2:../../devel/liba');
    expect(v.get('BUILD_DEPENDS')).toBe('libb>=0.5:../../devel/libb');
    expect(v.get('TOOL_DEPENDS')).toBe('m4>=1.4:../../devel/m4');
    expect(v.get('BUILDLINK_DEPENDS')).toBe('liba libb');
    expect(v.get('BUILDLINK_PREFIX.liba')).toBe(v.get('LOCALBASE'));
  });

  test('a package only included by another buildlink3.mk is linked but not a DEPENDS of its own; guards keep it once', async () => {
    const v = await evaluate(['devel/libb', 'devel/libc']);
    expect(v.get('BUILDLINK_PACKAGES')).toBe('liba libb libc');
    expect(v.get('BUILDLINK_DEPENDS')).toBe('libb libc');
    expect(v.get('DEPENDS')).toBe('foo>=1:../../misc/foo libc-[0-9]*:../../devel/libc');
    const d = declaredDepends(v, pkg, path.join(pkg, 'Makefile'));
    expect(d.buildlink.map((b) => [b.name, b.method, b.direct, path.relative(root, b.dir), b.patterns.join(' ')])).toEqual([
      ['liba', 'full', false, 'devel/liba', 'liba>=1.0 liba>=1.0nb2'],
      ['libb', 'build', true, 'devel/libb', 'libb>=0.5'],
      ['libc', 'full', true, 'devel/libc', 'libc-[0-9]*'],
    ]);
  });

  test('USE_ABI_DEPENDS=no keeps only the API pattern', async () => {
    const v = await evaluate(['devel/liba'], 'USE_ABI_DEPENDS=\tno\n');
    expect(v.get('DEPENDS')).toBe('foo>=1:../../misc/foo liba>=1.0:../../devel/liba');
  });
});

describe('declared dependencies', () => {
  test('pattern:dir splits at the first colon and the directory is resolved against the package', () => {
    expect(parseDepEntry('DEPENDS', 'foo>=1.0:../../devel/foo', '/t/cat/pkg', '/t/cat/pkg/Makefile')).toEqual({ kind: 'DEPENDS', pattern: 'foo>=1.0', dir: '/t/devel/foo' });
  });

  test('an entry without a directory is bad input naming the variable and the Makefile', () => {
    expect(() => parseDepEntry('BUILD_DEPENDS', 'foo>=1.0', '/t/cat/pkg', '/t/cat/pkg/Makefile')).toThrow(/BUILD_DEPENDS entry 'foo>=1.0' is not of the form pattern:\.\.\/\.\.\/category\/name/);
  });

  test('+CONTENTS lines: run-time @blddep then @pkgdep, then build-time @blddep, each name once', () => {
    const lines = contentsDepLines(
      {
        resolved: [
          { kind: 'DEPENDS', patterns: ['liba>=1.0', 'liba>=1.0nb2'], dir: '/t/devel/liba', pkgname: 'liba-1.0nb2' },
          { kind: 'BUILD_DEPENDS', patterns: ['libb>=0.5'], dir: '/t/devel/libb', pkgname: 'libb-0.7' },
          { kind: 'TOOL_DEPENDS', patterns: ['m4>=1.4'], dir: '/t/devel/m4', pkgname: 'm4-1.4.19' },
        ],
        buildlink: [
          { name: 'liba', pkgname: 'liba-1.0nb2', dir: '/t/devel/liba' },
          { name: 'libb', pkgname: 'libb-0.7', dir: '/t/devel/libb' },
        ],
      },
      ['liba>=1.0', 'isaexec>=1.0'],
    );
    expect(lines).toEqual(['@blddep liba-1.0nb2', '@pkgdep liba>=1.0', '@pkgdep liba>=1.0nb2', '@pkgdep isaexec>=1.0', '@blddep libb-0.7', '@blddep m4-1.4.19']);
  });

  test('a run-time dependency mkpkg adds (isaexec) gets the installed package it was built against before its @pkgdep', () => {
    const installed = (pat: string) => (pat.startsWith('isaexec') ? 'isaexec-1.0' : pat.startsWith('liba') ? 'liba-1.0nb2' : undefined);
    const lines = contentsDepLines({ resolved: [{ kind: 'DEPENDS', patterns: ['liba>=1.0'], dir: '/t/devel/liba', pkgname: 'liba-1.0nb2' }], buildlink: [] }, ['liba>=1.0', 'isaexec>=1.0', 'libz>=1'], installed);
    expect(lines).toEqual(['@blddep liba-1.0nb2', '@pkgdep liba>=1.0', '@blddep isaexec-1.0', '@pkgdep isaexec>=1.0', '@pkgdep libz>=1']);
  });
});

describe('buildlink views', () => {
  const linux = platformFor('Linux');

  test('an ABI sees its own lib directory and include copies, not the other ABI\'s', () => {
    expect(inView('lib/libfoo.so.1', '64', linux)).toBe(true);
    expect(inView('lib/i86/libfoo.so.1', '64', linux)).toBe(false);
    expect(inView('lib/i86/libfoo.so.1', '32', linux)).toBe(true);
    expect(inView('lib/libfoo.so.1', '32', linux)).toBe(false);
    expect(inView('include/amd64/foo-config.h', '64', linux)).toBe(true);
    expect(inView('include/amd64/foo-config.h', '32', linux)).toBe(false);
    expect(inView('include/foo.h', '32', linux)).toBe(true);
    expect(inView('share/pkgconfig/foo.pc', '32', linux)).toBe(true);
    expect(inView('share/foo/cmake/FooConfig.cmake', '32', linux)).toBe(true);
    expect(inView('share/doc/foo/README', '32', linux)).toBe(false);
    expect(inView('bin/foo', '64', linux)).toBe(false);
    // Single-ABI builds: one ABI with empty suffixes takes lib/ as it is.
    expect(inView('lib/libfoo.so', '64', singleAbiPlatform(linux))).toBe(true);
  });

  test('a path prefix is replaced only as a whole path component', () => {
    expect(replacePrefix('-L/usr/pkg/lib -I/usr/pkgsrc/x /usr/pkg', '/usr/pkg', '/v')).toBe('-L/v/lib -I/usr/pkgsrc/x /v');
  });

  test('.pc: variables and -L/-I lead into the view, run paths keep the installed directory', () => {
    const pc = 'prefix=/usr/pkg\nlibdir=${prefix}/lib/i86\nincludedir=/usr/pkg/include\n\nName: foo\nLibs: -L${libdir} -Wl,-rpath,${libdir} -lfoo\nCflags: -I${includedir}\n';
    expect(rewritePc(pc, '/usr/pkg', '/w/.buildlink/32')).toBe(
      'prefix=/w/.buildlink/32\nlibdir=${prefix}/lib/i86\nincludedir=/w/.buildlink/32/include\n\nName: foo\nLibs: -L${libdir} -Wl,-rpath,/usr/pkg/lib/i86 -lfoo\nCflags: -I${includedir}\n',
    );
  });

  test('.la: dependency_libs lead into the view, libdir stays', () => {
    const la = "dlname='libfoo.so.1'\ndependency_libs=' -L/usr/pkg/lib /usr/pkg/lib/libbar.la -lm'\nlibdir='/usr/pkg/lib'\n";
    expect(rewriteLa(la, '/usr/pkg', '/v')).toBe("dlname='libfoo.so.1'\ndependency_libs=' -L/v/lib /v/lib/libbar.la -lm'\nlibdir='/usr/pkg/lib'\n");
  });

  test('a view holds exactly the declared packages\' files for its ABI, from their pkgdb +CONTENTS', async () => {
    const root = fs.mkdtempSync(path.join(os.tmpdir(), 'mkpkg-view-'));
    try {
      const prefix = path.join(root, 'prefix');
      const pkgdb = path.join(root, 'pkgdb');
      const files: Record<string, string> = {
        'include/foo.h': '#include "foo-config.h"\n',
        'include/foo-config.h': 'generic\n',
        'include/amd64/foo-config.h': '64\n',
        'include/i86/foo-config.h': '32\n',
        'lib/libfoo.so.1': 'ELF64',
        'lib/i86/libfoo.so.1': 'ELF32',
        'lib/pkgconfig/foo.pc': `prefix=${prefix}\nLibs: -L${prefix}/lib -lfoo\n`,
        'lib/i86/pkgconfig/foo.pc': `prefix=${prefix}\nLibs: -L${prefix}/lib/i86 -lfoo\n`,
        'bin/foo': '',
      };
      for (const [rel, body] of Object.entries(files)) {
        fs.mkdirSync(path.dirname(path.join(prefix, rel)), { recursive: true });
        fs.writeFileSync(path.join(prefix, rel), body);
      }
      fs.mkdirSync(path.join(pkgdb, 'foo-1.0'), { recursive: true });
      fs.writeFileSync(path.join(pkgdb, 'foo-1.0/+CONTENTS'), `@cwd ${prefix}\n@name foo-1.0\n${Object.keys(files).join('\n')}\n`);
      // Installed in the prefix but not declared: must not appear.
      fs.writeFileSync(path.join(prefix, 'lib/libtrap.so'), '');
      const view = path.join(root, 'view32');
      const r = await makeView({ view, abi: '32', platform: linux, pkgdb, pkgnames: ['foo-1.0'] });
      const listed: string[] = [];
      const walk = (rel: string) => {
        for (const e of fs.readdirSync(path.join(view, rel), { withFileTypes: true })) {
          const p = rel ? `${rel}/${e.name}` : e.name;
          if (e.isDirectory()) walk(p);
          else listed.push(p);
        }
      };
      walk('');
      expect(listed.sort()).toEqual(['include/foo-config.h', 'include/foo.h', 'include/i86/foo-config.h', 'lib/i86/libfoo.so.1', 'lib/i86/pkgconfig/foo.pc']);
      expect(r.files).toBe(5);
      expect(fs.readlinkSync(path.join(view, 'lib/i86/libfoo.so.1'))).toBe(path.join(prefix, 'lib/i86/libfoo.so.1'));
      expect(fs.readFileSync(path.join(view, 'lib/i86/pkgconfig/foo.pc'), 'utf8')).toBe(`prefix=${view}\nLibs: -L${view}/lib/i86 -lfoo\n`);
    } finally {
      fs.rmSync(root, { recursive: true, force: true });
    }
  });
});

describe('after install', () => {
  test('libtool archives, .pc files and config scripts name LOCALBASE again, not the view; programs are left alone', () => {
    const stage = fs.mkdtempSync(path.join(os.tmpdir(), 'mkpkg-unview-'));
    try {
      const view = '/w/work/.buildlink/32';
      const put = (rel: string, body: string, mode = 0o644) => {
        fs.mkdirSync(path.dirname(path.join(stage, rel)), { recursive: true });
        fs.writeFileSync(path.join(stage, rel), body, { mode });
      };
      put('usr/pkg/lib/i86/libpng.la', `dependency_libs=' -L${view}/lib/i86 -lz'\nlibdir='/usr/pkg/lib/i86'\n`);
      put('usr/pkg/bin/i86/libpng-config', `#!/bin/sh\necho -L${view}/lib/i86\n`, 0o755);
      put('usr/pkg/bin/i86/png', `ELF ${view}/lib/i86`, 0o755);
      expect(unviewStage(stage, view, '/usr/pkg').sort()).toEqual(['usr/pkg/bin/i86/libpng-config', 'usr/pkg/lib/i86/libpng.la']);
      expect(fs.readFileSync(path.join(stage, 'usr/pkg/lib/i86/libpng.la'), 'utf8')).toBe("dependency_libs=' -L/usr/pkg/lib/i86 -lz'\nlibdir='/usr/pkg/lib/i86'\n");
      expect(fs.statSync(path.join(stage, 'usr/pkg/bin/i86/libpng-config')).mode & 0o777).toBe(0o755);
      expect(fs.readFileSync(path.join(stage, 'usr/pkg/bin/i86/png'), 'utf8')).toContain(view);
    } finally {
      fs.rmSync(stage, { recursive: true, force: true });
    }
  });
});

describe('USE_TOOLS', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mkpkg-tools-'));
  fs.writeFileSync(path.join(dir, 'gm4'), '#!/bin/sh\n', { mode: 0o755 });
  fs.writeFileSync(path.join(dir, 'perl'), 'not executable\n', { mode: 0o644 });
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  test('a tool is found under any of its commands; qualifiers like :build are dropped', () => {
    expect(missingTools('m4:build', [dir], [])).toEqual([]);
  });

  test('a missing tool names its commands and the Debian package; a non-executable file does not count', () => {
    expect(missingTools('perl:run bison', [dir], [])).toEqual([
      { tool: 'perl', commands: ['perl'], debian: 'perl' },
      { tool: 'bison', commands: ['bison'], debian: 'bison' },
    ]);
  });

  test('a TOOL_DEPENDS package that provides the tool satisfies it (the depends phase installs it)', () => {
    expect(missingTools('bison gmake', [dir], ['bison>=3.0', 'gmake-[0-9]*'])).toEqual([]);
    expect(patternBase('m4>=1.4')).toBe('m4');
    expect(patternBase('pkgconf-[0-9]*')).toBe('pkgconf');
    expect(patternBase('libtool-base-2.4.7')).toBe('libtool-base');
  });
});
