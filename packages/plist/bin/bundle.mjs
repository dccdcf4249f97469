// The command's sources are TypeScript. Loading them through tsx costs about
// 0.3 s of CPU at every start (its loader thread transforms each module), so
// the bin shim runs a single-file ESM bundle of src/cli.ts instead, built with
// esbuild (tsx's own transformer) on first use and rebuilt whenever a source
// file it was built from is newer than it.
import { createRequire } from 'node:module';
import { readFileSync, renameSync, statSync, unlinkSync, utimesSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const pkgDir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
export const bundleFile = path.join(pkgDir, 'dist/plist-expand.mjs');
const inputsFile = path.join(pkgDir, 'dist/plist-expand.inputs.json');

/** True when the bundle exists and no file it was built from changed since. */
export function bundleIsFresh() {
  let built;
  let inputs;
  try {
    built = statSync(bundleFile).mtimeMs;
    inputs = JSON.parse(readFileSync(inputsFile, 'utf8'));
  } catch {
    return false;
  }
  if (!Array.isArray(inputs) || inputs.length === 0) return false;
  for (const f of inputs) {
    try {
      if (statSync(path.resolve(pkgDir, f)).mtimeMs > built) return false;
    } catch {
      return false; // a source moved or vanished: rebuild
    }
  }
  return true;
}

/**
 * Builds the bundle. Files are written under temporary names and renamed, so
 * a concurrent run never sees half a bundle; the bundle's time is set to when
 * the build started, so a source saved during the build makes it stale.
 */
export async function buildBundle() {
  const started = new Date();
  // esbuild comes with tsx (a dependency of this package); resolve it from there.
  const esbuild = createRequire(createRequire(import.meta.url).resolve('tsx/package.json'))('esbuild');
  const r = await esbuild.build({
    absWorkingDir: pkgDir,
    entryPoints: ['src/cli.ts'],
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    // yargs is in the bundle too: one file to load instead of two dozen modules to resolve.
    // execa is only ever imported lazily by @mkpkg/platform's bmake helpers, which this command never calls.
    external: ['execa'],
    outfile: bundleFile,
    write: false,
    metafile: true,
    logLevel: 'silent',
  });
  const tmp = `.${process.pid}.tmp`;
  // Inputs are relative to pkgDir (esbuild's working dir).
  writeFileSync(inputsFile + tmp, JSON.stringify(Object.keys(r.metafile.inputs)));
  writeFileSync(bundleFile + tmp, r.outputFiles[0].contents);
  utimesSync(bundleFile + tmp, started, started);
  try {
    renameSync(inputsFile + tmp, inputsFile);
    renameSync(bundleFile + tmp, bundleFile);
  } catch (err) {
    for (const f of [inputsFile + tmp, bundleFile + tmp]) {
      try {
        unlinkSync(f);
      } catch {
        /* already renamed */
      }
    }
    throw err;
  }
}
