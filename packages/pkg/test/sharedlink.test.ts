import fs from 'node:fs';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { addPackage, createPackage, deletePackage } from '../src/index.ts';
import { isaexecPackage, tmpdir } from './helpers.ts';

// Two versions of an interpreter, each delivering its own files and the same
// `@link lib/isaexec bin/tiny` (in real life lib/verexec): the link is shared.
let dir: string;
beforeEach(() => {
  dir = tmpdir('shared');
});
afterEach(() => {
  fs.rmSync(dir, { recursive: true, force: true });
});

async function interp(version: string, linkSrc = 'lib/isaexec'): Promise<string> {
  const stage = path.join(dir, `stage-${version}-${linkSrc.replace(/\W/g, '_')}`);
  fs.mkdirSync(path.join(stage, `lib/tiny-${version}`), { recursive: true });
  fs.writeFileSync(path.join(stage, `lib/tiny-${version}/tiny`), `#!/bin/sh\necho ${version}\n`, { mode: 0o755 });
  const out = path.join(dir, `tiny-${version}-${linkSrc.replace(/\W/g, '_')}.tgz`);
  await createPackage({
    output: out, pkgname: `tiny${version.replace(/\./g, '')}-${version}`, prefix: '/opt/local', stageDir: stage,
    plist: [`lib/tiny-${version}/tiny`, `@link ${linkSrc} bin/tiny`], comment: 'tiny', descr: 'tiny\n', buildInfo: {},
  });
  return out;
}

describe('@link destinations shared by several packages', () => {
  it('installs a second holder, keeps the link while any holder remains, removes it with the last', async () => {
    const dest = path.join(dir, 'dest');
    const root = path.join(dest, 'opt/local');
    await addPackage(await isaexecPackage(dir), { destdir: dest });
    await addPackage(await interp('1.4'), { destdir: dest });
    const ino = fs.statSync(path.join(root, 'bin/tiny')).ino;
    await addPackage(await interp('2.1'), { destdir: dest });
    expect(fs.statSync(path.join(root, 'bin/tiny')).ino).toBe(ino);
    expect(fs.statSync(path.join(root, 'lib/isaexec')).ino).toBe(ino);

    await deletePackage('tiny21-2.1', { destdir: dest, prefix: '/opt/local' });
    expect(fs.statSync(path.join(root, 'bin/tiny')).ino).toBe(ino);
    expect(fs.existsSync(path.join(root, 'lib/tiny-2.1'))).toBe(false);

    await deletePackage('tiny14-1.4', { destdir: dest, prefix: '/opt/local' });
    expect(fs.existsSync(path.join(root, 'bin/tiny'))).toBe(false);
  });

  it('refuses a link to a different source at a path another package holds', async () => {
    const dest = path.join(dir, 'dest');
    await addPackage(await isaexecPackage(dir), { destdir: dest });
    await addPackage(await interp('1.4'), { destdir: dest });
    const other = await interp('2.1', 'lib/tiny-2.1/tiny');
    await expect(addPackage(other, { destdir: dest })).rejects.toThrow(
      /\/opt\/local\/bin\/tiny belongs to installed package tiny14-1\.4 \(a hard link to \/opt\/local\/lib\/isaexec\)/,
    );
    expect(fs.existsSync(path.join(dest, 'opt/local/lib/tiny-2.1'))).toBe(false);
  });
});
