// Benchmark: a re-run with every phase done. `mkpkg --multiarch bin,lib
// package` on the GNU-configure fixture (devel/libmulti) after a full
// multiarch build, against bmake's own evaluation of the same Makefile
// (`bmake -V PKGNAME` in the same directory; goal ≤ 2×), CPU time of
// everything each runs and wall time, in interleaved rounds. For scale it
// also times `bmake -v PKGNAME` (the value expanded) and `node -e 0`, the
// floor under any command written for Node.
//
//   pnpm exec tsx test/bench/rerun.ts [ROUNDS] [RUNS]   (default 9 rounds of 10 runs)
import os from 'node:os';
import path from 'node:path';
import { REPO, explain, makeTree, run } from '../e2e/tree.ts';
import { interleaved, median, shq } from './cputime.ts';

const rounds = Number(process.argv[2] ?? 9);
const runs = Number(process.argv[3] ?? 10);
const MKPKG = path.join(REPO, 'packages/mkpkg/bin/mkpkg.mjs');
const PKG = 'devel/libmulti';
const GOAL = 2;

const tree = await makeTree([PKG]);
const pkgdir = tree.pkgDir(PKG);
const env = { ...process.env, ...tree.env, CI: '1' };
const inPkg = (cmd: string): string => `cd ${shq(pkgdir)} && ${cmd}`;

const cases = [
  { label: 'bmake -V PKGNAME (baseline)', cmd: inPkg('bmake -V PKGNAME') },
  { label: 'mkpkg --multiarch bin,lib package (all done)', cmd: inPkg(`${shq(MKPKG)} --multiarch bin,lib package`) },
  { label: 'bmake -v PKGNAME (expanded)', cmd: inPkg('bmake -v PKGNAME') },
  { label: 'node -e 0 (the floor of any Node command)', cmd: `${shq(process.execPath)} -e 0` },
];

try {
  const build = await run(MKPKG, ['--multiarch', 'bin,lib', 'package'], { env, cwd: pkgdir });
  if (build.exitCode !== 0) throw new Error(explain('mkpkg --multiarch bin,lib package', build));
  const again = await run(MKPKG, ['--multiarch', 'bin,lib', 'package'], { env, cwd: pkgdir });
  if (!/package is up to date/.test(again.all)) throw new Error(explain('the re-run did not find the package up to date', again));

  const { samples, cpuRatios, wallRatios } = await interleaved(cases.map((c) => c.cmd), rounds, runs, env);
  console.log(`re-run with every phase done, ${PKG}: medians of ${rounds} rounds of ${runs} runs; ratios to bmake -V PKGNAME paired within a round; load ${os.loadavg().map((l) => l.toFixed(1)).join(' ')}`);
  cases.forEach((c, j) => {
    const s = samples[j] ?? [];
    const cpu = median(cpuRatios[j] ?? []);
    const verdict = j === 1 ? `  (goal ≤ ${GOAL}× CPU) ${cpu <= GOAL ? 'OK' : 'MISSED'}` : '';
    console.log(
      `  ${c.label.padEnd(46)} ${(median(s.map((x) => x.cpu)) * 1000).toFixed(1).padStart(6)} ms CPU ${(median(s.map((x) => x.wall)) * 1000).toFixed(1).padStart(6)} ms wall   ` +
        `${cpu.toFixed(2).padStart(6)}× CPU ${median(wallRatios[j] ?? []).toFixed(2).padStart(6)}× wall${verdict}`,
    );
  });
  const floor = median(samples[3]?.map((x) => x.cpu) ?? []);
  const rerun = median(samples[1]?.map((x) => x.cpu) ?? []);
  console.log(`  the re-run costs ${(rerun / floor).toFixed(2)}× the CPU of starting Node alone`);
} finally {
  await tree.remove();
}
