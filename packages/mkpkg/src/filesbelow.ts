import fs from 'node:fs';
import path from 'node:path';

/** Regular files below dir, sorted (none when it does not exist). */
export function filesBelow(dir: string): string[] {
  const out: string[] = [];
  const go = (d: string) => {
    let entries: fs.Dirent[];
    try {
      entries = fs.readdirSync(d, { withFileTypes: true });
    } catch {
      return;
    }
    for (const e of entries) {
      const f = path.join(d, e.name);
      if (e.isDirectory()) go(f);
      else if (e.isFile()) out.push(f);
    }
  };
  go(dir);
  return out.sort();
}
