import fs from 'node:fs';
import path from 'node:path';
import { expect } from 'vitest';
import { UserError } from '@mkpkg/platform';
import { type Compression, createPackage } from '../src/index.ts';
import { type CraftEntry, craftArchive, snapshot, tmpdir } from './helpers.ts';

export const BUILD_INFO = 'MACHINE_ARCH=x86_64\nOPSYS=Linux\nOS_VERSION=6.1\nPKGTOOLS_VERSION=20091115\n';

/**
 * A scratch area for hostile-input tests: `dest` is the destination, and
 * `outside` a sentinel tree next to it (files, a directory, a symlink, an
 * empty directory) that no install or delete may change. `pkgs` holds the
 * crafted package files.
 */
export class Sandbox {
  readonly dir = tmpdir('crafted');
  readonly dest = path.join(this.dir, 'dest');
  readonly outside = path.join(this.dir, 'outside');
  readonly pkgs = path.join(this.dir, 'pkgs');
  readonly #before: ReturnType<typeof snapshot>;

  constructor() {
    fs.mkdirSync(path.join(this.outside, 'lib/empty'), { recursive: true });
    fs.mkdirSync(path.join(this.outside, 'sub'), { recursive: true });
    fs.mkdirSync(this.pkgs);
    fs.writeFileSync(path.join(this.outside, 'sentinel'), 'keep me\n');
    fs.writeFileSync(path.join(this.outside, 'lib/libc.so'), 'not yours\n');
    fs.writeFileSync(path.join(this.outside, 'sub/f'), 'outside file\n');
    fs.symlinkSync('lib/libc.so', path.join(this.outside, 'link'));
    this.#before = snapshot(this.outside);
  }

  /** The prefix every crafted package uses, under the destination. */
  get root(): string {
    return path.join(this.dest, 'opt/local');
  }

  /** Nothing outside the destination was created, changed or removed. */
  expectOutsideUntouched(): void {
    expect(snapshot(this.outside)).toEqual(this.#before);
    expect(fs.readdirSync(this.dir).sort()).toEqual(['dest', 'outside', 'pkgs'].filter((n) => n !== 'dest' || fs.existsSync(this.dest)));
  }

  /** A well-formed package made by createPackage: `files` files under share/<base>/. */
  async real(base: string, o: { files?: number; version?: string; prefix?: string; compression?: Compression } = {}): Promise<string> {
    const version = o.version ?? '1.0';
    const stage = path.join(this.pkgs, `stage-${base}-${version}`);
    fs.mkdirSync(path.join(stage, 'share', base), { recursive: true });
    const plist: string[] = [];
    for (let i = 0; i < (o.files ?? 2); i++) {
      fs.writeFileSync(path.join(stage, 'share', base, `f${i}`), `${base} ${i}\n`.repeat(50));
      plist.push(`share/${base}/f${i}`);
    }
    const out = path.join(this.pkgs, `${base}-${version}${o.prefix ? o.prefix.replace(/\//g, '_') : ''}.tgz`);
    await createPackage({
      output: out, pkgname: `${base}-${version}`, prefix: o.prefix ?? '/opt/local', stageDir: stage, plist, comment: `${base} comment`, descr: base, buildInfo: {},
      ...(o.compression ? { compression: o.compression } : {}),
    });
    return out;
  }

  remove(): void {
    fs.rmSync(this.dir, { recursive: true, force: true });
  }

  /**
   * A package file exactly as described: `+CONTENTS` from `contents`
   * (given whole, or as the lines after `@cwd /opt/local` and `@name`),
   * the usual metadata, then `payload`, written by python's tarfile.
   */
  pkg(file: string, o: { name?: string; cwd?: string; contents?: string[]; rawContents?: string; payload?: CraftEntry[]; meta?: CraftEntry[] }): string {
    const out = path.join(this.pkgs, file);
    const contents = o.rawContents ?? [`@cwd ${o.cwd ?? '/opt/local'}`, `@name ${o.name ?? 'evil-1.0'}`, ...(o.contents ?? []), ''].join('\n');
    craftArchive(out, [
      ...(o.meta ?? [
        { name: '+CONTENTS', data: contents },
        { name: '+COMMENT', data: 'crafted\n' },
        { name: '+DESC', data: 'crafted\n' },
        { name: '+BUILD_INFO', data: BUILD_INFO },
      ]),
      ...(o.payload ?? []),
    ]);
    return out;
  }
}

/** The promise fails with an error for people (exit status 2) whose message matches `re`. */
export async function refused(p: Promise<unknown>, re: RegExp): Promise<UserError> {
  const err = await p.then(() => undefined, (e: unknown) => e);
  expect(err, 'was accepted').toBeInstanceOf(UserError);
  const u = err as UserError;
  expect(u.message).toMatch(re);
  expect(u.exitCode, u.message).toBe(2);
  return u;
}

/** Nothing of a package named `pkgname` is in the pkgdb under `root`. */
export function expectNotRegistered(root: string, pkgname = 'evil-1.0'): void {
  expect(fs.existsSync(path.join(root, 'pkgdb', pkgname))).toBe(false);
}
