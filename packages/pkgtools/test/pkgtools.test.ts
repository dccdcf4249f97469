// pkg_add, pkg_delete and pkg_info run as commands (their bins, a real
// child process), on packages made by @mkpkg/pkg and read back from the
// pkgdb and the file system.
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { createPackage } from '@mkpkg/pkg';

const BIN = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../bin');

interface Result { status: number; stdout: string; stderr: string }

/** Runs a command to completion without blocking the test worker (a blocked worker misses vitest's RPC under load). */
function tool(name: 'pkg_add' | 'pkg_delete' | 'pkg_info', args: string[], env: Record<string, string> = {}): Promise<Result> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [path.join(BIN, `${name}.mjs`), ...args], {
      env: { ...process.env, PKG_PATH: '', PKG_DBDIR: '', MAKECONF: '/dev/null', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (b: Buffer) => (stdout += b.toString()));
    child.stderr.on('data', (b: Buffer) => (stderr += b.toString()));
    child.on('close', (code) => resolve({ status: code ?? -1, stdout, stderr }));
  });
}

let dir: string;
let repo: string;
let root: string;
let db: string;
const PREFIX = '/opt/pkgtools-test';

/** A package whose one file is share/<base>/README, with @pkgdep/@blddep lines and a +BUILD_VERSION. */
async function makePkg(name: string, o: { depends?: string[]; blddeps?: string[]; buildVersion?: string } = {}): Promise<string> {
  const base = name.replace(/-[^-]*$/, '');
  const stage = fs.mkdtempSync(path.join(dir, 'stage-'));
  fs.mkdirSync(path.join(stage, 'share', base), { recursive: true });
  fs.writeFileSync(path.join(stage, 'share', base, 'README'), `${name}\n`);
  const out = path.join(repo, `${name}.tgz`);
  await createPackage({
    output: out,
    pkgname: name,
    prefix: PREFIX,
    stageDir: stage,
    plist: [...(o.blddeps ?? []).map((b) => `@blddep ${b}`), `share/${base}/README`],
    comment: `the ${base} package`,
    descr: `${base} for the pkg_* tests\n`,
    depends: o.depends ?? [],
    buildInfo: { CATEGORIES: 'misc', PKGPATH: `misc/${base}` },
    ...(o.buildVersion ? { buildVersion: o.buildVersion } : {}),
  });
  return out;
}

beforeAll(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mkpkg-pkgtools-'));
  repo = path.join(dir, 'All');
  root = path.join(dir, 'root');
  db = '/var/db/pkg';
  fs.mkdirSync(repo);
  await makePkg('liba-1.0');
  await makePkg('liba-1.2');
  await makePkg('libb-2.0', { depends: ['liba>=1.1'], blddeps: ['liba-1.2'] });
  await makePkg('app-3.0', { depends: ['libb>=2'], blddeps: ['libb-2.0'], buildVersion: 'misc/app/Makefile: $NetBSD: Makefile,v 1.7 2026/01/01 00:00:00 x Exp $\n' });
});

afterAll(() => {
  fs.rmSync(dir, { recursive: true, force: true });
});

const dbdir = () => path.join(root, db);
const installed = () => (fs.existsSync(dbdir()) ? fs.readdirSync(dbdir()).filter((n) => !n.startsWith('.')).sort() : []);

describe('pkg_add', () => {
  test('-n by name through PKG_PATH says what it would install, dependencies first, and installs nothing', async () => {
    const r = await tool('pkg_add', ['-n', '-K', db, '-P', root, 'app'], { PKG_PATH: repo });
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout.split('\n').filter((l) => l !== '').map((l) => l.split(' ')[2])).toEqual(['liba-1.2', 'libb-2.0', 'app-3.0']);
    expect(installed()).toEqual([]);
  });

  test('a name installs its @pkgdep dependencies recursively from PKG_PATH (the best version)', async () => {
    const r = await tool('pkg_add', ['-K', db, '-P', root, 'app-3.0'], { PKG_PATH: `/nonexistent;${repo}` });
    expect(r.status, r.stderr).toBe(0);
    expect(installed()).toEqual(['app-3.0', 'liba-1.2', 'libb-2.0']);
    expect(fs.readFileSync(path.join(root, PREFIX, 'share/app/README'), 'utf8')).toBe('app-3.0\n');
    expect(fs.readFileSync(path.join(dbdir(), 'libb-2.0', '+REQUIRED_BY'), 'utf8').trim()).toBe('app-3.0');
    for (const m of ['+CONTENTS', '+COMMENT', '+DESC', '+BUILD_INFO', '+BUILD_VERSION']) expect(fs.existsSync(path.join(dbdir(), 'app-3.0', m)), m).toBe(true);
  });

  test('an installed package again is reported and counts as done (exit 0)', async () => {
    const r = await tool('pkg_add', ['-K', db, '-P', root, path.join(repo, 'liba-1.2.tgz')]);
    expect(r.status).toBe(0);
    expect(r.stderr).toMatch(/already recorded as installed/);
  });

  test('a name PKG_PATH does not hold, and a bad option, fail with exit 1', async () => {
    const r = await tool('pkg_add', ['-K', db, '-P', root, 'nosuch'], { PKG_PATH: repo });
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/no package found for 'nosuch'/);
    const u = await tool('pkg_add', ['-Z', 'x']);
    expect(u.status).toBe(1);
    expect(u.stderr).toMatch(/usage: pkg_add/);
  });
});

