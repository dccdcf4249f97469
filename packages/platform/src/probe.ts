import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { type Abi, compilerAbiFlag } from './abi.ts';
import { splitList } from './abi.ts';

export type ProbeResult =
  | { readonly ok: true; readonly abi: Abi; readonly cc: string }
  | { readonly ok: false; readonly abi: Abi; readonly cc: string; readonly message: string };

const PROGRAM = '#include <stdio.h>\nint main(void) { printf("%d\\n", (int)(sizeof(void *) * 8)); return 0; }\n';

const cache = new Map<string, Promise<ProbeResult>>();

/**
 * Can `cc` compile, link and run a program for `abi`? A missing 32-bit
 * runtime is the usual reason it cannot, and the message says what to install.
 */
export function probeCompiler(abi: Abi, cc = process.env['CC'] ?? 'cc'): Promise<ProbeResult> {
  const key = `${cc}\0${abi}`;
  let p = cache.get(key);
  if (!p) {
    p = runProbe(abi, cc);
    cache.set(key, p);
  }
  return p;
}

async function runProbe(abi: Abi, cc: string): Promise<ProbeResult> {
  const flag = compilerAbiFlag(abi);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mkpkg-probe-'));
  const fail = (what: string, detail: string): ProbeResult => ({
    ok: false,
    abi,
    cc,
    message:
      `ABI ${abi}: ${cc} cannot ${what} a ${abi}-bit program` +
      (abi === '32' ? '; install gcc-multilib (Debian: apt-get install gcc-multilib)' : '') +
      (detail ? `\n${detail}` : ''),
  });
  // Loaded on first use (see bmake.ts).
  const { execa } = await import('execa');
  try {
    const src = path.join(dir, 'probe.c');
    const exe = path.join(dir, 'probe');
    fs.writeFileSync(src, PROGRAM);
    const [ccCmd, ...ccArgs] = splitList(cc);
    const compile = await execa(ccCmd ?? 'cc', [...ccArgs, flag, '-c', src, '-o', `${exe}.o`], { reject: false });
    if (compile.exitCode !== 0) return fail('compile', lastLines(String(compile.stderr)));
    const link = await execa(ccCmd ?? 'cc', [...ccArgs, flag, `${exe}.o`, '-o', exe], { reject: false });
    if (link.exitCode !== 0) return fail('link', lastLines(String(link.stderr)));
    const run = await execa(exe, [], { reject: false });
    if (run.exitCode !== 0 || String(run.stdout).trim() !== abi) return fail('run', lastLines(String(run.stderr)));
    return { ok: true, abi, cc };
  } catch (err) {
    return fail('compile', err instanceof Error ? err.message : String(err));
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

function lastLines(s: string, n = 3): string {
  return s.trim().split('\n').slice(-n).join('\n');
}
