import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, test } from 'vitest';
import { platformFor, UserError } from '@mkpkg/platform';
import { genericHeader, incarchEntries, mergeStages, rewriteAbsoluteLinks } from '../src/merge.ts';
import { checkDir } from '../src/safedirs.ts';
import { shAsync as sh } from './helpers.ts';

const platform = platformFor('Linux');
let tmp: string;
afterEach(() => fs.rmSync(tmp, { recursive: true, force: true }));

function stage(abi: string, files: Record<string, string>): string {
  const root = path.join(tmp, 'stage', abi);
  for (const [rel, text] of Object.entries(files)) {
    const f = path.join(root, 'usr/pkg', rel);
    fs.mkdirSync(path.dirname(f), { recursive: true });
    fs.writeFileSync(f, text);
  }
  return root;
}

function merge(incEntries: string[] = []) {
  return mergeStages({
    stages: [
      { abi: '32', root: path.join(tmp, 'stage/32') },
      { abi: '64', root: path.join(tmp, 'stage/64') },
    ],
    destdir: checkDir({ name: 'DESTDIR', value: path.join(tmp, 'destdir'), origin: 'the command line' }, path.join(tmp, 'pkg'), { inside: [{ name: 'the test directory', dir: tmp }], hint: '' }),
    prefix: '/usr/pkg',
    platform,
    incEntries,
    infoDir: 'info',
  });
}

describe('mergeStages', () => {
  test('identical shared files merge; a file that differs is a conflict naming the path and the fix', async () => {
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'mkpkg-merge-'));
    stage('32', { 'share/doc/a': 'same', 'include/cfg.h': '#define BITS 32\n', 'bin/i86/x': '32' });
    stage('64', { 'share/doc/a': 'same', 'include/cfg.h': '#define BITS 64\n', 'bin/amd64/x': '64' });
    let err: unknown;
    try {
      merge();
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(UserError);
    const msg = (err as UserError).describe();
    expect(msg).toContain('include/cfg.h (ABI 32 and ABI 64 installed different content)');
    expect(msg).toContain('include${INCARCHSUFFIX}');
    expect(msg).not.toContain('share/doc/a');
  });

  test('an ${INCARCHSUFFIX} header goes to include/<isa>/ per ABI, and the generic header picks the right one under gcc -m32 and -m64', async () => {
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'mkpkg-merge-'));
    stage('32', { 'include/sub/cfg.h': '#define BITS 32\n' });
    stage('64', { 'include/sub/cfg.h': '#define BITS 64\n' });
    const r = merge(incarchEntries(['@comment x', 'include${INCARCHSUFFIX}/sub/cfg.h', 'include/other.h']));
    expect(r.generated).toEqual(['include/sub/cfg.h']);
    const inc = path.join(tmp, 'destdir/usr/pkg/include');
    expect(fs.readFileSync(path.join(inc, 'i86/sub/cfg.h'), 'utf8')).toBe('#define BITS 32\n');
    expect(fs.readFileSync(path.join(inc, 'amd64/sub/cfg.h'), 'utf8')).toBe('#define BITS 64\n');
    // Checked at compile time, so no 32-bit program has to run: the build
    // fails unless the header each compiler sees says its own ABI.
    const prog = path.join(tmp, 'p.c');
    fs.writeFileSync(prog, '#include "sub/cfg.h"\n_Static_assert(BITS == WANT, "the generic header picked the wrong ABI");\n');
    for (const bits of ['32', '64']) {
      const c = await sh(`gcc -m${bits} -std=c11 -I${inc} -DWANT=${bits} -c -o ${tmp}/p${bits}.o ${prog}`);
      expect(c.code, c.stderr).toBe(0);
      const wrong = await sh(`gcc -m${bits} -std=c11 -I${inc} -DWANT=${bits === '32' ? 64 : 32} -c -o ${tmp}/q${bits}.o ${prog}`);
      expect(wrong.stderr).toContain('the generic header picked the wrong ABI');
    }
  });

  test('info/dir is never merged, even when the ABIs wrote different ones', async () => {
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'mkpkg-merge-'));
    stage('32', { 'info/dir': 'a', 'info/x.info': 'x' });
    stage('64', { 'info/dir': 'b', 'info/x.info': 'x' });
    merge();
    expect(fs.existsSync(path.join(tmp, 'destdir/usr/pkg/info/dir'))).toBe(false);
    expect(fs.existsSync(path.join(tmp, 'destdir/usr/pkg/info/x.info'))).toBe(true);
  });
});

describe('rewriteAbsoluteLinks', () => {
  test('a link into DESTDIR becomes relative; one outside PREFIX points at the final path', async () => {
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'mkpkg-links-'));
    const root = stage('64', { 'lib/libz.so.1': 'z' });
    fs.symlinkSync(`${root}/usr/pkg/lib/libz.so.1`, path.join(root, 'usr/pkg/lib/libz.so'));
    fs.mkdirSync(path.join(root, 'usr/pkg/share'), { recursive: true });
    fs.symlinkSync(`${root}/etc/zrc`, path.join(root, 'usr/pkg/share/zrc'));
    fs.symlinkSync('/usr/pkg/lib/libz.so.1', path.join(root, 'usr/pkg/share/libz'));
    const changed = rewriteAbsoluteLinks(root, '/usr/pkg');
    expect(fs.readlinkSync(path.join(root, 'usr/pkg/lib/libz.so'))).toBe('libz.so.1');
    expect(fs.readlinkSync(path.join(root, 'usr/pkg/share/zrc'))).toBe('/etc/zrc');
    expect(fs.readlinkSync(path.join(root, 'usr/pkg/share/libz'))).toBe('../lib/libz.so.1');
    expect(changed).toHaveLength(3);
  });
});

describe('genericHeader', () => {
  test('includes paths relative to the generic header', async () => {
    const h = genericHeader('include/a/b.h', { '32': 'include/i86/a/b.h', '64': 'include/amd64/a/b.h' });
    expect(h).toContain('#include "../amd64/a/b.h"');
    expect(h).toContain('#include "../i86/a/b.h"');
  });
});
