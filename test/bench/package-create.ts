/**
 * Package creation against `tar -czf` of the same staged tree, measured in
 * the same run (goals: ratio ≤ 0.75 with 2 cores, mkpkg's peak RSS
 * < 150 MB), on two trees:
 *
 * * text-heavy, like a big staged package (issue 17): 3,272 small text
 *   files, 600 larger ones and 15 large ones, nearly all compressible text;
 * * half random: compressible text and random data (already-compressed
 *   media), half each, and 2,000 small files.
 *
 *   pnpm exec tsx test/bench/package-create.ts [TEXT_MiB [MIXED_MiB [RUNS]]]   (default 300 500 3; 0 MiB skips a tree)
 *
 * Both sides compress with gzip level 6 (gzip's default, which `tar -z`
 * uses). Each side runs in its own child process under /usr/bin/time so
 * peak RSS is the child's own.
 */
import { spawnSync } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const textMiB = Number(process.argv[2] ?? 300);
const mixedMiB = Number(process.argv[3] ?? 500);
const rounds = Number(process.argv[4] ?? 3);
const MiB = 1024 * 1024;

/** Text that compresses like source code or documentation (about 3-4×). */
function textBlock(bytes: number, seed: number): Buffer {
  const words = ['static', 'int', 'return', 'struct', 'const', 'char', 'void', 'if', 'else', 'for', 'while', 'buffer',
    'length', 'package', 'install', 'prefix', 'the', 'of', 'and', 'to', 'error', 'file', 'path', 'size'];
  let s = seed >>> 0;
  const parts: string[] = [];
  let n = 0;
  while (n < bytes) {
    s = (Math.imul(s, 1103515245) + 12345) >>> 0;
    const w = `${words[(s >>> 8) % words.length]}${(s >>> 20) % 97}`;
    const sep = (s & 15) === 0 ? ';\n' : ' ';
    parts.push(w, sep);
    n += w.length + sep.length;
  }
  return Buffer.from(parts.join('')).subarray(0, bytes);
}

function writer(stage: string): { plist: string[]; put: (rel: string, data: Buffer) => void } {
  const plist: string[] = [];
  const put = (rel: string, data: Buffer) => {
    fs.mkdirSync(path.dirname(path.join(stage, rel)), { recursive: true });
    fs.writeFileSync(path.join(stage, rel), data);
    plist.push(rel);
  };
  return { plist, put };
}

/**
 * A text-heavy tree of about `totalMiB`: 3,272 small text files (1-12 KiB:
 * headers, manual pages), 600 larger ones (documentation, sources) and 15
 * large ones (data files, big generated sources), all text; a few large
 * ones are a quarter random (an embedded blob), so the tree is mostly but
 * not only compressible. Deterministic: the same tree every run.
 */
function generateText(stage: string, totalMiB: number): string[] {
  const { plist, put } = writer(stage);
  const budget = totalMiB * MiB;
  let s = 7;
  const rnd = (n: number): number => {
    s = (Math.imul(s, 1103515245) + 12345) >>> 0;
    return (s >>> 8) % n;
  };
  let used = 0;
  for (let i = 0; i < 3272; i++) {
    const size = 1024 + rnd(11 * 1024);
    const dir = i % 3 === 0 ? `include/pkg${i % 40}` : i % 3 === 1 ? `man/man${1 + (i % 8)}` : `share/doc/pkg${i % 25}`;
    put(`${dir}/f${i}.txt`, textBlock(size, i));
    used += size;
  }
  // Of what is left, about 60 % in the 600 larger files, the rest in the 15 large ones.
  const mid = Math.max(4096, Math.floor(((budget - used) * 0.6) / 600));
  for (let i = 0; i < 600; i++) {
    const size = Math.floor(mid / 2) + rnd(mid);
    put(`share/pkg/src${i % 12}/part${i}.c`, textBlock(size, 5000 + i));
    used += size;
  }
  const large = Math.max(4096, Math.floor((budget - used) / 15));
  for (let i = 0; i < 15; i++) {
    const text = textBlock(large, 9000 + i);
    // Every fifth large file carries a random quarter.
    if (i % 5 === 4) crypto.randomFillSync(text, 0, large >> 2);
    put(`share/pkg/data/large${i}.dat`, text);
  }
  return plist.sort();
}

function generateMixed(stage: string, totalMiB: number): string[] {
  const { plist, put } = writer(stage);
  const budget = totalMiB * MiB;
  const small = Math.min(2000, Math.floor(budget / (64 * 1024)));
  for (let i = 0; i < small; i++) put(`share/doc/small/f${String(i).padStart(5, '0')}.txt`, textBlock(4096, i));
  let used = small * 4096;
  let i = 0;
  while (used < budget) {
    const size = Math.min(budget - used, (i % 3 === 0 ? 8 : 2) * MiB);
    // Half text, half random (already-compressed media, binaries' data sections).
    if (i % 2 === 0) put(`share/data/t${i}.txt`, textBlock(size, 1000 + i));
    else put(`lib/blob/b${i}.bin`, crypto.randomBytes(size));
    used += size;
    i++;
  }
  return plist.sort();
}

