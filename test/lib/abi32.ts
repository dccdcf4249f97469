// The one place the tests decide whether this machine runs 32-bit x86
// programs (natively, or through an emulator registered with binfmt_misc).
// A test that must execute 32-bit code calls needs32(ctx) first: where they
// cannot run it is reported as skipped, with the reason, never as passed.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

export interface Abi32 {
  /** gcc -m32 makes programs. */
  readonly links: boolean;
  /** ... and they run here. */
  readonly runs: boolean;
  /** Why not, when they do not run. */
  readonly reason: string;
}

/**
 * Decided the plain way, apart from mkpkg's own probe (whose verdicts the
 * tests check): compile a static and a dynamic program with gcc -m32 and
 * start them; they run when each prints its marker.
 */
function decide(): Abi32 {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'abi32-'));
  try {
    const src = path.join(dir, 'p.c');
    fs.writeFileSync(src, '#include <stdio.h>\nint main(void) { printf("bits=%d\\n", (int)(sizeof(void *) * 8)); return 0; }\n');
    for (const kind of ['dynamic', 'static'] as const) {
      const exe = path.join(dir, kind);
      const cc = spawnSync('gcc', ['-m32', ...(kind === 'static' ? ['-static'] : []), '-o', exe, src], { encoding: 'utf8' });
      if (cc.status !== 0) {
        return { links: false, runs: false, reason: `gcc -m32 cannot link a ${kind} 32-bit program (install gcc-multilib)` };
      }
      // spawnSync goes through execvp, which hands a refused program to
      // /bin/sh; only the marker says the program itself ran.
      const r = spawnSync(exe, [], { encoding: 'utf8' });
      if (r.stdout !== 'bits=32\n') {
        return {
          links: true,
          runs: false,
          reason: `this machine cannot run 32-bit programs (a ${kind} one failed to start; register an emulator: scripts/setup as root)`,
        };
      }
    }
    return { links: true, runs: true, reason: '' };
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

export const abi32: Abi32 = decide();

/** Skips the calling test, visibly and with the reason, when 32-bit programs cannot run here. */
export function needs32(ctx: { skip: (condition: boolean, note?: string) => void }): void {
  ctx.skip(!abi32.runs, `needs 32-bit programs to run: ${abi32.reason}`);
}
