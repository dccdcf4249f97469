// The jobserver --parallel-abis shares between the ABIs' makes: real GNU
// makes, real jobs; concurrency is read back from what the jobs logged.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, test } from 'vitest';
import { JobServer, takesJobserver } from '../src/jobserver.ts';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mkpkg-jobserver-'));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

/** A Makefile of `n` independent jobs, each logging its start and end (O_APPEND, one short line at a time). */
function makefile(name: string, n: number): string {
  const jobs = Array.from({ length: n }, (_, i) => `${name}${i}`);
  const file = path.join(dir, `${name}.mk`);
  fs.writeFileSync(file, `all: ${jobs.join(' ')}\n${jobs.join(' ')}:\n\t@echo + >> ${dir}/events; sleep 1; echo - >> ${dir}/events\n`);
  return file;
}

/** Most jobs running at once, from the event log. */
function peak(): number {
  let now = 0;
  let max = 0;
  for (const e of fs.readFileSync(path.join(dir, 'events'), 'utf8').split('\n')) {
    if (e === '+') max = Math.max(max, ++now);
    else if (e === '-') now--;
  }
  return max;
}

function make(file: string, js?: JobServer): Promise<number | null> {
  const env: NodeJS.ProcessEnv = { ...process.env, MAKEFLAGS: js ? js.makeflags : '' };
  delete env['MAKELEVEL'];
  const child = spawn('make', ['-f', file], { stdio: ['ignore', 'ignore', 'inherit', ...(js ? js.childStdio : [])], env });
  return new Promise((res) => child.on('close', res));
}

describe('a jobserver shared by two makes', () => {
  test('GNU make here takes one; a program that is not GNU make does not', () => {
    expect(takesJobserver('make', process.env as Record<string, string>)).toBe(true);
    expect(takesJobserver('true', process.env as Record<string, string>)).toBe(false);
    expect(takesJobserver(path.join(dir, 'no-such-make'), process.env as Record<string, string>)).toBe(false);
  });

  test('with one token two makes run three jobs at once, and a make left alone runs two', async () => {
    const js = JobServer.open(dir, 1);
    expect(js).toBeDefined();
    try {
      // Both makes share the pool; then one of them alone (the other ABI is done) still gets the token.
      fs.rmSync(path.join(dir, 'events'), { force: true });
      expect(await Promise.all([make(makefile('a', 4), js), make(makefile('b', 4), js)])).toEqual([0, 0]);
      expect(peak()).toBe(3);
      fs.rmSync(path.join(dir, 'events'), { force: true });
      expect(await make(makefile('c', 4), js)).toBe(0);
      expect(peak()).toBe(2);
    } finally {
      js?.close();
    }
    // No FIFO is left behind.
    expect(fs.readdirSync(dir).filter((f) => f.startsWith('.jobserver'))).toEqual([]);
  });
});
