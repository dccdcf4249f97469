#!/usr/bin/env node
// Makes the one npm package that installs every command of the workspace:
//
//   node scripts/pack.mjs [--out DIR]      (default DIR: the current directory)
//
// prints the path of mkpkg-<version>.tgz. `npm install -g` of that file puts
// every bin of every workspace package on PATH (mkpkg, plist-expand, and any
// bin a package adds later), with the man pages the packages name in their
// "man" fields, and needs neither the repository nor the registry: the
// workspace packages are private and refer to each other as workspace:*, so
// each command is compiled with its dependencies into one dist/ (see
// scripts/lib/commands.mjs) and the package declares no dependencies.
//
// Inside the package the repository's layout is kept (packages/<name>/bin,
// dist, mk; native/; the isaexec package), so that every path the commands
// and the bmake glue find relative to themselves (MKPKG, MKPKG_SRCDIR,
// MKPKG_NATIVEDIR, the glue init-tree points at) is the same as in a
// checkout. The C dispatchers ship as sources with their Makefile and man
// pages; `make` (or the pkgtools/isaexec package) builds them, never npm.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { REPO, buildPackage, workspaceCommands } from './lib/commands.mjs';

/** Besides the commands: what ships, relative to the repository. */
const EXTRA = ['README.md', 'native', 'fixtures/pkgsrc/pkgtools/isaexec'];
/** Never shipped from those: build output (native/build*, work trees), not a file whose name starts with "build" (mk/buildlink3.mk). */
const SKIP = /^native\/build[^/]*$|(^|\/)(node_modules|work)$/;

function usage(msg) {
  process.stderr.write(`pack: ${msg}\nusage: node scripts/pack.mjs [--out DIR]\n`);
  process.exit(2);
}

let out = process.cwd();
const args = process.argv.slice(2);
while (args.length > 0) {
  const a = args.shift();
  if (a === '--out' && args.length > 0) out = path.resolve(args.shift());
  else usage(`unknown argument '${a}'`);
}

function copy(from, to) {
  fs.cpSync(from, to, { recursive: true, filter: (src) => !SKIP.test(path.relative(REPO, src)) });
}

const rootPkg = JSON.parse(fs.readFileSync(path.join(REPO, 'package.json'), 'utf8'));
const stage = fs.mkdtempSync(path.join(os.tmpdir(), 'mkpkg-pack-'));
try {
  const bin = {};
  const man = [];
  let version;
  for (const entry of workspaceCommands()) {
    const rel = path.relative(REPO, entry.dir);
    const dest = path.join(stage, rel);
    await buildPackage(entry, { outDir: path.join(dest, 'dist') });
    // An installed copy has no sources to compare with: its bins run dist/ directly.
    fs.mkdirSync(path.join(dest, 'bin'), { recursive: true });
    for (const b of entry.bins) {
      const shim = path.join(dest, 'bin', `${b.name}.mjs`);
      fs.writeFileSync(shim, `#!/usr/bin/env node\n// ${b.name}, compiled (see dist/).\nimport '../dist/${b.name}.mjs';\n`, { mode: 0o755 });
      if (bin[b.name] !== undefined) throw new Error(`two workspace packages have a bin named ${b.name}`);
      // A bin declared as anything but bin/<name>.mjs is a front end that runs that shim (mkpkg's shell script).
      const declared = path.posix.normalize(b.shim);
      if (declared !== `bin/${b.name}.mjs`) {
        if (path.posix.dirname(declared) !== 'bin') throw new Error(`${rel}/package.json: bin ${b.name} must live in bin/`);
        fs.copyFileSync(path.join(entry.dir, declared), path.join(dest, declared));
        fs.chmodSync(path.join(dest, declared), 0o755);
      }
      bin[b.name] = path.posix.join(rel, declared);
    }
    for (const f of entry.pkg.files ?? []) copy(path.join(entry.dir, f), path.join(dest, f));
    for (const m of [entry.pkg.man ?? []].flat()) {
      const src = path.join(entry.dir, m);
      if (!fs.existsSync(src)) throw new Error(`${rel}/package.json names man page ${m}, which does not exist`);
      copy(src, path.join(dest, m));
      man.push(path.posix.join(rel, path.posix.normalize(m)));
    }
    if (entry.pkg.name === '@mkpkg/mkpkg') version = entry.pkg.version;
  }
  for (const e of EXTRA) copy(path.join(REPO, e), path.join(stage, e));
  const pkg = {
    name: 'mkpkg',
    version: version ?? '0.0.0',
    description: 'Multiarch pkgsrc packages: the mkpkg driver, plist-expand and the package tools, with the isaexec/verexec sources',
    type: 'module',
    ...(rootPkg.license !== undefined ? { license: rootPkg.license } : {}),
    engines: rootPkg.engines,
    bin,
    man,
  };
  fs.writeFileSync(path.join(stage, 'package.json'), `${JSON.stringify(pkg, null, 2)}\n`);
  fs.mkdirSync(out, { recursive: true });
  const r = execFileSync('npm', ['pack', '--json', '--pack-destination', out], { cwd: stage, encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] });
  const [{ filename }] = JSON.parse(r);
  process.stdout.write(`${path.join(out, filename)}\n`);
} finally {
  fs.rmSync(stage, { recursive: true, force: true });
}
