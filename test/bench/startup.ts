// Benchmark: what starting a command costs, against starting Node itself.
// CPU time (user + sys of the command and everything it ran, bmake
// included) of `mkpkg --help`, `mkpkg show-var PKGNAME` in a package
// directory whose variable cache is current (an extracted package), and `plist-expand --help`,
// each as a ratio to `node -e 0` measured in the same rounds (goal:
// ≤ 1.5×). The bins are run as a user runs them: executed, mkpkg through
// its shell front end (bin/mkpkg), plist-expand through its own
// (bin/plist-expand, which starts Node without NODE_EXTRA_CA_CERTS: where
// that is set, Node parses the bundle at every start, and the baseline pays
// for it while plist-expand does not; a row without it is printed too). Informational rows: show-var when bmake has to
// evaluate the Makefile (no cache), and bmake's own evaluation.
//
//   pnpm exec tsx test/bench/startup.ts [ROUNDS] [RUNS]   (default 9 rounds of 10 runs)
import os from 'node:os';
import path from 'node:path';
import { REPO, explain, makeTree, run } from '../e2e/tree.ts';
import { interleaved, median, shq, timePerRun } from './cputime.ts';

const rounds = Number(process.argv[2] ?? 9);
const runs = Number(process.argv[3] ?? 10);
const MKPKG = path.join(REPO, 'packages/mkpkg/bin/mkpkg');
const PLIST_EXPAND = path.join(REPO, 'packages/plist/bin/plist-expand');
const PKG = 'devel/libmulti';

const tree = await makeTree([PKG]);
const pkgdir = tree.pkgDir(PKG);
const env = { ...process.env, ...tree.env };

const cases: { label: string; cmd: string; goal?: number }[] = [
  { label: 'node -e 0 (baseline)', cmd: `${shq(process.execPath)} -e 0` },
  { label: 'node -e 0 without NODE_EXTRA_CA_CERTS (for scale)', cmd: `env -u NODE_EXTRA_CA_CERTS ${shq(process.execPath)} -e 0` },
  { label: 'mkpkg --help', cmd: `${shq(MKPKG)} --help`, goal: 1.5 },
  { label: 'mkpkg show-var PKGNAME (cache current)', cmd: `cd ${shq(pkgdir)} && ${shq(MKPKG)} show-var PKGNAME`, goal: 1.5 },
  { label: 'plist-expand --help', cmd: `${shq(PLIST_EXPAND)} --help`, goal: 1.5 },
  { label: 'mkpkg show-var PKGNAME (no cache: bmake runs)', cmd: `cd ${shq(pkgdir)} && rm -f work/.mkpkg-vars.json && ${shq(MKPKG)} show-var PKGNAME` },
  { label: 'bmake -v PKGNAME (for scale)', cmd: `cd ${shq(pkgdir)} && bmake -v PKGNAME` },
];

try {
  // The cache lives in work/, which mkpkg creates only when it extracts (a
  // package being worked on): extract first. Everything is compiled and the
  // cache written before anything is timed.
  const x = await run(MKPKG, ['extract'], { env, cwd: pkgdir });
  if (x.exitCode !== 0) throw new Error(explain('mkpkg extract', x));
  for (const c of cases) await timePerRun(c.cmd, 1, env);
  const r = await run(MKPKG, ['show-var', 'PKGNAME'], { env, cwd: pkgdir });
  if (r.stdout.trim() !== 'libmulti-1.0') throw new Error(explain('mkpkg show-var PKGNAME', r));

  const { samples, cpuRatios } = await interleaved(cases.map((c) => c.cmd), rounds, runs, env);
  console.log(`start-up CPU (user + sys, children included): medians of ${rounds} rounds of ${runs} runs; ratios paired within a round; load ${os.loadavg().map((l) => l.toFixed(1)).join(' ')}`);
  let missed = 0;
  cases.forEach((c, j) => {
    const ms = (median((samples[j] ?? []).map((s) => s.cpu)) * 1000).toFixed(1).padStart(6);
    const ratio = median(cpuRatios[j] ?? []);
    const verdict = c.goal === undefined ? '' : `  (goal ≤ ${c.goal}×) ${ratio <= c.goal ? 'OK' : 'MISSED'}`;
    if (c.goal !== undefined && ratio > c.goal) missed++;
    console.log(`  ${c.label.padEnd(48)} ${ms} ms   ${ratio.toFixed(2).padStart(5)}×${verdict}`);
  });
  process.exitCode = missed > 0 ? 1 : 0;
} finally {
  await tree.remove();
}
