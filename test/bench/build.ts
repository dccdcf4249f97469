// Benchmark: the GNU-configure fixture (devel/libmulti) built for one ABI,
// for both ABIs in sequence, for both with --parallel-abis, and a re-run
// with every phase done (the same command as the build before it, which must
// change no file). Ratios are against the one-ABI build measured in the same
// run (goals: parallel ≤ 1.6×; re-run < 1 s of mkpkg's time).
// Then the same three builds of an autoconf package with a real configure
// script (generated at benchmark time, see autoconf-project.ts), whose
// configure takes seconds per ABI as real projects' do.
//
//   pnpm exec tsx test/bench/build.ts [ROUNDS [AUTOCONF_ROUNDS]]   (default 5 and 3; 0 skips)
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { REPO, explain, makeTree, run } from '../e2e/tree.ts';
import { AC_PKG, writeAutoconfPackage } from './autoconf-project.ts';

const PKG = 'devel/libmulti';
const MKPKG_BIN = path.join(REPO, 'packages/mkpkg/bin/mkpkg.mjs');
const rounds = Number(process.argv[2] ?? 5);
const acRounds = Number(process.argv[3] ?? 3);

interface Times {
  real: number;
  user: number;
  sys: number;
}

const tree = await makeTree([PKG]);
const pkgdir = tree.pkgDir(PKG);
const mkconf = path.join(tree.root, 'mk.conf');
const env: Record<string, string | undefined> = { ...process.env, CI: '1' };
if (await fs.stat(mkconf).then(() => true, () => false)) env['MAKECONF'] = mkconf;

/** `mkpkg -C pkgdir ARGS`, timed by bash's `time` (children included). */
function timed(args: readonly string[]): Promise<Times> {
  return timedIn(pkgdir, args);
}

