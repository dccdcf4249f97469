import { execFileSync, spawnSync } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { type CreateOptions, createPackage } from '../src/index.ts';

export const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
export const fixtures = path.join(repo, 'fixtures/pkg');
export const mkpkgBin = path.join(repo, 'packages/mkpkg/bin/mkpkg.mjs');

export function tmpdir(tag: string): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), `mkpkg-pkg-${tag}-`));
}

/** Copies a fixture stage (symlinks kept) so tests can add hard links to it. */
export function copyStage(fixture: string, to: string): string {
  execFileSync('cp', ['-a', path.join(fixtures, fixture, 'stage'), to]);
  return to;
}

export function readLines(file: string): string[] {
  return fs.readFileSync(file, 'utf8').split('\n').filter((l) => l !== '');
}

/** Options for the hello fixture, staged in `stage` (which gets an extra hard link). */
export function helloOptions(stage: string, output: string, over: Partial<CreateOptions> = {}): CreateOptions {
  const f = (n: string) => fs.readFileSync(path.join(fixtures, 'hello', n), 'utf8');
  fs.linkSync(path.join(stage, 'share/doc/hello/README'), path.join(stage, 'share/doc/hello/README.hardlink'));
  return {
    output,
    pkgname: 'hello-1.0',
    prefix: '/opt/local',
    stageDir: stage,
    plist: [...readLines(path.join(fixtures, 'hello/PLIST')), 'share/doc/hello/README.hardlink'],
    plistSource: path.join(fixtures, 'hello/PLIST'),
    comment: 'Greets in both ABIs',
    descr: f('DESCR'),
    homepage: 'https://example.org/hello',
    depends: ['isaexec>=1.0'],
    conflicts: ['hello-old-[0-9]*'],
    buildInfo: { ABI: '64', MULTIARCH_ABIS: '32 64', OPSYS: 'Linux', MACHINE_ARCH: 'x86_64', OS_VERSION: '6.1' },
    message: f('MESSAGE'),
    installFragments: [f('INSTALL')],
    deinstallFragments: [f('DEINSTALL')],
    ...over,
  };
}

/**
 * An isaexec-1.1 package whose lib/isaexec is the fixture's shell stand-in
 * (three lines of sh that run bin/amd64/<name>), for tests about packaging
 * and pkgdb rules, not about dispatching. `realIsaexecPackage` holds the real
 * dispatcher.
 */
export async function isaexecPackage(dir: string): Promise<string> {
  return isaexecFrom(path.join(fixtures, 'isaexec/stage'), dir);
}

/** The real dispatcher, native/build/isaexec, built with `make -C native` when it is not there yet. */
export function realIsaexec(): string {
  const bin = path.join(repo, 'native/build/isaexec');
  if (!fs.existsSync(bin)) execFileSync('make', ['-s', '-C', path.join(repo, 'native')], { stdio: 'inherit' });
  return bin;
}

/** An isaexec-1.1 package holding the real dispatcher (see realIsaexec). */
export async function realIsaexecPackage(dir: string): Promise<string> {
  const stage = path.join(dir, 'isaexec-stage');
  fs.mkdirSync(path.join(stage, 'lib'), { recursive: true });
  fs.copyFileSync(realIsaexec(), path.join(stage, 'lib/isaexec'));
  fs.chmodSync(path.join(stage, 'lib/isaexec'), 0o755);
  return isaexecFrom(stage, dir);
}

async function isaexecFrom(stageDir: string, dir: string): Promise<string> {
  const out = path.join(dir, 'isaexec-1.1.tgz');
  await createPackage({
    output: out, pkgname: 'isaexec-1.1', prefix: '/opt/local', stageDir,
    plist: readLines(path.join(fixtures, 'isaexec/PLIST')), comment: 'ISA dispatcher',
    descr: fs.readFileSync(path.join(fixtures, 'isaexec/DESCR'), 'utf8'), buildInfo: {},
  });
  return out;
}

/** What a tree holds: type, mode, content digest or link target, inode — by relative path. */
export function snapshot(dir: string): Map<string, { type: string; mode: number; data: string; ino: number }> {
  const out = new Map<string, { type: string; mode: number; data: string; ino: number }>();
  if (!fs.existsSync(dir)) return out;
  const walk = (rel: string) => {
    for (const n of fs.readdirSync(path.join(dir, rel)).sort()) {
      const r = rel ? `${rel}/${n}` : n;
      const abs = path.join(dir, r);
      const st = fs.lstatSync(abs);
      if (st.isDirectory()) {
        out.set(r, { type: 'dir', mode: st.mode & 0o7777, data: '', ino: st.ino });
        walk(r);
      } else if (st.isSymbolicLink()) out.set(r, { type: 'symlink', mode: 0, data: fs.readlinkSync(abs), ino: st.ino });
      else out.set(r, { type: 'file', mode: st.mode & 0o7777, data: crypto.createHash('md5').update(fs.readFileSync(abs)).digest('hex'), ino: st.ino });
    }
  };
  walk('');
  return out;
}

/** The member names as the system tar lists them. */
export function tarList(file: string, flag = '-z'): string[] {
  const args = flag === '' ? ['-tf', file] : [flag, '-tf', file];
  return execFileSync('tar', args, { encoding: 'utf8' }).split('\n').filter((l) => l !== '');
}

export function runMkpkg(args: string[], env: NodeJS.ProcessEnv = {}): { status: number; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [mkpkgBin, ...args], { encoding: 'utf8', env: { ...process.env, ...env } });
  return { status: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}

export interface CraftEntry {
  name: string;
  type?: 'file' | 'symlink' | 'hardlink' | 'dir' | 'fifo';
  data?: string;
  linkname?: string;
  mode?: number;
}

/**
 * Writes a tar archive with python3's tarfile exactly as described —
 * including names and links pkg tools would never produce.
 */
export function craftArchive(out: string, entries: CraftEntry[], compression: 'gz' | '' = 'gz'): void {
  const script = `
import io, json, sys, tarfile
entries = json.loads(sys.argv[2])
with tarfile.open(sys.argv[1], 'w:${compression}', format=tarfile.PAX_FORMAT) as t:
    for e in entries:
        ti = tarfile.TarInfo(e['name'])
        ti.mode = e.get('mode', 0o644)
        ti.mtime = 1700000000
        kind = e.get('type', 'file')
        if kind == 'symlink':
            ti.type = tarfile.SYMTYPE; ti.linkname = e['linkname']; t.addfile(ti)
        elif kind == 'hardlink':
            ti.type = tarfile.LNKTYPE; ti.linkname = e['linkname']; t.addfile(ti)
        elif kind == 'fifo':
            ti.type = tarfile.FIFOTYPE; t.addfile(ti)
        elif kind == 'dir':
            ti.type = tarfile.DIRTYPE; t.addfile(ti)
        else:
            data = e.get('data', '').encode()
            ti.size = len(data); t.addfile(ti, io.BytesIO(data))
`;
  execFileSync('python3', ['-c', script, out, JSON.stringify(entries)]);
}

export function md5(s: string): string {
  return crypto.createHash('md5').update(s).digest('hex');
}
