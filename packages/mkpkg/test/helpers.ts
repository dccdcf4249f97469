import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import * as tar from 'tar';
import { initTree } from '../src/inittree.ts';

export const HERE = path.dirname(fileURLToPath(import.meta.url));
const BIN = path.resolve(HERE, '../bin/mkpkg.mjs');

export interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

export function mkpkg(args: readonly string[], env: Record<string, string | undefined> = {}): Run {
  const r = spawnSync(process.execPath, [BIN, ...args], { encoding: 'utf8', env: { ...process.env, ...env } });
  return { code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}

/**
 * mkpkg without blocking the test worker: a file of many synchronous runs
 * starves vitest's worker RPC, which then reports a timeout.
 */
export function mkpkgAsync(args: readonly string[], env: Record<string, string | undefined> = {}): Promise<Run> {
  return collect(spawn(process.execPath, [BIN, ...args], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] }));
}

export function sh(cmd: string, cwd?: string, env: Record<string, string | undefined> = {}): Run {
  const r = spawnSync('/bin/sh', ['-c', cmd], { encoding: 'utf8', cwd, env: { ...process.env, ...env } });
  return { code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}

/** sh without blocking the test worker (see mkpkgAsync). */
export function shAsync(cmd: string, cwd?: string, env: Record<string, string | undefined> = {}): Promise<Run> {
  return collect(spawn('/bin/sh', ['-c', cmd], { cwd, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] }));
}

function collect(child: ReturnType<typeof spawn>): Promise<Run> {
  return new Promise((resolve) => {
    let stdout = '';
    let stderr = '';
    child.stdout?.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr?.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    child.on('close', (code) => resolve({ code: code ?? -1, stdout, stderr }));
  });
}

/** A scratch tree (mkpkg init-tree) holding the hello test package and its distfile. */
export async function helloTree(name = 'hello'): Promise<{ root: string; pkg: string }> {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'mkpkg-test-'));
  initTree(root);
  const pkg = path.join(root, 'test', name);
  fs.cpSync(path.join(HERE, 'fixtures/pkg/hello'), pkg, { recursive: true });
  const src = path.join(root, '.src');
  fs.cpSync(path.join(HERE, 'fixtures/hello-src'), path.join(src, 'hello-1.0'), { recursive: true });
  await tar.c({ gzip: true, cwd: src, file: path.join(root, 'distfiles/hello-1.0.tar.gz'), portable: true }, ['hello-1.0']);
  fs.rmSync(src, { recursive: true });
  return { root, pkg };
}

export function listTree(dir: string): string[] {
  const out: string[] = [];
  const go = (rel: string) => {
    for (const e of fs.readdirSync(path.join(dir, rel), { withFileTypes: true })) {
      const r = rel ? `${rel}/${e.name}` : e.name;
      if (e.isDirectory() && !e.isSymbolicLink()) go(r);
      else out.push(r);
    }
  };
  go('');
  return out.sort();
}
