#!/usr/bin/env node
// Runs the command from its esbuild bundle (see bundle.mjs), building it when
// missing or older than a source; falls back to loading the TypeScript
// sources through tsx when the bundle cannot be built (read-only tree).
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { buildBundle, bundleFile, bundleIsFresh } from './bundle.mjs';

let fresh = bundleIsFresh();
if (!fresh) {
  try {
    mkdirSync(path.dirname(bundleFile), { recursive: true });
    await buildBundle();
    fresh = true;
  } catch {
    fresh = false;
  }
}
if (fresh) {
  await import(pathToFileURL(bundleFile).href);
} else {
  const { register } = await import('tsx/esm/api');
  register();
  await import('../src/cli.ts');
}
