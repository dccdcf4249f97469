// Benchmark: a re-run with every phase done. `mkpkg --multiarch bin,lib
// package` on the GNU-configure fixture (devel/libmulti) after a full
// multiarch build, against bmake's own evaluation of the same Makefile
// (`bmake -V PKGNAME` in the same directory; goal ≤ 2×), CPU time of
// everything each runs and wall time, in interleaved rounds. The command is
// run as users run it: bin/mkpkg (what npm links onto PATH; the front end
// answers from its up-to-date record without Node) and pnpm's shim in
// node_modules/.bin. For scale it also times the Node command alone
// (bin/mkpkg.mjs, which decides the same thing after starting Node),
// `bmake -v PKGNAME` (the value expanded) and `node -e 0`.
//
//   pnpm exec tsx test/bench/rerun.ts [ROUNDS] [RUNS]   (default 9 rounds of 10 runs)
import os from 'node:os';
import path from 'node:path';
import { REPO, type Tree, explain, makeTree, run } from '../e2e/tree.ts';
import { interleaved, median, shq } from './cputime.ts';

const rounds = Number(process.argv[2] ?? 9);
const runs = Number(process.argv[3] ?? 10);
import fs from 'node:fs';

const MKPKG = path.join(REPO, 'packages/mkpkg/bin/mkpkg');
const MKPKG_NODE = path.join(REPO, 'packages/mkpkg/bin/mkpkg.mjs');
const MKPKG_SHIM = path.join(REPO, 'node_modules/.bin/mkpkg');
const PKG = 'devel/libmulti';
const GOAL = 2;

// One tree per way of starting mkpkg: a package has one up-to-date record,
// written for one invocation (environment and arguments; pnpm's shim adds
// NODE_PATH), and a run without the front end removes it.
const trees = { front: await makeTree([PKG]), shim: await makeTree([PKG]), node: await makeTree([PKG]) };
const env = { ...process.env, CI: '1' };
const inPkg = (cmd: string, tree = trees.front): string => `cd ${shq(tree.pkgDir(PKG))} && MAKECONF=${shq(tree.env['MAKECONF'] ?? '')} ${cmd}`;

const ARGS = '--multiarch bin,lib package';
const cases = [
  { label: 'bmake -V PKGNAME (baseline)', cmd: inPkg('bmake -V PKGNAME'), goal: false },
  { label: 'mkpkg … package (bin/mkpkg, all done)', cmd: inPkg(`${shq(MKPKG)} ${ARGS}`), goal: true },
  { label: "  the same through pnpm's node_modules/.bin", cmd: inPkg(`${shq(MKPKG_SHIM)} ${ARGS}`, trees.shim), goal: true },
  { label: '  the Node command alone (bin/mkpkg.mjs)', cmd: inPkg(`${shq(process.execPath)} ${shq(MKPKG_NODE)} ${ARGS}`, trees.node), goal: false },
  { label: 'bmake -v PKGNAME (expanded)', cmd: inPkg('bmake -v PKGNAME'), goal: false },
  { label: 'node -e 0 (the floor of any Node command)', cmd: `${shq(process.execPath)} -e 0`, goal: false },
];

/** Builds the package in a tree with `mkpkg` (a path), then re-runs it until the front end has a record to answer from. */
async function prepare(tree: Tree, mkpkg: string, wantRecord: boolean): Promise<void> {
  const dir = tree.pkgDir(PKG);
  const e = { ...env, ...tree.env };
  const build = await run(mkpkg, ['--multiarch', 'bin,lib', 'package'], { env: e, cwd: dir });
  if (build.exitCode !== 0) throw new Error(explain(`${mkpkg} --multiarch bin,lib package`, build));
  if (!wantRecord) return;
  // A build shorter than a second leaves no record (its work/ is newer than the record would be dated): a Node re-run a second later does.
  const record = path.join(dir, 'work/.mkpkg-uptodate');
  for (let i = 0; i < 2 && !fs.existsSync(record); i++) {
    await new Promise((r) => setTimeout(r, 1100));
    const again = await run(mkpkg, ['--multiarch', 'bin,lib', 'package'], { env: e, cwd: dir });
    if (!/package is up to date/.test(again.all)) throw new Error(explain('the re-run did not find the package up to date', again));
  }
  if (!fs.existsSync(record)) throw new Error(`no up-to-date record was written (${record}): the re-runs would all start Node`);
}

try {
  await prepare(trees.front, MKPKG, true);
  await prepare(trees.shim, MKPKG_SHIM, true);
  await prepare(trees.node, MKPKG_NODE, false);

  const { samples, cpuRatios, wallRatios } = await interleaved(cases.map((c) => c.cmd), rounds, runs, env);
  console.log(`re-run with every phase done, ${PKG}: medians of ${rounds} rounds of ${runs} runs; ratios to bmake -V PKGNAME paired within a round; load ${os.loadavg().map((l) => l.toFixed(1)).join(' ')}`);
  cases.forEach((c, j) => {
    const s = samples[j] ?? [];
    const cpu = median(cpuRatios[j] ?? []);
    const wall = median(wallRatios[j] ?? []);
    const verdict = c.goal ? `  (goal ≤ ${GOAL}×) ${cpu <= GOAL && wall <= GOAL ? 'met' : 'NOT met'}` : '';
    console.log(
      `  ${c.label.padEnd(46)} ${(median(s.map((x) => x.cpu)) * 1000).toFixed(1).padStart(6)} ms CPU ${(median(s.map((x) => x.wall)) * 1000).toFixed(1).padStart(6)} ms wall   ` +
        `${cpu.toFixed(2).padStart(6)}× CPU ${median(wallRatios[j] ?? []).toFixed(2).padStart(6)}× wall${verdict}`,
    );
  });
  const floor = median(samples[5]?.map((x) => x.cpu) ?? []);
  const rerun = median(samples[1]?.map((x) => x.cpu) ?? []);
  console.log(`  the re-run costs ${(rerun / floor).toFixed(2)}× the CPU of starting Node alone`);
} finally {
  await Promise.all(Object.values(trees).map((t) => t.remove()));
}
