import { spawn } from 'node:child_process';
import fs from 'node:fs';
import { pipeline } from 'node:stream/promises';
import { UserError } from '@mkpkg/platform';

export type ArchiveKind = 'tar' | 'tar.gz' | 'tar.bz2' | 'tar.xz' | 'zip';

export function archiveKind(name: string): ArchiveKind | undefined {
  if (/\.(tar\.gz|tgz)$/.test(name)) return 'tar.gz';
  if (/\.(tar\.bz2|tbz2?)$/.test(name)) return 'tar.bz2';
  if (/\.(tar\.xz|txz)$/.test(name)) return 'tar.xz';
  if (/\.tar$/.test(name)) return 'tar';
  if (/\.zip$/.test(name)) return 'zip';
  return undefined;
}

/**
 * Unpacks one distfile into dir. node-tar reads tar and gzip itself; bzip2
 * and xz are decompressed by the system tools into it, zip by unzip. A file
 * of no archive type is copied, as pkgsrc does.
 */
export async function extractArchive(file: string, dir: string): Promise<void> {
  fs.mkdirSync(dir, { recursive: true });
  const kind = archiveKind(file);
  // node-tar is loaded only when something is extracted.
  const tar = await import('tar');
  try {
    if (kind === 'tar' || kind === 'tar.gz') {
      await tar.x({ file, cwd: dir, preservePaths: false, strict: true });
    } else if (kind === 'tar.bz2' || kind === 'tar.xz') {
      const child = spawn(kind === 'tar.xz' ? 'xz' : 'bzip2', ['-dc', file], { stdio: ['ignore', 'pipe', 'pipe'] });
      let stderr = '';
      child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
      const exited = new Promise<number>((resolve, reject) => {
        child.on('error', reject);
        child.on('close', (c) => resolve(c ?? 1));
      });
      await pipeline(child.stdout, tar.x({ cwd: dir, strict: true }));
      const code = await exited;
      if (code !== 0) throw new Error(stderr.trim() || `decompressor exit status ${code}`);
    } else if (kind === 'zip') {
      const code = await new Promise<number>((resolve, reject) => {
        const child = spawn('unzip', ['-q', '-o', file, '-d', dir], { stdio: ['ignore', 'ignore', 'inherit'] });
        child.on('error', reject);
        child.on('close', (c) => resolve(c ?? 1));
      });
      if (code !== 0) throw new Error(`unzip exit status ${code}`);
    } else {
      fs.copyFileSync(file, `${dir}/${file.split('/').pop()}`);
    }
  } catch (err) {
    throw new UserError(`cannot extract ${file}: ${err instanceof Error ? err.message : String(err)}`, {
      hint: 'the distfile may be damaged: remove it and fetch it again',
    });
  }
}
