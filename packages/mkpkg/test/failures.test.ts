// What the driver says when a package is wrong, and runs that share
// DISTDIR and PACKAGES at the same time.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, test } from 'vitest';
import { fetchDistfile } from '../src/fetch.ts';
import { HERE, helloTree, mkpkgAsync as mkpkg } from './helpers.ts';

const roots: string[] = [];
afterAll(async () => {
  for (const r of roots) fs.rmSync(r, { recursive: true, force: true });
});

async function tree(name = 'hello') {
  const t = await helloTree(name);
  roots.push(t.root);
  const sum = await mkpkg(['-C', t.pkg, 'makesum']);
  if (sum.code !== 0) throw new Error(sum.stderr);
  return t;
}

function edit(file: string, fn: (s: string) => string): void {
  fs.writeFileSync(file, fn(fs.readFileSync(file, 'utf8')));
}

describe('failures name what is wrong', () => {
  test('a failing build exits 1 with the ABI, the tail of its log and the log path', async () => {
    const { pkg } = await tree();
    edit(path.join(pkg, 'Makefile'), (s) => s.replace('.include', 'post-patch:\n\techo "int broken(" >> ${WRKSRC}/hello.c\n\n.include'));
    const r = await mkpkg(['-C', pkg, '--multiarch', 'bin,lib', 'build']);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/build \(ABI 32\) failed \(exit status \d+\)/);
    expect(r.stderr).toContain('--- last lines of');
    expect(r.stderr).toMatch(/hello\.c:\d+/);
    expect(r.stderr).toContain(path.join(pkg, 'work/.logs/build-32.log'));
  });

  test('a DEPENDS entry that is not installed is named', async () => {
    const { pkg } = await tree();
    edit(path.join(pkg, 'Makefile'), (s) => s.replace('.include', 'DEPENDS+=\tzlib>=1.2:../../devel/zlib\n.include'));
    const r = await mkpkg(['-C', pkg, 'extract', `PKG_DBDIR=${path.join(pkg, 'no-pkgdb')}`]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/dependency devel\/zlib \(DEPENDS zlib>=1\.2\) is not installed, and \S+\/devel\/zlib is not a package directory/);
  });

  test('a WRKSRC the distfile does not unpack to is bad input naming what it did unpack', async () => {
    const { pkg } = await tree();
    edit(path.join(pkg, 'Makefile'), (s) => s.replace('.include', 'WRKSRC=\t${WRKDIR}/hello\n.include'));
    const r = await mkpkg(['-C', pkg, 'extract']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/WRKSRC \(hello\) does not exist; the distfiles unpacked hello-1\.0/);
  });

  test('a compiler that cannot build an ABI is reported for each ABI before anything is configured', async () => {
    const { pkg } = await tree();
    const r = await mkpkg(['-C', pkg, '--multiarch', 'bin,lib', 'build', 'CC=no-such-cc']);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/ABI 32: no-such-cc( -m32)? cannot compile a 32-bit C program; install gcc-multilib/);
    expect(r.stderr).toMatch(/ABI 64: no-such-cc( -m64)? cannot compile a 64-bit C program; install gcc/);
    expect(fs.existsSync(path.join(pkg, 'work/.cookies/configure.32'))).toBe(false);
  });

  test('a Makefile without the glue is refused', async () => {
    const { pkg } = await tree();
    edit(path.join(pkg, 'Makefile'), (s) => s.replace('.include "../../mk/bsd.pkg.mk"', ''));
    const r = await mkpkg(['-C', pkg, 'build']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("does not include mkpkg's bsd.pkg.mk");
  });

  test('a PLIST that misses a file fails the install, naming it', async () => {
    const { pkg } = await tree();
    edit(path.join(pkg, 'PLIST'), (s) => s.replace('include/hello.h\n', ''));
    const r = await mkpkg(['-C', pkg, '--multiarch', 'bin,lib', 'install']);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/not listed in the PLIST[\s\S]*include\/hello\.h/);
  });
});

describe('sharing DISTDIR and PACKAGES', () => {
  test('two packages fetched and built at the same time from one file:// site both succeed', async () => {
    const a = await tree('hello');
    const site = path.join(a.root, 'site');
    fs.mkdirSync(site);
    fs.renameSync(path.join(a.root, 'distfiles/hello-1.0.tar.gz'), path.join(site, 'hello-1.0.tar.gz'));
    const b = path.join(a.root, 'test/hello2');
    fs.cpSync(a.pkg, b, { recursive: true });
    edit(path.join(b, 'Makefile'), (s) => s.replace('DISTNAME=\thello-1.0', 'DISTNAME=\thello-1.0\nPKGNAME=\thello2-1.0'));
    for (const d of [a.pkg, b]) edit(path.join(d, 'Makefile'), (s) => s.replace(/^MASTER_SITES=.*$/m, `MASTER_SITES=\tfile://${site}/`));
    const runs = [a.pkg, b].map(
      (d) =>
        new Promise<number>((resolve) => {
          const c = spawn(process.execPath, [path.resolve(HERE, '../bin/mkpkg.mjs'), '-C', d, 'package'], { stdio: 'ignore' });
          c.on('close', (code) => resolve(code ?? -1));
        }),
    );
    expect(await Promise.all(runs)).toEqual([0, 0]);
    expect(fs.readdirSync(path.join(a.root, 'distfiles')).filter((f) => !f.startsWith('.'))).toEqual(['hello-1.0.tar.gz']);
    expect(fs.readdirSync(path.join(a.root, 'packages/All')).sort()).toEqual(['hello-1.0.tgz', 'hello2-1.0.tgz']);
  });

  test('http fetch writes the file only when complete; a 404 names every URL tried', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mkpkg-http-'));
    roots.push(dir);
    const body = Buffer.alloc(200_000, 7);
    const server = http.createServer((req, res) => {
      if (req.url === '/d/x.tar.gz') {
        res.writeHead(200, { 'content-length': String(body.length) });
        res.end(body);
      } else {
        res.writeHead(404);
        res.end();
      }
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
    const port = (server.address() as { port: number }).port;
    try {
      const opts = (sites: string[]) => ({ distdir: dir, sites, progress: false, say: () => {} });
      const got = await fetchDistfile('x.tar.gz', opts([`http://127.0.0.1:${port}/nope/x.tar.gz`, `http://127.0.0.1:${port}/d/x.tar.gz`]));
      expect(fs.readFileSync(got).equals(body)).toBe(true);
      await expect(fetchDistfile('y.tar.gz', opts([`http://127.0.0.1:${port}/d/y.tar.gz`]))).rejects.toThrow(/could not fetch y\.tar\.gz[\s\S]*\/d\/y\.tar\.gz: HTTP 404/);
      expect(fs.readdirSync(dir).filter((f) => f.includes('y.tar.gz'))).toEqual([]);
    } finally {
      server.close();
    }
  });
});
