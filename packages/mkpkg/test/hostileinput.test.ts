// Package variables that reach a shell script, a sed command, a file name
// or a PLIST come out literally or are refused: PKGINFODIR in +INSTALL,
// SUBST_VARS values, distfile names, PLIST spellings; and show-var prints
// the SMF values a build really uses. Real sh, real bmake, real mkpkg.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { infoFragments } from '../src/infofiles.ts';
import { HERE, helloTree, listTree, mkpkgAsync as mkpkg } from './helpers.ts';

let root: string;
let pkg: string;
const temps: string[] = [];

beforeAll(async () => {
  ({ root, pkg } = await helloTree());
  temps.push(root);
  const sum = await mkpkg(['-C', pkg, 'makesum']);
  if (sum.code !== 0) throw new Error(sum.stderr);
});

afterAll(async () => {
  for (const d of temps) fs.rmSync(d, { recursive: true, force: true });
});

function tmp(): string {
  const d = fs.mkdtempSync(path.join(os.tmpdir(), 'mkpkg-hostile-'));
  temps.push(d);
  return d;
}

describe('PKGINFODIR and info file names in +INSTALL/+DEINSTALL', () => {
  test('are single-quoted words: $(…), backquotes, quotes and spaces reach install-info literally', async () => {
    const d = tmp();
    // A stand-in install-info that records its arguments, one per line.
    fs.mkdirSync(path.join(d, 'bin'));
    fs.writeFileSync(path.join(d, 'bin/install-info'), '#!/bin/sh\nfor a in "$@"; do printf "%s\\n" "$a"; done >>"$LOG"\n', { mode: 0o755 });
    const infoDir = `info$(touch ${d}/pwned1)\`touch ${d}/pwned2\`"x'y z`;
    const file = `${infoDir}/a'b $(touch ${d}/pwned3).info`;
    const frag = infoFragments(infoDir, [file]);
    for (const [stage, script] of [['POST-INSTALL', frag.install], ['DEINSTALL', frag.deinstall]] as const) {
      const log = path.join(d, `${stage}.log`);
      const r = spawnSync('/bin/sh', ['-c', `STAGE=${stage}; PKG_PREFIX=/usr/pkg; PKG_DESTDIR=/D\n${script}`], {
        encoding: 'utf8',
        env: { ...process.env, PATH: `${path.join(d, 'bin')}:${process.env['PATH'] ?? ''}`, LOG: log },
      });
      expect(r.status, r.stderr).toBe(0);
      const args = fs.readFileSync(log, 'utf8').split('\n').filter(Boolean);
      expect(args).toEqual([...(stage === 'DEINSTALL' ? ['--delete'] : []), `--info-dir=/D/usr/pkg/${infoDir}`, `/D/usr/pkg/${file}`]);
    }
    expect(fs.readdirSync(d).filter((f) => f.startsWith('pwned'))).toEqual([]);
  });
});

describe('SUBST_VARS values come out literally', () => {
  test('backslash, &, the delimiter, quotes, $, newlines, from the Makefile and from the command line', async () => {
    fs.appendFileSync(
      path.join(pkg, 'Makefile.hostile'),
      [
        'SUBST_CLASSES+=\t\thostile',
        'SUBST_STAGE.hostile=\tpre-configure',
        'SUBST_FILES.hostile=\tsubst-test',
        'SUBST_VARS.hostile=\tHOSTILE HOSTILE_CMD EMPTY',
        "HOSTILE=\ta\\b,c&d|e'f\"g`h`$$HOME/i\\\\j\\&k\\1 ;*.[x]^$$ \\# ${.newline}second line",
        'EMPTY=',
        'post-extract:',
        "\tprintf '[@HOSTILE@]\\n[@HOSTILE_CMD@]\\n[@EMPTY@]\\n' >${WRKSRC}/subst-test",
        '',
      ].join('\n'),
    );
    const mk = path.join(pkg, 'Makefile');
    fs.writeFileSync(mk, fs.readFileSync(mk, 'utf8').replace('.include "../../mk/bsd.pkg.mk"', '.include "Makefile.hostile"\n.include "../../mk/bsd.pkg.mk"'));
    // (A '$' on bmake's command line is make syntax, as for bmake itself.)
    const fromCmd = "x\\y&z,w\nl2 `id` '\" \\n";
    const r = await mkpkg(['-C', pkg, 'configure', `HOSTILE_CMD=${fromCmd}`]);
    expect(r.code, r.stderr).toBe(0);
    const got = fs.readFileSync(path.join(pkg, 'work/abi64/hello-1.0/subst-test'), 'utf8');
    const fromMakefile = "a\\b,c&d|e'f\"g`h`$HOME/i\\\\j\\&k\\1 ;*.[x]^$ # \nsecond line";
    expect(got).toBe(`[${fromMakefile}]\n[${fromCmd}]\n[]\n`);
    await mkpkg(['-C', pkg, 'clean']);
    fs.writeFileSync(mk, fs.readFileSync(mk, 'utf8').replace('.include "Makefile.hostile"\n', ''));
    fs.rmSync(path.join(pkg, 'Makefile.hostile'));
  });
});

