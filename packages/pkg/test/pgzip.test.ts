import { execFileSync, spawnSync } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import zlib from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { createPackage } from '../src/index.ts';
import { ParallelGzip } from '../src/pgzip.ts';
import { tmpdir } from './helpers.ts';

/**
 * Packages are gzipped in blocks deflated side by side (pigz's layout): the
 * result must still be one gzip stream that gzip, GNU tar and libarchive
 * (bsdtar) read, and the same bytes every time.
 */
function tool(cmd: string, pkg: string): string {
  const r = spawnSync('sh', ['-c', `command -v ${cmd}`], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`${cmd} is not installed: run 'bash scripts/setup test' (installs ${pkg})`);
  return r.stdout.trim();
}

/** Text that compresses (about 3x) and is the same for the same seed. */
function text(bytes: number, seed: number): Buffer {
  const out = Buffer.alloc(bytes);
  let s = seed >>> 0;
  for (let i = 0; i < bytes; i++) {
    s = (Math.imul(s, 1103515245) + 12345) >>> 0;
    const r = (s >>> 16) % 40;
    out[i] = r < 6 ? 32 : r === 6 ? 10 : 97 + (r % 20);
  }
  return out;
}

async function gzipThrough(data: Buffer, blockSize: number, file: string, o: { parallel?: number; maxBlocks?: number } = { parallel: 3 }): Promise<ParallelGzip> {
  const fd = fs.openSync(file, 'w');
  try {
    const z = new ParallelGzip(fd, { level: 6, blockSize, ...o });
    const done = new Promise<void>((res, rej) => { z.on('finish', res); z.on('error', rej); });
    // Writes of odd sizes, so blocks are cut across writes.
    for (let o = 0; o < data.length; o += 77_777) if (!z.write(data.subarray(o, o + 77_777))) await new Promise((r) => z.once('drain', r));
    z.end();
    await done;
    return z;
  } finally {
    fs.closeSync(fd);
  }
}

