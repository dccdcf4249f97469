// Deliberately wrong packages: each is a copy of a good fixture with one
// mistake, and each must fail with a message that names the mistake.
import crypto from 'node:crypto';
import fs from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { exists, explain, makeTree, pooled, type RunResult, type Tree } from './tree.ts';

/** One mistake, applied to a copy of devel/libmulti at broken/<name>. */
interface Mistake {
  name: string;
  what: string;
  apply(dir: string): Promise<void>;
  /** Each must match the output of the failed run. */
  expect: RegExp[];
  args?: string[];
}

async function edit(file: string, fn: (text: string) => string): Promise<void> {
  const before = await fs.readFile(file, 'utf8');
  const after = fn(before);
  if (after === before) throw new Error(`mutation of ${file} changed nothing`);
  await fs.writeFile(file, after);
}

/** Adds make text to a package Makefile, before its bsd.pkg.mk include. */
function beforeInclude(text: string): (mk: string) => string {
  return (mk) => mk.replace('.include "../../mk/bsd.pkg.mk"', `${text}\n.include "../../mk/bsd.pkg.mk"`);
}

const sha1 = (text: string): string => crypto.createHash('sha1').update(text).digest('hex');

const MISTAKES: Mistake[] = [
  {
    name: 'wrong-checksum',
    what: 'a wrong distinfo checksum',
    apply: (dir) =>
      edit(path.join(dir, 'distinfo'), (t) =>
        t.replace(/^(SHA512 \(libmulti-1\.0\.tar\.gz\) = )([0-9a-f])/m, (_m, head: string, c: string) => head + (c === '0' ? '1' : '0')),
      ),
    expect: [/libmulti-1\.0\.tar\.gz/, /SHA512/, /mismatch|does not match|differs|wrong|bad/i],
  },
  {
    name: 'failing-patch',
    what: 'a patch that does not apply (its distinfo checksum is right)',
    apply: async (dir) => {
      const patch = path.join(dir, 'patches/patch-multiinfo.c');
      await edit(patch, (t) => t.replace('-\tprintf("multiinfo 1.0: %d-bit', '-\tprintf("multiinfo 0.9: %d-bit'));
      const text = await fs.readFile(patch, 'utf8');
      await edit(path.join(dir, 'distinfo'), (t) => t.replace(/^SHA1 \(patch-multiinfo\.c\) = .*$/m, `SHA1 (patch-multiinfo.c) = ${sha1(text)}`));
    },
    expect: [/patch-multiinfo\.c/, /fail|does not apply|did not apply|reject/i],
  },
  {
    name: 'patch-checksum',
    what: 'a patch changed without updating distinfo',
    apply: (dir) => edit(path.join(dir, 'patches/patch-multiinfo.c'), (t) => t.replace('pkgsrc build', 'pkgsrc build, edited')),
    expect: [/patch-multiinfo\.c/, /SHA1|checksum/i, /makepatchsum/],
  },
  {
    name: 'plist-missing-file',
    what: 'a PLIST missing a file the package installs',
    apply: (dir) => edit(path.join(dir, 'PLIST'), (t) => t.replace('lib/libmulti.so.1\n', '')),
    expect: [/lib\/(i86\/)?libmulti\.so\.1(?!\.)/, /unlisted|not listed|not in (the )?PLIST|missing from (the )?PLIST/i],
  },
  {
    name: 'plist-extra-file',
    what: 'a PLIST naming a file no ABI installs',
    apply: (dir) => edit(path.join(dir, 'PLIST'), (t) => `${t}share/doc/libmulti/NEWS\n`),
    expect: [/share\/doc\/libmulti\/NEWS/, /missing|not installed|does not exist/i],
  },
  {
    name: 'one-abi-lacks-a-file',
    what: 'a program only one ABI builds (the check names the ABI)',
    apply: (dir) =>
      edit(
        path.join(dir, 'Makefile'),
        beforeInclude('post-install:\n\tif [ "${ABI}" = 32 ]; then rm -f ${DESTDIR}${PREFIX}/bin${BINARCHSUFFIX}/multiinfo; fi\n'),
      ),
    // The missing file and the ABI that lacks it, on one line of the PLIST check
    // (a bare /32/ would match the 'ABI 32' every multiarch run prints).
    expect: [/PLIST check failed: 1 program\(s\) were built for some ABIs only/, /^\s+bin\/multiinfo: ABI 32 did not install bin\/i86\/multiinfo \(missing\); only ABI 64 built it/m],
  },
  {
    name: 'header-conflict',
    what: 'a header that differs between ABIs, without ${INCARCHSUFFIX}',
    apply: (dir) => edit(path.join(dir, 'PLIST'), (t) => t.replace('include${INCARCHSUFFIX}/multi-config.h', 'include/multi-config.h')),
    expect: [/include\/multi-config\.h/, /INCARCHSUFFIX/, /differ|conflict/i],
  },
  {
    name: 'wrong-class-lib',
    what: 'a 64-bit object in the 32-bit lib dir (what a lib64-minded libtool does)',
    apply: async (dir) => {
      await edit(
        path.join(dir, 'Makefile'),
        beforeInclude(
          'post-install:\n' +
            '\tprintf \'int wrong(void) { return 64; }\\n\' >${WRKSRC}/wrong.c\n' +
            '\tgcc -m64 -shared -fPIC -o ${DESTDIR}${PREFIX}/lib${LIBARCHSUFFIX}/libwrong.so.1 ${WRKSRC}/wrong.c\n',
        ),
      );
      await edit(path.join(dir, 'PLIST'), (t) => `${t}lib/libwrong.so.1\n`);
    },
    expect: [/lib\/i86\/libwrong\.so\.1/, /64-bit|ELFCLASS64|class/i],
  },
  {
    name: 'one-abi-program-listed',
    what: 'a program only ABI 64 builds, listed by its ABI path as a fold of that tree would (no @link would be made)',
    apply: async (dir) => {
      await edit(
        path.join(dir, 'Makefile'),
        beforeInclude('post-install:\n\tif [ "${ABI}" = 32 ]; then rm -f ${DESTDIR}${PREFIX}/bin${BINARCHSUFFIX}/multiinfo; fi\n'),
      );
      await edit(path.join(dir, 'PLIST'), (t) => t.replace('bin/multiinfo\n', 'bin/amd64/multiinfo\n'));
    },
    expect: [/bin\/multiinfo: ABI 32 did not install bin\/i86\/multiinfo/, /only ABI 64 built it/, /MULTIARCH_SKIP_DIRS\.bin/, /disable the option/],
  },
  {
    name: 'multi-os-directory',
    what: "ABI 32's library in libtool's multi-os directory lib/lib32 (libffi without --disable-multi-os-directory)",
    apply: (dir) =>
      edit(
        path.join(dir, 'Makefile'),
        beforeInclude(
          'post-install:\n' +
            '\tif [ "${ABI}" = 32 ]; then mkdir -p ${DESTDIR}${PREFIX}/lib/lib32 && mv ${DESTDIR}${PREFIX}/lib/i86/libmulti.so* ${DESTDIR}${PREFIX}/lib/lib32/; fi\n',
        ),
      ),
    expect: [/lib\/lib32\/libmulti\.so\.1\.0: ABI 32's library is in a multi-os directory instead of lib\/i86\//, /--disable-multi-os-directory/],
  },
  {
    name: 'missing-dependency',
    what: 'a DEPENDS entry that is not installed',
    apply: (dir) => edit(path.join(dir, 'Makefile'), beforeInclude('DEPENDS+=\tnosuchlib>=2.0:../../devel/nosuchlib\n')),
    expect: [/nosuchlib>=2\.0/, /not installed|missing|no package|unsatisfied/i],
  },
];

let tree: Tree;
const results = new Map<string, RunResult>();

beforeAll(async () => {
  tree = await makeTree(MISTAKES.map((m) => ({ from: 'devel/libmulti', as: `broken/${m.name}` })));
  for (const m of MISTAKES) await m.apply(tree.pkgDir(`broken/${m.name}`));
  await pooled(MISTAKES, 2, async (m) => {
    results.set(m.name, await tree.mkpkg(`broken/${m.name}`, m.args ?? ['--multiarch', 'bin,lib', 'package']));
  });
});

afterAll(async () => {
  if (tree !== undefined && process.env['MKPKG_E2E_KEEP'] === undefined) await tree.remove();
});

describe('a deliberately wrong package fails with the right message', () => {
  test.each(MISTAKES.map((m) => [m.what, m] as const))('%s', async (_what, m) => {
    const r = results.get(m.name);
    if (r === undefined) throw new Error(`${m.name} did not run`);
    expect(r.exitCode, explain(`mkpkg package with ${m.what}`, r)).toBe(1);
    for (const re of m.expect) expect(r.all, `${m.what}: message should match ${re}`).toMatch(re);
    expect(await exists(path.join(tree.packages, 'All', 'libmulti-1.0.tgz')), 'no package written').toBe(false);
  });

  test('print-plist on the header conflict writes include${INCARCHSUFFIX}/ for the header that differs, and says so', async () => {
    const r = await tree.mkpkg('broken/header-conflict', ['--multiarch', 'bin,lib', 'print-plist']);
    expect(r.exitCode, explain('mkpkg print-plist', r)).toBe(0);
    const lines = r.stdout.split('\n');
    expect(lines[0]).toBe('@comment $NetBSD$');
    expect(lines).toContain('include${INCARCHSUFFIX}/multi-config.h');
    expect(lines).toContain('include/multi.h');
    expect(lines.filter((l) => /^include\/(i86|amd64)\//.test(l))).toEqual([]);
    expect(r.stderr).toMatch(/header\(s\) differ between the ABIs; listed as include\$\{INCARCHSUFFIX\}\/multi-config\.h/);
    // What it printed passes: the package builds with it.
    await fs.writeFile(path.join(tree.pkgDir('broken/header-conflict'), 'PLIST'), r.stdout);
    const again = await tree.mkpkg('broken/header-conflict', ['--multiarch', 'bin,lib', 'package']);
    expect(again.exitCode, explain('mkpkg package with the printed PLIST', again)).toBe(0);
    await fs.rm(path.join(tree.packages, 'All', 'libmulti-1.0.tgz'));
  });

  test('control: the unmodified package passes the checksum its mutated copy fails', async () => {
    const r = await tree.mkpkg('broken/wrong-checksum', ['--multiarch', 'bin,lib', 'checksum']);
    expect(r.exitCode).toBe(1);
    const good = await makeTree(['devel/libmulti']);
    try {
      const ok = await good.mkpkg('devel/libmulti', ['checksum']);
      expect(ok.exitCode, explain('mkpkg checksum on the good copy', ok)).toBe(0);
    } finally {
      await good.remove();
    }
  });
});
