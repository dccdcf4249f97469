import fs from 'node:fs';
import path from 'node:path';

/**
 * Writing a file so that nobody ever sees half of it: the data goes to a
 * temporary name in the same directory (so the rename cannot cross file
 * systems) and is renamed into place once complete. The temporary is
 * removed when anything fails; the error is the caller's to word.
 */
function tempName(file: string): string {
  return path.join(path.dirname(file), `.${path.basename(file)}.${process.pid}.tmp`);
}

export interface AtomicWriteOptions {
  /** Exact mode of the result (applied after the umask narrowed it). */
  mode?: number;
  /** Access and modification time of the result (seconds since the epoch), set before it gets its name. */
  mtime?: number;
}

export async function writeFileAtomic(file: string, data: string | Uint8Array, o: AtomicWriteOptions = {}): Promise<void> {
  const tmp = tempName(file);
  try {
    await fs.promises.writeFile(tmp, data, o.mode === undefined ? {} : { mode: o.mode });
    if (o.mode !== undefined) await fs.promises.chmod(tmp, o.mode);
    if (o.mtime !== undefined) await fs.promises.utimes(tmp, o.mtime, o.mtime);
    await fs.promises.rename(tmp, file);
  } catch (err) {
    await fs.promises.rm(tmp, { force: true });
    throw err;
  }
}

/** The same for callers that cannot await (cookies and caches written between synchronous steps). */
export function writeFileAtomicSync(file: string, data: string | Uint8Array, o: AtomicWriteOptions = {}): void {
  const tmp = tempName(file);
  try {
    fs.writeFileSync(tmp, data, o.mode === undefined ? {} : { mode: o.mode });
    if (o.mode !== undefined) fs.chmodSync(tmp, o.mode);
    if (o.mtime !== undefined) fs.utimesSync(tmp, o.mtime, o.mtime);
    fs.renameSync(tmp, file);
  } catch (err) {
    fs.rmSync(tmp, { force: true });
    throw err;
  }
}
