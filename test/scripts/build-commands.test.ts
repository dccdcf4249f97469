// The build step (scripts/lib/commands.mjs) on a scratch package: what it
// writes, that the result runs without TypeScript, that a source changed
// after the build makes it stale, and that two builds at once leave a
// working dist/ and no temporary files.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type PackageCommands, buildPackage, entryFile, staleReason, workspaceCommands } from '../../scripts/lib/commands.mjs';

let dir = '';
let entry: PackageCommands;

const runTool = (): string => spawnSync(process.execPath, [entryFile(dir, 'tool')], { encoding: 'utf8' }).stdout;

beforeAll(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mkpkg-build-'));
  fs.mkdirSync(path.join(dir, 'src'));
  fs.writeFileSync(path.join(dir, 'src/cli.ts'), "import { greet } from './greet.ts';\nconst n: number = 2;\nconsole.log(greet(n));\nif (process.argv[2] === 'late') console.log((await import('./late.ts')).late);\n");
  fs.writeFileSync(path.join(dir, 'src/greet.ts'), 'export const greet = (n: number): string => `hello ${n}`;\n');
  fs.writeFileSync(path.join(dir, 'src/late.ts'), "export const late: string = 'loaded when reached';\n");
  const pkg = { name: '@scratch/tool', bin: { tool: './bin/tool.mjs' } };
  fs.writeFileSync(path.join(dir, 'package.json'), JSON.stringify(pkg));
  entry = { dir, pkg, bins: [{ name: 'tool', shim: './bin/tool.mjs', source: 'src/cli.ts' }] };
});

afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

describe('the build step', () => {
  it('says a package that was never built is not built', () => {
    expect(staleReason(dir, 'tool')).toMatch(/has not been built/);
  });

  it('compiles the bin into dist/, the dynamic import as a chunk of its own, and the result runs', async () => {
    const files = await buildPackage(entry);
    expect(files).toContain('tool.mjs');
    expect(files.some((f) => /^late-[A-Z0-9]+\.mjs$/.test(f))).toBe(true);
    expect(runTool()).toBe('hello 2\n');
    expect(spawnSync(process.execPath, [entryFile(dir, 'tool'), 'late'], { encoding: 'utf8' }).stdout).toBe('hello 2\nloaded when reached\n');
    expect(JSON.parse(fs.readFileSync(path.join(dir, 'dist/build.json'), 'utf8')).inputs).toEqual(['package.json', 'src/cli.ts', 'src/greet.ts', 'src/late.ts']);
    expect(staleReason(dir, 'tool')).toBeUndefined();
  });

  it('calls the build stale when a source it was built from changes, even one loaded late', () => {
    const later = new Date(Date.now() + 60_000);
    fs.utimesSync(path.join(dir, 'src/late.ts'), later, later);
    expect(staleReason(dir, 'tool')).toMatch(/src\/late\.ts changed after it was built/);
  });

  it('two builds at once both finish, leaving a working dist/ and no temporary files', async () => {
    fs.writeFileSync(path.join(dir, 'src/greet.ts'), 'export const greet = (n: number): string => `hi ${n}`;\n');
    await Promise.all([buildPackage(entry), buildPackage(entry)]);
    expect(runTool()).toBe('hi 2\n');
    expect(fs.readdirSync(path.join(dir, 'dist')).filter((f) => f.endsWith('.tmp'))).toEqual([]);
  });

  it('finds every bin of the workspace and the source each is compiled from', () => {
    const bins = workspaceCommands().flatMap((e) => e.bins.map((b) => `${b.name}:${path.relative(e.dir, path.resolve(e.dir, b.source))}`));
    expect(bins).toEqual(expect.arrayContaining(['mkpkg:src/cli.ts', 'plist-expand:src/cli.ts']));
  });

  it('refuses a bin whose source it cannot find, naming what to write', () => {
    const repo = fs.mkdtempSync(path.join(os.tmpdir(), 'mkpkg-ws-'));
    try {
      fs.mkdirSync(path.join(repo, 'packages/two/src'), { recursive: true });
      fs.writeFileSync(path.join(repo, 'packages/two/package.json'), JSON.stringify({ name: 'two', bin: { a: './bin/a.mjs', b: './bin/b.mjs' } }));
      fs.writeFileSync(path.join(repo, 'packages/two/src/a.ts'), '');
      expect(() => workspaceCommands(repo)).toThrow(/cannot find the source of bin 'b' \(tried src\/b\.ts\); name it in "binSources"/);
    } finally {
      fs.rmSync(repo, { recursive: true, force: true });
    }
  });
});
