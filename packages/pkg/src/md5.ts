import crypto from 'node:crypto';
import fs from 'node:fs';
import { openStaged } from './stagedfile.ts';

/** MD5 of a file through one reused buffer (hashing is synchronous, so reuse is safe). */
export async function md5File(file: string, buf: Buffer = Buffer.allocUnsafe(1 << 16)): Promise<string> {
  const h = crypto.createHash('md5');
  const fh = await fs.promises.open(file, 'r');
  try {
    for (;;) {
      const { bytesRead } = await fh.read(buf, 0, buf.length, null);
      if (bytesRead === 0) break;
      h.update(buf.subarray(0, bytesRead));
    }
  } finally {
    await fh.close();
  }
  return h.digest('hex');
}

/** MD5 and length of a staged file, read synchronously through `buf` (see `openStaged`). */
export function md5Staged(file: string, buf: Buffer): { md5: string; size: number } {
  const h = crypto.createHash('md5');
  const fd = openStaged(file);
  let size = 0;
  try {
    for (;;) {
      const n = fs.readSync(fd, buf, 0, buf.length, null);
      if (n === 0) break;
      h.update(buf.subarray(0, n));
      size += n;
    }
  } finally {
    fs.closeSync(fd);
  }
  return { md5: h.digest('hex'), size };
}
