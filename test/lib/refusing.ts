// A kernel that refuses 32-bit x86 programs, stood in for on any host that
// runs them: a user namespace gets its own binfmt_misc (Linux 6.7 and
// later) whose one entry claims every 32-bit x86 ELF file and names an
// "interpreter" that is not a program, so execve(2) of a 32-bit program
// fails with ENOEXEC, as on a kernel booted with ia32_emulation=0. Nothing
// outside the namespace is touched.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { spawnSync } from 'node:child_process';

const MAGIC = '\\x7fELF\\x01\\x01\\x01\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x02\\x00\\x03\\x00';
const MASK = '\\xff\\xff\\xff\\xff\\xff\\xfe\\xfe\\x00\\xff\\xff\\xff\\xff\\xff\\xff\\xff\\xff\\xfe\\xff\\xff\\xff';
const ENTER =
  'mount -t binfmt_misc none /proc/sys/fs/binfmt_misc && printf "%s" "$1" >/proc/sys/fs/binfmt_misc/register && shift && exec "$@"';

export interface RefusingKernel {
  /** Whether the stand-in works here; when not, why. */
  readonly available: boolean;
  readonly reason: string;
  /** The command line that runs `cmd args` under the stand-in. */
  wrap(cmd: string, args: readonly string[]): [string, string[]];
}

export function refusingKernel(): RefusingKernel {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'refusing-'));
  const interp = path.join(dir, 'not-a-program');
  fs.writeFileSync(interp, 'not a program\n', { mode: 0o755 });
  const entry = `:mkpkg-no32:M::${MAGIC}:${MASK}:${interp}:`;
  const wrap = (cmd: string, args: readonly string[]): [string, string[]] => [
    'unshare',
    ['--user', '--map-root-user', '--mount', 'sh', '-c', ENTER, 'sh', entry, cmd, ...args],
  ];
  // It works when a 64-bit program still runs and a 32-bit one is refused.
  const src = path.join(dir, 'p.c');
  fs.writeFileSync(src, 'int main(void) { return 0; }\n');
  const p32 = path.join(dir, 'p32');
  const cc = spawnSync('gcc', ['-m32', '-o', p32, src], { encoding: 'utf8' });
  if (cc.status !== 0) return { available: false, reason: 'gcc -m32 cannot link (install gcc-multilib)', wrap };
  const [c64, a64] = wrap('/bin/true', []);
  const ok64 = spawnSync(c64, a64, { encoding: 'utf8' });
  if (ok64.status !== 0) {
    const why = (ok64.stderr || ok64.error?.message || '').trim().split('\n').pop() ?? '';
    return { available: false, reason: `no binfmt_misc of its own in a user namespace here (Linux 6.7 or later, unshare): ${why}`, wrap };
  }
  const [c32, a32] = wrap('sh', ['-c', `"${p32}"; echo "status=$?"`]);
  const refused = spawnSync(c32, a32, { encoding: 'utf8' });
  if (!/status=126/.test(refused.stdout) || !/Exec format error/.test(refused.stderr)) {
    return { available: false, reason: `the stand-in did not refuse a 32-bit program: ${refused.stdout}${refused.stderr}`, wrap };
  }
  return { available: true, reason: '', wrap };
}