describe('pkg_info', () => {
  test('-qb and -qN of a package file: +BUILD_VERSION and the @blddep names', async () => {
    const f = path.join(repo, 'app-3.0.tgz');
    expect((await tool('pkg_info', ['-qb', f])).stdout).toBe('misc/app/Makefile: $NetBSD: Makefile,v 1.7 2026/01/01 00:00:00 x Exp $\n');
    expect((await tool('pkg_info', ['-qN', f])).stdout).toBe('libb-2.0\n');
    const b = await tool('pkg_info', ['-b', f]);
    expect(b.stdout).toMatch(/^Information for .*app-3\.0\.tgz:\n\nBuild version:\n/);
    // A package without them answers nothing, as pkg_install does.
    expect((await tool('pkg_info', ['-qb', path.join(repo, 'liba-1.0.tgz')])).stdout).toBe('');
  });

  test('-X prints a pkg_summary(5) entry ending in a blank line', async () => {
    const r = await tool('pkg_info', ['-X', path.join(repo, 'libb-2.0.tgz')]);
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/\n\n$/);
    expect(r.stdout).toMatch(/^PKGNAME=libb-2\.0$/m);
    expect(r.stdout).toMatch(/^DEPENDS=liba>=1\.1$/m);
    expect(r.stdout).toMatch(/^FILE_NAME=libb-2\.0\.tgz$/m);
  });

  test('-e tests for an installed package by pattern; -q keeps it silent', async () => {
    const k = ['-K', path.join(root, db)];
    const e = await tool('pkg_info', [...k, '-e', 'liba>=1']);
    expect(e.status).toBe(0);
    expect(e.stdout).toBe('liba-1.2\n');
    expect((await tool('pkg_info', [...k, '-qe', 'liba'])).stdout).toBe('');
    expect((await tool('pkg_info', [...k, '-e', 'liba<1'])).status).toBe(1);
  });

  test('installed: the list, -I, -L, -qN from the pkgdb; an unknown package is exit 1', async () => {
    const k = ['-K', path.join(root, db)];
    expect((await tool('pkg_info', k)).stdout.split('\n').filter((l) => l !== '').map((l) => l.split(/\s+/)[0])).toEqual(['app-3.0', 'liba-1.2', 'libb-2.0']);
    expect((await tool('pkg_info', [...k, '-I', 'app'])).stdout).toMatch(/^app-3\.0\s+the app package\n$/);
    expect((await tool('pkg_info', [...k, '-qL', 'app'])).stdout).toBe(`${PREFIX}/share/app/README\n`);
    expect((await tool('pkg_info', [...k, '-qN', 'app'])).stdout).toBe('libb-2.0\n');
    const x = await tool('pkg_info', [...k, '-X', 'app']);
    expect(x.stdout).toMatch(/^PKGNAME=app-3\.0$/m);
    expect(x.stdout).not.toMatch(/^FILE_NAME=/m);
    const n = await tool('pkg_info', [...k, 'nosuch']);
    expect(n.status).toBe(1);
    expect(n.stderr).toMatch(/can't find package `nosuch'/);
  });
});

describe('pkg_delete', () => {
  test('a package others require stays; -r removes its dependents first; files and pkgdb entries go', async () => {
    const refused = await tool('pkg_delete', ['-K', db, '-P', root, 'libb']);
    expect(refused.status).toBe(1);
    expect(refused.stderr).toMatch(/required by app-3\.0/);
    expect(installed()).toContain('libb-2.0');
    const r = await tool('pkg_delete', ['-r', '-K', db, '-P', root, 'libb']);
    expect(r.status, r.stderr).toBe(0);
    expect(installed()).toEqual(['liba-1.2']);
    expect(fs.existsSync(path.join(root, PREFIX, 'share/app/README'))).toBe(false);
    expect(fs.existsSync(path.join(dbdir(), 'liba-1.2', '+REQUIRED_BY'))).toBe(false);
  });

  test('-f removes a required package; an unknown one is exit 1', async () => {
    expect((await tool('pkg_add', ['-K', db, '-P', root, 'libb'], { PKG_PATH: repo })).status).toBe(0);
    const r = await tool('pkg_delete', ['-f', '-K', db, '-P', root, 'liba-1.2']);
    expect(r.status, r.stderr).toBe(0);
    expect(installed()).toEqual(['libb-2.0']);
    expect((await tool('pkg_delete', ['-K', db, '-P', root, 'nosuch'])).status).toBe(1);
  });
});

const hasGroff = spawnSync('groff', ['--version']).status === 0;
test.skipIf(!hasGroff).each(['pkg_add', 'pkg_delete', 'pkg_info'])('man/%s.1 formats without a groff warning (skipped when groff is not installed)', (name) => {
  const file = path.resolve(BIN, '../man', `${name}.1`);
  const r = spawnSync('groff', ['-mdoc', '-Tutf8', '-ww', '-z', file], { encoding: 'utf8' });
  expect(r.status).toBe(0);
  expect(r.stderr).toBe('');
});
