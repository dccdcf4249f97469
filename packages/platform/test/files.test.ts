import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { writeFileAtomic, writeFileAtomicSync } from '../src/index.ts';

describe('writeFileAtomic', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'atomic-'));

  it.each([
    ['async', writeFileAtomic],
    ['sync', writeFileAtomicSync],
  ] as const)('%s: replaces the file whole, with the exact mode asked for, and leaves no temporary', async (_, write) => {
    const f = path.join(dir, `out-${_}`);
    fs.writeFileSync(f, 'old\n');
    const old = process.umask(0o077);
    try {
      await write(f, 'new\n', { mode: 0o755 });
    } finally {
      process.umask(old);
    }
    expect(fs.readFileSync(f, 'utf8')).toBe('new\n');
    expect(fs.statSync(f).mode & 0o777).toBe(0o755);
    expect(fs.readdirSync(dir).filter((n) => n.endsWith('.tmp'))).toEqual([]);
  });

  it.each([
    ['async', writeFileAtomic],
    ['sync', writeFileAtomicSync],
  ] as const)('%s: the result carries the mtime asked for, in the past', async (_, write) => {
    const f = path.join(dir, `dated-${_}`);
    const when = Math.floor(Date.now() / 1000) - 3600;
    await write(f, 'x\n', { mtime: when });
    expect(fs.statSync(f).mtimeMs).toBe(when * 1000);
  });

  it('keeps the old file and removes the temporary when the rename fails', async () => {
    const target = path.join(dir, 'a-directory');
    fs.mkdirSync(path.join(target, 'inside'), { recursive: true });
    await expect(writeFileAtomic(target, 'x')).rejects.toThrow();
    expect(() => writeFileAtomicSync(target, 'x')).toThrow();
    expect(fs.statSync(target).isDirectory()).toBe(true);
    expect(fs.readdirSync(dir).filter((n) => n.endsWith('.tmp'))).toEqual([]);
  });
});
