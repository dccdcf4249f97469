// The tree side of pbulk's contract, checked without pbulk: the listing
// and `pbulk-index` of every fixture package parsed by the scanner's rules,
// ALL_DEPENDS resolved against the scanned names, the build sequence run as
// pbulk runs it (root for clean, checksum, show-var and
// stage-package-create, an unprivileged user for configure, all and
// stage-install), the install test with the pkg_* commands, and the
// up-to-date check on a second run after one Makefile changed.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { ALL_PACKAGES, REPO, exists, explain, makeTree, run, type RunResult, type Tree } from './tree.ts';
import { type ScanEntry, parseScanOutput, resolveDepends, splitDependency, staleReason } from './pbulk.ts';

const BMAKE = process.env['MKPKG_BMAKE'] ?? 'bmake';
const tool = (name: string) => path.join(REPO, 'packages/pkgtools/bin', `${name}.mjs`);
const isRoot = process.getuid?.() === 0;
// pbulk's unprivileged_user; nobody exists on every Debian system.
const BUILD_USER = 'nobody';

let tree: Tree;
let env: Record<string, string>;
let pkgdb: string;
let wrkobj: string;

beforeAll(async () => {
  tree = await makeTree(ALL_PACKAGES);
  // mkdtemp makes the tree 0700; the build user must be able to read it.
  await fs.chmod(tree.root, 0o755);
  wrkobj = path.join(tree.root, 'wrkobj');
  pkgdb = path.join(tree.root, 'prefix/pkgdb');
  await fs.writeFile(
    tree.env['MAKECONF'] as string,
    [
      '# What pbulk.conf must agree with: prefix, pkgdb, packages; WRKOBJDIR for the build user.',
      'MULTIARCH=\tyes',
      `LOCALBASE=\t${tree.root}/prefix`,
      `PKG_DBDIR=\t${pkgdb}`,
      `PACKAGES=\t${tree.packages}`,
      `WRKOBJDIR=\t${wrkobj}`,
      '',
    ].join('\n'),
  );
  env = { ...(process.env as Record<string, string>), ...tree.env };
});

afterAll(async () => {
  await tree?.remove();
});

const make = (dir: string, args: readonly string[]) => run(BMAKE, args, { cwd: dir, env });

