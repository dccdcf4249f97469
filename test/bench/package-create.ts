/**
 * `mkpkg create` (the built command a user runs) against `tar -czf` of the
 * same staged tree, measured in the same run (goals: ratio ≤ 0.75 with 2
 * cores, peak RSS of the mkpkg process < 150 MiB), on two trees:
 *
 * * text-heavy, shaped like the one in issue 17 (~296 MB, 4,017 entries):
 *   3,272 small text files (headers, manual pages), 600 larger ones
 *   (sources, documentation), 15 large ones and 130 symlinks; nearly all
 *   compressible text, three of the large files a quarter random;
 * * half random: compressible text and random data (already-compressed
 *   media), half each, and 2,000 small files.
 *
 *   pnpm exec tsx test/bench/package-create.ts [TEXT_MiB [MIXED_MiB [RUNS]]]   (default 282 300 3; 0 MiB skips a tree)
 *
 * Both sides compress with gzip level 6 (gzip's default, which `tar -z`
 * uses). Each round runs tar first, then mkpkg, so the page cache is warm
 * for both; each runs under /usr/bin/time, so the peak RSS is that
 * process's own: mkpkg is packages/mkpkg/bin/mkpkg, the command users run
 * (its sh front end execs node in the same process; no TypeScript loader).
 * The compiled command is built before the first round, so no round pays
 * for a build.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const mkpkg = path.join(root, 'packages/mkpkg/bin/mkpkg');
const textMiB = Number(process.argv[2] ?? 282);
const mixedMiB = Number(process.argv[3] ?? 300);
const rounds = Number(process.argv[4] ?? 3);
const MiB = 1024 * 1024;
const RATIO_GOAL = 0.75;
const RSS_GOAL_MIB = 150;

/** mulberry32: a small seeded generator whose every output bit is usable (an LCG's low bits repeat, which made text gzip found pathologically slow). */
function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
const pick = <T>(r: () => number, a: readonly T[]): T => a[Math.floor(r() * a.length)] as T;
/** An index in [0, n), small ones far more often (word and line frequencies in text are about Zipf's). */
const zipf = (r: () => number, n: number): number => Math.floor(Math.exp(r() * Math.log(n))) - 1;

const SYLLABLES = ['ab', 'ac', 'ad', 'al', 'an', 'ar', 'as', 'at', 'be', 'bi', 'bo', 'ca', 'ce', 'ch', 'co', 'cu', 'de', 'di', 'do', 'el',
  'en', 'er', 'es', 'ex', 'fa', 'fi', 'fo', 'ge', 'gi', 'ha', 'he', 'in', 'is', 'it', 'la', 'le', 'li', 'lo', 'ma', 'me', 'mi', 'mo', 'na',
  'ne', 'no', 'nu', 'ob', 'of', 'on', 'op', 'or', 'ou', 'pa', 'pe', 'po', 'pr', 'qu', 'ra', 're', 'ri', 'ro', 'sa', 'se', 'si', 'so', 'st',
  'ta', 'te', 'th', 'ti', 'to', 'tr', 'un', 'ur', 'us', 'va', 've', 'vi', 'wa', 'we', 'wi', 'xy', 'yo', 'ze'];
const vocabRng = rng(12345);
const VOCAB = Array.from({ length: 3000 }, () => {
  let w = '';
  for (let i = 1 + Math.floor(vocabRng() * 3); i > 0; i--) w += pick(vocabRng, SYLLABLES);
  return w;
});
const SEPARATORS = [' ', ' ', ' ', ' ', ', ', '(', ') ', '_', '->', ' = ', '; ', '.'];
const INDENTS = ['', '\t', '\t\t', '    ', '        ', ' * ', '\t\t\t'];
const TYPES = ['int', 'unsigned int', 'const char *', 'size_t', 'void *', 'struct stat *', 'uint32_t', 'long'];
const word = (r: () => number): string => VOCAB[zipf(r, VOCAB.length)] as string;
function sourceLine(r: () => number): string {
  let s = pick(r, INDENTS);
  const n = 2 + Math.floor(r() * 9);
  for (let i = 0; i < n; i++) s += word(r) + (i + 1 < n ? pick(r, SEPARATORS) : '');
  return `${s}${r() < 0.5 ? ';' : ''}\n`;
}
/** Lines that recur, in runs, across files: code and prose repeat whole passages. */
const LINES = Array.from({ length: 10000 }, () => sourceLine(vocabRng));

