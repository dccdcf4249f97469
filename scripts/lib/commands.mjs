// The build step of the workspace's commands: every bin of every workspace
// package is compiled from its TypeScript source into that package's dist/
// with esbuild (ESM, Node 20, dependencies bundled, code split so that a
// dynamic import() stays a separate file loaded only when reached).
//
// Used by scripts/build-commands (the set-up calls it), by the bin shims in a
// checkout (a dist/ older than a source it was built from is rebuilt, or the
// shim says how to rebuild it) and by scripts/pack.
//
// Never racing: every file is written under a temporary name and renamed;
// chunks carry a hash of their content in their name, so a new build adds
// chunks beside the old ones and only the fixed-name entry files are
// replaced (last), each atomically. A process that started from the old
// entry still finds its old chunks (they are removed a day later).
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

/** How long an output no build refers to any more is kept (a running command may still load it). */
const KEEP_UNUSED_MS = 24 * 3600 * 1000;

/** Bundled CommonJS dependencies (cli-progress, …) call require(); ESM output has none of its own. */
const BANNER = "import { createRequire as __mkpkgCreateRequire } from 'node:module'; const require = __mkpkgCreateRequire(import.meta.url);";

/**
 * WebAssembly modules built from C in native/ by its Makefile, each read
 * from beside the source that loads it. A bundle that includes that source
 * gets a copy in its dist/, and is stale when one of the C sources changes.
 */
const WASM_MODULES = [
  { loader: 'packages/plist/src/core.ts', file: 'plist-core.wasm', target: 'wasm', sources: ['native/plist-core', 'native/Makefile'] },
];

/** The files of `WASM_MODULES` entry `w`'s sources, relative to REPO. */
function wasmSources(w) {
  return w.sources.flatMap((s) => {
    const abs = path.join(REPO, s);
    return fs.statSync(abs).isDirectory() ? fs.readdirSync(abs).sort().map((n) => path.join(s, n)) : [s];
  });
}

/** Builds `w` with make (which knows when it is current) and copies it into outDir. */
function buildWasm(w, outDir) {
  try {
    execFileSync('make', ['-s', '-C', path.join(REPO, 'native'), w.target], { stdio: ['ignore', 'ignore', 'pipe'] });
  } catch (err) {
    throw new Error(`make -C native ${w.target} failed:\n${err.stderr?.toString().trim() ?? err.message}`);
  }
  writeAtomic(path.join(outDir, w.file), fs.readFileSync(path.join(REPO, 'native', 'build', w.file)));
}

