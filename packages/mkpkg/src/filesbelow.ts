import fs from 'node:fs';
import path from 'node:path';

/** Regular files below dir, sorted (none when it does not exist); onDir hears of every directory listed. */
export function filesBelow(dir: string, onDir?: (d: string) => void): string[] {
  const out: string[] = [];
  const go = (d: string) => {
    let entries: fs.Dirent[];
    try {
      entries = fs.readdirSync(d, { withFileTypes: true });
    } catch {
      return;
    }
    onDir?.(d);
    for (const e of entries) {
      const f = path.join(d, e.name);
      if (e.isDirectory()) go(f);
      else if (e.isFile()) out.push(f);
    }
  };
  go(dir);
  return out.sort();
}
