import fs from 'node:fs';
import path from 'node:path';
import { processAlive } from '@mkpkg/platform';

/**
 * An exclusive lock held by this process: a file created with O_EXCL that
 * records our pid. A lock whose owner is gone is taken over, so a killed
 * run never wedges the next one.
 */
export async function withLock<T>(file: string, what: string, fn: () => Promise<T>, log?: (msg: string) => void): Promise<T> {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  let told = false;
  for (;;) {
    try {
      const fd = fs.openSync(file, 'wx');
      fs.writeSync(fd, `${process.pid}\n`);
      fs.closeSync(fd);
      break;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      const text = readOr(file);
      const owner = Number.parseInt(text, 10);
      // An empty file is one being written right now, unless it is old.
      const stale = Number.isFinite(owner) ? !processAlive(owner) : ageMs(file) > 5000;
      if (stale) {
        // Remove it only if it still holds what we judged.
        if (readOr(file) === text) fs.rmSync(file, { force: true });
        continue;
      }
      if (!told && log) log(`waiting for ${what} (locked by process ${owner})`);
      told = true;
      await new Promise((r) => setTimeout(r, 100));
    }
  }
  try {
    return await fn();
  } finally {
    fs.rmSync(file, { force: true });
  }
}

function readOr(file: string): string {
  try {
    return fs.readFileSync(file, 'utf8');
  } catch {
    return '';
  }
}

function ageMs(file: string): number {
  try {
    return Date.now() - fs.statSync(file).mtimeMs;
  } catch {
    return 0;
  }
}