function timed(cmd: string, args: string[], env: NodeJS.ProcessEnv = process.env): { seconds: number; cpu: number; rssMiB: number; stdout: string } {
  const t0 = process.hrtime.bigint();
  const r = spawnSync('/usr/bin/time', ['-f', 'MAXRSS %M CPU %U %S', cmd, ...args], { encoding: 'utf8', env, maxBuffer: 1 << 24 });
  const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} failed (${r.status}): ${r.stderr}`);
  const m = /MAXRSS (\d+) CPU ([\d.]+) ([\d.]+)/.exec(r.stderr);
  return { seconds, cpu: m ? Number(m[2]) + Number(m[3]) : NaN, rssMiB: m ? Number(m[1]) / 1024 : NaN, stdout: r.stdout };
}

const tsx = path.join(root, 'node_modules/.bin/tsx');
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] as number;

/** Times `tar -czf` and `createPackage` on one tree, `rounds` times each; prints the figures and the ratios. */
function compare(name: string, totalMiB: number, generate: (stage: string, totalMiB: number) => string[]): void {
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'mkpkg-bench-pkg-'));
  try {
    const stage = path.join(tmp, 'stage');
    process.stdout.write(`${name}: generating a ${totalMiB} MiB staged tree in ${tmp} ... `);
    const plist = generate(stage, totalMiB);
    fs.writeFileSync(path.join(tmp, 'PLIST'), `${plist.join('\n')}\n`);
    const bytes = plist.reduce((n, f) => n + fs.statSync(path.join(stage, f)).size, 0);
    process.stdout.write(`${plist.length} files, ${(bytes / 1e6).toFixed(0)} MB\n`);

    // The child measures createPackage alone (tsx start-up is reported apart).
    const child = path.join(tmp, 'child.mts');
    fs.writeFileSync(child, [
      `import fs from 'node:fs';`,
      `import { createPackage } from ${JSON.stringify(path.join(root, 'packages/pkg/src/index.ts'))};`,
      `const plist = fs.readFileSync(${JSON.stringify(path.join(tmp, 'PLIST'))}, 'utf8').split('\\n').filter(Boolean);`,
      `const t0 = performance.now();`,
      `await createPackage({ output: ${JSON.stringify(path.join(tmp, 'bench-1.0.tgz'))}, pkgname: 'bench-1.0', prefix: '/opt/local',`,
      `  stageDir: ${JSON.stringify(stage)}, plist, comment: 'benchmark', descr: 'benchmark', buildInfo: {} });`,
      `console.log('CREATE', (performance.now() - t0) / 1000);`,
    ].join('\n'));

    const runs: Array<{ tar: number; mk: number; mkInner: number; rss: number }> = [];
    for (let r = 0; r < rounds; r++) {
      // Page cache warm for both: each reads the same tree right after the other.
      const t = timed('tar', ['-czf', path.join(tmp, 'base.tgz'), '-C', stage, '.'], { ...process.env, GZIP: '-6' });
      const m = timed(tsx, [child], process.env);
      const inner = Number(/CREATE ([\d.]+)/.exec(m.stdout)?.[1] ?? NaN);
      runs.push({ tar: t.seconds, mk: m.seconds, mkInner: inner, rss: m.rssMiB });
      // CPU time (user + sys, all threads and children) does not depend on the load; wall time does.
      console.log(`  run ${r + 1}: tar -czf ${t.seconds.toFixed(2)} s (CPU ${t.cpu.toFixed(2)} s); mkpkg createPackage ${inner.toFixed(2)} s ` +
        `(process ${m.seconds.toFixed(2)} s, CPU ${m.cpu.toFixed(2)} s), peak RSS ${m.rssMiB.toFixed(0)} MiB; load average ${os.loadavg()[0]!.toFixed(1)}`);
    }
    const ratio = median(runs.map((r) => r.mkInner / r.tar));
    const ratioProc = median(runs.map((r) => r.mk / r.tar));
    const rss = Math.max(...runs.map((r) => r.rss));
    console.log(`  package size: ${(fs.statSync(path.join(tmp, 'bench-1.0.tgz')).size / MiB).toFixed(1)} MiB vs tar ${(fs.statSync(path.join(tmp, 'base.tgz')).size / MiB).toFixed(1)} MiB`);
    console.log(`  ratio createPackage / tar -czf: ${ratio.toFixed(2)} (runs ${runs.map((r) => (r.mkInner / r.tar).toFixed(2)).join(' ')}; ` +
      `whole process incl. tsx start-up: ${ratioProc.toFixed(2)}); goal <= 0.75 -> ${ratio <= 0.75 ? 'met' : 'NOT met'}`);
    console.log(`  peak RSS: ${rss.toFixed(0)} MiB; goal < 150 -> ${rss < 150 ? 'met' : 'NOT met'}`);
  } finally {
    fs.rmSync(tmp, { recursive: true, force: true });
  }
}

console.log(`${os.availableParallelism()} CPUs; load average ${os.loadavg().map((x) => x.toFixed(1)).join(' ')}`);
if (textMiB > 0) compare('text-heavy tree', textMiB, generateText);
if (mixedMiB > 0) compare('half-random tree', mixedMiB, generateMixed);
