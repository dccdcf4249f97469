// The commands as a user gets them without the repository: the package made
// by scripts/pack.mjs installed with `npm install -g --prefix` (offline: it
// must need nothing from the registry), then, with only that prefix's bin/
// on PATH before the system's, a tree laid out by the installed mkpkg, the
// isaexec package built from the sources the npm package ships and a
// fixture package built for both ABIs, by `mkpkg` and through bmake's glue.
// The install prefix is made read-only first and compared file by file
// afterwards (the tests may run as root, whom chmod does not stop).
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { FIXTURES, REPO, elfInfo, exists, explain, packageMember, run, type RunResult } from './tree.ts';

let work = '';
let prefix = '';
let tree = '';
let env: Record<string, string> = {};
let before = '';
let workspaceBins: string[] = [];
let workspaceMan: string[] = [];

/** path, type, size and mtime of everything below dir: what "nothing changed" compares. */
async function snapshot(dir: string): Promise<string> {
  const lines: string[] = [];
  const walk = async (rel: string): Promise<void> => {
    for (const e of await fs.readdir(path.join(dir, rel), { withFileTypes: true })) {
      const r = path.join(rel, e.name);
      const st = await fs.lstat(path.join(dir, r));
      lines.push(`${r} ${st.mode.toString(8)} ${st.size} ${st.mtimeMs}`);
      if (e.isDirectory()) await walk(r);
    }
  };
  await walk('');
  return lines.sort().join('\n');
}

/** A command as the user runs it: by name, through PATH, in cwd. */
function sh(cmd: string, args: readonly string[], cwd: string): Promise<RunResult> {
  return run(cmd, args, { env, cwd });
}

async function ok(what: Promise<RunResult>, label: string): Promise<RunResult> {
  const r = await what;
  if (r.exitCode !== 0) throw new Error(explain(label, r));
  return r;
}

beforeAll(async () => {
  work = await fs.mkdtemp(path.join(os.tmpdir(), 'mkpkg-install-'));
  const packed = await ok(run(process.execPath, [path.join(REPO, 'scripts/pack.mjs'), '--out', path.join(work, 'tarballs')]), 'scripts/pack.mjs');
  const tarball = packed.stdout.trim();
  prefix = path.join(work, 'prefix');
  // An empty cache: whatever the tarball needs must be in it.
  const npmEnv = { ...process.env, npm_config_cache: path.join(work, 'npm-cache'), npm_config_offline: 'true', npm_config_audit: 'false', npm_config_fund: 'false', npm_config_update_notifier: 'false' };
  await ok(run('npm', ['install', '--global', '--prefix', prefix, tarball], { env: npmEnv }), `npm install -g --prefix ${prefix} ${tarball}`);
  await ok(run('chmod', ['-R', 'a-w', prefix]), 'chmod -R a-w');
  before = await snapshot(prefix);

  // The installed bin/ first, then only system directories: no workspace
  // node_modules/.bin, no repository scripts.
  const { MKPKG_BMAKE: _b, MAKECONF: _m, ...rest } = process.env;
  env = { ...(rest as Record<string, string>), PATH: [path.join(prefix, 'bin'), path.dirname(process.execPath), '/usr/local/bin', '/usr/bin', '/bin'].join(':') };
  const names = await fs.readdir(path.join(REPO, 'packages'));
  for (const n of names) {
    const pj = JSON.parse(await fs.readFile(path.join(REPO, 'packages', n, 'package.json'), 'utf8').catch(() => '{}')) as { bin?: Record<string, string>; man?: string[] };
    workspaceBins.push(...Object.keys(pj.bin ?? {}));
    workspaceMan.push(...(pj.man ?? []).map((m) => path.basename(m)));
  }

  tree = path.join(work, 'tree');
  await ok(sh('mkpkg', ['init-tree', tree], work), 'mkpkg init-tree');
  await fs.writeFile(path.join(tree, 'mk.conf'), '# mk.conf of the install test tree: defaults only\n');
  env['MAKECONF'] = path.join(tree, 'mk.conf');
  await fs.cp(path.join(FIXTURES, 'distfiles'), path.join(tree, 'distfiles'), { recursive: true });
  await fs.cp(path.join(FIXTURES, 'devel/libmulti'), path.join(tree, 'devel/libmulti'), { recursive: true });
  // The isaexec package as the npm package ships it (read-only copy: make it ours).
  await fs.cp(path.join(prefix, 'lib/node_modules/mkpkg/fixtures/pkgsrc/pkgtools/isaexec'), path.join(tree, 'pkgtools/isaexec'), { recursive: true });
  await ok(run('chmod', ['-R', 'u+w', path.join(tree, 'pkgtools')]), 'chmod -R u+w');
}, 600_000);

