// install-package: package, then add it to the pkgdb under the package's PREFIX.
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, expect, test } from 'vitest';
import { readElf } from '../src/elf.ts';
import { helloTree, mkpkgAsync as mkpkg, shAsync as sh } from './helpers.ts';

let root = '';
afterAll(async () => {
  if (root) fs.rmSync(root, { recursive: true, force: true });
});

test('bmake install-package installs the (single-ABI) package into PREFIX and registers it in PKG_DBDIR', async () => {
  const t = await helloTree();
  root = t.root;
  expect((await mkpkg(['-C', t.pkg, 'makesum'])).code).toBe(0);
  const prefix = path.join(root, 'opt');
  const pkgdb = path.join(root, 'pkgdb');
  const vars = [`PREFIX=${prefix}`, `LOCALBASE=${prefix}`, `PKG_DBDIR=${pkgdb}`];
  // Through the glue: `bmake install-package VAR=value` runs mkpkg with the variables.
  // Without multiarch there is no @link lib/isaexec, hence no isaexec dependency to install first.
  const r = await sh(`bmake install-package ${vars.join(' ')}`, t.pkg);
  expect(r.code, r.stderr).toBe(0);
  expect(fs.existsSync(path.join(pkgdb, 'hello-1.0/+CONTENTS'))).toBe(true);
  // One build, for the default ABI, with empty suffixes.
  expect(readElf(path.join(prefix, 'bin/hello'))?.bits).toBe(64);
  expect(fs.existsSync(path.join(prefix, 'bin/amd64'))).toBe(false);
  expect(fs.readFileSync(path.join(prefix, 'include/hello-config.h'), 'utf8')).toContain('HELLO_BITS 64');
  // The RUNPATH names ${PREFIX}/lib: the program runs as installed.
  const run = await sh(path.join(prefix, 'bin/hello'));
  expect(run.stdout, run.stderr).toBe('hello: 64-bit\n');
});