/**
 * Text like sources and documentation (about 5× with gzip -6) or like
 * headers (defines, prototypes, struct members and comments over a few
 * dozen names; about 5.5×). The same bytes for the same seed.
 */
function textBlock(bytes: number, seed: number, style: 'source' | 'header'): Buffer {
  const r = rng(seed);
  const out = Buffer.allocUnsafe(bytes);
  const prefix = word(r).toUpperCase();
  const names = Array.from({ length: 40 }, () => word(r));
  const name = (): string => names[zipf(r, names.length)] as string;
  let n = 0;
  while (n < bytes) {
    const x = r();
    if (style === 'header') {
      const id = `${prefix}_${name().toUpperCase()}`;
      const line = x < 0.02 ? `/*\n * ${name()} ${name()}\n */\n`
        : x < 0.35 ? `#define ${id}${' '.repeat(1 + Math.floor(r() * 16))}${r() < 0.5 ? `0x${Math.floor(r() * 65536).toString(16).padStart(4, '0')}` : `(${prefix}_BASE + ${Math.floor(r() * 64)})`}\n`
          : x < 0.6 ? `extern ${pick(r, TYPES)} ${prefix.toLowerCase()}_${name()}_${name()}(${pick(r, TYPES)}, ${pick(r, TYPES)});\n`
            : x < 0.8 ? ` * ${name()} ${name()} ${name()} ${name()} ${name()} ${name()}.\n`
              : `\t${pick(r, TYPES)}\t${name()}_${name()};\t/* ${name()} ${name()} */\n`;
      n += out.write(line, n, 'latin1');
    } else if (x < 0.15) {
      n += out.write(sourceLine(r), n, 'latin1');
    } else {
      const first = zipf(r, LINES.length);
      const last = Math.min(LINES.length, first + 1 + Math.floor(r() * 16));
      for (let i = first; i < last && n < bytes; i++) n += out.write(LINES[i] as string, n, 'latin1');
    }
  }
  return out;
}

interface Tree { plist: string[]; put: (rel: string, data: Buffer) => void; link: (rel: string, target: string) => void }

function tree(stage: string): Tree {
  const plist: string[] = [];
  const made = new Set<string>();
  const dirOf = (rel: string) => {
    const d = path.dirname(path.join(stage, rel));
    if (!made.has(d)) fs.mkdirSync(d, { recursive: true });
    made.add(d);
  };
  return {
    plist,
    put: (rel, data) => { dirOf(rel); fs.writeFileSync(path.join(stage, rel), data); plist.push(rel); },
    link: (rel, target) => { dirOf(rel); fs.symlinkSync(target, path.join(stage, rel)); plist.push(rel); },
  };
}

/**
 * A text-heavy tree of about `totalMiB`, shaped like issue 17's: 3,272
 * small text files (1-12 KiB: headers, manual pages, documentation), 600
 * larger ones (sources), 15 large ones (big generated sources, data) and
 * 130 symlinks (4,017 entries); every fifth large file is a quarter random
 * (an embedded blob), so the tree is mostly but not only compressible.
 * Deterministic: the same tree every run.
 */
