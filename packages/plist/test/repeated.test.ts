import { execFileSync, spawn } from 'node:child_process';
import { closeSync, constants, openSync, readSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { DUPLICATE_WARNINGS, expandLines, expandSourcesToBytes } from '../src/index.ts';
import { cleanEnv, lines, sunos, tempDir } from './helpers.ts';

/**
 * A PLIST repeated over itself (issue 17): every line of the later copies is
 * a duplicate. Warnings stop after the first few (then one line counts the
 * rest), and the read-back of the first copy goes through a block cache
 * whose edges (a line across two blocks, a last line without a newline) must
 * not change an answer.
 */
const bin = path.join(import.meta.dirname, '../bin/plist-expand.mjs');

/** Lines of varied length, so that some straddle every 64 KiB block boundary. */
function body(n: number): string[] {
  return Array.from({ length: n }, (_, i) => (i % 3 === 0 ? `bin/tool${i}` : `share/doc/${'x'.repeat(1 + (i % 97))}/f${i}`));
}

async function expandFile(file: string): Promise<{ out: string[]; warnings: string[] }> {
  const parts: Buffer[] = [];
  const warnings: string[] = [];
  await expandSourcesToBytes([file], sunos(), (b) => void parts.push(Buffer.from(b)), (w) => void warnings.push(w));
  return { out: lines(Buffer.concat(parts).toString()), warnings };
}

describe('a PLIST repeated over itself', () => {
  it('prints each line once, reports the first duplicates with file:line and counts the rest in one line', async () => {
    const once = body(30_000);
    const d = tempDir();
    const file = path.join(d, 'PLIST');
    // Three copies; the last without its final newline, so the very last key ends at the end of the file.
    writeFileSync(file, `${once.join('\n')}\n${once.join('\n')}\n${once.join('\n')}`);
    const single = expandLines(once, sunos()).lines;
    const r = await expandFile(file);
    expect(r.out).toEqual(single);
    expect(r.warnings).toHaveLength(DUPLICATE_WARNINGS + 1);
    expect(r.warnings[0]).toBe(`${file}:30001: warning: duplicate entry 'bin/amd64/tool0' dropped (already listed above)`);
    expect(r.warnings[DUPLICATE_WARNINGS - 1]).toMatch(new RegExp(`^${file}:${30_000 + DUPLICATE_WARNINGS}: warning: duplicate entry `));
    expect(r.warnings[DUPLICATE_WARNINGS]).toBe(`warning: ${60_000 - DUPLICATE_WARNINGS} more duplicate entries dropped (60000 in all; only the first ${DUPLICATE_WARNINGS} are listed)`);
  });

  it('tells a line from a longer one that starts with it, across block edges', async () => {
    // Second half: each line of the first with one more byte, then the first again: no false duplicates, then all duplicates.
    const once = body(20_000);
    const d = tempDir();
    const file = path.join(d, 'PLIST');
    writeFileSync(file, [...once, ...once.map((l) => `${l}y`), ...once, ''].join('\n'));
    const r = await expandFile(file);
    expect(r.out).toEqual(expandLines([...once, ...once.map((l) => `${l}y`)], sunos()).lines);
    expect(r.warnings.at(-1)).toMatch(/^warning: 19990 more duplicate entries dropped \(20000 in all/);
  });

  it('writes a bounded stderr that nobody reads while it runs', async () => {
    const once = body(50_000).join('\n');
    const d = tempDir();
    const file = path.join(d, 'PLIST');
    writeFileSync(file, `${once}\n${once}\n${once}\n${once}\n`);
    // stderr is a pipe nobody reads until the command has exited: with a
    // warning per duplicate (150,000 lines, ~11 MB) it would block on the full
    // pipe or pile the lines up; capped, they fit the pipe's 64 KiB.
    const fifo = path.join(d, 'stderr');
    execFileSync('mkfifo', [fifo]);
    const reader = openSync(fifo, constants.O_RDONLY | constants.O_NONBLOCK);
    const writer = openSync(fifo, 'w');
    const child = spawn(process.execPath, [bin, '--opsys', 'SunOS', '--multiarch', 'bin,lib', file], { stdio: ['ignore', 'ignore', writer], env: cleanEnv({}) });
    closeSync(writer);
    const code = await new Promise<number | null>((res) => child.on('exit', res));
    const buf = Buffer.alloc(1 << 20);
    let n = 0;
    for (let r; (r = readSync(reader, buf, n, buf.length - n, null)) > 0;) n += r;
    closeSync(reader);
    const text = buf.subarray(0, n).toString();
    expect(code).toBe(0);
    expect(text.split('\n').filter(Boolean)).toHaveLength(DUPLICATE_WARNINGS + 1);
    expect(text).toContain('warning: 149990 more duplicate entries dropped');
  });
});