describe('parallel gzip', () => {
  it('makes one gzip stream, whatever the number of blocks, that gzip and zlib read back', async () => {
    const d = tmpdir('pgzip');
    // Text and random data; a last block that is short, and one of exactly a block.
    const data = Buffer.concat([text(300_000, 1), crypto.randomBytes(100_000), text(123_457, 2)]);
    for (const [size, blockSize] of [[data.length, 64 * 1024], [128 * 1024, 64 * 1024], [0, 64 * 1024], [10, 64 * 1024]] as const) {
      const file = path.join(d, `x-${size}-${blockSize}.gz`);
      const input = data.subarray(0, size);
      await gzipThrough(input, blockSize, file);
      execFileSync('gzip', ['-t', file]);
      expect(execFileSync('gzip', ['-dc', file], { maxBuffer: 1 << 26 }).equals(input)).toBe(true);
      expect(zlib.gunzipSync(fs.readFileSync(file)).equals(input)).toBe(true);
      // One member: the trailer's size is the whole input's.
      const gz = fs.readFileSync(file);
      expect(gz.readUInt32LE(gz.length - 4)).toBe(input.length);
      expect(gz.readUInt32LE(gz.length - 8)).toBe(zlib.crc32(input));
    }
    // The window reaches back across a block edge (each block has the 32 KiB before it as its
    // dictionary): a second block that repeats the end of the first compresses to almost nothing.
    const x = crypto.randomBytes(16 * 1024);
    const repeats = Buffer.concat([crypto.randomBytes(48 * 1024), x, x, x, x, x]);
    await gzipThrough(repeats, 64 * 1024, path.join(d, 'repeats.gz'));
    expect(fs.statSync(path.join(d, 'repeats.gz')).size).toBeLessThan(64 * 1024 + 4000);
  });

  it('holds at most maxBlocks blocks, and writes the same bytes however many are deflated at once', async () => {
    const d = tmpdir('pgzip-bound');
    // Text, then random data (a block far larger compressed than the one before it: zlib's output outgrows its buffer), then text.
    const data = Buffer.concat([text(700_000, 7), crypto.randomBytes(300_000), text(500_001, 8)]);
    const runs = [{ parallel: 1, maxBlocks: 1 }, { parallel: 2 }, { parallel: 3, maxBlocks: 5 }, { parallel: 4, maxBlocks: 4 }];
    const outputs: Buffer[] = [];
    for (const [i, o] of runs.entries()) {
      const file = path.join(d, `run${i}.gz`);
      const z = await gzipThrough(data, 64 * 1024, file, o);
      const bound = Math.max(o.parallel, o.maxBlocks ?? o.parallel + 2);
      expect(z.highWater).toBeGreaterThanOrEqual(1);
      expect(z.highWater).toBeLessThanOrEqual(bound);
      outputs.push(fs.readFileSync(file));
    }
    for (const out of outputs) expect(out.equals(outputs[0] as Buffer)).toBe(true);
    expect(zlib.gunzipSync(outputs[0] as Buffer).equals(data)).toBe(true);
    execFileSync('gzip', ['-t', path.join(d, 'run0.gz')]);
  });

  it('once destroyed, writes nothing more to its descriptor after it has closed', async () => {
    const d = tmpdir('pgzip-abort');
    const fd = fs.openSync(path.join(d, 'aborted.gz'), 'w');
    const z = new ParallelGzip(fd, { level: 6, blockSize: 64 * 1024, parallel: 2 });
    const done = new Promise<void>((res, rej) => { z.on('close', res); z.on('error', rej); });
    done.catch(() => {});
    // Blocks in flight when the stream is destroyed.
    z.write(text(400_000, 5));
    z.destroy(new Error('the package failed'));
    await expect(done).rejects.toThrow('the package failed');
    fs.closeSync(fd);
    // The descriptor's number goes to the next file opened; nothing may land in it.
    const next = fs.openSync(path.join(d, 'next'), 'w');
    await new Promise((r) => setTimeout(r, 300));
    fs.closeSync(next);
    expect(fs.statSync(path.join(d, 'next')).size).toBe(0);
  });

  it('writes packages that GNU tar and bsdtar read, with the MD5s of the files, byte for byte the same twice', async () => {
    const bsdtar = tool('bsdtar', 'libarchive-tools');
    const d = tmpdir('pgzip-pkg');
    const stage = path.join(d, 'stage');
    fs.mkdirSync(path.join(stage, 'share/data'), { recursive: true });
    const files: Record<string, Buffer> = {
      // Larger than a block (256 KiB) several times over, and not a multiple of anything.
      'share/data/big.txt': text(3 * 1024 * 1024 + 12_345, 3),
      'share/data/random.bin': crypto.randomBytes(700_001),
      'share/data/empty': Buffer.alloc(0),
      'share/data/small.txt': text(1000, 4),
    };
    for (const [rel, b] of Object.entries(files)) fs.writeFileSync(path.join(stage, rel), b);
    const make = async (out: string) => {
      const saved = process.env.SOURCE_DATE_EPOCH;
      process.env.SOURCE_DATE_EPOCH = '1700000000';
      try {
        await createPackage({ output: out, pkgname: 'blocks-1.0', prefix: '/opt/local', stageDir: stage, plist: Object.keys(files), comment: 'blocks', descr: 'blocks', buildInfo: {} });
      } finally {
        if (saved === undefined) delete process.env.SOURCE_DATE_EPOCH;
        else process.env.SOURCE_DATE_EPOCH = saved;
      }
    };
    const a = path.join(d, 'a', 'blocks-1.0.tgz');
    const b = path.join(d, 'b', 'blocks-1.0.tgz');
    await make(a);
    await make(b);
    expect(fs.readFileSync(a).equals(fs.readFileSync(b))).toBe(true);
    execFileSync('gzip', ['-t', a]);
    const members = ['+CONTENTS', '+COMMENT', '+DESC', '+BUILD_INFO', '+SIZE_PKG', '+SIZE_ALL', ...Object.keys(files)];
    expect(execFileSync('tar', ['-tzf', a], { encoding: 'utf8' }).split('\n').filter(Boolean)).toEqual(members);
    expect(execFileSync(bsdtar, ['-tf', a], { encoding: 'utf8' }).split('\n').filter(Boolean)).toEqual(members);
    for (const [reader, args] of [['tar', ['-xzf', a]], [bsdtar, ['-xf', a]]] as const) {
      const out = path.join(d, `x-${path.basename(reader)}`);
      fs.mkdirSync(out);
      execFileSync(reader, [...args, '-C', out]);
      const contents = fs.readFileSync(path.join(out, '+CONTENTS'), 'utf8');
      for (const [rel, data] of Object.entries(files)) {
        expect(fs.readFileSync(path.join(out, rel)).equals(data)).toBe(true);
        const md5 = crypto.createHash('md5').update(data).digest('hex');
        expect(contents).toContain(`${rel}\n@comment MD5:${md5}\n`);
      }
    }
  });
});
