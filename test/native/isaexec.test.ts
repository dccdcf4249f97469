// isaexec as installed: the default build (static, musl-gcc where present)
// dispatching to real gcc -m32/-m64 programs.  The shell tests in
// native/tests/isaexec.sh cover the same behaviour under the sanitizer and
// valgrind builds; this suite checks the shipped binary, `make install`, and
// what a shell cannot express (arbitrary argv[0], the child's pid, signals).
import { spawn, spawnSync } from 'node:child_process';
import { chmod, copyFile, link, mkdir, mkdtemp, readFile, rm, stat, symlink } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { needs32 } from '../lib/abi32.ts';
import { instrumentedRuns } from '../lib/native.ts';

const root = fileURLToPath(new URL('../..', import.meta.url));
const nativeDir = join(root, 'native');
const targetSrc = join(nativeDir, 'isaexec', 'testtarget.c');

type Isa = 'amd64' | 'i86';
interface Run { status: number | null; signal: NodeJS.Signals | null; stdout: string; stderr: string; pid: number }
/** What the test target reports about itself (see native/isaexec/testtarget.c). */
interface Report { bits: number; pid: number; argv: string[]; env: string[] }

let tmp: string;
let isaexec: string;
const targets = {} as Record<Isa, string>;

function must(cmd: string, args: string[], cwd = root): string {
  const r = spawnSync(cmd, args, { cwd, encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} failed (${r.status}):\n${r.stdout}${r.stderr}`);
  return r.stdout;
}

/** ELF class (32/64) and whether it names a program interpreter (dynamic). */
async function elfInfo(file: string): Promise<{ bits: 32 | 64; dynamic: boolean }> {
  const b = await readFile(file);
  expect(b.subarray(0, 4).toString('latin1')).toBe('\x7fELF');
  const bits = b[4] === 2 ? 64 : 32;
  const phoff = bits === 64 ? Number(b.readBigUInt64LE(0x20)) : b.readUInt32LE(0x1c);
  const phentsize = b.readUInt16LE(bits === 64 ? 0x36 : 0x2a);
  const phnum = b.readUInt16LE(bits === 64 ? 0x38 : 0x2c);
  let dynamic = false;
  for (let i = 0; i < phnum; i++) if (b.readUInt32LE(phoff + i * phentsize) === 3 /* PT_INTERP */) dynamic = true;
  return { bits, dynamic };
}

/** Runs a command and waits; the pid is the one the kernel gave the child. */
function run(file: string, args: string[], opts: { env?: NodeJS.ProcessEnv; argv0?: string; cwd?: string; timeoutMs?: number } = {}): Promise<Run> {
  return new Promise((resolve, reject) => {
    const env = opts.env ?? withoutAbi();
    const child = spawn(file, args, { env, argv0: opts.argv0, cwd: opts.cwd ?? tmp, ...(opts.timeoutMs ? { timeout: opts.timeoutMs, killSignal: 'SIGKILL' as const } : {}) });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    child.on('error', reject);
    child.on('close', (status, signal) => resolve({ status, signal, stdout, stderr, pid: child.pid ?? -1 }));
  });
}

function withoutAbi(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env = { ...process.env, ...extra };
  if (!('ABI' in extra)) delete env.ABI;
  return env;
}

function unescape(s: string): string {
  return s.replace(/\\(\\|n)/g, (_, c: string) => (c === 'n' ? '\n' : '\\'));
}

function report(r: Run): Report {
  expect(r.stderr).toBe('');
  expect(r.status).toBe(0);
  const lines = r.stdout.split('\n');
  const get = (k: string) => lines.find((l) => l.startsWith(`${k}=`))?.slice(k.length + 1);
  const argv = lines.filter((l) => /^argv\[\d+\]=/.test(l)).map((l) => unescape(l.slice(l.indexOf('=') + 1)));
  const env = lines.filter((l) => l.startsWith('env=')).map((l) => unescape(l.slice(4)));
  expect(Number(get('argc'))).toBe(argv.length);
  return { bits: Number(get('bits')), pid: Number(get('pid')), argv, env };
}

/** A prefix with lib/isaexec, bin/foo hard-linked to it and the given ISAs installed. */
async function prefix(name: string, isas: Isa[]): Promise<string> {
  const p = join(tmp, name);
  await mkdir(join(p, 'lib'), { recursive: true });
  await mkdir(join(p, 'bin'), { recursive: true });
  await copyFile(isaexec, join(p, 'lib', 'isaexec'));
  await chmod(join(p, 'lib', 'isaexec'), 0o755);
  await link(join(p, 'lib', 'isaexec'), join(p, 'bin', 'foo'));
  for (const isa of isas) {
    await mkdir(join(p, 'bin', isa), { recursive: true });
    await copyFile(targets[isa], join(p, 'bin', isa, 'foo'));
    await chmod(join(p, 'bin', isa, 'foo'), 0o755);
  }
  return p;
}

beforeAll(async () => {
  tmp = await mkdtemp(join(tmpdir(), 'isaexec-test-'));
  const build = join(tmp, 'build');
  // Only the isaexec target: the default compiler choice of native/Makefile.
  must('make', ['-s', '-C', nativeDir, `BUILD=${build}`, join(build, 'isaexec')]);
  isaexec = join(build, 'isaexec');
  targets.amd64 = join(tmp, 't64');
  targets.i86 = join(tmp, 't32');
  must('gcc', ['-m64', '-O', '-o', targets.amd64, targetSrc]);
  must('gcc', ['-m32', '-O', '-o', targets.i86, targetSrc]);
});

afterAll(async () => {
  if (tmp) await rm(tmp, { recursive: true, force: true });
});

describe('the build', () => {
  it('is a static 64-bit binary, and the targets really are 32- and 64-bit', async () => {
    expect(await elfInfo(isaexec)).toEqual({ bits: 64, dynamic: false });
    expect((await elfInfo(targets.amd64)).bits).toBe(64);
    expect((await elfInfo(targets.i86)).bits).toBe(32);
  });

  it('make install puts lib/isaexec and its man page under DESTDIR/PREFIX', async () => {
    const dest = join(tmp, 'dest');
    const build = join(tmp, 'build-install');
    must('make', ['-s', '-C', nativeDir, `BUILD=${build}`, `DESTDIR=${dest}`, 'PREFIX=/opt/pkg', 'install']);
    const lib = join(dest, 'opt/pkg/lib/isaexec');
    expect((await stat(lib)).mode & 0o777).toBe(0o755);
    const man = await readFile(join(dest, 'opt/pkg/man/man1/isaexec.1'), 'utf8');
    for (const section of ['ENVIRONMENT', 'EXIT STATUS', 'EXAMPLES']) expect(man).toContain(`.Sh ${section}`);
  });

  it('a command hard-linked to the installed copy dispatches (to a 32-bit program)', async (ctx) => {
    needs32(ctx);
    const dest = join(tmp, 'dest');
    const lib = join(dest, 'opt/pkg/lib/isaexec');
    await mkdir(join(dest, 'opt/pkg/bin/i86'), { recursive: true });
    await copyFile(targets.i86, join(dest, 'opt/pkg/bin/i86/foo'));
    await chmod(join(dest, 'opt/pkg/bin/i86/foo'), 0o755);
    await link(lib, join(dest, 'opt/pkg/bin/foo'));
    expect((await stat(join(dest, 'opt/pkg/bin/foo'))).ino).toBe((await stat(lib)).ino);
    expect(report(await run(join(dest, 'opt/pkg/bin/foo'), [])).bits).toBe(32);
  });
});

const hasGroff = spawnSync('groff', ['--version']).status === 0;

describe('the man page', () => {
  it('is valid mdoc: groff -mdoc -ww renders it without a warning', (ctx) => {
    ctx.skip(!hasGroff, 'groff is not installed (Debian: groff-base; scripts/setup test installs it)');
    const r = spawnSync('groff', ['-mdoc', '-Tutf8', '-ww', '-z', join(nativeDir, 'isaexec', 'isaexec.1')], { encoding: 'utf8' });
    expect([r.status, r.stderr]).toEqual([0, '']);
  });
});

describe('which ISA runs', () => {
  // [installed, ABI (undefined = unset), bits expected or the failure]
  const cases: [Isa[], string | undefined, number | { status: number; message: (p: string) => string }][] = [
    [['amd64', 'i86'], undefined, 64],
    [['amd64', 'i86'], '', 64],
    [['amd64', 'i86'], '32', 32],
    [['amd64', 'i86'], 'i86', 32],
    [['amd64', 'i86'], '64', 64],
    [['amd64', 'i86'], 'amd64', 64],
    [['i86'], undefined, 32],
    [['amd64'], undefined, 64],
    [['i86'], '64', { status: 127, message: (p) => `isaexec: foo: not found in ${p}/bin/amd64 (ABI=64; unset ABI to run any installed ISA)\n` }],
    [['amd64'], 'i86', { status: 127, message: (p) => `isaexec: foo: not found in ${p}/bin/i86 (ABI=i86; unset ABI to run any installed ISA)\n` }],
    [[], undefined, { status: 127, message: (p) => `isaexec: foo: not found in ${p}/bin/amd64, ${p}/bin/i86\n` }],
    [['amd64', 'i86'], 'x86_64', { status: 127, message: () => 'isaexec: foo: unknown ABI value "x86_64" (accepted: 32, i86, 64, amd64, or unset)\n' }],
    [['amd64', 'i86'], ' 64', { status: 127, message: () => 'isaexec: foo: unknown ABI value " 64" (accepted: 32, i86, 64, amd64, or unset)\n' }],
  ];
  let n = 0;
  for (const [isas, abi, want] of cases) {
    const label = `installed [${isas.join(' ')}], ABI ${abi === undefined ? 'unset' : JSON.stringify(abi)}`;
    it(`${label} -> ${typeof want === 'number' ? `${want}-bit` : `exit ${want.status}`}`, async (ctx) => {
      if (want === 32) needs32(ctx);
      const p = await prefix(`case${n++}`, isas);
      const r = await run(join(p, 'bin', 'foo'), [], { env: withoutAbi(abi === undefined ? {} : { ABI: abi }) });
      if (typeof want === 'number') expect(report(r).bits).toBe(want);
      else expect({ status: r.status, stderr: r.stderr, stdout: r.stdout }).toEqual({ status: want.status, stderr: want.message(p), stdout: '' });
    });
  }
});

describe('what passes through', () => {
  let p: string;
  beforeAll(async () => {
    p = await prefix('pass', ['amd64', 'i86']);
  });

  for (const abi of ['32', '64']) {
    it(`argv exactly, including argv[0] that names no file, empties, spaces, newlines, non-ASCII (ABI ${abi})`, async (ctx) => {
      if (abi === '32') needs32(ctx);
      const args = ['', 'a b', 'line1\nline2', '\\', '--', 'é ü', '-x', ' '];
      const r = report(await run(join(p, 'bin', 'foo'), args, { argv0: 'not a path', env: withoutAbi({ ABI: abi }) }));
      expect(r.argv).toEqual(['not a path', ...args]);
    });
  }

  it('argv[0] as typed through PATH and through a relative path', async () => {
    const env = withoutAbi({ PATH: `${join(p, 'bin')}:${process.env.PATH ?? ''}` });
    expect(report(await run('foo', ['x'], { env })).argv).toEqual(['foo', 'x']);
    expect(report(await run('./bin/foo', [], { cwd: p })).argv).toEqual(['./bin/foo']);
  });

  it("a user's symlink to the hard link dispatches as the link's name", async () => {
    const mine = join(tmp, 'my-foo');
    await symlink(join(p, 'bin', 'foo'), mine);
    const r = report(await run(mine, []));
    expect([r.bits, r.argv[0]]).toEqual([64, mine]);
  });

  it('the environment, in order, with ABI kept for nested commands', async (ctx) => {
    needs32(ctx);
    const env = { TT_ENV: '1', ABI: '32', ODD: 'a=b c', EMPTY: '', NL: '1\n2' };
    const direct = report(await run(targets.i86, [], { env })).env;
    const through = report(await run(join(p, 'bin', 'foo'), [], { env }));
    expect(through.bits).toBe(32);
    expect(through.env).toEqual(direct);
    expect(through.env).toContain('ABI=32');
  });

  it('is an exec, not a child: same pid, exit status and signal reach the caller', async () => {
    const r = await run(join(p, 'bin', 'foo'), []);
    expect(report(r).pid).toBe(r.pid);
    expect((await run(join(p, 'bin', 'foo'), [], { env: withoutAbi({ TT_EXIT: '77' }) })).status).toBe(77);
    const killed = await run(join(p, 'bin', 'foo'), [], { env: withoutAbi({ TT_SIGNAL: '9' }) });
    expect([killed.status, killed.signal]).toEqual([null, 'SIGKILL']);
  });

  it('the 32-bit target too: same pid, its exit status and its signal', async (ctx) => {
    needs32(ctx);
    const r = await run(join(p, 'bin', 'foo'), [], { env: withoutAbi({ ABI: '32' }) });
    expect(report(r).pid).toBe(r.pid);
    expect((await run(join(p, 'bin', 'foo'), [], { env: withoutAbi({ TT_EXIT: '77', ABI: '32' }) })).status).toBe(77);
    const killed = await run(join(p, 'bin', 'foo'), [], { env: withoutAbi({ TT_SIGNAL: '9', ABI: '32' }) });
    expect([killed.status, killed.signal]).toEqual([null, 'SIGKILL']);
  });
});

describe('found but not executable', () => {
  it('exit 126 naming the file and the reason when nothing else runs', async () => {
    const p = await prefix('noexec', ['amd64']);
    await chmod(join(p, 'bin', 'amd64', 'foo'), 0o644);
    const r = await run(join(p, 'bin', 'foo'), []);
    expect([r.status, r.stderr]).toEqual([126, `isaexec: foo: cannot execute ${p}/bin/amd64/foo: Permission denied\n`]);
  });

  it('an error when ABI asks for it', async () => {
    const p = await prefix('noexec2', ['amd64', 'i86']);
    await chmod(join(p, 'bin', 'amd64', 'foo'), 0o644);
    expect((await run(join(p, 'bin', 'foo'), [], { env: withoutAbi({ ABI: 'amd64' }) })).status).toBe(126);
  });

  it('skipped for the next ISA (a 32-bit program) when ABI is unset', async (ctx) => {
    needs32(ctx);
    const p = await prefix('noexec3', ['amd64', 'i86']);
    await chmod(join(p, 'bin', 'amd64', 'foo'), 0o644);
    expect(report(await run(join(p, 'bin', 'foo'), [])).bits).toBe(32);
  });
});

describe('a candidate that leads back to isaexec itself', () => {
  // Before the check these exec'd the dispatcher again forever: the run is
  // killed after 10 s so that a regression fails instead of hanging.
  const shapes: [string, (p: string) => Promise<void>][] = [
    ['bin/amd64/foo -> ../foo', async (p) => { await mkdir(join(p, 'bin', 'amd64')); await symlink('../foo', join(p, 'bin', 'amd64', 'foo')); }],
    ['bin/amd64 -> .', async (p) => symlink('.', join(p, 'bin', 'amd64'))],
    ['bin/amd64/foo a hard link to lib/isaexec', async (p) => { await mkdir(join(p, 'bin', 'amd64')); await link(join(p, 'lib', 'isaexec'), join(p, 'bin', 'amd64', 'foo')); }],
  ];
  let n = 0;
  for (const [label, make] of shapes) {
    it(`${label}: exit 126 naming the candidate, i86 not tried`, async () => {
      const p = await prefix(`loop${n++}`, ['i86']);
      await make(p);
      const r = await run(join(p, 'bin', 'foo'), [], { timeoutMs: 10_000 });
      expect({ status: r.status, signal: r.signal, stdout: r.stdout, stderr: r.stderr }).toEqual({
        status: 126,
        signal: null,
        stdout: '',
        stderr: `isaexec: foo: ${p}/bin/amd64/foo leads back to isaexec itself (${p}/bin/foo), which would loop; install the amd64 program there\n`,
      });
    });
  }
});

// The shell tests again, against the sanitizer and valgrind builds (see test/lib/native.ts).
describe('native/tests/isaexec.sh under instrumentation', () => {
  instrumentedRuns({
    nativeDir,
    tmp: () => tmp,
    script: 'isaexec.sh',
    targets: ['isaexec'],
    env: withoutAbi,
    // Valgrind cannot follow into setuid or /proc-less runs.
    valgrindSkip: 'SKIP: setuid: ABI ignored',
    timeout: 300_000,
  });
});
