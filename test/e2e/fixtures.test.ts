// The committed distfiles are what fixtures/pkgsrc/make-distfiles makes
// from src/: unpacked with the real tar/unzip they equal their sources.
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { expect, test } from 'vitest';
import { FIXTURES, explain, run } from './tree.ts';

const distfiles = (await fs.readdir(path.join(FIXTURES, 'distfiles'))).sort();
const sources = (await fs.readdir(path.join(FIXTURES, 'src'))).sort();

test('one distfile per source directory', () => {
  expect(distfiles.map((f) => f.replace(/\.(tar\.(gz|bz2|xz)|zip)$/, ''))).toEqual(sources);
});

test.each(distfiles)('%s unpacks to exactly its source (run make-distfiles after editing src/)', async (file) => {
  const tmp = await fs.mkdtemp(path.join(os.tmpdir(), 'mkpkg-distfile-'));
  try {
    const archive = path.join(FIXTURES, 'distfiles', file);
    const r = file.endsWith('.zip') ? await run('unzip', ['-q', archive, '-d', tmp]) : await run('tar', ['-xf', archive, '-C', tmp]);
    expect(r.exitCode, explain(`unpacking ${file}`, r)).toBe(0);
    const name = file.replace(/\.(tar\.(gz|bz2|xz)|zip)$/, '');
    const d = await run('diff', ['-r', path.join(FIXTURES, 'src', name), path.join(tmp, name)]);
    expect(d.exitCode, explain(`diff -r src/${name} ${file}`, d)).toBe(0);
  } finally {
    await fs.rm(tmp, { recursive: true, force: true });
  }
});
