import { promises as fs } from 'node:fs';
import path from 'node:path';
import { UserError } from '@mkpkg/platform';

/** What a staged tree holds, as PLIST paths ('/'-separated, relative to the root). */
export interface TreeListing {
  /** Regular files and symbolic links (pkgsrc lists both as files). */
  readonly files: string[];
  /** Directories with nothing in them. */
  readonly emptyDirs: string[];
}

export async function listTree(root: string): Promise<TreeListing> {
  try {
    const st = await fs.stat(root);
    if (!st.isDirectory()) throw new UserError(`${root}: not a directory`, { exitCode: 2 });
  } catch (err) {
    if (err instanceof UserError) throw err;
    throw new UserError(`${root}: cannot read the staged tree: ${(err as Error).message}`, { exitCode: 2 });
  }
  const files: string[] = [];
  const emptyDirs: string[] = [];
  const walk = async (rel: string): Promise<void> => {
    const entries = await fs.readdir(rel === '' ? root : path.join(root, rel), { withFileTypes: true });
    if (entries.length === 0 && rel !== '') emptyDirs.push(rel);
    for (const e of entries) {
      const p = rel === '' ? e.name : `${rel}/${e.name}`;
      // Symlinks to directories are entries of their own, never followed.
      if (e.isDirectory()) await walk(p);
      else files.push(p);
    }
  };
  await walk('');
  return { files, emptyDirs };
}

/** pkgsrc's print-PLIST sorts with `sort` in the C locale: byte order. */
export function compareBytes(a: string, b: string): number {
  return Buffer.compare(Buffer.from(a), Buffer.from(b));
}
