import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { createPackage } from '../src/index.ts';
import { TarWriter } from '../src/tarwrite.ts';
import { tmpdir } from './helpers.ts';

/**
 * The packer reads the stage synchronously; whatever sits in it, or is
 * swapped in after the stat pass, must fail with a message, never follow a
 * symlink out of the stage nor block on a FIFO.
 */
const header = (p: string, size: number) => ({ path: p, type: 'File' as const, size, mode: 0o644, mtime: new Date(0), uid: 0, gid: 0, uname: 'root', gname: 'root' });

function drained(): PassThrough {
  const out = new PassThrough();
  out.resume();
  return out;
}

describe('a stage that is not what the PLIST says', () => {
  it('refuses a FIFO listed as a file, without blocking, and leaves no package', async () => {
    const d = tmpdir('stage-fifo');
    const stage = path.join(d, 'stage');
    fs.mkdirSync(path.join(stage, 'share'), { recursive: true });
    fs.writeFileSync(path.join(stage, 'share/ok'), 'ok\n');
    execFileSync('mkfifo', [path.join(stage, 'share/pipe')]);
    const out = path.join(d, 'pkg', 'fifo-1.0.tgz');
    await expect(createPackage({
      output: out, pkgname: 'fifo-1.0', prefix: '/opt/local', stageDir: stage, plist: ['share/ok', 'share/pipe'],
      comment: 'fifo', descr: 'fifo', buildInfo: {},
    })).rejects.toThrow(/share\/pipe in the stage is not a regular file or symlink/);
    expect(fs.existsSync(out)).toBe(false);
  });

  it('does not follow a symlink swapped in for a file after the stat pass', async () => {
    const d = tmpdir('stage-swap');
    fs.writeFileSync(path.join(d, 'secret'), 'outside the stage\n');
    fs.symlinkSync(path.join(d, 'secret'), path.join(d, 'swapped'));
    const tar = new TarWriter(drained());
    await expect(tar.addFile(header('share/swapped', 18), path.join(d, 'swapped'))).rejects.toThrow(/ELOOP/);
  });

  it('does not block on a FIFO swapped in for a file', async () => {
    const d = tmpdir('stage-swap-fifo');
    execFileSync('mkfifo', [path.join(d, 'pipe')]);
    const tar = new TarWriter(drained());
    // With no writer, a non-blocking read of a FIFO ends at once: fewer bytes than the stat pass saw.
    await expect(tar.addFile(header('share/pipe', 10), path.join(d, 'pipe'))).rejects.toThrow(/share\/pipe: the file changed while it was being packed \(0 bytes, not 10/);
  });

  it('fails when a file is shorter or longer than it was when stat-ed', async () => {
    const d = tmpdir('stage-size');
    fs.writeFileSync(path.join(d, 'f'), Buffer.alloc(300_000, 1));
    await expect(new TarWriter(drained()).addFile(header('share/f', 400_000), path.join(d, 'f'))).rejects.toThrow(/changed while it was being packed \(300000 bytes, not 400000/);
    await expect(new TarWriter(drained()).addFile(header('share/f', 200_000), path.join(d, 'f'))).rejects.toThrow(/now larger than 200000/);
  });
});
