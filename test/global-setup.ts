import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * The tests run the TypeScript sources, which load native/build/plist-core.wasm
 * (packages/plist/src/core.ts): make rebuilds it when its C changed since.
 */
export default function setup(): void {
  const native = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../native');
  execFileSync('make', ['-s', '-C', native, 'wasm'], { stdio: ['ignore', 'inherit', 'inherit'] });
}
