#!/usr/bin/env node
// Runs the compiled command, dist/pkg_delete.mjs (built by the set-up with
// scripts/build-commands.mjs; no TypeScript loader at run time). In a
// checkout, where src/ sits beside dist/, a dist/ older than its sources is
// rebuilt first, or the shim says how to rebuild it; an installed copy has no
// src/ and runs dist/ as it is.
import { existsSync } from 'node:fs';

if (existsSync(new URL('../src', import.meta.url))) {
  const { ensureBuilt } = await import('../../../scripts/lib/commands.mjs');
  await ensureBuilt(new URL('..', import.meta.url), 'pkg_delete');
}
await import('../dist/pkg_delete.mjs');
