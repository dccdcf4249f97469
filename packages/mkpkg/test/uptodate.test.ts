// The front end (bin/mkpkg) answers a re-run whose package is up to date
// from work/.mkpkg-uptodate without starting Node, and starts Node whenever
// anything that could change the answer changed. "Node started" is seen
// directly: `node` on PATH is a wrapper that refuses to run once the test
// forbids it, so a fast answer cannot be faked by a quick Node run.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { formatRecord } from '../src/uptodate/record.ts';
import { HERE, type Run, helloTree, mkpkgAsync } from './helpers.ts';

const FRONT_END = path.resolve(HERE, '../bin/mkpkg');
const NODE_REFUSED = 99;
const ARGS = ['--multiarch', 'bin,lib', 'package'];

let root: string;
let pkg: string;
let guard: string;
let env: Record<string, string>;

function front(args: readonly string[], extra: Record<string, string> = {}, cwd = pkg): Promise<Run> {
  return new Promise((resolve) => {
    const child = spawn(FRONT_END, [...args], { cwd, env: { ...env, ...extra }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    child.on('close', (code) => resolve({ code: code ?? -1, stdout, stderr }));
  });
}

const forbidNode = () => fs.writeFileSync(path.join(guard, 'forbid'), '');
const allowNode = () => fs.rmSync(path.join(guard, 'forbid'), { force: true });
const record = () => path.join(pkg, 'work/.mkpkg-uptodate');

/** Dates a path ten seconds back: an edit the test makes is then older than the record the next run writes. */
function age(...paths: string[]): void {
  const t = Date.now() / 1000 - 10;
  for (const p of paths) fs.utimesSync(p, t, t);
}

/** A Node run that finds the package up to date, leaving a fresh record; then Node is forbidden again. */
async function refresh(args: readonly string[] = ARGS): Promise<void> {
  allowNode();
  const r = await front(args);
  expect(r.code, r.stderr).toBe(0);
  expect(r.stderr).toMatch(/package is up to date/);
  expect(fs.existsSync(record()), 'the run left no record').toBe(true);
  forbidNode();
}

/** The front end must hand this invocation to Node (which the guard refuses). */
async function needsNode(args: readonly string[] = ARGS, extra: Record<string, string> = {}): Promise<void> {
  const r = await front(args, extra);
  expect(r.stderr).toMatch(/node started/);
  expect(r.code).toBe(NODE_REFUSED);
}

beforeAll(async () => {
  ({ root, pkg } = await helloTree('uptodate'));
  guard = fs.mkdtempSync(path.join(os.tmpdir(), 'mkpkg-node-guard-'));
  fs.writeFileSync(
    path.join(guard, 'node'),
    `#!/bin/sh\nif [ -e '${guard}/forbid' ]; then echo 'node started' >&2; exit ${NODE_REFUSED}; fi\nexec '${process.execPath}' "$@"\n`,
    { mode: 0o755 },
  );
  env = { ...(process.env as Record<string, string>), PATH: `${guard}:${process.env['PATH'] ?? ''}` };
  const sum = await front(['makesum']);
  expect(sum.code, sum.stderr).toBe(0);
  const built = await front(ARGS);
  expect(built.code, built.stderr).toBe(0);
  // A build shorter than a second leaves no record (its own work/ is newer than the record's date): age it.
  age(pkg, path.join(pkg, 'distinfo'));
  await refresh();
}, 300_000);

afterAll(() => {
  fs.rmSync(root, { recursive: true, force: true });
  fs.rmSync(guard, { recursive: true, force: true });
});

describe('a re-run with the package up to date', () => {
  test('is answered without Node, saying what Node says', async () => {
    const fast = await front(ARGS);
    expect(fast.code, fast.stderr).toBe(0);
    expect(fast.stdout).toBe('');
    allowNode();
    // The Node command itself (no front end, so it leaves no record), for comparison.
    const slow = await mkpkgAsync(['-C', pkg, ...ARGS]);
    forbidNode();
    expect(slow.code, slow.stderr).toBe(0);
    expect(fast.stderr).toBe(slow.stderr);
    expect(fast.stderr).toMatch(/^=> hello-1\.0: .*\n=> hello-1\.0: package is up to date \(.*\.tgz\)\n$/);
  });

  test('with no phase named, which means package (answered by Node the first time, then by the front end)', async () => {
    allowNode();
    const first = await front(['--multiarch', 'bin,lib']);
    expect(first.code, first.stderr).toBe(0);
    expect(first.stderr).toMatch(/package is up to date/);
    forbidNode();
    const again = await front(['--multiarch', 'bin,lib']);
    expect(again.code, again.stderr).toBe(0);
    expect(again.stderr).toBe(first.stderr);
    const outside = await mkpkgAsync(['--multiarch', 'bin,lib', '-C', path.join(root, 'distfiles')]);
    expect(outside.code).toBe(2);
    expect(outside.stderr).toMatch(/name a phase/);
    await refresh();
  });

  test('from another directory with -C', async () => {
    allowNode();
    expect((await front(['-C', pkg, ...ARGS], {}, root)).code).toBe(0);
    forbidNode();
    const r = await front(['-C', pkg, ...ARGS], {}, root);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toMatch(/package is up to date/);
    // An empty DIR is the current directory, for the front end as for Node.
    allowNode();
    expect((await front(['-C', '', ...ARGS])).code).toBe(0);
    forbidNode();
    const empty = await front(['-C', '', ...ARGS]);
    expect(empty.code, empty.stderr).toBe(0);
    expect(empty.stderr).toMatch(/package is up to date/);
    await refresh();
  });
});

describe('the front end starts Node when', () => {
  test('a makefile changed', async () => {
    const mf = path.join(pkg, 'Makefile');
    const before = fs.readFileSync(mf);
    fs.appendFileSync(mf, '# edited\n');
    await needsNode();
    fs.writeFileSync(mf, before);
    age(mf);
    await refresh();
  });

  test('a file was replaced by one of the same size with its old mtime (cp -p)', async () => {
    const descr = path.join(pkg, 'DESCR');
    const before = fs.readFileSync(descr);
    const st = fs.statSync(descr);
    const changed = Buffer.from(before);
    changed[0] = changed[0] === 0x58 ? 0x59 : 0x58;
    fs.writeFileSync(descr, changed);
    fs.utimesSync(descr, st.atime, st.mtime);
    expect(fs.statSync(descr).size).toBe(st.size);
    await needsNode();
    fs.writeFileSync(descr, before);
    age(descr);
    await refresh();
  });

  test('a patch was added (the directory changed)', async () => {
    const patches = path.join(pkg, 'patches');
    const existed = fs.existsSync(patches);
    fs.mkdirSync(patches, { recursive: true });
    fs.writeFileSync(path.join(patches, 'patch-zz'), '');
    await needsNode();
    fs.rmSync(existed ? path.join(patches, 'patch-zz') : patches, { recursive: true });
    age(pkg, ...(existed ? [patches] : []));
    await refresh();
  });

  test('the environment, the arguments or the directory differ', async () => {
    await needsNode(ARGS, { SOME_SETTING: 'x' });
    await needsNode([...ARGS, 'PKGREVISION=1']);
    await needsNode(['--parallel-abis', ...ARGS]);
    await needsNode(['--multiarch', 'bin,lib', 'install']);
    await needsNode(['package']);
    const r = await front(['-C', pkg, ...ARGS], {}, root);
    expect(r.code).toBe(NODE_REFUSED);
  });

  test('the published package is gone or is another file', async () => {
    const published = path.join(root, 'packages/All/hello-1.0.tgz');
    const keep = fs.readFileSync(published);
    fs.rmSync(published);
    await needsNode();
    fs.writeFileSync(published, keep);
    await needsNode();
    allowNode();
    expect((await front(ARGS)).stderr).toMatch(/wrote .*packages\/All\/hello-1\.0\.tgz/);
    await refresh();
  });

  test('the record is damaged, or belongs to another user', async () => {
    const text = fs.readFileSync(record(), 'utf8');
    fs.writeFileSync(record(), text.slice(0, text.length / 2));
    await needsNode();
    fs.writeFileSync(record(), text.replace(/^sum (\d+)/m, (_m, crc: string) => `sum ${Number(crc) ^ 1}`));
    await needsNode();
    fs.writeFileSync(record(), `${text}bogus line\n`);
    await needsNode();
    if (process.getuid?.() === 0) {
      fs.writeFileSync(record(), text);
      fs.chownSync(record(), 65534, 65534);
      await needsNode();
    } else {
      console.log('skipped the other-owner case: it needs root to give the record away');
    }
    await refresh();
  });

  test('any other Node run on the package removes the record first', async () => {
    allowNode();
    expect((await front(['--multiarch', 'bin,lib', 'build'])).code).toBe(0);
    expect(fs.existsSync(record())).toBe(false);
    await refresh();
    allowNode();
    expect((await front(['clean'])).code).toBe(0);
    forbidNode();
    await needsNode();
  });
});

describe('through bmake', () => {
  test('the glue calls the front end, which answers the second time; mkpkg itself agrees the package is made', async () => {
    const bmake = (): Promise<Run> =>
      new Promise((resolve) => {
        const child = spawn('bmake', ['package', 'MKPKG_FLAGS=--multiarch bin,lib'], { cwd: pkg, env, stdio: ['ignore', 'pipe', 'pipe'] });
        let stderr = '';
        child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
        child.on('close', (code) => resolve({ code: code ?? -1, stdout: '', stderr }));
      });
    allowNode();
    expect((await bmake()).code).toBe(0);
    age(pkg);
    expect((await bmake()).stderr).toMatch(/package is up to date/);
    forbidNode();
    const viaBmake = await bmake();
    expect(viaBmake.code, viaBmake.stderr).toBe(0);
    expect(viaBmake.stderr).toMatch(/package is up to date/);
    // bmake exports MKPKG_FLAGS, which the glue reads: the evaluation must not differ from mkpkg's own for it.
    allowNode();
    const direct = await front(ARGS);
    expect(direct.stderr).toMatch(/package is up to date/);
    expect(direct.stderr).not.toMatch(/packaging/);
  });
});

describe('formatRecord', () => {
  const base = { key: '1 2 -', staged: '/w/p.tgz', say: ['=> hi'], dirs: ['/d'], files: ['/d/f'], sums: ['3 4 /d/f'] };
  test('writes the lines the front end reads, key and sums first', () => {
    expect(formatRecord({ ...base, published: '/p/All/p.tgz' })).toBe(
      'mkpkg-uptodate 1\nkey 1 2 -\nsum 3 4 /d/f\nstaged /w/p.tgz\npublished /p/All/p.tgz\nsay => hi\ndir /d\nfile /d/f\n',
    );
  });
  test('refuses what cannot be one line, and a sum missing for a file', () => {
    expect(formatRecord({ ...base, files: ['/d/a\nb'] })).toBeUndefined();
    expect(formatRecord({ ...base, say: ['two\nlines'] })).toBeUndefined();
    expect(formatRecord({ ...base, sums: [] })).toBeUndefined();
  });
});
