import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, test } from 'vitest';
import { infoFragments } from '../src/infofiles.ts';
import { pkgconfigWithRpath } from '../src/pkgconfig.ts';
import { helloTree, mkpkgAsync as mkpkg, shAsync as sh } from './helpers.ts';

describe('PKGCONFIG_OVERRIDE', () => {
  test('each -L directory of Libs and Libs.private gains a run path, once', async () => {
    const pc = 'prefix=/usr/pkg\nLibs: -L${libdir} -lz\nLibs.private: -L/usr/pkg/lib/i86 -Wl,-rpath,/usr/pkg/lib/i86 -lm\nCflags: -I${includedir}\n';
    expect(pkgconfigWithRpath(pc)).toBe(
      'prefix=/usr/pkg\nLibs: -L${libdir} -Wl,-rpath,${libdir} -lz\nLibs.private: -L/usr/pkg/lib/i86 -Wl,-rpath,/usr/pkg/lib/i86 -lm\nCflags: -I${includedir}\n',
    );
  });
});

describe('INFO_FILES', () => {
  test('the fragments register and unregister the pages with install-info when it exists', async () => {
    const frag = infoFragments('info', ['info/hello.info']);
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mkpkg-info-'));
    try {
      // A stand-in install-info on PATH records how it was called.
      fs.mkdirSync(path.join(dir, 'bin'));
      fs.writeFileSync(path.join(dir, 'bin/install-info'), `#!/bin/sh\necho "$@" >> ${dir}/calls\n`, { mode: 0o755 });
      for (const [stage, body] of [['POST-INSTALL', frag.install], ['DEINSTALL', frag.deinstall]] as const) {
        fs.writeFileSync(path.join(dir, 's.sh'), `STAGE=${stage}\nPKG_PREFIX=/usr/pkg\nPKG_DESTDIR=${dir}/d\n${body}`);
        const r = await sh(`sh ${dir}/s.sh`, dir, { PATH: `${dir}/bin:/usr/bin:/bin` });
        expect(r.code, r.stderr).toBe(0);
      }
      expect(fs.readFileSync(path.join(dir, 'calls'), 'utf8')).toBe(
        `--info-dir=${dir}/d/usr/pkg/info ${dir}/d/usr/pkg/info/hello.info\n--delete --info-dir=${dir}/d/usr/pkg/info ${dir}/d/usr/pkg/info/hello.info\n`,
      );
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('PLIST warnings during package', () => {
  test('a duplicate PLIST line is reported once, with its file and line, and packaged once', async () => {
    const { root, pkg } = await helloTree('hello-dup');
    try {
      fs.appendFileSync(path.join(pkg, 'PLIST'), 'include/hello.h\n');
      expect((await mkpkg(['-C', pkg, 'makesum'])).code).toBe(0);
      const r = await mkpkg(['-C', pkg, 'package']);
      expect(r.code, r.stderr).toBe(0);
      const out = r.stdout + r.stderr;
      expect(out).toMatch(/PLIST:8: warning: duplicate entry 'include\/hello\.h' dropped/);
      expect(out).not.toMatch(/warning: .*warning:/);
      const list = await sh(`tar -tzf ${path.join(root, 'packages/All/hello-1.0.tgz')}`);
      expect(list.stdout.split('\n').filter((l) => l === 'include/hello.h')).toHaveLength(1);
    } finally {
      fs.rmSync(root, { recursive: true, force: true });
    }
  });
});
