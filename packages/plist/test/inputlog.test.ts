import { execFileSync, spawn } from 'node:child_process';
import { openSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { expandSourcesToBytes } from '../src/index.ts';
import { InputLog } from '../src/inputlog.ts';
import { lines, runCli, sunos, tempDir } from './helpers.ts';

/**
 * The de-dup table keeps no copy of a plain input line: it reads the line
 * back from where the input lies (a regular file) or from a spool of what
 * streamed past (stdin, a pipe). These tests make it read back from each.
 */
function readAt(log: InputLog, ref: number, n: number): string {
  const b = Buffer.alloc(n);
  return b.subarray(0, log.read(ref, b, n)).toString();
}

async function expandToText(sources: Parameters<typeof expandSourcesToBytes>[0]): Promise<{ out: string[]; warnings: string[] }> {
  const parts: Buffer[] = [];
  const warnings: string[] = [];
  await expandSourcesToBytes(sources, sunos(), (b) => void parts.push(Buffer.from(b)), (w) => void warnings.push(w));
  return { out: lines(Buffer.concat(parts).toString()), warnings };
}

/** A PLIST whose last line repeats its first, some megabytes apart, so the first is read back, not remembered. */
function farDuplicate(n: number): string {
  const body = Array.from({ length: n }, (_, i) => `share/doc/file${i}`);
  return ['bin/first', ...body, 'bin/first', 'share/doc/file7', ''].join('\n');
}

describe('input log', () => {
  it('reads concatenated files back at their offsets, never past a file end', () => {
    const d = tempDir();
    writeFileSync(path.join(d, 'a'), 'bin/x\nno-newline');
    writeFileSync(path.join(d, 'b'), 'share/y\n');
    const log = new InputLog();
    try {
      const a = log.openFile(openSync(path.join(d, 'a'), 'r'));
      log.close(16);
      const b = log.openFile(openSync(path.join(d, 'b'), 'r'));
      log.close(8);
      expect([a.base, b.base, a.spooled, b.spooled]).toEqual([0, 16, false, false]);
      expect(readAt(log, 0, 6)).toBe('bin/x\n');
      // The end of file a bounds a read even though file b follows.
      expect(readAt(log, 6, 64)).toBe('no-newline');
      expect(readAt(log, 16, 64)).toBe('share/y\n');
    } finally {
      log.dispose();
    }
  });

  it('spools a stream and reads it back', () => {
    const log = new InputLog();
    try {
      expect(log.openStream()).toBe(0);
      log.spoolWrite(Buffer.from('bin/a\nsh'));
      log.spoolWrite(Buffer.from('are/b\n'));
      log.close(14);
      expect(readAt(log, 6, 8)).toBe('share/b\n');
    } finally {
      log.dispose();
    }
  });

  it('finds a duplicate megabytes after its first line, from a file and from a stream', async () => {
    const text = farDuplicate(200_000);
    const d = tempDir();
    const file = path.join(d, 'PLIST');
    writeFileSync(file, text);
    async function* stream(): AsyncGenerator<Buffer> {
      const b = Buffer.from(text);
      for (let o = 0; o < b.length; o += 4096) yield b.subarray(o, o + 4096);
    }
    for (const src of [file, { name: 'P', stream: stream() }]) {
      const r = await expandToText([src]);
      expect(r.out).toHaveLength(3 + 200_000);
      expect(r.out.filter((l) => l === 'bin/amd64/first')).toHaveLength(1);
      expect(r.warnings).toHaveLength(2);
      expect(r.warnings[0]).toMatch(/:200002: warning: duplicate entry 'bin\/amd64\/first'/);
      expect(r.warnings[1]).toMatch(/:200003: warning: duplicate entry 'share\/doc\/file7'/);
    }
  });

  it('spools a named pipe given as a PLIST argument', async () => {
    const d = tempDir();
    const fifo = path.join(d, 'PLIST.fifo');
    execFileSync('mkfifo', [fifo]);
    writeFileSync(path.join(d, 'text'), farDuplicate(50_000));
    // The writer is another process, as it would be (this one reads the pipe synchronously).
    const writer = spawn('sh', ['-c', 'cat text > PLIST.fifo'], { cwd: d, stdio: 'ignore' });
    const r = await expandToText([fifo]);
    await new Promise((res) => writer.on('exit', res));
    expect(r.out).toHaveLength(3 + 50_000);
    expect(r.warnings).toHaveLength(2);
  });

  it('copies the keys of stdin when there is nowhere to spool it', () => {
    const d = tempDir();
    const saved = process.env.TMPDIR;
    process.env.TMPDIR = path.join(d, 'missing');
    const log = new InputLog();
    try {
      expect(log.openStream()).toBe(-1);
      log.spoolWrite(Buffer.from('bin/a\n'));
      log.close(6);
      // The next input still starts at offset 0: the unspooled one took no room.
      writeFileSync(path.join(d, 'f'), 'share/b\n');
      expect(log.openFile(openSync(path.join(d, 'f'), 'r')).base).toBe(0);
    } finally {
      log.dispose();
      if (saved === undefined) delete process.env.TMPDIR;
      else process.env.TMPDIR = saved;
    }
    const r = runCli(['--opsys', 'SunOS', '--multiarch', 'bin,lib'], { input: farDuplicate(20_000), env: { TMPDIR: path.join(d, 'missing') } });
    expect(r.status).toBe(0);
    expect(lines(r.stdout)).toHaveLength(3 + 20_000);
    expect(r.stderr.match(/warning: duplicate entry/g)).toHaveLength(2);
  });

  it('the command de-duplicates stdin from a pipe and leaves no spool behind', async () => {
    const d = tempDir();
    const r = runCli(['--opsys', 'SunOS', '--multiarch', 'bin,lib'], { input: farDuplicate(20_000), env: { TMPDIR: d } });
    expect(r.status).toBe(0);
    expect(lines(r.stdout)).toHaveLength(3 + 20_000);
    expect(r.stderr.match(/warning: duplicate entry/g)).toHaveLength(2);
    expect(execFileSync('ls', ['-A', d], { encoding: 'utf8' })).toBe('');
    // And through a slow reader: output batches that wait on the pipe arrive whole and in order.
    const child = spawn(process.execPath, [path.join(import.meta.dirname, '../bin/plist-expand.mjs'), '--opsys', 'SunOS', '--multiarch', 'bin,lib'], {
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    child.stdin.end(farDuplicate(100_000));
    const chunks: Buffer[] = [];
    for await (const c of child.stdout) {
      chunks.push(c as Buffer);
      if (chunks.length % 16 === 0) await new Promise((res) => setTimeout(res, 1));
    }
    const out = lines(Buffer.concat(chunks).toString());
    expect(out).toHaveLength(3 + 100_000);
    expect(out[0]).toBe('bin/amd64/first');
    expect(out.at(-1)).toBe('share/doc/file99999');
  });
});