afterAll(async () => {
  if (work === '') return;
  await run('chmod', ['-R', 'u+w', work]);
  await fs.rm(work, { recursive: true, force: true });
});

describe('npm install -g of the packed package', () => {
  test('puts every workspace bin on PATH and the man pages under share/man', async () => {
    expect(workspaceBins).toEqual(expect.arrayContaining(['mkpkg', 'plist-expand']));
    for (const b of workspaceBins) {
      const r = await sh('sh', ['-c', `command -v ${b}`], work);
      expect(r.stdout.trim(), b).toBe(path.join(prefix, 'bin', b));
    }
    expect(workspaceMan).toEqual(expect.arrayContaining(['mkpkg.1', 'plist-expand.1']));
    for (const m of workspaceMan) {
      const text = await fs.readFile(path.join(prefix, 'share/man/man1', m), 'utf8');
      expect(text).toMatch(/^\.Dd /);
    }
  });

  test('ships no TypeScript, no node_modules and no path into the repository', async () => {
    const installed = path.join(prefix, 'lib/node_modules/mkpkg');
    const r = await run('sh', ['-c', `find . -name '*.ts' -o -name node_modules -o -name src | head; grep -rlF -- "$0" . | head`, REPO], { cwd: installed });
    expect(r.exitCode).toBe(0);
    expect(r.stdout).toBe('');
  });

  test('ships every file of the bmake glue and of the dispatchers\' sources', async () => {
    const installed = path.join(prefix, 'lib/node_modules/mkpkg');
    for (const dir of ['packages/mkpkg/mk', 'native/isaexec', 'native/verexec', 'native/common']) {
      const want = (await fs.readdir(path.join(REPO, dir), { recursive: true })).sort();
      const have = (await fs.readdir(path.join(installed, dir), { recursive: true })).sort();
      expect(have, dir).toEqual(want);
    }
  });

  test('mkpkg and plist-expand answer --help', async () => {
    const m = await ok(sh('mkpkg', ['--help'], work), 'mkpkg --help');
    expect(m.stdout).toMatch(/show-var/);
    const p = await ok(sh('plist-expand', ['--help'], work), 'plist-expand --help');
    expect(p.stdout).toMatch(/--multiarch/);
  });

  test('init-tree points the tree at the installed glue', async () => {
    const glue = await fs.readFile(path.join(tree, 'mk/bsd.pkg.mk'), 'utf8');
    expect(glue).toContain(path.join(prefix, 'lib/node_modules/mkpkg/packages/mkpkg/mk/bsd.pkg.mk'));
  });

  test('builds the isaexec package from the shipped C sources', async () => {
    await ok(sh('mkpkg', ['package'], path.join(tree, 'pkgtools/isaexec')), 'mkpkg package (pkgtools/isaexec)');
    const pkg = path.join(tree, 'packages/All/isaexec-1.0.tgz');
    const list = (await ok(run('tar', ['-tzf', pkg]), `tar -tzf ${pkg}`)).stdout.split('\n');
    expect(list).toEqual(expect.arrayContaining(['lib/isaexec', 'lib/verexec']));
  }, 300_000);

  test('builds a fixture package for both ABIs with the installed mkpkg', async () => {
    const dir = path.join(tree, 'devel/libmulti');
    await ok(sh('mkpkg', ['--multiarch', 'bin,lib', 'package'], dir), 'mkpkg --multiarch bin,lib package (devel/libmulti)');
    const pkg = path.join(tree, 'packages/All/libmulti-1.0.tgz');
    const list = (await ok(run('tar', ['-tzf', pkg]), `tar -tzf ${pkg}`)).stdout.split('\n');
    expect(list).toEqual(expect.arrayContaining(['bin/i86/multiinfo', 'bin/amd64/multiinfo']));
    expect(await packageMember(pkg, '+CONTENTS')).toMatch(/^@link lib\/isaexec bin\/multiinfo$/m);
    const x = path.join(work, 'x');
    await fs.mkdir(x, { recursive: true });
    await ok(run('tar', ['-xzf', pkg, '-C', x, 'bin/i86/multiinfo', 'bin/amd64/multiinfo']), 'tar -x');
    expect((await elfInfo(path.join(x, 'bin/i86/multiinfo')))?.bits).toBe(32);
    expect((await elfInfo(path.join(x, 'bin/amd64/multiinfo')))?.bits).toBe(64);
  }, 300_000);

  test('the installed mkpkg answers a re-run with nothing to do without starting Node', async () => {
    const dir = path.join(tree, 'devel/libmulti');
    const args = ['--multiarch', 'bin,lib', 'package'];
    const record = path.join(dir, 'work/.mkpkg-uptodate');
    // The build leaves the record unless it took under a second; a Node re-run a second later does.
    for (let i = 0; i < 2 && !(await exists(record)); i++) {
      await new Promise((r) => setTimeout(r, 1100));
      expect((await ok(sh('mkpkg', args, dir), 'mkpkg re-run')).stderr).toMatch(/package is up to date/);
    }
    expect(await exists(record)).toBe(true);
    const strace = await run('sh', ['-c', 'command -v strace'], { env });
    if (strace.exitCode !== 0) {
      console.log('skipped the no-Node proof: strace is not installed (scripts/setup installs it)');
      return;
    }
    const log = path.join(work, 'rerun.strace');
    const r = await ok(run('strace', ['-f', '-qq', '-e', 'trace=execve', '-o', log, 'mkpkg', ...args], { env, cwd: dir }), 'strace mkpkg re-run');
    expect(r.stderr).toMatch(/package is up to date/);
    const execs = (await fs.readFile(log, 'utf8')).split('\n').filter((l) => /execve\(/.test(l));
    // npm's link to the front end, then cksum: no node.
    expect(execs.join('\n')).toContain(path.join(prefix, 'bin/mkpkg'));
    expect(execs.join('\n')).not.toMatch(/execve\("[^"]*\/node"/);
  });

  test("bmake's glue runs the installed mkpkg", async () => {
    const dir = path.join(tree, 'devel/libmulti');
    const mkpkgVar = await ok(sh('bmake', ['-v', 'MKPKG'], dir), 'bmake -v MKPKG');
    expect(mkpkgVar.stdout.trim()).toBe(path.join(prefix, 'lib/node_modules/mkpkg/packages/mkpkg/bin/mkpkg'));
    const r = await ok(sh('bmake', ['show-var', 'VARNAME=PKGNAME'], dir), 'bmake show-var VARNAME=PKGNAME');
    expect(r.stdout.trim()).toBe('libmulti-1.0');
  });

  test('plist-expand expands a PLIST', async () => {
    const plist = path.join(work, 'PLIST');
    // SunOS: 32-bit libraries in lib/, 64-bit ones in lib/amd64.
    await fs.writeFile(plist, 'bin/foo\nlib/libfoo.so\n');
    const r = await ok(sh('plist-expand', ['--opsys', 'SunOS', '--multiarch', 'bin,lib', plist], work), 'plist-expand');
    expect(r.stdout.split('\n').filter(Boolean)).toEqual(['bin/amd64/foo', 'bin/i86/foo', '@link lib/isaexec bin/foo', 'lib/amd64/libfoo.so', 'lib/libfoo.so']);
  });

  test('nothing was written into the read-only install', async () => {
    expect(await snapshot(prefix)).toBe(before);
  });
});
