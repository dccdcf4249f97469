// init-tree writes what pbulk asks of a tree besides the packages: the top
// Makefile, category Makefiles, pkgtools/pkg_install; bmake reads them.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, expect, test } from 'vitest';
import { initTree } from '../src/inittree.ts';

const root = fs.mkdtempSync(path.join(os.tmpdir(), 'mkpkg-inittree-'));
afterAll(() => fs.rmSync(root, { recursive: true, force: true }));

const bmake = (dir: string, args: string[]) => spawnSync(process.env['MKPKG_BMAKE'] ?? 'bmake', args, { cwd: dir, encoding: 'utf8', env: { ...process.env, MAKECONF: '/dev/null' } });

test('categories that exist get a one-line Makefile; kept files stay; bmake lists categories and packages', () => {
  fs.mkdirSync(path.join(root, 'misc/foo'), { recursive: true });
  fs.writeFileSync(path.join(root, 'misc/foo/Makefile'), 'PKGNAME=foo-1.0\n.include "../../mk/bsd.pkg.mk"\n');
  fs.mkdirSync(path.join(root, 'notacategory/bar'), { recursive: true });
  fs.writeFileSync(path.join(root, 'notacategory/bar/Makefile'), 'all:\n');
  initTree(root);
  for (const f of ['Makefile', 'misc/Makefile', 'pkgtools/pkg_install/Makefile', 'mk/misc/category.mk', 'mk/misc/toplevel.mk', 'mk/misc/pkg_install.mk', 'mk/pbulk.mk']) {
    expect(fs.existsSync(path.join(root, f)), f).toBe(true);
  }
  expect(fs.existsSync(path.join(root, 'notacategory/Makefile'))).toBe(false);
  fs.appendFileSync(path.join(root, 'Makefile'), '# edited\n');
  initTree(root);
  expect(fs.readFileSync(path.join(root, 'Makefile'), 'utf8')).toMatch(/# edited\n$/);
  const top = bmake(root, ['show-subdir-var', 'VARNAME=SUBDIR']);
  expect(top.status, top.stderr).toBe(0);
  // pkgtools holds the isaexec package init-tree puts in (multiarch packages depend on it).
  expect(top.stdout).toBe('misc pkgtools\n');
  expect(bmake(path.join(root, 'pkgtools'), ['show-subdir-var', 'VARNAME=SUBDIR']).stdout).toBe('isaexec\n');
  const cat = bmake(path.join(root, 'misc'), ['show-subdir-var', 'VARNAME=SUBDIR']);
  expect(cat.stdout).toBe('foo\n');
  const pi = bmake(path.join(root, 'pkgtools/pkg_install'), ['show-var', 'VARNAME=MACHINE_ARCH']);
  expect(pi.status, pi.stderr).toBe(0);
  expect(pi.stdout.trim()).not.toBe('amd64');
  expect(pi.stdout.trim()).not.toBe('');
});
