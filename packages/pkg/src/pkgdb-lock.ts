import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { UserError, processAlive } from '@mkpkg/platform';

/** The lock file every command that changes a pkgdb holds while it works. */
export const LOCK_NAME = '.pkgdb.lock';


function readOr(file: string): string | undefined {
  try {
    return fs.readFileSync(file, 'utf8');
  } catch {
    return undefined;
  }
}

/**
 * Holds the pkgdb's lock while `fn` runs. The lock is a file made complete
 * (pid and host in it) under a private name, then hard-linked to its final
 * name, which fails while another process holds it: the owner is never
 * missing. A lock whose process is gone (killed) is taken over, so a
 * `kill -9` never wedges the pkgdb; one held by a live process (or another
 * host, whose processes we cannot see) is waited for.
 */
export async function withPkgdbLock<T>(dbdir: string, fn: () => Promise<T>, o: { log?: (m: string) => void; timeoutMs?: number } = {}): Promise<T> {
  const lock = path.join(dbdir, LOCK_NAME);
  const me = `${process.pid} ${os.hostname()}\n`;
  const mine = path.join(dbdir, `.pkgdb.lock.${crypto.randomBytes(4).toString('hex')}`);
  const deadline = Date.now() + (o.timeoutMs ?? 10 * 60_000);
  let told = false;
  // The directory may be removed under us by a failed add that made it; make it again.
  const writeMine = () => {
    fs.mkdirSync(dbdir, { recursive: true });
    fs.writeFileSync(mine, me, { flag: 'w', mode: 0o644 });
  };
  writeMine();
  try {
    for (;;) {
      try {
        fs.linkSync(mine, lock);
        break;
      } catch (err) {
        const code = (err as NodeJS.ErrnoException).code;
        if (code === 'ENOENT') {
          writeMine();
          continue;
        }
        if (code !== 'EEXIST') throw err;
      }
      const text = readOr(lock);
      if (text === undefined) continue;
      const [pidText, host] = text.trim().split(' ');
      const pid = Number.parseInt(pidText ?? '', 10);
      const stale = !Number.isFinite(pid) || pid <= 0 || (host === os.hostname() && !processAlive(pid));
      if (stale) {
        // Remove it only if it still holds what we judged (another waiter may have taken it over).
        if (readOr(lock) === text) fs.rmSync(lock, { force: true });
        continue;
      }
      if (Date.now() > deadline) {
        throw new UserError(`the package database ${dbdir} is locked by process ${pid}${host && host !== os.hostname() ? ` on ${host}` : ''}`, {
          hint: `wait for it to finish; if no such process runs, remove ${lock}`,
        });
      }
      if (!told) o.log?.(`waiting for the package database ${dbdir} (locked by process ${pid})`);
      told = true;
      await new Promise((r) => setTimeout(r, 50 + Math.floor(Math.random() * 100)));
    }
  } finally {
    fs.rmSync(mine, { force: true });
  }
  try {
    return await fn();
  } finally {
    if (readOr(lock) === me) fs.rmSync(lock, { force: true });
  }
}
