import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type Compression, addPackage, createPackage, parseContents } from '../src/index.ts';
import { Sandbox, refused } from './crafted.ts';
import { mkpkgBin, runMkpkg, snapshot } from './helpers.ts';

// Issue 13, items 9-11: exit statuses through the real command, two
// processes at once, kill -9 in the middle, truncated streams.

let sb: Sandbox;
beforeEach(() => { sb = new Sandbox(); });
afterEach(() => sb.remove());

/** Every path under `dir` (files, symlinks and directories), relative. */
function everything(dir: string): string[] {
  return [...snapshot(dir).keys()];
}

/** Runs mkpkg as its own process, asynchronously (so several can run at once). */
function mkpkgAsync(args: string[], env: NodeJS.ProcessEnv = {}): Promise<{ status: number | null; signal: NodeJS.Signals | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [mkpkgBin, ...args], { env: { ...process.env, ...env } });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => { stdout += d; });
    child.stderr.setEncoding('utf8').on('data', (d: string) => { stderr += d; });
    child.on('error', reject);
    child.on('close', (status, signal) => resolve({ status, signal, stdout, stderr }));
  });
}

/** A small well-formed package with `files` under share/<name>/. */
async function realPackage(name: string, files: number, over: { compression?: Compression } = {}): Promise<string> {
  const stage = path.join(sb.pkgs, `stage-${name}`);
  fs.mkdirSync(path.join(stage, 'share', name), { recursive: true });
  const plist: string[] = [];
  for (let i = 0; i < files; i++) {
    fs.writeFileSync(path.join(stage, 'share', name, `f${i}`), `${name} ${i}\n`.repeat(50));
    plist.push(`share/${name}/f${i}`);
  }
  const out = path.join(sb.pkgs, `${name}-1.0.tgz`);
  await createPackage({ output: out, pkgname: `${name}-1.0`, prefix: '/opt/local', stageDir: stage, plist, comment: name, descr: name, buildInfo: {}, ...over });
  return out;
}

describe('9. one exit-status rule: bad package input is 2, with the file and member named', () => {
  it('gives 2 and a message, never a stack trace, whichever layer sees the problem', async () => {
    const good = await realPackage('good', 2);
    expect(runMkpkg(['add', good, '--destdir', sb.dest]).status).toBe(0);
    const bytes = fs.readFileSync(good);
    fs.writeFileSync(path.join(sb.pkgs, 'cut.tgz'), bytes.subarray(0, Math.floor(bytes.length / 2)));
    fs.writeFileSync(path.join(sb.pkgs, 'noise.tgz'), Buffer.from('this is not a package at all\n'.repeat(20)));
    const cases: Array<[string, RegExp]> = [
      [sb.pkg('dotdot.tgz', { contents: ['../x'], payload: [{ name: '../x', data: 'x' }] }), /dotdot\.tgz:\+CONTENTS:3: file '\.\.\/x' contains '\.\.'/],
      [sb.pkg('member.tgz', { contents: ['share/ok'], payload: [{ name: '../x', data: 'x' }] }), /member\.tgz: \+CONTENTS does not match the archive: share\/ok is listed but the next member is '\.\.\/x'/],
      [sb.pkg('name.tgz', { name: 'a/b-1.0', contents: [] }), /name\.tgz:\+CONTENTS:2: @name 'a\/b-1\.0' contains '\/'/],
      [sb.pkg('cwd.tgz', { cwd: 'opt', contents: [] }), /cwd\.tgz:\+CONTENTS:1: @cwd 'opt' is not an absolute path/],
      [sb.pkg('owned.tgz', { contents: ['share/good/f0'], payload: [{ name: 'share/good/f0', data: 'x' }] }), /owned\.tgz: evil-1\.0: \/opt\/local\/share\/good\/f0 belongs to installed package good-1\.0/],
      [sb.pkg('fifo.tgz', { contents: ['share/p'], payload: [{ name: 'share/p', type: 'fifo' }] }), /fifo\.tgz: .*member share\/p is a FIFO/],
      [path.join(sb.pkgs, 'cut.tgz'), /cut\.tgz: the gzip stream is truncated/],
      [path.join(sb.pkgs, 'noise.tgz'), /noise\.tgz: /],
      [path.join(sb.pkgs, 'missing.tgz'), /cannot open package .*missing\.tgz: ENOENT/],
    ];
    const before = snapshot(sb.dest);
    for (const [file, re] of cases) {
      const r = runMkpkg(['add', file, '--destdir', sb.dest]);
      expect(r.stderr, file).toMatch(re);
      expect(r.stderr, file).not.toMatch(/internal error|\n\s+at /);
      expect(r.status, `${file}: ${r.stderr}`).toBe(2);
      expect(snapshot(sb.dest), file).toEqual(before);
    }
    sb.expectOutsideUntouched();
  });
});

