import crypto from 'node:crypto';
import fs from 'node:fs';

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
