#!/usr/bin/env node
// Compiles every command of the workspace (each bin of packages/*) into its
// package's dist/ (git-ignored). The set-up runs it; so may you after
// editing a source, though the bins in a checkout rebuild a stale dist/
// themselves. A package whose dist/ is current is left alone unless --force.
// Usage: node scripts/build-commands.mjs [--force]
import path from 'node:path';
import { REPO, buildPackage, staleReason, workspaceCommands } from './lib/commands.mjs';

const force = process.argv.slice(2).includes('--force');
let status = 0;
for (const entry of workspaceCommands()) {
  try {
    if (!force && entry.bins.every((b) => staleReason(entry.dir, b.name) === undefined)) continue;
    await buildPackage(entry);
  } catch (err) {
    status = 1;
    const where = path.relative(REPO, entry.dir);
    const detail = err?.errors?.length ? err.errors.map((e) => `${e.location?.file ?? ''}:${e.location?.line ?? ''}: ${e.text}`).join('\n  ') : (err?.message ?? String(err));
    process.stderr.write(`build-commands: ${where}: ${detail}\n`);
  }
}
process.exit(status);
