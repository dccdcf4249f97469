// The driver's behaviour between runs: resuming after a failure without
// redoing finished ABIs, the failing log's tail, fetching from
// MASTER_SITES, clean.
import fs from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { FIXTURES, exists, explain, listFiles, makeTree, type Tree } from './tree.ts';

let tree: Tree;

beforeAll(async () => {
  tree = await makeTree(['devel/libmulti', 'misc/plainhello']);
});

afterAll(async () => {
  if (tree !== undefined && process.env['MKPKG_E2E_KEEP'] === undefined) await tree.remove();
});

test('after a failed build of one ABI, a re-run resumes: no ABI is configured again', async () => {
  const dir = tree.pkgDir('devel/libmulti');
  const mk = path.join(dir, 'Makefile');
  const text = await fs.readFile(mk, 'utf8');
  await fs.writeFile(
    mk,
    text.replace(
      '.include "../../mk/bsd.pkg.mk"',
      'post-build:\n\t@if [ "${ABI}" = 64 ] && [ -f ${.CURDIR}/FAIL ]; then echo "deliberate failure of ABI 64" >&2; exit 1; fi\n\n' +
        '.include "../../mk/bsd.pkg.mk"',
    ),
  );
  await fs.writeFile(path.join(dir, 'FAIL'), '');
  const first = await tree.mkpkg('devel/libmulti', ['--multiarch', 'bin,lib', 'package']);
  expect(first.exitCode, explain('first run (ABI 64 post-build fails)', first)).toBe(1);
  expect(first.all).toContain('deliberate failure of ABI 64');
  // The failing log is named, and it exists.
  const logPath = /(\/\S+\.logs\/\S+\.log)/.exec(first.all)?.[1];
  expect(logPath, first.all).toBeDefined();
  expect(await fs.readFile(logPath as string, 'utf8')).toContain('deliberate failure of ABI 64');

  const work = path.join(dir, 'work');
  const configured = async (): Promise<Map<string, number>> => {
    const files = (await listFiles(work)).filter((f) => f.endsWith('/multi-config.h') && !f.includes('.stage') && !f.includes('.destdir'));
    return new Map(await Promise.all(files.map(async (f) => [f, (await fs.stat(path.join(work, f))).mtimeMs] as const)));
  };
  const before = await configured();
  expect(before.size, [...before.keys()].join(', ')).toBe(2);

  await fs.rm(path.join(dir, 'FAIL'));
  const second = await tree.mkpkg('devel/libmulti', ['--multiarch', 'bin,lib', 'package']);
  expect(second.exitCode, explain('second run', second)).toBe(0);
  expect(await configured()).toEqual(before);
  expect(await exists(path.join(tree.packages, 'All', 'libmulti-1.0.tgz'))).toBe(true);

  const clean = await tree.mkpkg('devel/libmulti', ['clean']);
  expect(clean.exitCode, explain('mkpkg clean', clean)).toBe(0);
  expect(await exists(work)).toBe(false);
});

test('fetch takes a distfile missing from DISTDIR from a file:// MASTER_SITES, then checks it', async () => {
  const distfile = path.join(tree.root, 'distfiles', 'plainhello-2.0.zip');
  await fs.rm(distfile);
  const site = `file://${path.join(FIXTURES, 'distfiles')}/`;
  const r = await tree.mkpkg('misc/plainhello', ['checksum', `MASTER_SITES=${site}`]);
  expect(r.exitCode, explain(`mkpkg checksum MASTER_SITES=${site}`, r)).toBe(0);
  expect(await fs.readFile(distfile)).toEqual(await fs.readFile(path.join(FIXTURES, 'distfiles', 'plainhello-2.0.zip')));
});

test('a distfile found nowhere is an error naming it and the sites tried', async () => {
  await fs.rm(path.join(tree.root, 'distfiles', 'plainhello-2.0.zip'), { force: true });
  const site = `file://${path.join(tree.root, 'nowhere')}/`;
  const r = await tree.mkpkg('misc/plainhello', ['fetch', `MASTER_SITES=${site}`]);
  expect(r.exitCode, explain('mkpkg fetch from an empty site', r)).toBe(1);
  expect(r.all).toContain('plainhello-2.0.zip');
  expect(r.all).toContain(site);
});
