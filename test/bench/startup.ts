// Benchmark: what starting a command costs, against starting Node itself.
// CPU time (user + sys of the command and everything it ran, bmake
// included) of `mkpkg --help`, `mkpkg show-var PKGNAME` in a package
// directory whose variable cache is current, and `plist-expand --help`,
// each as a ratio to `node -e 0` measured in the same rounds (SPEC §10:
// ≤ 1.5×). The bins are run as a user runs them: executed, through their
// `#!/usr/bin/env node` line. Informational rows: show-var when bmake has to
// evaluate the Makefile (no cache), and bmake's own evaluation.
//
//   pnpm exec tsx test/bench/startup.ts [ROUNDS] [RUNS]   (default 9 rounds of 10 runs)
import os from 'node:os';
import path from 'node:path';
import { REPO, explain, makeTree, run } from '../e2e/tree.ts';

const rounds = Number(process.argv[2] ?? 9);
const runs = Number(process.argv[3] ?? 10);
const MKPKG = path.join(REPO, 'packages/mkpkg/bin/mkpkg.mjs');
const PLIST_EXPAND = path.join(REPO, 'packages/plist/bin/plist-expand.mjs');
const PKG = 'devel/libmulti';

const q = (s: string): string => `'${s.replace(/'/g, `'\\''`)}'`;

const tree = await makeTree([PKG]);
const pkgdir = tree.pkgDir(PKG);
const env = { ...process.env, ...tree.env };

interface Case {
  label: string;
  cmd: string;
  /** Run before each timed batch (not timed). */
  setup?: string;
  goal?: number;
}
const cases: Case[] = [
  { label: 'node -e 0 (baseline)', cmd: `${q(process.execPath)} -e 0` },
  { label: 'mkpkg --help', cmd: `${q(MKPKG)} --help`, goal: 1.5 },
  { label: 'mkpkg show-var PKGNAME (cache current)', cmd: `cd ${q(pkgdir)} && ${q(MKPKG)} show-var PKGNAME`, goal: 1.5 },
  { label: 'plist-expand --help', cmd: `${q(PLIST_EXPAND)} --help`, goal: 1.5 },
  { label: 'mkpkg show-var PKGNAME (no cache: bmake runs)', cmd: `cd ${q(pkgdir)} && rm -f work/.mkpkg-vars.json && ${q(MKPKG)} show-var PKGNAME` },
  { label: 'bmake -v PKGNAME (for scale)', cmd: `cd ${q(pkgdir)} && bmake -v PKGNAME` },
];

/** CPU seconds per run of cmd (children included), over `runs` runs in one shell. */
async function cpuPerRun(cmd: string): Promise<number> {
  const script = `TIMEFORMAT='@@ %U %S'; time (for i in $(seq ${runs}); do ${cmd} >/dev/null || exit 1; done)`;
  const r = await run('bash', ['-c', script], { env });
  const m = /@@ ([\d.]+) ([\d.]+)/.exec(r.stderr);
  if (r.exitCode !== 0 || m === null) throw new Error(explain(cmd, r));
  return (Number(m[1]) + Number(m[2])) / runs;
}

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)] ?? NaN;
};

try {
  // The cache exists and the commands are compiled before anything is timed.
  for (const c of cases) await cpuPerRun(c.cmd);
  const r = await run(MKPKG, ['show-var', 'PKGNAME'], { env, cwd: pkgdir });
  if (r.stdout.trim() !== 'libmulti-1.0') throw new Error(explain('mkpkg show-var PKGNAME', r));

  const samples = cases.map(() => [] as number[]);
  const ratios = cases.map(() => [] as number[]);
  for (let i = 0; i < rounds; i++) {
    // Interleaved, a different case first each round: a noisy neighbour
    // slows every case alike; ratios are taken within a round.
    const t = new Array<number>(cases.length);
    for (let k = 0; k < cases.length; k++) {
      const j = (i + k) % cases.length;
      t[j] = await cpuPerRun((cases[j] as Case).cmd);
    }
    t.forEach((v, j) => {
      samples[j]?.push(v);
      ratios[j]?.push(v / (t[0] as number));
    });
  }
  console.log(`start-up CPU (user + sys, children included): medians of ${rounds} rounds of ${runs} runs; ratios paired within a round; load ${os.loadavg().map((l) => l.toFixed(1)).join(' ')}`);
  let missed = 0;
  cases.forEach((c, j) => {
    const ms = (median(samples[j] as number[]) * 1000).toFixed(1).padStart(6);
    const ratio = median(ratios[j] as number[]);
    const verdict = c.goal === undefined ? '' : ratio <= c.goal ? `  (goal ≤ ${c.goal}×) OK` : `  (goal ≤ ${c.goal}×) MISSED`;
    if (c.goal !== undefined && ratio > c.goal) missed++;
    console.log(`  ${c.label.padEnd(48)} ${ms} ms   ${ratio.toFixed(2).padStart(5)}×${verdict}`);
  });
  process.exitCode = missed > 0 ? 1 : 0;
} finally {
  await tree.remove();
}