describe('10. concurrency and crashes', () => {
  it('two (and four) adds into one prefix at once leave a consistent pkgdb', async () => {
    const pkgs = await Promise.all(['p1', 'p2', 'p3', 'p4'].map((n) => realPackage(n, 30)));
    const rs = await Promise.all(pkgs.map((p) => mkpkgAsync(['add', p, '--destdir', sb.dest])));
    for (const r of rs) expect(r.status, r.stderr).toBe(0);
    const db = path.join(sb.root, 'pkgdb');
    expect(fs.readdirSync(db).sort()).toEqual(['p1-1.0', 'p2-1.0', 'p3-1.0', 'p4-1.0']);
    for (const n of ['p1', 'p2', 'p3', 'p4']) {
      const c = parseContents(fs.readFileSync(path.join(db, `${n}-1.0/+CONTENTS`), 'utf8'), n);
      expect(c.pkgname).toBe(`${n}-1.0`);
      expect(fs.readdirSync(path.join(sb.root, 'share', n))).toHaveLength(30);
    }
    // The same package twice at once: one installs it, the other is told it is there.
    const again = await realPackage('same', 30);
    const two = await Promise.all([mkpkgAsync(['add', again, '--destdir', sb.dest]), mkpkgAsync(['add', again, '--destdir', sb.dest])]);
    expect(two.map((r) => r.status).sort()).toEqual([0, 2]);
    expect(two.map((r) => r.stderr).join('')).toMatch(/same-1\.0 is already installed/);
    expect(fs.readdirSync(path.join(sb.root, 'share/same'))).toHaveLength(30);
    expect(everything(sb.dest).filter((p) => /\.mkpkg-|\.pkgdb\.lock/.test(p))).toEqual([]);
  });

  it('an add killed with SIGKILL is undone by the next command, the administrator\'s file restored', async () => {
    fs.mkdirSync(path.join(sb.root, 'share'), { recursive: true });
    fs.writeFileSync(path.join(sb.root, 'share/a'), 'the admin wrote this\n');
    const before = snapshot(sb.dest);
    const f = sb.pkg('killed.tgz', {
      contents: ['share/a', 'share/b', 'lib/c', '@exec kill -9 $PPID', 'share/d'],
      payload: ['share/a', 'share/b', 'lib/c', 'share/d'].map((name) => ({ name, data: `evil ${name}\n` })),
    });
    const r = await mkpkgAsync(['add', f, '--destdir', sb.dest]);
    expect(r.signal).toBe('SIGKILL');
    const db = path.join(sb.root, 'pkgdb');
    // The state it left: a journal, a stale lock, its files, the admin's file aside.
    expect(fs.existsSync(path.join(db, '.mkpkg-journal'))).toBe(true);
    expect(fs.existsSync(path.join(db, '.pkgdb.lock'))).toBe(true);
    expect(fs.readFileSync(path.join(sb.root, 'share/a'), 'utf8')).toBe('evil share/a\n');

    const good = await realPackage('good', 2);
    const next = await mkpkgAsync(['add', good, '--destdir', sb.dest]);
    expect(next.status, next.stderr).toBe(0);
    expect(next.stderr).toMatch(/an install of evil-1\.0 was interrupted \(process \d+\); undid it/);
    const after = snapshot(sb.dest);
    for (const k of [...after.keys()]) if (k.includes('good') || k === 'opt/local/pkgdb') after.delete(k);
    expect(after).toEqual(before);
    expect(everything(sb.dest).filter((p) => /\.mkpkg-|\.pkgdb\.lock|evil/.test(p))).toEqual([]);
    sb.expectOutsideUntouched();
  });

  it('a delete killed with SIGKILL is reported, and deleting again finishes it', async () => {
    const f = sb.pkg('victim.tgz', {
      name: 'victim-1.0',
      contents: ['share/v/a', '@unexec kill -9 $PPID', 'share/v/b'],
      payload: [{ name: 'share/v/a', data: 'a' }, { name: 'share/v/b', data: 'b' }],
    });
    await addPackage(f, { destdir: sb.dest });
    const r = await mkpkgAsync(['delete', 'victim', '--destdir', sb.dest]);
    expect(r.signal).toBe('SIGKILL');
    // The @unexec kills it again, so take it out of the stored list first, as an administrator would.
    const contents = path.join(sb.root, 'pkgdb/victim-1.0/+CONTENTS');
    fs.writeFileSync(contents, fs.readFileSync(contents, 'utf8').replace('@unexec kill -9 $PPID\n', ''));
    const again = await mkpkgAsync(['delete', 'victim', '--destdir', sb.dest]);
    expect(again.status, again.stderr).toBe(0);
    expect(again.stderr).toMatch(/a delete of victim-1\.0 was interrupted \(process \d+\); it is still registered/);
    expect(everything(sb.dest).filter((p) => !/^opt(\/local)?$/.test(p))).toEqual([]);
  });

  it('create fsyncs the package file before renaming it (strace)', async (ctx) => {
    if (spawnSync('strace', ['-V']).status !== 0) ctx.skip('strace is not installed: cannot watch the system calls');
    const stage = path.join(sb.pkgs, 'stage');
    fs.mkdirSync(path.join(stage, 'share'), { recursive: true });
    fs.writeFileSync(path.join(stage, 'share/x'), 'x\n');
    fs.writeFileSync(path.join(sb.pkgs, 'PLIST'), 'share/x\n');
    fs.writeFileSync(path.join(sb.pkgs, 'DESCR'), 'x\n');
    const log = path.join(sb.pkgs, 'strace.log');
    const out = path.join(sb.pkgs, 'x-1.0.tgz');
    const r = spawnSync('strace', ['-f', '-o', log, '-e', 'trace=fsync,fdatasync,rename,renameat,renameat2', process.execPath, mkpkgBin, 'create', '-o', out,
      '--name', 'x-1.0', '--prefix', '/opt/local', '--stage', stage, '--plist', path.join(sb.pkgs, 'PLIST'), '--comment', 'x', '--descr', path.join(sb.pkgs, 'DESCR')], { encoding: 'utf8' });
    expect(r.status, r.stderr).toBe(0);
    const lines = fs.readFileSync(log, 'utf8').split('\n');
    const rename = lines.findIndex((l) => /rename/.test(l) && l.includes('x-1.0.tgz.tmp-') && l.includes(out));
    expect(rename, 'the rename of the package into place').toBeGreaterThan(0);
    expect(lines.slice(0, rename).some((l) => /fsync|fdatasync/.test(l) && / = 0$/.test(l))).toBe(true);
  });
});