function generateText(stage: string, totalMiB: number): string[] {
  const t = tree(stage);
  const budget = totalMiB * MiB;
  const r = rng(7);
  let used = 0;
  for (let i = 0; i < 3272; i++) {
    const size = 1024 + Math.floor(r() * 11 * 1024);
    const where = i % 3 === 0 ? `include/pkg${i % 40}/f${i}.h` : i % 3 === 1 ? `man/man${1 + (i % 8)}/f${i}.${1 + (i % 8)}` : `share/doc/pkg${i % 25}/f${i}.txt`;
    t.put(where, textBlock(size, i, i % 3 === 0 ? 'header' : 'source'));
    used += size;
  }
  // Of what is left, about 60 % in the 600 larger files, the rest in the 15 large ones.
  const mid = Math.max(4096, Math.floor(((budget - used) * 0.6) / 600));
  for (let i = 0; i < 600; i++) {
    const size = Math.floor(mid / 2) + Math.floor(r() * mid);
    t.put(`share/pkg/src${i % 12}/part${i}.c`, textBlock(size, 5000 + i, i % 4 === 0 ? 'header' : 'source'));
    used += size;
  }
  const large = Math.max(4096, Math.floor((budget - used) / 15));
  for (let i = 0; i < 15; i++) {
    const text = textBlock(large, 9000 + i, 'source');
    if (i % 5 === 4) crypto.randomFillSync(text, 0, large >> 2);
    t.put(`share/pkg/data/large${i}.dat`, text);
  }
  for (let i = 0; i < 130; i++) t.link(`lib/liblink${i}.so`, `../share/pkg/src${i % 12}/part${i}.c`);
  return t.plist.sort();
}

function generateMixed(stage: string, totalMiB: number): string[] {
  const t = tree(stage);
  const budget = totalMiB * MiB;
  const small = Math.min(2000, Math.floor(budget / (64 * 1024)));
  for (let i = 0; i < small; i++) t.put(`share/doc/small/f${String(i).padStart(5, '0')}.txt`, textBlock(4096, i, 'source'));
  let used = small * 4096;
  for (let i = 0; used < budget; i++) {
    const size = Math.min(budget - used, (i % 3 === 0 ? 8 : 2) * MiB);
    // Half text, half random (already-compressed media, binaries' data sections).
    if (i % 2 === 0) t.put(`share/data/t${i}.txt`, textBlock(size, 1000 + i, 'source'));
    else t.put(`lib/blob/b${i}.bin`, crypto.randomBytes(size));
    used += size;
  }
  return t.plist.sort();
}

interface Sample { seconds: number; cpu: number; rssMiB: number }