describe('distfile names stay in DISTDIR', () => {
  test.each([
    ['DISTFILES', '../escape.tar.gz'],
    ['DISTFILES', 'sub/hello-1.0.tar.gz'],
    ['DISTFILES', '..'],
    ['PATCHFILES', '../../etc/x.patch'],
    ['EXTRACT_ONLY', '/etc/passwd'],
    ['EXTRACT_ONLY', 'a//b'],
  ])('%s=%s is refused with the Makefile named, exit 2, nothing fetched', async (name, value) => {
    const before = listTree(root);
    const r = await mkpkg(['-C', pkg, 'extract', `${name}=${value}`]);
    expect(r.code, r.stderr).toBe(2);
    expect(r.stderr).toContain(`mkpkg: ${pkg}/Makefile: ${name} names '${value}': a distfile is a plain file name in DISTDIR`);
    expect(listTree(root).filter((f) => !f.startsWith('test/hello/work/'))).toEqual(before.filter((f) => !f.startsWith('test/hello/work/')));
  });

  test('from the Makefile too', async () => {
    const mk = path.join(pkg, 'Makefile');
    const orig = fs.readFileSync(mk, 'utf8');
    fs.writeFileSync(mk, orig.replace('MASTER_SITES=', 'DISTFILES=\thello-1.0.tar.gz ../../x.tar.gz\nMASTER_SITES='));
    try {
      const r = await mkpkg(['-C', pkg, 'fetch']);
      expect(r.code).toBe(2);
      expect(r.stderr).toContain("DISTFILES names '../../x.tar.gz'");
    } finally {
      fs.writeFileSync(mk, orig);
    }
  });
});

describe('show-var prints the SMF values the build uses', () => {
  test.each([
    ['SMF_PREFIX', [], 'pkgsrc'],
    ['SMF_NAME', [], 'hello'],
    ['SMF_INSTANCES', [], 'default'],
    ['SMF_METHOD_SHELL', [], '/sbin/sh'],
    ['PKG_SMF_MANIFEST_DIR', [], 'lib/svc/manifest'],
    ['SMF_MANIFEST_FILE', ['SMF_NAME=svc1'], 'lib/svc/manifest/svc1.xml'],
    ['SMF_METHOD_FILE.start', ['SMF_METHODS=start stop'], 'lib/svc/method/start'],
    ['SMF_PREFIX', ['SMF_PREFIX=network/site'], 'network/site'],
  ])('%s %j: %s', async (name, extra, want) => {
    const r = await mkpkg(['-C', pkg, 'show-var', name, ...extra]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toBe(`${want}\n`);
  });
});

describe('plist-expand and mkpkg create agree on PLIST paths', () => {
  const mkpkgCreate = async (d: string, line: string) => {
    fs.writeFileSync(path.join(d, 'PLIST'), `share/ok\n${line}\n`);
    fs.writeFileSync(path.join(d, 'DESCR'), 'd\n');
    return await mkpkg(['create', '-o', path.join(d, 'x-1.0.tgz'), '--name', 'x-1.0', '--prefix', '/usr/pkg', '--stage', path.join(d, 'stage'), '--plist', path.join(d, 'PLIST'), '--comment', 'c', '--descr', path.join(d, 'DESCR')]);
  };
  const plistExpand = (d: string, line: string) => {
    fs.writeFileSync(path.join(d, 'PLIST.in'), `share/ok\n${line}\n`);
    const bin = path.resolve(HERE, '../../plist/bin/plist-expand.mjs');
    return spawnSync(process.execPath, [bin, path.join(d, 'PLIST.in')], { encoding: 'utf8' });
  };
  test.each(['share/./x', 'share//x', 'share/x/', './share/x', 'share/../x', '/usr/pkg/share/x'])('%s: both exit 2', async (line) => {
    const d = tmp();
    fs.mkdirSync(path.join(d, 'stage/share'), { recursive: true });
    fs.writeFileSync(path.join(d, 'stage/share/ok'), '');
    fs.writeFileSync(path.join(d, 'stage/share/x'), '');
    const e = plistExpand(d, line);
    expect([e.status, e.stderr]).toEqual([2, expect.stringContaining(`${d}/PLIST.in:2: `)]);
    const c = await mkpkgCreate(d, line);
    expect(c.code, c.stderr).toBe(2);
    expect(fs.existsSync(path.join(d, 'x-1.0.tgz'))).toBe(false);
  });
  test.each(['share/.x', 'share/a..b'])('%s: both accept', async (line) => {
    const d = tmp();
    fs.mkdirSync(path.join(d, 'stage/share'), { recursive: true });
    fs.writeFileSync(path.join(d, 'stage/share/ok'), '');
    fs.writeFileSync(path.join(d, 'stage', line), '');
    expect(plistExpand(d, line).status).toBe(0);
    const c = await mkpkgCreate(d, line);
    expect(c.code, c.stderr).toBe(0);
  });
});