/** The workspace packages (packages/*) that declare bins, with where each bin's source is. */
export function workspaceCommands(repo = REPO) {
  const out = [];
  const root = path.join(repo, 'packages');
  for (const name of fs.readdirSync(root).sort()) {
    const dir = path.join(root, name);
    const file = path.join(dir, 'package.json');
    if (!fs.existsSync(file)) continue;
    const pkg = JSON.parse(fs.readFileSync(file, 'utf8'));
    const bins = typeof pkg.bin === 'string' ? { [pkg.name.replace(/^@[^/]*\//, '')]: pkg.bin } : (pkg.bin ?? {});
    const names = Object.keys(bins);
    if (names.length === 0) continue;
    out.push({ dir, pkg, bins: names.map((bin) => ({ name: bin, shim: bins[bin], source: binSource(dir, pkg, bin, names.length) })) });
  }
  return out;
}

/**
 * The TypeScript source a bin runs: package.json's "binSources" entry, else
 * src/<bin>.ts, else src/cli.ts for a package with a single bin.
 */
function binSource(dir, pkg, bin, count) {
  const declared = pkg.binSources?.[bin];
  const candidates = declared !== undefined ? [declared] : [`src/${bin}.ts`, ...(count === 1 ? ['src/cli.ts'] : [])];
  for (const c of candidates) if (fs.existsSync(path.join(dir, c))) return path.normalize(c);
  throw new Error(
    `${path.join(dir, 'package.json')}: cannot find the source of bin '${bin}' (tried ${candidates.join(', ')}); ` +
      `name it in "binSources": { "${bin}": "./src/….ts" }`,
  );
}

/** dist/<bin>.mjs: what the bin runs. */
export function entryFile(dir, bin) {
  return path.join(dir, 'dist', `${bin}.mjs`);
}

const manifestFile = (dir) => path.join(dir, 'dist', 'build.json');

/**
 * Why the compiled command is out of date (a sentence), or undefined when it
 * is current: a missing entry, or a source it was built from (or the build
 * recipe itself) changed after the build started.
 */
export function staleReason(dir, bin) {
  let built;
  let manifest;
  try {
    built = fs.statSync(entryFile(dir, bin)).mtimeMs;
    manifest = JSON.parse(fs.readFileSync(manifestFile(dir), 'utf8'));
  } catch {
    return `${path.relative(REPO, entryFile(dir, bin))} has not been built`;
  }
  for (const rel of [...(manifest.inputs ?? []), path.relative(dir, fileURLToPath(import.meta.url))]) {
    const f = path.resolve(dir, rel);
    let m;
    try {
      m = fs.statSync(f).mtimeMs;
    } catch {
      return `${path.relative(REPO, f)}, which it was built from, is gone`;
    }
    if (m > built) return `${path.relative(REPO, f)} changed after it was built`;
  }
  return undefined;
}

/** Writes data to file through a temporary name in the same directory. */
function writeAtomic(file, data, mtime) {
  const tmp = `${file}.${process.pid}.${Math.random().toString(36).slice(2)}.tmp`;
  try {
    fs.writeFileSync(tmp, data, { mode: 0o644 });
    if (mtime !== undefined) fs.utimesSync(tmp, mtime, mtime);
    fs.renameSync(tmp, file);
  } catch (err) {
    fs.rmSync(tmp, { force: true });
    throw err;
  }
}

async function loadEsbuild() {
  try {
    return await import('esbuild');
  } catch {
    throw new Error("esbuild is not installed (it is a development dependency of the workspace): run 'pnpm install' at the repository root");
  }
}

/**
 * Compiles one package's bins into outDir (default: the package's dist/).
 * Returns the files written, relative to outDir.
 */
export async function buildPackage(entry, { outDir = path.join(entry.dir, 'dist'), minify = false } = {}) {
  const esbuild = await loadEsbuild();
  const started = new Date();
  const r = await esbuild.build({
    absWorkingDir: entry.dir,
    entryPoints: Object.fromEntries(entry.bins.map((b) => [b.name, b.source])),
    bundle: true,
    splitting: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    // Entries and chunks side by side in dist/, as the sources are in src/:
    // a path a module finds relative to its own file is the same from both.
    outdir: outDir,
    entryNames: '[name]',
    chunkNames: '[name]-[hash]',
    outExtension: { '.js': '.mjs' },
    banner: { js: BANNER },
    minify,
    legalComments: 'eof',
    write: false,
    metafile: true,
    logLevel: 'silent',
  });
  fs.mkdirSync(outDir, { recursive: true });
  const entries = new Set(entry.bins.map((b) => path.join(outDir, `${b.name}.mjs`)));
  const bundled = new Set(Object.keys(r.metafile.inputs).map((i) => path.resolve(entry.dir, i)));
  const wasm = WASM_MODULES.filter((w) => bundled.has(path.join(REPO, w.loader)));
  // Before the entries: an entry never runs without the module it loads.
  for (const w of wasm) buildWasm(w, outDir);
  const files = [...r.outputFiles.map((f) => f.path), ...wasm.map((w) => path.join(outDir, w.file))];
  // Chunks first, entries last: an entry never refers to a chunk not yet there.
  for (const f of r.outputFiles.filter((o) => !entries.has(o.path))) writeAtomic(f.path, f.contents);
  // The entry's time is when the build started, so a source saved during the
  // build makes it stale.
  for (const f of r.outputFiles.filter((o) => entries.has(o.path))) writeAtomic(f.path, f.contents, started);
  // What a later run compares the build with: the sources, the package's
  // package.json (which names them) and, in the workspace, the lockfile
  // (which pins the bundled dependencies).
  const lockfile = path.join(REPO, 'pnpm-lock.yaml');
  const inWorkspace = !path.relative(REPO, entry.dir).startsWith('..') && fs.existsSync(lockfile);
  const inputs = Object.keys(r.metafile.inputs)
    .filter((i) => !i.includes('node_modules/'))
    .map((i) => path.relative(entry.dir, path.resolve(entry.dir, i)))
    .concat(fs.existsSync(path.join(entry.dir, 'package.json')) ? ['package.json'] : [], inWorkspace ? [path.relative(entry.dir, lockfile)] : [])
    .concat(wasm.flatMap((w) => wasmSources(w).map((f) => path.relative(entry.dir, path.join(REPO, f)))));
  writeAtomic(path.join(outDir, 'build.json'), `${JSON.stringify({ inputs: [...new Set(inputs)].sort() }, null, 1)}\n`);
  removeUnused(outDir, new Set([...files, path.join(outDir, 'build.json')]));
  return files.map((f) => path.relative(outDir, f));
}

/** Removes earlier builds' outputs once no running command can still need them. */
function removeUnused(outDir, keep) {
  const now = Date.now();
  for (const name of fs.readdirSync(outDir)) {
    const f = path.join(outDir, name);
    if (keep.has(f)) continue;
    try {
      const st = fs.statSync(f);
      const leftover = name.endsWith('.tmp') || name.endsWith('.mjs');
      if (st.isFile() && leftover && now - st.mtimeMs > KEEP_UNUSED_MS) fs.rmSync(f, { force: true });
    } catch {
      // removed by a concurrent build
    }
  }
}

/**
 * For a bin shim in a checkout: makes sure dist/ is current before the shim
 * runs it. A stale or missing build is rebuilt (with a note on stderr); when
 * it cannot be (a read-only checkout, no esbuild), the shim stops with what
 * to run instead. Never falls back to loading TypeScript.
 */
export async function ensureBuilt(pkgDirUrl, bin) {
  const dir = fileURLToPath(pkgDirUrl);
  const reason = staleReason(dir, bin);
  if (reason === undefined) return;
  const entry = workspaceCommands().find((e) => e.dir === path.resolve(dir));
  try {
    if (entry === undefined) throw new Error(`${dir} is not a workspace package of ${REPO}`);
    fs.accessSync(fs.existsSync(path.join(dir, 'dist')) ? path.join(dir, 'dist') : dir, fs.constants.W_OK);
    process.stderr.write(`${bin}: compiling the commands of ${path.relative(REPO, dir)} (${reason})\n`);
    await buildPackage(entry);
  } catch (err) {
    const why = err?.errors?.length ? err.errors.map((e) => `${e.location?.file ?? ''}:${e.location?.line ?? ''}: ${e.text}`).join('\n') : (err?.message ?? String(err));
    process.stderr.write(
      `${bin}: the compiled command is out of date (${reason}) and could not be rebuilt here:\n${why}\n` +
        `Rebuild it with 'node scripts/build-commands.mjs' (or 'bash scripts/setup') in ${REPO}.\n`,
    );
    process.exit(1);
  }
}