async function timedIn(dir: string, args: readonly string[]): Promise<Times> {
  const quoted = [process.execPath, MKPKG_BIN, '-C', dir, ...args].map((a) => `'${a.replace(/'/g, `'\\''`)}'`).join(' ');
  const r = await run('bash', ['-c', `TIMEFORMAT='@@ %R %U %S'; time ${quoted} >/dev/null 2>"$0"`, path.join(tree.root, 'bench.log')], { env });
  if (r.exitCode !== 0) {
    const log = await fs.readFile(path.join(tree.root, 'bench.log'), 'utf8').catch(() => '');
    throw new Error(explain(`mkpkg ${args.join(' ')}`, { ...r, all: r.all + log }));
  }
  const m = /@@ ([\d.]+) ([\d.]+) ([\d.]+)/.exec(r.stderr);
  if (m === null) throw new Error(`no timing in: ${r.stderr}`);
  return { real: Number(m[1]), user: Number(m[2]), sys: Number(m[3]) };
}

async function fresh(dir = pkgdir): Promise<void> {
  const r = await run(process.execPath, [MKPKG_BIN, '-C', dir, 'clean'], { env });
  if (r.exitCode !== 0) throw new Error(explain('mkpkg clean', r));
  await fs.rm(path.join(tree.packages, 'All'), { recursive: true, force: true });
}

/** Size and mtime of every file under WRKDIR and PACKAGES (logs, cookies, stages, the package). */
async function stamps(): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  for (const top of [path.join(pkgdir, 'work'), tree.packages]) {
    for (const rel of await fs.readdir(top, { recursive: true }).catch(() => [] as string[])) {
      const f = path.join(top, rel);
      // The lock is taken and dropped by every run, whatever it does.
      if (path.basename(f) === '.mkpkg.lock') continue;
      const st = await fs.lstat(f).catch(() => undefined);
      if (st !== undefined && !st.isDirectory()) out.set(f, `${st.size}:${st.mtimeMs}`);
    }
  }
  return out;
}

function differences(a: Map<string, string>, b: Map<string, string>): string[] {
  const out: string[] = [];
  for (const [f, s] of b) if (a.get(f) !== s) out.push(`${path.relative(tree.root, f)}${a.has(f) ? '' : ' (new)'}`);
  for (const f of a.keys()) if (!b.has(f)) out.push(`${path.relative(tree.root, f)} (removed)`);
  return out;
}

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)] ?? NaN;
};

const configs = {
  one: ['package'],
  both: ['--multiarch', 'bin,lib', 'package'],
  parallel: ['--multiarch', 'bin,lib', '--parallel-abis', 'package'],
} as const;
type Config = keyof typeof configs;
const times: Record<Config, Times[]> = { one: [], both: [], parallel: [] };
const rerun: Times[] = [];
const startup: Times[] = [];

try {
  // Interleaved rounds: a noisy neighbour slows every configuration alike.
  // Each round measures all three, starting with a different one each time,
  // and its ratios are taken within the round (paired), then the median.
  const names = Object.keys(configs) as Config[];
  for (let i = 0; i < rounds; i++) {
    let last: Config = 'both';
    for (let k = 0; k < names.length; k++) {
      const c = names[(i + k) % names.length] as Config;
      await fresh();
      times[c].push(await timed(configs[c]));
      last = c;
    }
    // The very command that just completed, same flags: every phase is done,
    // and the re-run must find that out and write nothing.
    const before = await stamps();
    rerun.push(await timed(configs[last]));
    const changed = differences(before, await stamps());
    if (changed.length > 0) throw new Error(`the re-run of mkpkg ${configs[last].join(' ')} changed ${changed.length} file(s), so it did work: ${changed.slice(0, 10).join(', ')}`);
    // The floor of any mkpkg run: node, tsx and the CLI modules loading.
    startup.push(await timed(['--help']));
  }
  const wall = (ts: Times[]): number => median(ts.map((t) => t.real));
  const cpu = (ts: Times[]): number => median(ts.map((t) => t.user + t.sys));
  const f = (x: number): string => x.toFixed(2).padStart(6);
  const one = wall(times.one);
  const both = wall(times.both);
  const par = wall(times.parallel);
  const paired = (c: Config): number => median(times[c].map((t, i) => t.real / (times.one[i] as Times).real));
  const reCpu = cpu(rerun);
  console.log(`build of ${PKG}: medians of ${rounds} rounds (ratios paired within a round); CPU = user + sys of mkpkg and all it ran; load ${os.loadavg()[0]?.toFixed(1)}`);
  console.log(`  one ABI:                    ${f(one)} s wall ${f(cpu(times.one))} s CPU`);
  console.log(`  both ABIs, in sequence:     ${f(both)} s wall ${f(cpu(times.both))} s CPU   ratio ${f(paired('both'))}× wall (≈ 2× expected), ${f(cpu(times.both) / cpu(times.one))}× CPU`);
  console.log(`  both ABIs, --parallel-abis: ${f(par)} s wall ${f(cpu(times.parallel))} s CPU   ratio ${f(paired('parallel'))}× wall (goal ≤ 1.6×) ${paired('parallel') <= 1.6 ? 'OK' : 'MISSED'}`);
  console.log(`  re-run, every phase done:   ${f(wall(rerun))} s wall ${f(reCpu)} s CPU   (goal < 1 s of mkpkg's own time) ${reCpu < 1 ? 'OK' : 'MISSED'}`);
  console.log(`  start-up floor (--help):    ${f(wall(startup))} s wall ${f(cpu(startup))} s CPU`);
  await autoconfCase(acRounds);
} finally {
  await tree.remove();
}

/**
 * One ABI, both in sequence and both with --parallel-abis of the autoconf
 * package, in rounds as above (rotated order, ratios paired within a round).
 */
async function autoconfCase(n: number): Promise<void> {
  if (n <= 0) return;
  const dir = path.join(tree.root, AC_PKG);
  await writeAutoconfPackage(path.join(tree.root, 'distfiles'), dir, await fs.mkdtemp(path.join(tree.root, 'acsrc-')));
  const sum = await run(process.execPath, [MKPKG_BIN, '-C', dir, 'makesum'], { env });
  if (sum.exitCode !== 0) throw new Error(explain('mkpkg makesum', sum));
  const t: Record<Config, Times[]> = { one: [], both: [], parallel: [] };
  const names = Object.keys(configs) as Config[];
  for (let i = 0; i < n; i++) {
    for (let k = 0; k < names.length; k++) {
      const c = names[(i + k) % names.length] as Config;
      await fresh(dir);
      t[c].push(await timedIn(dir, configs[c]));
    }
  }
  const wall = (ts: Times[]): number => median(ts.map((x) => x.real));
  const cpu = (ts: Times[]): number => median(ts.map((x) => x.user + x.sys));
  const f = (x: number): string => x.toFixed(2).padStart(6);
  const paired = (c: Config): number => median(t[c].map((x, i) => x.real / (t.one[i] as Times).real));
  const each = (c: Config): string => t[c].map((x, i) => (x.real / (t.one[i] as Times).real).toFixed(2)).join(' ');
  console.log(`build of ${AC_PKG} (autoconf, generated configure): medians of ${n} rounds; load ${os.loadavg()[0]?.toFixed(1)}`);
  console.log(`  one ABI:                    ${f(wall(t.one))} s wall ${f(cpu(t.one))} s CPU`);
  console.log(`  both ABIs, in sequence:     ${f(wall(t.both))} s wall ${f(cpu(t.both))} s CPU   ratio ${f(paired('both'))}× wall (rounds ${each('both')})`);
  console.log(`  both ABIs, --parallel-abis: ${f(wall(t.parallel))} s wall ${f(cpu(t.parallel))} s CPU   ratio ${f(paired('parallel'))}× wall (rounds ${each('parallel')}; goal ≤ 1.6×) ${paired('parallel') <= 1.6 ? 'OK' : 'MISSED'}`);
}
