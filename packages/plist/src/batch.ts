import { promises as fs } from 'node:fs';
import path from 'node:path';
import { UserError, machineArch, writeFileAtomic } from '@mkpkg/platform';
import { expandSources } from './files.ts';
import type { ExpandOptions } from './options.ts';

export interface BatchResult {
  packages: number;
  lines: number;
  errors: number;
}

/** One package directory's PLIST files: `set` is what pkgsrc concatenates for this platform. */
export interface PackagePlists {
  readonly dir: string;
  readonly set: string[];
  readonly others: string[];
}

const SKIP_DIRS = new Set(['node_modules', 'work', 'CVS']);

/** Every directory below `tree` holding `PLIST*` files, in path order. */
export async function findPackages(tree: string, opts: ExpandOptions): Promise<PackagePlists[]> {
  const { opsys } = opts.platform;
  const arch = machineArch(opts.platform.defaultAbi);
  // plist.mk's order (facts §2.1); GENERATE_PLIST output has no file here.
  const order = ['PLIST.common', `PLIST.${opsys}`, `PLIST.${arch}`, `PLIST.${opsys}-${arch}`, 'PLIST', 'PLIST.common_end'];
  const found: PackagePlists[] = [];
  const walk = async (dir: string): Promise<void> => {
    const entries = await fs.readdir(dir, { withFileTypes: true });
    const plists = entries.filter((e) => e.isFile() && /^PLIST($|\.)/.test(e.name)).map((e) => e.name);
    if (plists.length > 0) {
      const set = order.filter((n) => plists.includes(n));
      const others = plists.filter((n) => !set.includes(n)).sort();
      found.push({ dir, set: set.map((n) => path.join(dir, n)), others: others.map((n) => path.join(dir, n)) });
    }
    const subdirs = entries
      .filter((e) => e.isDirectory() && !e.name.startsWith('.') && !SKIP_DIRS.has(e.name))
      .map((e) => e.name)
      .sort();
    for (const s of subdirs) await walk(path.join(dir, s));
  };
  try {
    await walk(tree);
  } catch (err) {
    throw new UserError(`${tree}: cannot read the tree: ${(err as Error).message}`, { exitCode: 2 });
  }
  return found;
}

/**
 * Batch mode (`-r TREE`): parses and expands every package's PLIST files in
 * one process. `report` gets only problems (file:line); with `outDir` each
 * package's expansion is written to `outDir/<category>/<package>/PLIST`.
 * Files for other platforms (`PLIST.Linux` on SunOS …) are checked alone.
 */
export async function expandTree(
  tree: string,
  opts: ExpandOptions,
  o: { outDir?: string | undefined; report: (message: string) => void },
): Promise<BatchResult> {
  const packages = await findPackages(tree, opts);
  // `lines` counts the lines of the PLIST files that parsed cleanly.
  const result: BatchResult = { packages: packages.length, lines: 0, errors: 0 };
  const run = async (files: string[], keep: boolean): Promise<{ msgs: string[]; out: string[] | undefined; lines: number; failed: boolean }> => {
    const msgs: string[] = [];
    const out: string[] = [];
    try {
      const lines = await expandSources(files, opts, (b) => {
        if (keep) for (const l of b) out.push(l);
      }, (w) => void msgs.push(w));
      return { msgs, out: keep ? out : undefined, lines, failed: false };
    } catch (err) {
      if (!(err instanceof UserError)) throw err;
      msgs.push(err.describe());
      return { msgs, out: undefined, lines: 0, failed: true };
    }
  };
  const doPackage = async (p: PackagePlists) => {
    const parts = [];
    if (p.set.length > 0) parts.push(await run(p.set, o.outDir !== undefined));
    for (const f of p.others) parts.push(await run([f], false));
    return { p, parts };
  };
  // A few packages at a time: the work is small files, so latency dominates.
  const width = 16;
  for (let i = 0; i < packages.length; i += width) {
    const done = await Promise.all(packages.slice(i, i + width).map(doPackage));
    for (const { p, parts } of done) {
      for (const part of parts) {
        for (const m of part.msgs) o.report(m);
        result.lines += part.lines;
        if (part.failed) result.errors++;
      }
      const main = parts[0];
      if (o.outDir !== undefined && p.set.length > 0 && main?.out) {
        const rel = path.relative(tree, p.dir) || '.';
        await writeAtomically(path.join(o.outDir, rel, 'PLIST'), main.out);
      }
    }
  }
  return result;
}

/** Writes a file under a temporary name and renames it, so no half file is left. */
export async function writeAtomically(file: string, lines: readonly string[]): Promise<void> {
  await fs.mkdir(path.dirname(file), { recursive: true });
  try {
    await writeFileAtomic(file, lines.length > 0 ? lines.join('\n') + '\n' : '');
  } catch (err) {
    throw new UserError(`${file}: cannot write: ${(err as Error).message}`);
  }
}
