import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { SingleBar } from 'cli-progress';
import { UserError, splitList } from '@mkpkg/platform';
import { withLock } from './lock.ts';

export interface FetchOptions {
  distdir: string;
  /** MASTER_SITE_OVERRIDE first, then MASTER_SITES: each a URL prefix ending in '/'. */
  sites: readonly string[];
  progress: boolean;
  say: (msg: string) => void;
}

/** The URLs to try for a distfile, in order. */
export function candidateUrls(name: string, siteOverride: string, masterSites: string): string[] {
  return [...splitList(siteOverride), ...splitList(masterSites)].map((s) => (s.endsWith('/') ? s : `${s}/`) + name);
}

/**
 * Makes DISTDIR/<name> present: kept if there, else fetched from the first
 * site that has it. Concurrent runs on other packages may want the same file,
 * so fetching holds a per-file lock and the file appears under its final
 * name only when complete.
 */
export async function fetchDistfile(name: string, o: FetchOptions): Promise<string> {
  const dest = path.join(o.distdir, name);
  if (fs.existsSync(dest)) return dest;
  fs.mkdirSync(path.dirname(dest), { recursive: true });
  return withLock(path.join(o.distdir, '.locks', `${name.replace(/\//g, '_')}.lock`), `the download of ${name}`, async () => {
    if (fs.existsSync(dest)) return dest;
    if (o.sites.length === 0) {
      throw new UserError(`${name} is not in ${o.distdir} and the package has no MASTER_SITES`, {
        hint: `put ${name} into ${o.distdir}, or set MASTER_SITES`,
      });
    }
    const errors: string[] = [];
    for (const url of o.sites) {
      const tmp = `${dest}.part.${process.pid}`;
      try {
        o.say(`fetching ${url}`);
        await download(url, tmp, o.progress);
        fs.renameSync(tmp, dest);
        return dest;
      } catch (err) {
        fs.rmSync(tmp, { force: true });
        errors.push(`  ${url}: ${err instanceof Error ? err.message : String(err)}`);
      }
    }
    throw new UserError(`could not fetch ${name} from any site:\n${errors.join('\n')}`, {
      hint: `check MASTER_SITES, or put ${name} into ${o.distdir} by hand`,
    });
  }, o.say);
}

async function download(url: string, dest: string, progress: boolean): Promise<void> {
  if (url.startsWith('file://')) {
    fs.copyFileSync(fileURLToPath(url), dest);
    return;
  }
  if (!/^https?:\/\//.test(url)) throw new Error('only file://, http:// and https:// sites are supported');
  const res = await fetch(url, { redirect: 'follow' });
  if (!res.ok || !res.body) throw new Error(`HTTP ${res.status} ${res.statusText}`);
  const total = Number(res.headers.get('content-length') ?? 0);
  const bar = progress && process.stderr.isTTY ? new SingleBar({ format: `  ${path.basename(dest).replace(/\.part\.\d+$/, '')} [{bar}] {percentage}% {value}/{total} bytes`, stream: process.stderr, hideCursor: true }) : undefined;
  bar?.start(total || 1, 0);
  const out = fs.createWriteStream(dest);
  let got = 0;
  try {
    for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
      got += chunk.length;
      if (!out.write(chunk)) await new Promise<void>((r) => out.once('drain', () => r()));
      bar?.update(total ? got : 0);
    }
  } finally {
    await new Promise<void>((resolve, reject) => out.end((err?: Error | null) => (err ? reject(err) : resolve())));
    bar?.stop();
  }
  if (total && got !== total) throw new Error(`short download: ${got} of ${total} bytes`);
}
