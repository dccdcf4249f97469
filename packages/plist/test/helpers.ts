import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll } from 'vitest';
import { type Multiarch, type Platform, platformFor } from '@mkpkg/platform';
import { type ExpandOptions, defaultExpandOptions } from '../src/index.ts';

const here = path.dirname(fileURLToPath(import.meta.url));
export const repoRoot = path.resolve(here, '../../..');
export const fixtures = path.join(repoRoot, 'fixtures/plist');
const bin = path.join(here, '../bin/plist-expand.mjs');

export const BOTH: Multiarch = { enabled: true, bin: true, lib: true };

export function sunos(over: Partial<ExpandOptions> = {}, multiarch: Multiarch = BOTH): ExpandOptions {
  return defaultExpandOptions(platformFor('SunOS'), multiarch, over);
}

export function linux(over: Partial<ExpandOptions> = {}, multiarch: Multiarch = BOTH): ExpandOptions {
  return defaultExpandOptions(platformFor('Linux'), multiarch, over);
}

/** Environment without anything plist-multiarch.awk would read. */
export function cleanEnv(extra: Record<string, string>): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) {
    if (!/ARCHSUFFIX|MULTIARCH/.test(k)) env[k] = v;
  }
  return { ...env, ...extra };
}

export interface Run {
  status: number | null;
  stdout: string;
  stderr: string;
}

/** Runs the real plist-expand command. */
export function runCli(args: string[], o: { input?: string | Buffer; env?: Record<string, string>; cwd?: string } = {}): Run {
  const r = spawnSync(process.execPath, [bin, ...args], {
    input: o.input ?? '',
    env: cleanEnv(o.env ?? {}),
    cwd: o.cwd ?? repoRoot,
    encoding: 'utf8',
    maxBuffer: 1 << 28,
  });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

const temps: string[] = [];
export function tempDir(): string {
  const d = mkdtempSync(path.join(os.tmpdir(), 'plist-test-'));
  temps.push(d);
  return d;
}
afterAll(() => {
  for (const d of temps) rmSync(d, { recursive: true, force: true });
});

export function lines(text: string): string[] {
  return text.split('\n').filter((l) => l !== '');
}

/** Random numbers that are the same on every run: `rnd(n)` is in [0, n), `pick` takes one element. */
export function seeded(seed: number): { rnd: (n: number) => number; pick: <T>(a: readonly T[]) => T } {
  const rnd = (n: number): number => {
    seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
    return (seed >>> 8) % n;
  };
  return { rnd, pick: <T,>(a: readonly T[]): T => a[rnd(a.length)]! };
}

/** The platform rows the randomized tests run on: both defaults, reversed ABIs, odd suffixes. */
export function platformVariants(): Platform[] {
  return [platformFor('SunOS'), platformFor('Linux'), platformFor('SunOS', { MULTIARCH_ABIS: '32 64' }),
    platformFor('Linux', { 'LIBARCHSUFFIX.32': '', 'INCARCHSUFFIX.64': '/i86' })];
}
