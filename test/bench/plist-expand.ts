/**
 * plist-expand speed and memory against `awk '{print}'` on the same file,
 * measured in the same run (goals: ratio ≤ 10 on 1M lines and on the same
 * file four times over; the 4× input ≤ 4.5× the time and ≤ 1.1× the peak
 * RSS of the 1× input, with stderr to a file and to a slowly read pipe).
 * The same goal is shown for more shapes of the 1M lines: a quarter written
 * through `${VAR}`s (also substituted, as mkpkg's PLIST step does), a
 * twentieth with non-ASCII names or dotfiles, CRLF endings, and the
 * expansion of the 1M lines expanded again. Input and output are
 * streamed; what grows is the de-dup table, which exact de-dup cannot do
 * without (it must recognise any line printed so far): the 1M vs 250k peak
 * RSS shows by how much per line, next to how many bytes a line of input is.
 *
 *   pnpm exec tsx test/bench/plist-expand.ts [LINES]
 */
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { createWriteStream, mkdtempSync, openSync, closeSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { DUPLICATE_WARNINGS } from '../../packages/plist/src/expand.ts';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const bin = path.join(root, 'packages/plist/bin/plist-expand');
const big = Number(process.argv[2] ?? 1_000_000);
const small = Math.round(big / 4);

/** A realistic mix: commands, libraries, headers, data, manuals, @-lines; no duplicates. */
async function generate(file: string, lines: number): Promise<void> {
  const out = createWriteStream(file, { highWaterMark: 1 << 20 });
  let seed = 12345;
  const rnd = (n: number): number => {
    seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
    return (seed >>> 8) % n;
  };
  const words = ['core', 'util', 'net', 'http', 'xml', 'json', 'crypto', 'io', 'text', 'gfx', 'audio', 'db'];
  let buf = '';
  for (let i = 0; i < lines; i++) {
    const w = words[rnd(words.length)]!;
    const pkg = `p${(i / 40) | 0}`;
    let l: string;
    switch (rnd(20)) {
      case 0: case 1: l = `bin/${pkg}-${w}${i}`; break;
      case 2: l = `sbin/${pkg}d${i}`; break;
      case 3: case 4: l = `lib/lib${pkg}${w}${i}.so.1`; break;
      case 5: l = `lib/pkgconfig/${pkg}-${w}${i}.pc`; break;
      case 6: case 7: l = `include/${pkg}/${w}${i}.h`; break;
      case 8: l = `include${'${INCARCHSUFFIX}'}/${pkg}/config${i}.h`; break;
      case 9: case 10: case 11: l = `share/${pkg}/${w}/data${i}.dat`; break;
      case 12: case 13: l = `man/man${1 + rnd(8)}/${pkg}-${w}${i}.${1 + rnd(8)}`; break;
      case 14: l = `share/doc/${pkg}/README${i}`; break;
      case 15: l = `lib/${pkg}/plugins/${w}${i}.so`; break;
      case 16: l = `@comment ${pkg} ${w} ${i}`; break;
      case 17: l = `@pkgdir share/${pkg}/empty${i}`; break;
      case 18: l = `lib/svc/manifest/${pkg}${i}.xml`; break;
      default: l = `share/locale/${w}/LC_MESSAGES/${pkg}${i}.mo`;
    }
    buf += l + '\n';
    if (buf.length > 1 << 20) {
      if (!out.write(buf)) await new Promise<void>((r) => out.once('drain', () => r()));
      buf = '';
    }
  }
  out.end(buf);
  await new Promise<void>((r) => out.on('close', () => r()));
}

interface Sample {
  seconds: number;
  /** CPU time (user + system) of the command, from bash's `time`: a load-independent view. */
  cpu: number;
  peakMiB: number;
}

/** Where a measured command's stderr goes: ours, a file, or a pipe this process reads (slowly: a few KiB every 50 ms). */
type Stderr = 'inherit' | { file: string } | 'pipe';

/**
 * Runs a command as a shell would (stdout to /dev/null) under bash's `time`:
 * wall and CPU time, and the peak RSS (VmHWM) polled from /proc.
 */
function measure(cmd: string, args: string[], stderr: Stderr = 'inherit'): Promise<Sample> {
  return new Promise((resolve, reject) => {
    const timing = path.join(dir, `time.${process.pid}`);
    const errFd = typeof stderr === 'object' ? openSync(stderr.file, 'w') : undefined;
    // The command's stderr is fd 3 (what `stderr` says); `time` reports to a file of ours.
    const script = 'TIMEFORMAT="@@ %R %U %S"; { time "$@" 2>&3 >/dev/null; } 3>&2 2>"$TIMING"';
    const child: ChildProcess = spawn('bash', ['-c', script, 'bash', cmd, ...args], {
      stdio: ['ignore', 'ignore', errFd ?? (stderr as 'inherit' | 'pipe')],
      env: { ...process.env, TIMING: timing },
    });
    if (errFd !== undefined) closeSync(errFd);
    if (child.stderr) {
      // A slow reader: the command must neither block on it nor buffer for it without bound.
      const slow = setInterval(() => child.stderr!.read(4096), 50);
      child.stderr.on('end', () => clearInterval(slow));
      child.stderr.pause();
    }
    let peakKiB = 0;
    const poll = (): void => {
      try {
        // bash's child: the command.
        for (const pid of readFileSync(`/proc/${child.pid}/task/${child.pid}/children`, 'utf8').split(' ').filter(Boolean)) {
          const m = /VmHWM:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
          if (m) peakKiB = Math.max(peakKiB, Number(m[1]));
        }
      } catch {
        /* exited between polls */
      }
    };
    const timer = setInterval(poll, 5);
    child.on('error', reject);
    child.on('exit', (code) => {
      clearInterval(timer);
      const m = /@@ ([\d.]+) ([\d.]+) ([\d.]+)/.exec(readFileSync(timing, 'utf8'));
      if (code !== 0 || m === null) reject(new Error(`${cmd} ${args.join(' ')}: exit ${code}`));
      else resolve({ seconds: Number(m[1]), cpu: Number(m[2]) + Number(m[3]), peakMiB: peakKiB / 1024 });
    });
  });
}

/**
 * The fastest of a few runs of each command, the commands taking turns (so
 * that a neighbour's load falls on all of them alike); peak RSS is the
 * highest seen.
 */
async function bestOf(runs: number, ...cmds: { cmd: string; args: string[]; stderr?: Stderr }[]): Promise<Sample[]> {
  const best: Sample[] = cmds.map(() => ({ seconds: Infinity, cpu: Infinity, peakMiB: 0 }));
  for (let i = 0; i < runs; i++) {
    for (const [k, c] of cmds.entries()) {
      const n = await measure(c.cmd, c.args, c.stderr);
      const r = best[k]!;
      best[k] = { seconds: Math.min(r.seconds, n.seconds), cpu: Math.min(r.cpu, n.cpu), peakMiB: Math.max(r.peakMiB, n.peakMiB) };
    }
  }
  return best;
}

const verdict = (value: number, goal: number): string => `${value.toFixed(2)} (goal <= ${goal}: ${value <= goal ? 'met' : 'NOT met'})`;

const dir = mkdtempSync(path.join(os.tmpdir(), 'plist-bench-'));
try {
  const bigFile = path.join(dir, 'PLIST.big');
  const smallFile = path.join(dir, 'PLIST.small');
  const fourFile = path.join(dir, 'PLIST.4x');
  await generate(bigFile, big);
  await generate(smallFile, small);
  // The same file four times over: three lines in four are duplicates (issue 17).
  const once = readFileSync(bigFile);
  writeFileSync(fourFile, Buffer.concat([once, once, once, once]));
  // pkgsrc's own PLISTs write many paths through variables that plist-expand leaves as they are
  // (${PKGMANDIR}, ${PYSITELIB}, ${PLIST.x}, the RCS id): the same lines, a quarter of them so.
  const varsFile = path.join(dir, 'PLIST.vars');
  writeFileSync(
    varsFile,
    once
      .toString('latin1')
      .replace(/^man\//gm, '${PKGMANDIR}/')
      .replace(/^share\/doc\//gm, 'share/doc/${PKGBASE}/')
      .replace(/^lib\/(p\d+)\/plugins\//gm, '${PYSITELIB}/$1/')
      .replace(/^share\/locale\/(\w+)\/LC_MESSAGES\/(p\d+)(\d)/gm, '${PLIST.nls}share/locale/$1/LC_MESSAGES/$2$3')
      .replace(/^@comment (p\d+) core/gm, '@comment $$NetBSD$$ $1'),
    'latin1',
  );
  // Names that are not plain ASCII paths: a twentieth of the lines with a non-ASCII name or a
  // dotfile ('.keep', '.packlist'), as locale data and Perl or Python packages have.
  const oddFile = path.join(dir, 'PLIST.odd');
  let n = 0;
  writeFileSync(
    oddFile,
    once.toString('latin1').replace(/^share\/(.*)$/gm, (l, rest: string) => (++n % 10 === 0 ? `share/é${rest}` : n % 10 === 5 ? `${l}/.keep` : l)),
    'utf8',
  );
  // The same lines with CRLF endings (read as LF, with one warning).
  const crlfFile = path.join(dir, 'PLIST.crlf');
  writeFileSync(crlfFile, once.toString('latin1').replace(/\n/g, '\r\n'), 'latin1');
  const expandOpts = ['--opsys', 'SunOS', '--multiarch', 'bin,lib'];
  // A PLIST expanded before (a third of its lines under ABI dirs, an @link line per command), expanded again.
  const expandedFile = path.join(dir, 'PLIST.expanded');
  {
    const out = openSync(expandedFile, 'w');
    const r = spawnSync(bin, [...expandOpts, bigFile], { stdio: ['ignore', out, 'ignore'] });
    closeSync(out);
    if (r.status !== 0) throw new Error(`${bin}: exit ${r.status}`);
  }
  // The command as a user runs it: the bin (a sh front end starting node), which runs the compiled dist/.
  const expand = (f: string, stderr?: Stderr) => ({ cmd: bin, args: [...expandOpts, f], stderr });
  const awkOn = (f: string) => ({ cmd: 'awk', args: ['{print}', f] });
  // In a checkout the bin rebuilds a stale dist/ first: let that happen before timing.
  await measure(bin, ['--help']);
  const load = os.loadavg()[0]!;
  const [awk, px, pxSmall, noop] = (await bestOf(5, awkOn(bigFile), expand(bigFile), expand(smallFile), { cmd: bin, args: ['--help'] })) as [Sample, Sample, Sample, Sample];
  // The same with PLIST_SUBST and PLIST_VARS given, as mkpkg's PLIST step gives them: the variables are substituted.
  const withSubst = { cmd: bin, args: [...expandOpts, '--subst', 'PKGMANDIR=man', '--subst', 'PKGBASE=foo', '--subst', 'PYSITELIB=lib/python3.11/site-packages', '--plist-var', 'nls=yes', varsFile] };
  const [awkVars, pxVars, pxSubst] = (await bestOf(5, awkOn(varsFile), expand(varsFile), withSubst)) as [Sample, Sample, Sample];
  const [awkOdd, pxOdd] = (await bestOf(5, awkOn(oddFile), expand(oddFile))) as [Sample, Sample];
  const [awkCrlf, pxCrlf] = (await bestOf(5, awkOn(crlfFile), expand(crlfFile, { file: path.join(dir, 'stderr.crlf') }))) as [Sample, Sample];
  const [awkExp, pxExp] = (await bestOf(5, awkOn(expandedFile), expand(expandedFile, { file: path.join(dir, 'stderr.expanded') }))) as [Sample, Sample];
  const errFile = path.join(dir, 'stderr');
  const [awk4, px4File, px4Pipe] = (await bestOf(5, awkOn(fourFile), expand(fourFile, { file: errFile }), expand(fourFile, 'pipe'))) as [Sample, Sample, Sample];
  const mb = (statSync(bigFile).size / 1e6).toFixed(1);
  console.log(`input: ${big} lines (${mb} MB), multiarch bin,lib, SunOS ABIs 64 32; load average ${load.toFixed(1)} before, ${os.loadavg()[0]!.toFixed(1)} after, on ${os.cpus().length} CPUs`);
  console.log(`awk '{print}':  ${awk.seconds.toFixed(3)} s wall, ${awk.cpu.toFixed(2)} s CPU`);
  console.log(`plist-expand:   ${px.seconds.toFixed(3)} s wall, ${px.cpu.toFixed(2)} s CPU (start-up alone, --help: ${noop.seconds.toFixed(3)} s wall, ${noop.cpu.toFixed(2)} s CPU)`);
  console.log(`1x: plist-expand / awk, wall ${verdict(px.seconds / awk.seconds, 10)}; CPU ${(px.cpu / Math.max(awk.cpu, 0.01)).toFixed(2)}`);
  const perLine = ((px.peakMiB - pxSmall.peakMiB) * 2 ** 20) / (big - small);
  console.log(
    `peak RSS: ${px.peakMiB.toFixed(0)} MiB for ${big} lines, ${pxSmall.peakMiB.toFixed(0)} MiB for ${small} lines ` +
      `(start-up alone ${noop.peakMiB.toFixed(0)} MiB): ${perLine.toFixed(0)} bytes more per line ` +
      `(a line of input is ${(statSync(bigFile).size / big).toFixed(0)} bytes)`,
  );
  const withVars = readFileSync(varsFile, 'latin1').split('\n').filter((l) => l.includes('$')).length;
  console.log(`1x with \${VAR} lines (${withVars} of ${big} lines have a '$'): awk ${awkVars.seconds.toFixed(3)} s, plist-expand ${pxVars.seconds.toFixed(3)} s wall, ${pxVars.cpu.toFixed(2)} s CPU`);
  console.log(`  plist-expand / awk, wall ${verdict(pxVars.seconds / awkVars.seconds, 10)}; CPU ${(pxVars.cpu / Math.max(awkVars.cpu, 0.01)).toFixed(2)}`);
  console.log(`  with --subst and --plist-var (substituted): ${pxSubst.seconds.toFixed(3)} s wall, ${pxSubst.cpu.toFixed(2)} s CPU; / awk, wall ${verdict(pxSubst.seconds / awkVars.seconds, 10)}; CPU ${(pxSubst.cpu / Math.max(awkVars.cpu, 0.01)).toFixed(2)}`);
  const oddLines = readFileSync(oddFile, 'utf8').split('\n').filter((l) => /é|\/\.keep$/.test(l)).length;
  console.log(`1x with odd names (${oddLines} lines non-ASCII or with a '.keep' component): awk ${awkOdd.seconds.toFixed(3)} s, plist-expand ${pxOdd.seconds.toFixed(3)} s wall, ${pxOdd.cpu.toFixed(2)} s CPU`);
  console.log(`  plist-expand / awk, wall ${verdict(pxOdd.seconds / awkOdd.seconds, 10)}; CPU ${(pxOdd.cpu / Math.max(awkOdd.cpu, 0.01)).toFixed(2)}`);
  console.log(`1x with CRLF endings: awk ${awkCrlf.seconds.toFixed(3)} s, plist-expand ${pxCrlf.seconds.toFixed(3)} s wall, ${pxCrlf.cpu.toFixed(2)} s CPU`);
  console.log(`  plist-expand / awk, wall ${verdict(pxCrlf.seconds / awkCrlf.seconds, 10)}; CPU ${(pxCrlf.cpu / Math.max(awkCrlf.cpu, 0.01)).toFixed(2)}`);
  const expLines = readFileSync(expandedFile, 'latin1').split('\n').length - 1;
  console.log(`the 1x output expanded again (${expLines} lines): awk ${awkExp.seconds.toFixed(3)} s, plist-expand ${pxExp.seconds.toFixed(3)} s wall, ${pxExp.cpu.toFixed(2)} s CPU`);
  console.log(`  plist-expand / awk, wall ${verdict(pxExp.seconds / awkExp.seconds, 10)}; CPU ${(pxExp.cpu / Math.max(awkExp.cpu, 0.01)).toFixed(2)}`);
  const warned = readFileSync(errFile, 'utf8').split('\n').filter(Boolean).length;
  console.log(`4x input (${4 * big} lines, ${3 * big} duplicates): awk ${awk4.seconds.toFixed(3)} s wall, ${awk4.cpu.toFixed(2)} s CPU`);
  console.log(`  warnings: ${warned} lines on stderr (goal: capped, at most ${DUPLICATE_WARNINGS + 1}: ${warned <= DUPLICATE_WARNINGS + 1 ? 'met' : 'NOT met'})`);
  for (const [how, r] of [['stderr to a file', px4File], ['stderr to a slow pipe', px4Pipe]] as const) {
    console.log(`  ${how}: ${r.seconds.toFixed(3)} s wall, ${r.cpu.toFixed(2)} s CPU, peak ${r.peakMiB.toFixed(0)} MiB`);
    console.log(`    4x: plist-expand / awk, wall ${verdict(r.seconds / awk4.seconds, 10)}; CPU ${(r.cpu / Math.max(awk4.cpu, 0.01)).toFixed(2)}`);
    console.log(`    4x / 1x time, wall ${verdict(r.seconds / px.seconds, 4.5)}; CPU ${(r.cpu / px.cpu).toFixed(2)}`);
    console.log(`    4x / 1x peak RSS ${verdict(r.peakMiB / px.peakMiB, 1.1)}`);
  }
} finally {
  rmSync(dir, { recursive: true, force: true });
}