describe('scan', () => {
  let entries: ScanEntry[];

  test('the root lists the categories and each category its package directories (no Makefile written by hand)', async () => {
    const top = await make(tree.root, ['show-subdir-var', 'VARNAME=SUBDIR']);
    expect(top.exitCode, explain('show-subdir-var at the root', top)).toBe(0);
    const categories = top.stdout.split(/\s+/).filter((w) => w !== '');
    expect(categories).toEqual([...new Set(ALL_PACKAGES.map((p) => p.split('/')[0]))].sort());
    const locations: string[] = [];
    for (const c of categories) {
      const r = await make(path.join(tree.root, c), ['show-subdir-var', 'VARNAME=SUBDIR']);
      expect(r.exitCode, explain(`show-subdir-var in ${c}`, r)).toBe(0);
      for (const d of r.stdout.split(/\s+/).filter((w) => w !== '')) locations.push(`${c}/${d}`);
    }
    // pkgtools/pkg_install is there for pre-build, and is not a package.
    expect(locations.sort()).toEqual([...ALL_PACKAGES].sort());
  });

  test('every package answers pbulk-index by the scanner rules, writing nothing', async () => {
    const before = await listTree(tree.root);
    entries = [];
    for (const loc of ALL_PACKAGES) {
      const r = await make(tree.pkgDir(loc), ['pbulk-index']);
      expect(r.exitCode, explain(`pbulk-index in ${loc}`, r)).toBe(0);
      const got = parseScanOutput(loc, r.stdout);
      expect(got).toHaveLength(1);
      entries.push(...got);
    }
    expect(await listTree(tree.root)).toEqual(before);
    const names = entries.map((e) => e.pkgname);
    expect(new Set(names).size).toBe(names.length);
    for (const e of entries) {
      expect(e.fields.get('PKG_FAIL_REASON'), e.location).toBe('');
      expect(e.fields.get('PKG_SKIP_REASON'), e.location).toBe('');
      expect(e.fields.get('USE_DESTDIR')).toBe('user-destdir');
      expect(e.fields.get('CATEGORIES')?.split(' ')).toContain(e.location.split('/')[0]);
      for (const f of (e.fields.get('SCAN_DEPENDS') ?? '').split(' ').filter((x) => x !== '')) {
        expect(await exists(path.resolve(tree.pkgDir(e.location), f)), `${e.location}: SCAN_DEPENDS names ${f}`).toBe(true);
      }
    }
  });

  test('ALL_DEPENDS words resolve to scanned packages; isaexec for multiarch bin and verexec packages', () => {
    const deps = resolveDepends(entries);
    for (const e of entries) {
      for (const w of (e.fields.get('ALL_DEPENDS') ?? '').split(' ').filter((x) => x !== '')) {
        expect(ALL_PACKAGES as readonly string[]).toContain(splitDependency(w).location);
      }
    }
    const by = (loc: string) => deps.get(entries.find((e) => e.location === loc)?.pkgname ?? '');
    expect(by('pkgtools/isaexec')).toEqual([]);
    for (const loc of ['misc/plainhello', 'lang/tinyinterp1', 'lang/tinyinterp2', 'devel/libmulti', 'devel/cmcalc', 'sysutils/tickd']) {
      expect(by(loc), loc).toEqual(['isaexec-1.0']);
    }
  });

  test('the isaexec dependency follows --multiarch in MKPKG_FLAGS; DEPENDS_TARGET and BATCH reach mkpkg', async () => {
    const dir = tree.pkgDir('misc/plainhello');
    const deps = async (flags: string) => {
      const r = await make(dir, ['pbulk-index', `MKPKG_FLAGS=${flags}`]);
      return parseScanOutput('misc/plainhello', r.stdout)[0]?.fields.get('ALL_DEPENDS');
    };
    expect(await deps('--multiarch lib')).toBe('');
    expect(await deps('--multiarch bin,lib')).toBe('isaexec>=1.0:../../pkgtools/isaexec');
    for (const t of ['configure', 'all', 'stage-install', 'stage-package-create']) {
      const r = await make(dir, ['-n', t, 'BATCH=1', 'DEPENDS_TARGET=/nonexistent']);
      expect(r.exitCode, explain(`bmake -n ${t}`, r)).toBe(0);
      expect(r.stdout).toMatch(/bin\/mkpkg .* BATCH=1 DEPENDS_TARGET=\/nonexistent/);
    }
  });

  test('pkgtools/pkg_install answers pre-build with the platform as pkgsrc names it', async () => {
    const values: Record<string, string> = {};
    for (const v of ['OPSYS', 'OS_VERSION', 'MACHINE_ARCH', 'PKGSRC_COMPILER']) {
      const r = await make(path.join(tree.root, 'pkgtools/pkg_install'), ['show-var', `VARNAME=${v}`]);
      expect(r.exitCode, explain(`show-var ${v}`, r)).toBe(0);
      values[v] = r.stdout.trim();
    }
    const uname = await run('uname', ['-m']);
    expect(values['OPSYS']).toBe((await run('uname', ['-s'])).stdout.trim());
    expect(values['MACHINE_ARCH']).toBe(uname.stdout.trim().replace(/^i[3-6]86$/, 'i386'));
    expect(values['OS_VERSION']).toMatch(/^\d+(\.\d+)*$/);
    expect(values['PKGSRC_COMPILER']).toBe('gcc');
  });

  test('what the glue can see at parse time is a PKG_FAIL_REASON, not a lost location', async () => {
    const dir = path.join(tree.root, 'misc/nodescr');
    await fs.cp(tree.pkgDir('misc/plainhello'), dir, { recursive: true });
    await fs.rm(path.join(dir, 'DESCR'));
    const mf = path.join(dir, 'Makefile');
    await fs.writeFile(mf, (await fs.readFile(mf, 'utf8')).replace(/^USE_MULTIARCH=.*$/m, 'USE_MULTIARCH=\tbin sbin'));
    try {
      const r = await make(dir, ['pbulk-index']);
      expect(r.exitCode, explain('pbulk-index without DESCR', r)).toBe(0);
      const [e] = parseScanOutput('misc/nodescr', r.stdout);
      expect(e?.pkgname).toBe('plainhello-2.0');
      expect(e?.fields.get('PKG_FAIL_REASON')).toMatch(/no DESCR/);
      expect(e?.fields.get('PKG_FAIL_REASON')).toMatch(/USE_MULTIARCH has 'sbin'/);
    } finally {
      await fs.rm(dir, { recursive: true, force: true });
    }
  });
});

