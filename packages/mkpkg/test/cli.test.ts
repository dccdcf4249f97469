// The command line as a person reads it.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, test } from 'vitest';
import { helloTree, mkpkgAsync as mkpkg } from './helpers.ts';

describe('mkpkg --help', () => {
  test('wraps between words, never inside one, within 100 columns', async () => {
    const r = await mkpkg(['--help'], { COLUMNS: '200' });
    expect(r.code).toBe(0);
    for (const line of r.stdout.split('\n')) expect(line.length, line).toBeLessThanOrEqual(100);
    // Continuation lines joined back with one space must give the descriptions whole.
    const joined = r.stdout.replace(/\n\s+(?=\S)/g, (m) => (/\n\s{10,}/.test(m) ? ' ' : m));
    expect(joined).toContain('print the platform row (ABIs, suffixes) and whether the compiler can build each ABI');
    expect(joined).toContain('build these parts multiarch (bin, lib, or bin,lib), overriding USE_MULTIARCH');
    expect(joined).toContain('describe a package file or an installed package (-L: list its files); no argument: list installed packages');
  });
});

describe('mkpkg init-tree', () => {
  test('says what it made and what to do next; the tree has a commented mk.conf and pkgtools/isaexec', async () => {
    const root = fs.mkdtempSync(path.join(os.tmpdir(), 'mkpkg-init-'));
    try {
      const r = await mkpkg(['init-tree', root]);
      expect(r.code, r.stderr).toBe(0);
      expect(r.stdout).toContain(`${root}/mk.conf`);
      expect(r.stdout).toContain(`${root}/pkgtools/isaexec/`);
      expect(r.stdout).toMatch(/Next:[\s\S]*mkpkg -C .*pkgtools\/isaexec package[\s\S]*--multiarch bin,lib package/);
      const conf = fs.readFileSync(path.join(root, 'mk.conf'), 'utf8');
      expect(conf.split('\n').filter((l) => l.trim() !== '' && !l.startsWith('#'))).toEqual([]);
      expect(conf).toContain('#MULTIARCH=');
      expect(fs.readFileSync(path.join(root, 'pkgtools/isaexec/Makefile'), 'utf8')).toContain('PKGNAME=\tisaexec-');
      // A second run keeps the user's mk.conf.
      fs.appendFileSync(path.join(root, 'mk.conf'), 'MULTIARCH=\tyes\n');
      expect((await mkpkg(['init-tree', root])).code).toBe(0);
      expect(fs.readFileSync(path.join(root, 'mk.conf'), 'utf8')).toMatch(/^MULTIARCH=\tyes$/m);
    } finally {
      fs.rmSync(root, { recursive: true, force: true });
    }
  });

  test("the tree's mk.conf is read without MAKECONF in the environment; MAKECONF still names another", async () => {
    const { root, pkg } = await helloTree();
    try {
      fs.appendFileSync(path.join(root, 'mk.conf'), 'MULTIARCH=\tyes\n');
      const r = await mkpkg(['-C', pkg, 'show-var', 'MAKECONF'], { MAKECONF: undefined });
      expect(r.stdout.trim()).toBe(path.join(fs.realpathSync(root), 'mk.conf'));
      expect((await mkpkg(['-C', pkg, 'makesum'], { MAKECONF: undefined })).code).toBe(0);
      const e = await mkpkg(['-C', pkg, 'extract'], { MAKECONF: undefined });
      expect(e.code, e.stderr).toBe(0);
      expect(e.stderr).toContain('building ABIs 32 64 (MULTIARCH=yes, USE_MULTIARCH=bin lib)');
      const other = path.join(root, 'other.conf');
      fs.writeFileSync(other, '# nothing\n');
      expect((await mkpkg(['-C', pkg, 'show-var', 'MAKECONF'], { MAKECONF: other })).stdout.trim()).toBe(other);
    } finally {
      fs.rmSync(root, { recursive: true, force: true });
    }
  });
});
