import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { probeCompiler } from '../src/index.ts';

describe('compiler probe (real gcc)', () => {
  it('builds and runs a program for both ABIs', async () => {
    for (const abi of ['32', '64'] as const) {
      const r = await probeCompiler(abi, 'gcc');
      expect(r).toEqual({ ok: true, abi, cc: 'gcc' });
    }
  });

  it('names gcc-multilib when the 32-bit runtime is missing', async () => {
    // A compiler that cannot link 32-bit code: gcc pointed at an empty sysroot.
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'probe-'));
    const fake = path.join(dir, 'cc32broken');
    fs.writeFileSync(fake, `#!/bin/sh\ncase "$*" in *" -c "*) exec gcc "$@";; *-m32*) echo "ld: cannot find crti.o" >&2; exit 1;; esac\nexec gcc "$@"\n`, { mode: 0o755 });
    const r = await probeCompiler('32', fake);
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.message).toMatch(/^ABI 32: .* cannot link a 32-bit program; install gcc-multilib/);
  });

  it('says compile when the compiler does not exist', async () => {
    const r = await probeCompiler('64', '/nonexistent/cc');
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.message).toMatch(/cannot compile a 64-bit program/);
  });
});