describe('failure evidence pbulk keeps', () => {
  test('with BATCH the whole failing log is on the output; pbulk-save-wrkdir tars WRKDIR', async () => {
    const dir = path.join(tree.root, 'misc/failing');
    await fs.cp(tree.pkgDir('misc/plainhello'), dir, { recursive: true });
    const mf = path.join(dir, 'Makefile');
    const recipe = 'do-configure:\n\t@i=1; while [ $$i -le 40 ]; do echo "configure line $$i"; i=$$((i+1)); done; exit 3\n\n';
    await fs.writeFile(mf, (await fs.readFile(mf, 'utf8')).replace('.include "../../mk/bsd.pkg.mk"', () => `${recipe}.include "../../mk/bsd.pkg.mk"`));
    // Its own WRKOBJDIR: as root it would make wrkobj/misc root's, and the
    // build user's misc/plainhello below could not be created (rightly).
    const own = `WRKOBJDIR=${path.join(tree.root, 'wrkobj-failing')}`;
    try {
      const tail = await make(dir, ['configure', own]);
      expect(tail.exitCode).not.toBe(0);
      expect(tail.all).toMatch(/configure line 40/);
      expect(tail.all).not.toMatch(/configure line 1\n/);
      const batch = await make(dir, ['configure', own, 'BATCH=1', 'DEPENDS_TARGET=/nonexistent']);
      expect(batch.exitCode).not.toBe(0);
      for (const n of [1, 20, 40]) expect(batch.all).toContain(`configure line ${n}\n`);
      expect(batch.all).not.toMatch(/internal error/);
      const tgz = path.join(tree.root, 'wrkdir.tar.gz');
      const save = await make(dir, ['pbulk-save-wrkdir', own, `INTO=${tgz}`, 'TAR=tar']);
      expect(save.exitCode, explain('pbulk-save-wrkdir', save)).toBe(0);
      const list = await run('tar', ['-tzf', tgz]);
      expect(list.stdout).toMatch(/^work\/\.logs\/configure-\d+\.log$/m);
    } finally {
      await make(dir, ['clean', own]);
      await fs.rm(dir, { recursive: true, force: true });
    }
  });
});

// The build user reads mkpkg's glue and runs its commands from this checkout,
// as a build client reads an installed mkpkg: a checkout inside a private
// directory (mktemp -d is 0700) cannot be used by it.
const glueReadable =
  isRoot &&
  spawnSync('setpriv', ['--reuid', BUILD_USER, '--regid', 'nogroup', '--clear-groups', '--', 'test', '-r', path.join(REPO, 'packages/mkpkg/mk/bsd.pkg.mk')]).status === 0;
if (!isRoot) process.stderr.write('pbulk.test.ts: skipping the build sequence: it runs configure/all/stage-install as another user, which needs root\n');
else if (!glueReadable) process.stderr.write(`pbulk.test.ts: skipping the build sequence: ${BUILD_USER} cannot read ${REPO}/packages/mkpkg/mk (a parent directory is private); clone the repository where other users can read it\n`);

