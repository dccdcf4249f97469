import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { needs32 } from '../../../test/lib/abi32.ts';
import { buildLauncher, execDirect, probeCompiler } from '../src/index.ts';

let dir: string;
let launcher: string;
/** Files execve(2) refuses with ENOEXEC: text without #!, and an ELF header cut short. */
let notProgram: string;
let truncatedElf: string;

beforeAll(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'probe-'));
  const l = await buildLauncher(['gcc'], dir);
  if ('error' in l) throw new Error(l.error);
  launcher = l.path;
  notProgram = path.join(dir, 'not-a-program');
  // What a shell would choke on, as it did on a refused ELF file.
  fs.writeFileSync(notProgram, 'int main(void) ( return 0; )\n', { mode: 0o755 });
  truncatedElf = path.join(dir, 'truncated');
  fs.writeFileSync(truncatedElf, Buffer.from([0x7f, 0x45, 0x4c, 0x46, 1, 1, 1, 0]), { mode: 0o755 });
});
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

describe('execDirect: execve(2) without a shell fallback', () => {
  it('reports ENOEXEC for a file the kernel will not run, and nothing of /bin/sh', async () => {
    for (const f of [notProgram, truncatedElf]) {
      const r = await execDirect(launcher, f);
      expect(r).toEqual({ started: false, errno: 'ENOEXEC', message: 'ENOEXEC: Exec format error' });
    }
  });

  it('reports ENOENT and EACCES by name', async () => {
    expect(await execDirect(launcher, path.join(dir, 'missing'))).toMatchObject({ started: false, errno: 'ENOENT' });
    const noexec = path.join(dir, 'noexec');
    fs.writeFileSync(noexec, '#!/bin/sh\n', { mode: 0o644 });
    // root may execute a file without x bits only when some x bit is set.
    expect(await execDirect(launcher, noexec)).toMatchObject({ started: false, errno: 'EACCES' });
  });

  it('runs a program that starts, with its arguments, output and exit status', async () => {
    const script = path.join(dir, 'script');
    fs.writeFileSync(script, '#!/bin/sh\necho "out:$1"; echo err >&2; exit 7\n', { mode: 0o755 });
    expect(await execDirect(launcher, script, ['a b'])).toEqual({ started: true, exitCode: 7, stdout: 'out:a b\n', stderr: 'err\n' });
  });
});

describe('compiler probe (real gcc and g++)', () => {
  it('builds and runs C and C++ programs for ABI 64', async () => {
    expect(await probeCompiler('64', 'gcc')).toEqual({ kind: 'runs', abi: '64', lang: 'c', cc: 'gcc' });
    expect(await probeCompiler('64', 'g++', { lang: 'c++' })).toEqual({ kind: 'runs', abi: '64', lang: 'c++', cc: 'g++' });
  });

  it('builds and runs C and C++ programs for ABI 32', async (ctx) => {
    needs32(ctx);
    expect(await probeCompiler('32', 'gcc')).toEqual({ kind: 'runs', abi: '32', lang: 'c', cc: 'gcc' });
    expect(await probeCompiler('32', 'g++', { lang: 'c++' })).toEqual({ kind: 'runs', abi: '32', lang: 'c++', cc: 'g++' });
  });

  it('tells a program the kernel refuses (ENOEXEC) from one that cannot be linked, naming both remedies', async () => {
    // The real probe program is compiled and linked; only its start is
    // replaced by the start of a file the kernel refuses.
    const r = await probeCompiler('32', 'gcc', { exec: (l) => execDirect(l, notProgram) });
    expect(r.kind).toBe('cannot-run');
    if (r.kind !== 'cannot-run') return;
    expect(r.errno).toBe('ENOEXEC');
    expect(r.message).toMatch(/^ABI 32: gcc links 32-bit C programs, but this machine cannot run them \(execve: ENOEXEC: Exec format error\)/);
    expect(r.message).toContain('ia32_emulation=1');
    expect(r.message).toMatch(/binfmt_misc, flags PF/);
    expect(r.message).toContain('qemu-user-static');
    expect(r.message).not.toMatch(/Syntax error|install gcc-multilib/);
  });

  it('names gcc-multilib when the 32-bit C runtime is missing', async () => {
    // A compiler that cannot link 32-bit code: gcc pointed at an empty sysroot.
    const fake = path.join(dir, 'cc32broken');
    fs.writeFileSync(fake, `#!/bin/sh\ncase "$*" in *" -c "*) exec gcc "$@";; *-m32*) echo "ld: cannot find crti.o" >&2; exit 1;; esac\nexec gcc "$@"\n`, { mode: 0o755 });
    const r = await probeCompiler('32', fake);
    expect(r.kind).toBe('cannot-build');
    if (r.kind === 'cannot-build') expect(r.message).toMatch(/^ABI 32: .* cannot link a 32-bit C program; install gcc-multilib \(Debian: apt-get install gcc-multilib\)\nld: cannot find crti.o$/);
  });

  it('names g++-multilib when the 32-bit libstdc++ is missing', async () => {
    const fake = path.join(dir, 'cxx32broken');
    fs.writeFileSync(fake, `#!/bin/sh\ncase "$*" in *" -c "*) exec g++ "$@";; *-m32*) echo "ld: cannot find -lstdc++" >&2; exit 1;; esac\nexec g++ "$@"\n`, { mode: 0o755 });
    const r = await probeCompiler('32', fake, { lang: 'c++' });
    expect(r.kind).toBe('cannot-build');
    if (r.kind === 'cannot-build') expect(r.message).toMatch(/^ABI 32: .* cannot link a 32-bit C\+\+ program; install g\+\+-multilib/);
  });

  it('says compile when the compiler does not exist', async () => {
    const r = await probeCompiler('64', '/nonexistent/cc');
    expect(r.kind).toBe('cannot-build');
    if (r.kind === 'cannot-build') expect(r.message).toMatch(/cannot compile a 64-bit C program; install gcc/);
  });
});
