// verexec as built and installed: the C version comparator against the
// TypeScript one (compareDewey from @mkpkg/platform) on random strings, the
// full ranking of `verexec -l` against the rules written out in TypeScript,
// the directory compiled in from PKG_SYSCONFDIR, `make install`, and the man
// page.  native/tests/verexec.sh covers the dispatching itself, also under
// the sanitizer and valgrind builds.
import { spawnSync } from 'node:child_process';
import { link, mkdir, mkdtemp, readFile, rm, stat, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { compareDewey, parseDewey } from '../../packages/platform/src/index.ts';
import { instrumentedRuns } from '../lib/native.ts';

const root = fileURLToPath(new URL('../..', import.meta.url));
const nativeDir = join(root, 'native');

let tmp: string;
let build: string;
let sysconf: string;

function must(cmd: string, args: string[], opts: { input?: string; env?: NodeJS.ProcessEnv } = {}): string {
  const r = spawnSync(cmd, args, { cwd: root, encoding: 'utf8', maxBuffer: 64 << 20, ...opts });
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} failed (${r.status}):\n${r.stdout}${r.stderr}`);
  return r.stdout;
}

/** The environment without anything that would steer verexec. */
function cleanEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) if (k !== 'ABI' && !k.startsWith('VEREXEC_')) env[k] = v;
  return { ...env, ...extra };
}

/** xorshift32: the same strings on every run, so a failure can be replayed. */
function rng(seed: number): () => number {
  let s = seed >>> 0 || 1;
  return () => {
    s ^= s << 13;
    s >>>= 0;
    s ^= s >>> 17;
    s ^= s << 5;
    s >>>= 0;
    return s;
  };
}

// Pieces that exercise every rule, plus non-ASCII (skipped by both sides:
// C sees UTF-8 bytes, TypeScript UTF-16 units) and long digit runs.
const PIECES = [
  '0', '1', '2', '9', '10', '007', '4294967296', '99999999999999999999999', '.', '_', '-', '+', '~', ',',
  'a', 'b', 'p', 'n', 'z', 'A', 'P', 'N', 'Z', 'alpha', 'ALPHA', 'beta', 'pre', 'rc', 'Rc', 'pl', 'pL',
  'nb', 'nb0', 'nb3', 'NB12', 'é', 'İ', '🦀', 'x',
];

function randomVersion(next: () => number): string {
  const n = next() % 8;
  let s = '';
  for (let i = 0; i < n; i++) {
    // One piece in five is a random printable ASCII character instead.
    s += next() % 5 === 0 ? String.fromCharCode(33 + (next() % 94)) : PIECES[next() % PIECES.length]!;
  }
  return s;
}

beforeAll(async () => {
  tmp = await mkdtemp(join(tmpdir(), 'verexec-test-'));
  build = join(tmp, 'build');
  sysconf = join(tmp, 'etc');
  // A private build directory: other suites may be building native/ too.
  must('make', ['-s', '-C', nativeDir, `BUILD=${build}`, `PKG_SYSCONFDIR=${sysconf}`,
    join(build, 'verexec'), join(build, 'dewey-test')]);
});

afterAll(async () => {
  if (tmp) await rm(tmp, { recursive: true, force: true });
});

describe('C and TypeScript dewey ordering agree', () => {
  it('on 5,000 random pairs and every pair of the shared vectors', async () => {
    const next = rng(20261122);
    const pairs: [string, string][] = [];
    for (let i = 0; i < 5000; i++) pairs.push([randomVersion(next), randomVersion(next)]);
    // Near misses matter most: a string against a small edit of itself.
    for (let i = 0; i < 1000; i++) {
      const a = randomVersion(next);
      const cut = a.length ? next() % a.length : 0;
      pairs.push([a, a.slice(0, cut) + PIECES[next() % PIECES.length]! + a.slice(cut)]);
    }
    const vectors = (await readFile(join(root, 'fixtures/versions/dewey.txt'), 'utf8'))
      .split('\n')
      .map((l) => l.replace(/#.*/, '').trim())
      .filter(Boolean)
      .map((l) => l.split(/\s+/).map((t) => (t === '""' ? '' : t)));
    for (const [a, , b] of vectors) pairs.push([a!, b!]);
    for (const p of pairs) expect(p.join('')).not.toMatch(/[\t\n]/);

    const out = must(join(build, 'dewey-test'), ['compare'], { input: pairs.map(([a, b]) => `${a}\t${b}\n`).join('') });
    const c = out.trimEnd().split('\n').map(Number);
    expect(c).toHaveLength(pairs.length);
    const disagree = pairs
      .map(([a, b], i) => ({ a, b, c: c[i], ts: compareDewey(a, b) }))
      .filter((r) => r.c !== r.ts);
    expect(disagree).toEqual([]);
    // Not a vacuous agreement: all three answers occur.
    expect(new Set(c)).toEqual(new Set([-1, 0, 1]));
  });
});

describe('verexec -l ranks a directory as verexec(1) says', () => {
  it('matches the ranking written out in TypeScript on 300 random names', async () => {
    const dir = join(tmp, 'rank');
    const target = join(tmp, 'prog');
    await writeFile(target, '#!/bin/sh\nexit 0\n', { mode: 0o755 });
    await mkdir(join(dir, 'perl'), { recursive: true });
    const next = rng(7);
    const suffixes = ['', '', '', '-64', '-amd64', '-32', '-i86', '-rc1', '-x86'];
    const names = new Set<string>();
    while (names.size < 300) {
      const v = randomVersion(next).replace(/[/\0]/g, '') + suffixes[next() % suffixes.length]!;
      if (v !== '' && !v.startsWith('.')) names.add(v);
    }
    for (const n of names) await symlink(target, join(dir, 'perl', n));

    // verexec(1): candidates are unsuffixed names and those for the ABI in use
    // (64 here); dewey order, then suffixed over unsuffixed, then more
    // components, then the greater name in byte order.
    const split = (n: string): { version: string; abi?: '32' | '64' } => {
      const m = /^(.*)-(32|i86|64|amd64)$/s.exec(n);
      if (!m) return { version: n };
      return { version: m[1]!, abi: m[2] === '32' || m[2] === 'i86' ? '32' : '64' };
    };
    const byteCmp = (a: string, b: string) => Buffer.compare(Buffer.from(a), Buffer.from(b));
    const rank = (a: string, b: string): number => {
      const x = split(a);
      const y = split(b);
      return (
        compareDewey(x.version, y.version) ||
        Number(x.abi !== undefined) - Number(y.abi !== undefined) ||
        Math.sign(parseDewey(x.version).parts.length - parseDewey(y.version).parts.length) ||
        byteCmp(a, b)
      );
    };
    for (const abi of ['64', '32'] as const) {
      const want = [...names].filter((n) => [undefined, abi].includes(split(n).abi)).sort((a, b) => rank(b, a));
      const out = must(join(build, 'verexec'), ['-l', 'perl'], { env: cleanEnv({ VEREXEC_ALTDIR: dir, ABI: abi }) });
      const got = out.split('\n').filter(Boolean);
      expect(got.map((l) => l.slice(2, l.lastIndexOf(' -> ')))).toEqual(want);
      expect(got.map((l) => l[0])).toEqual(want.map((_, i) => (i === 0 ? '*' : ' ')));
    }
  });
});

describe('the directory compiled in from PKG_SYSCONFDIR', () => {
  it('is read when VEREXEC_ALTDIR is unset, and named when it is missing', async () => {
    const verexec = join(build, 'verexec');
    let r = spawnSync(verexec, ['-w', 'tool'], { env: cleanEnv(), encoding: 'utf8' });
    expect(r.status).toBe(127);
    expect(r.stderr).toContain(`verexec: tool: no version to run: cannot read ${sysconf}/verexec.d/tool: No such file or directory\n`);
    expect(r.stderr).toContain('install a package that provides a version of tool, or set VEREXEC_tool to the program to run');

    await mkdir(join(sysconf, 'verexec.d', 'tool'), { recursive: true });
    const prog = join(tmp, 'tool-2.1');
    await writeFile(prog, '#!/bin/sh\necho "tool 2.1: $*"\n', { mode: 0o755 });
    await symlink(prog, join(sysconf, 'verexec.d', 'tool', '2.1'));
    await symlink(join(tmp, 'absent'), join(sysconf, 'verexec.d', 'tool', '1.0'));
    r = spawnSync(verexec, ['-w', 'tool'], { env: cleanEnv(), encoding: 'utf8' });
    expect([r.status, r.stdout, r.stderr]).toEqual([0, `${prog}\n`, '']);
  });

  it('make install puts a static lib/verexec and verexec.1 under DESTDIR/PREFIX, and the installed copy dispatches', async () => {
    const dest = join(tmp, 'dest');
    must('make', ['-s', '-C', nativeDir, `BUILD=${join(tmp, 'build-install')}`, `DESTDIR=${dest}`,
      'PREFIX=/opt/pkg', `PKG_SYSCONFDIR=${sysconf}`, 'install']);
    const installed = join(dest, 'opt/pkg/lib/verexec');
    expect((await stat(installed)).mode & 0o777).toBe(0o755);
    expect((await readFile(join(dest, 'opt/pkg/man/man1/verexec.1'), 'utf8'))).toMatch(/^\.Dt VEREXEC 1$/m);
    const elf = await readFile(installed);
    expect(elf.subarray(0, 4).toString('latin1')).toBe('\x7fELF');
    // No PT_INTERP program header: a static binary (musl-gcc or -static).
    const phoff = Number(elf.readBigUInt64LE(0x20));
    const phentsize = elf.readUInt16LE(0x36);
    const types = Array.from({ length: elf.readUInt16LE(0x38) }, (_, i) => elf.readUInt32LE(phoff + i * phentsize));
    expect(types).not.toContain(3);

    await mkdir(join(dest, 'opt/pkg/bin'), { recursive: true });
    const tool = join(dest, 'opt/pkg/bin/tool');
    await link(installed, tool);
    expect((await stat(tool)).ino).toBe((await stat(installed)).ino);
    const r = spawnSync(tool, ['a', 'b c'], { env: cleanEnv(), encoding: 'utf8' });
    expect([r.status, r.stdout]).toEqual([0, 'tool 2.1: a b c\n']);
    expect(r.stderr).toBe('');
  });
});

describe('verexec(1)', () => {
  const page = join(nativeDir, 'verexec', 'verexec.1');
  it('is valid mdoc: groff -mdoc -ww renders it without a warning', (ctx) => {
    ctx.skip(spawnSync('groff', ['--version']).status !== 0, 'groff is not installed (Debian: groff-base; scripts/setup test installs it)');
    const groff = spawnSync('groff', ['-mdoc', '-Tutf8', '-ww', '-z', page], { encoding: 'utf8' });
    expect([groff.status, groff.stderr]).toEqual([0, '']);
  });

  it('covers selection, overrides, files, exit status and examples', async () => {
    const text = await readFile(page, 'utf8');
    for (const section of ['NAME', 'SYNOPSIS', 'DESCRIPTION', 'ENVIRONMENT', 'FILES', 'EXIT STATUS', 'EXAMPLES'])
      expect(text).toMatch(new RegExp(`^\\.Sh ${section}$`, 'm'));
    expect(text).toMatch(/^\.Ss Selection$/m);
    for (const word of ['VEREXEC_ALTDIR', 'ABI', '126', '127', 'Fl l', 'Fl w', 'dangling'])
      expect(text).toContain(word);
  });
});

// The shell tests again, against the sanitizer and valgrind builds (see test/lib/native.ts).
describe('native/tests/verexec.sh under instrumentation', () => {
  instrumentedRuns({
    nativeDir,
    tmp: () => tmp,
    script: 'verexec.sh',
    targets: ['verexec', 'dewey-test'],
    env: cleanEnv,
    valgrindSkip: 'SKIP: setuid: overrides ignored',
    timeout: 400_000,
  });
});
