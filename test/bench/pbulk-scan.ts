// Benchmark: pbulk's scan of a mkpkg tree. `bmake pbulk-index` in every
// fixture package, per package, against `bmake -V PKGNAME` in the same
// package in the same run (the cost of reading the Makefile at all). Goal:
// ratio ≤ 2 — the scan answer is bmake alone, no node start per package.
//
//   pnpm exec tsx test/bench/pbulk-scan.ts [ROUNDS]     (default 20 rounds)
import { writeFile } from 'node:fs/promises';
import { ALL_PACKAGES, explain, makeTree, run } from '../e2e/tree.ts';

const BMAKE = process.env['MKPKG_BMAKE'] ?? 'bmake';
const rounds = Number(process.argv[2] ?? 20);

const tree = await makeTree(ALL_PACKAGES);
// Multiarch, as a bulk build of this project's packages runs: the isaexec
// dependency is then decided from the PLIST too.
await writeFile(tree.env['MAKECONF'] as string, 'MULTIARCH=\tyes\n');
const env = { ...process.env, ...tree.env };

/** Milliseconds for `rounds` runs of bmake ARGS in dir, in one shell loop (no node in between). */
async function timed(dir: string, args: readonly string[]): Promise<number> {
  const cmd = `${BMAKE} ${args.join(' ')} >/dev/null`;
  const script = `TIMEFORMAT='@@ %R'; time (i=0; while [ $i -lt ${rounds} ]; do ${cmd} || exit 1; i=$((i+1)); done)`;
  const r = await run('bash', ['-c', script], { cwd: dir, env });
  const m = /@@ ([\d.]+)/.exec(r.stderr);
  if (r.exitCode !== 0 || m === null) throw new Error(explain(`bmake ${args.join(' ')} in ${dir}`, r));
  return (Number(m[1]) * 1000) / rounds;
}

try {
  const load = (await run('uptime')).stdout.trim();
  console.log(`pbulk scan: ${ALL_PACKAGES.length} fixture packages, ${rounds} rounds each; ${load}`);
  console.log(`${'package'.padEnd(20)} ${'-V PKGNAME'.padStart(11)} ${'pbulk-index'.padStart(12)} ${'ratio'.padStart(6)}`);
  let base = 0;
  let scan = 0;
  for (const pkg of ALL_PACKAGES) {
    const dir = tree.pkgDir(pkg);
    // Interleaved, so a load spike hits both.
    const v = await timed(dir, ['-V', 'PKGNAME']);
    const s = await timed(dir, ['pbulk-index']);
    base += v;
    scan += s;
    console.log(`${pkg.padEnd(20)} ${v.toFixed(1).padStart(8)} ms ${s.toFixed(1).padStart(9)} ms ${(s / v).toFixed(2).padStart(6)}`);
  }
  const n = ALL_PACKAGES.length;
  console.log(`${'per package'.padEnd(20)} ${(base / n).toFixed(1).padStart(8)} ms ${(scan / n).toFixed(1).padStart(9)} ms ${(scan / base).toFixed(2).padStart(6)}  (goal ≤ 2.00)`);
} finally {
  await tree.remove();
}