/** Runs a command under /usr/bin/time (stdout discarded): wall time, user + sys CPU of it and its threads, its peak RSS. */
function timed(cmd: string, args: string[], env: NodeJS.ProcessEnv, cwd: string): Sample {
  const t0 = process.hrtime.bigint();
  const r = spawnSync('/usr/bin/time', ['-f', 'MAXRSS %M CPU %U %S', cmd, ...args], { encoding: 'utf8', env, cwd, stdio: ['ignore', 'ignore', 'pipe'] });
  const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
  if (r.error) throw new Error(`cannot run /usr/bin/time (${r.error.message}): install it (Debian: apt-get install time)`);
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} failed (${r.status}): ${r.stderr}`);
  const m = /MAXRSS (\d+) CPU ([\d.]+) ([\d.]+)/.exec(r.stderr);
  if (!m) throw new Error(`no figures from /usr/bin/time: ${r.stderr}`);
  return { seconds, cpu: Number(m[2]) + Number(m[3]), rssMiB: Number(m[1]) / 1024 };
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] as number;
const load = () => os.loadavg()[0]!.toFixed(1);

/** Times `tar -czf` and `mkpkg create` on one tree, `rounds` times each; prints the figures, the ratio and the peak RSS against the goals. */
function compare(name: string, totalMiB: number, generate: (stage: string, totalMiB: number) => string[]): boolean {
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'mkpkg-bench-pkg-'));
  try {
    const stage = path.join(tmp, 'stage');
    process.stdout.write(`${name}: generating a ${totalMiB} MiB staged tree in ${tmp} ... `);
    const plist = generate(stage, totalMiB);
    const plistFile = path.join(tmp, 'PLIST');
    fs.writeFileSync(plistFile, `${plist.join('\n')}\n`);
    fs.writeFileSync(path.join(tmp, 'DESCR'), 'A staged tree for the package creation benchmark.\n');
    const bytes = plist.reduce((n, f) => n + fs.lstatSync(path.join(stage, f)).size, 0);
    process.stdout.write(`${plist.length} entries, ${(bytes / 1e6).toFixed(0)} MB\n`);

    const pkg = path.join(tmp, 'out', 'bench-1.0.tgz');
    const base = path.join(tmp, 'base.tgz');
    const env = { ...process.env, SOURCE_DATE_EPOCH: '1700000000' };
    const create = ['create', '-o', pkg, '--name', 'bench-1.0', '--prefix', '/opt/local', '--stage', stage,
      '--plist', plistFile, '--comment', 'package creation benchmark', '--descr', path.join(tmp, 'DESCR')];
    const runs: Array<{ tar: Sample; mk: Sample }> = [];
    for (let r = 0; r < rounds; r++) {
      const tar = timed('tar', ['-czf', base, '-C', stage, '.'], env, tmp);
      const mk = timed(mkpkg, create, env, tmp);
      runs.push({ tar, mk });
      // CPU time (user + sys, all threads) does not depend on the load; wall time does.
      console.log(`  run ${r + 1}: tar -czf ${tar.seconds.toFixed(2)} s (CPU ${tar.cpu.toFixed(2)} s); mkpkg create ${mk.seconds.toFixed(2)} s ` +
        `(CPU ${mk.cpu.toFixed(2)} s), peak RSS ${mk.rssMiB.toFixed(0)} MiB; ratio ${(mk.seconds / tar.seconds).toFixed(2)}; load average ${load()}`);
    }
    // The package must be one gzip stream a reader takes whole.
    execFileSync('gzip', ['-t', pkg]);
    const ratio = median(runs.map((r) => r.mk.seconds / r.tar.seconds));
    const rss = Math.max(...runs.map((r) => r.mk.rssMiB));
    const ratioMet = ratio <= RATIO_GOAL;
    const rssMet = rss < RSS_GOAL_MIB;
    console.log(`  package ${(fs.statSync(pkg).size / MiB).toFixed(1)} MiB, tar -czf ${(fs.statSync(base).size / MiB).toFixed(1)} MiB`);
    console.log(`  ratio mkpkg create / tar -czf (median): ${ratio.toFixed(2)} (runs ${runs.map((r) => (r.mk.seconds / r.tar.seconds).toFixed(2)).join(' ')}; ` +
      `CPU ratio ${median(runs.map((r) => r.mk.cpu / r.tar.cpu)).toFixed(2)}); goal <= ${RATIO_GOAL} -> ${ratioMet ? 'met' : 'NOT met'}`);
    console.log(`  peak RSS of mkpkg create (highest of the runs): ${rss.toFixed(0)} MiB; goal < ${RSS_GOAL_MIB} MiB -> ${rssMet ? 'met' : 'NOT met'}`);
    return ratioMet && rssMet;
  } finally {
    fs.rmSync(tmp, { recursive: true, force: true });
  }
}

console.log(`${os.availableParallelism()} CPUs; load average ${os.loadavg().map((x) => x.toFixed(1)).join(' ')}`);
// A stale dist/ would be rebuilt by the first measured run, inside its time and RSS.
execFileSync(process.execPath, [path.join(root, 'scripts/build-commands.mjs')], { stdio: 'inherit' });
let met = true;
if (textMiB > 0) met = compare('text-heavy tree', textMiB, generateText) && met;
if (mixedMiB > 0) met = compare('half-random tree', mixedMiB, generateMixed) && met;
console.log(met ? 'all goals met' : 'some goals NOT met');