describe.runIf(glueReadable)(`build as pbulk does (root, ${BUILD_USER} for configure/all/stage-install; skipped unless run as root with a checkout the build user can read)`, () => {
  const bulklog = () => path.join(tree.root, 'bulklog');
  const built: string[] = [];
  let entries: ScanEntry[];
  let depends: Map<string, string[]>;

  const asUser = (dir: string, args: readonly string[]) =>
    run('setpriv', ['--reuid', BUILD_USER, '--regid', 'nogroup', '--clear-groups', '--', BMAKE, ...args], { cwd: dir, env: { ...env, HOME: '/tmp' } });
  const pkgTool = (name: string, args: readonly string[], extraEnv: Record<string, string> = {}) =>
    run(process.execPath, [tool(name), ...args], { env: { ...env, ...extraEnv } });
  const pkgInfo = async (args: string[]) => {
    const r = await pkgTool('pkg_info', args);
    if (r.exitCode !== 0) throw new Error(explain(`pkg_info ${args.join(' ')}`, r));
    return r.stdout;
  };

  beforeAll(async () => {
    await fs.mkdir(wrkobj, { recursive: true });
    await run('chown', [BUILD_USER, wrkobj]);
    entries = [];
    for (const loc of ALL_PACKAGES) entries.push(...parseScanOutput(loc, (await make(tree.pkgDir(loc), ['pbulk-index'])).stdout));
    depends = resolveDepends(entries);
  });

  /** pbulk's pkg-build for one package (contract §4.2); returns the failing step, or undefined. */
  async function pkgBuild(loc: string): Promise<string | undefined> {
    const e = entries.find((x) => x.location === loc) as ScanEntry;
    const name = e.pkgname;
    const deps = depends.get(name) ?? [];
    const dir = tree.pkgDir(loc);
    const published = path.join(tree.packages, 'All', `${name}.tgz`);
    const stamp = async () => {
      const st = await fs.stat(published).catch(() => undefined);
      return st ? `${st.ino}:${st.mtimeMs}` : 'none';
    };
    const before = await stamp();
    // client-clean: the prefix and the pkgdb go before every package.
    await fs.rm(path.join(tree.root, 'prefix'), { recursive: true, force: true });
    const logdir = path.join(bulklog(), name);
    await fs.mkdir(logdir, { recursive: true });
    await fs.writeFile(path.join(logdir, 'work.log'), '');
    await run('chown', [BUILD_USER, path.join(logdir, 'work.log')]);
    const vars = ['BATCH=1', 'DEPENDS_TARGET=/nonexistent', `WRKLOG=${logdir}/work.log`];
    const step = async (label: string, r: Promise<RunResult>) => {
      const res = await r;
      await fs.appendFile(path.join(logdir, `${label}.log`), res.all);
      return res.exitCode === 0 ? undefined : `${label}: ${explain(label, res)}`;
    };
    const rootMake = (t: string) => make(dir, [t, ...vars]);
    const userMake = (t: string) => asUser(dir, [t, ...vars]);
    const pkgPath = { PKG_PATH: path.join(tree.packages, 'All') };
    const steps: Array<[string, () => Promise<RunResult>]> = [
      ['pre-clean', () => rootMake('clean')],
      ...(deps.length > 0 ? [['depends', () => pkgTool('pkg_add', ['-K', pkgdb, ...deps], pkgPath)] as [string, () => Promise<RunResult>]] : []),
      ['checksum', () => rootMake('checksum')],
      ['configure', () => userMake('configure')],
      ['build', () => userMake('all')],
      ['install', () => userMake('stage-install')],
      ['package', () => rootMake('stage-package-create')],
    ];
    for (const [label, fn] of steps) {
      const failed = await step(label, fn());
      if (failed) return failed;
      if (label === 'checksum') {
        // Root's checksum left nothing for the build user to trip over.
        expect(await exists(path.join(wrkobj, loc, 'work')), `${loc}: WRKDIR after root's checksum`).toBe(false);
        expect(await exists(path.join(dir, 'work')), `${loc}: work/ in the package directory`).toBe(false);
      }
    }
    const sv = await make(dir, ['show-var', 'VARNAME=STAGE_PKGFILE', ...vars]);
    expect(sv.exitCode, explain('show-var STAGE_PKGFILE', sv)).toBe(0);
    expect(sv.stdout.split('\n').filter((l) => l !== '')).toHaveLength(1);
    const pkgfile = sv.stdout.trim();
    expect(path.isAbsolute(pkgfile)).toBe(true);
    expect(path.dirname(pkgfile)).not.toBe(path.join(tree.packages, 'All'));
    expect(await stamp(), 'stage-package-create must leave ${PACKAGES}/All to pbulk').toBe(before);
    const failed =
      (await step('package', pkgTool('pkg_add', ['-K', pkgdb, pkgfile], pkgPath))) ??
      (await step('deinstall', pkgTool('pkg_delete', ['-K', pkgdb, name])));
    if (failed) return failed;
    await fs.copyFile(pkgfile, published);
    await step('clean', rootMake('clean'));
    built.push(name);
    return undefined;
  }

  const ORDER = ['pkgtools/isaexec', 'misc/plainhello', 'lang/tinyinterp1'];

  test('isaexec, plainhello and tinyinterp1 (verexec) go through the whole sequence', async () => {
    for (const loc of ORDER) expect(await pkgBuild(loc), loc).toBeUndefined();
    const summary: string[] = [];
    for (const n of built) summary.push(await pkgInfo(['-X', path.join(tree.packages, 'All', `${n}.tgz`)]));
    const text = summary.join('');
    expect(text.match(/^PKGNAME=/gm)).toHaveLength(3);
    expect(text).toMatch(/^PKGNAME=tinyinterp1-1\.4$/m);
    expect(text).toMatch(/^DEPENDS=isaexec>=1\.0$/m);
    // tinyinterp1 has only @link lib/verexec, and still depends on isaexec.
    const n = await pkgInfo(['-qN', path.join(tree.packages, 'All', 'tinyinterp1-1.4.tgz')]);
    expect(n.trim()).toBe('isaexec-1.0');
  }, 900_000);

  test('a second run calls every package current; after one Makefile changes, exactly that one (then its dependents) is stale', async () => {
    const stale = async () => {
      const out: Record<string, string | undefined> = {};
      for (const loc of ORDER) {
        const name = (entries.find((e) => e.location === loc) as ScanEntry).pkgname;
        out[loc] = await staleReason({ tree: tree.root, packages: tree.packages, pkgname: name, depends: depends.get(name) ?? [] }, pkgInfo);
      }
      return out;
    };
    expect(await stale()).toEqual({ 'pkgtools/isaexec': undefined, 'misc/plainhello': undefined, 'lang/tinyinterp1': undefined });
    // A commit in pkgsrc changes the file's ident; pbulk compares idents.
    const mf = path.join(tree.pkgDir('misc/plainhello'), 'Makefile');
    await fs.writeFile(mf, (await fs.readFile(mf, 'utf8')).replace('# $NetBSD$', '# $NetBSD: Makefile,v 1.2 2026/12/07 12:00:00 mkpkg Exp $').replace('Greeting program', 'Greeting'));
    const s1 = await stale();
    expect(s1['misc/plainhello']).toMatch(/misc\/plainhello\/Makefile/);
    expect(s1['pkgtools/isaexec']).toBeUndefined();
    expect(s1['lang/tinyinterp1']).toBeUndefined();
    // A changed dependency: once it is rebuilt, its dependents are stale.
    const imf = path.join(tree.pkgDir('pkgtools/isaexec'), 'Makefile');
    await fs.writeFile(imf, (await fs.readFile(imf, 'utf8')).replace('# $NetBSD$', '# $NetBSD: Makefile,v 1.2 2026/12/07 12:00:00 mkpkg Exp $'));
    expect((await stale())['pkgtools/isaexec']).toMatch(/isaexec\/Makefile/);
    await new Promise((r) => setTimeout(r, 1100));
    expect(await pkgBuild('pkgtools/isaexec')).toBeUndefined();
    const s2 = await stale();
    expect(s2['pkgtools/isaexec']).toBeUndefined();
    expect(s2['lang/tinyinterp1']).toMatch(/isaexec-1\.0\.tgz is newer/);
  }, 900_000);

  test('an unwritable WRKDIR is a user error naming it, not an internal error', async () => {
    const wrk = path.join(wrkobj, 'misc/plainhello/work');
    await fs.mkdir(wrk, { recursive: true });
    await run('chown', ['-R', 'root', path.join(wrkobj, 'misc')]);
    try {
      const r = await asUser(tree.pkgDir('misc/plainhello'), ['configure', 'BATCH=1']);
      expect(r.exitCode).not.toBe(0);
      expect(r.all).toMatch(/WRKDIR .*work.* is not writable/);
      expect(r.all).not.toMatch(/internal error/);
      expect(r.all).toMatch(/mkpkg: .*\n\s+hint:/);
    } finally {
      await fs.rm(path.join(wrkobj, 'misc'), { recursive: true, force: true });
    }
  });

  test('a root-owned directory inside a writable WRKDIR is a user error too, naming the path', async () => {
    const wrk = path.join(wrkobj, 'misc/plainhello/work');
    await fs.mkdir(path.join(wrk, '.logs'), { recursive: true });
    await run('chown', ['-R', BUILD_USER, path.join(wrkobj, 'misc')]);
    await run('chown', ['root', path.join(wrk, '.logs')]);
    try {
      const r = await asUser(tree.pkgDir('misc/plainhello'), ['configure', 'BATCH=1']);
      expect(r.exitCode).not.toBe(0);
      expect(r.all).toMatch(/cannot write .*\.logs.*permission denied/);
      expect(r.all).not.toMatch(/internal error/);
    } finally {
      await fs.rm(path.join(wrkobj, 'misc'), { recursive: true, force: true });
    }
  });
});

/** Every path below dir (to see that a scan wrote nothing). */
async function listTree(dir: string): Promise<string[]> {
  const out: string[] = [];
  const walk = async (rel: string) => {
    for (const e of await fs.readdir(path.join(dir, rel), { withFileTypes: true })) {
      const r = rel ? `${rel}/${e.name}` : e.name;
      out.push(r);
      if (e.isDirectory()) await walk(r);
    }
  };
  await walk('');
  return out.sort();
}
