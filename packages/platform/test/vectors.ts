import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');

export interface Vector {
  line: number;
  a: string;
  op: '<' | '==' | '>';
  b: string;
}

/** Reads fixtures/versions/dewey.txt (the format is described at its top). */
export function readDeweyVectors(): Vector[] {
  const file = path.join(REPO, 'fixtures/versions/dewey.txt');
  const out: Vector[] = [];
  fs.readFileSync(file, 'utf8')
    .split('\n')
    .forEach((raw, i) => {
      const text = raw.replace(/#.*/, '').trim();
      if (!text) return;
      const f = text.split(/\s+/).map((t) => (t === '""' ? '' : t));
      if (f.length !== 3 || !['<', '==', '>'].includes(f[1]!)) throw new Error(`${file}:${i + 1}: malformed vector`);
      out.push({ line: i + 1, a: f[0]!, op: f[1] as Vector['op'], b: f[2]! });
    });
  return out;
}