describe('11. a truncated or damaged stream ends the install with exit 2, nothing left', () => {
  it('the command exits 2 naming the file (not 13, not a hang)', async () => {
    const pkg = await realPackage('trunc', 40);
    const bytes = fs.readFileSync(pkg);
    const cut = path.join(sb.pkgs, 'cut.tgz');
    fs.writeFileSync(cut, bytes.subarray(0, Math.floor(bytes.length * 0.6)));
    const r = runMkpkg(['add', cut, '--destdir', sb.dest]);
    expect(r.stderr).toMatch(/^mkpkg: .*cut\.tgz: the gzip stream is truncated/);
    expect(r.status).toBe(2);
    expect(fs.existsSync(sb.dest) ? everything(sb.dest) : []).toEqual([]);
  });

  it('every cut point and every compression is refused the same way', async () => {
    for (const compression of ['gzip', 'bzip2', 'xz', 'none'] as const) {
      const pkg = await realPackage(`t${compression}`, 40, { compression });
      const bytes = fs.readFileSync(pkg);
      for (const at of [0.02, 0.3, 0.6, 0.95]) {
        const cut = path.join(sb.pkgs, 'cut.tgz');
        fs.writeFileSync(cut, bytes.subarray(0, Math.max(6, Math.floor(bytes.length * at))));
        await refused(addPackage(cut, { destdir: sb.dest }), /cut\.tgz: (the (gzip|bzip2|xz|tar) stream is truncated|cannot read the archive|.*(failed|missing|corrupt|not a pkgsrc|does not match))/);
        expect(fs.existsSync(sb.dest) ? everything(sb.dest) : [], `${compression} cut at ${at}`).toEqual([]);
      }
      // Damage in the middle rather than at the end.
      const bad = Buffer.from(bytes);
      for (let i = Math.floor(bad.length / 2); i < Math.floor(bad.length / 2) + 64 && i < bad.length; i++) bad[i] = (bad[i] ?? 0) ^ 0x5a;
      fs.writeFileSync(path.join(sb.pkgs, 'bad.tgz'), bad);
      const err = await addPackage(path.join(sb.pkgs, 'bad.tgz'), { destdir: sb.dest }).then(() => undefined, (e: unknown) => e as Error);
      // Plain tar has no checksum over file data; the MD5 in +CONTENTS catches it.
      expect(err?.message, compression).toMatch(/bad\.tgz: /);
      expect((err as { exitCode?: number } | undefined)?.exitCode, err?.message).toBe(2);
      expect(fs.existsSync(sb.dest) ? everything(sb.dest) : []).toEqual([]);
    }
    sb.expectOutsideUntouched();
  });
});
