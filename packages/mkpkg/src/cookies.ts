import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { type Abi, splitList, writeFileAtomicSync } from '@mkpkg/platform';
import { listPatches } from './makesum.ts';
import { type PackageDir, type Vars, get } from './pkgdir.ts';
import { cookie } from './workdir.ts';
import { filesBelow } from './filesbelow.ts';

/**
 * Phase cookies that know what they were made from. Each cookie records a
 * digest of its phase's inputs; a cookie whose digest differs from the
 * current one counts as absent, so editing a patch, distinfo, the Makefile
 * or mk.conf, or changing the ABI set or multiarch scope (--multiarch),
 * runs that phase and the later ones again for every ABI.
 *
 * Two tiers keep a Makefile edit from re-extracting needlessly:
 * - the sources (extract, patch): the ABI set and scope, distinfo, the
 *   patches, the variables that say what to extract, and, when the package
 *   has its own extract/patch targets or SUBST at those stages, every
 *   makefile bmake read and FILESDIR;
 * - the build (configure, build, test, install.<abi>): the sources' digest,
 *   every makefile bmake read, FILESDIR, and every variable of the package
 *   and of the ABI, as evaluated.
 * The install (merge and checks) and package cookies add the PLIST, DESCR
 * and MESSAGE.
 */
export type AbiCookie = 'extract' | 'patch' | 'configure' | 'build' | 'test' | 'install';
export type PackageCookie = 'install' | 'package';

const SOURCE_PHASES: ReadonlySet<string> = new Set(['extract', 'patch']);
const SOURCE_VARS = ['DISTNAME', 'DISTFILES', 'EXTRACT_ONLY', 'EXTRACT_SUFX', 'WRKSRC', 'PATCHDIR', 'DISTINFO_FILE', '_MKPKG_SUBST_STAGES'];

/** What the digests computed so far were made from (for the up-to-date record, uptodate.ts). */
export interface CookieInputs {
  /** Files whose content went in. */
  readonly files: readonly string[];
  /** Paths that went in as absent or as not a regular file. */
  readonly others: readonly string[];
  /** Directories whose listing went in (PATCHDIR, FILESDIR and below), or that were looked for and are absent. */
  readonly dirs: readonly string[];
}

export class Cookies {
  readonly #p: PackageDir;
  readonly #memo = new Map<string, string>();
  readonly #files = new Set<string>();
  readonly #others = new Set<string>();
  readonly #dirs = new Set<string>();

  constructor(p: PackageDir) {
    this.#p = p;
  }

  /** True when the phase ran with the inputs it has now. */
  done(phase: AbiCookie, abi: Abi): boolean;
  done(phase: PackageCookie): boolean;
  done(phase: string, abi?: Abi): boolean {
    try {
      return recorded(fs.readFileSync(cookie(this.#p, phase, abi), 'utf8')) === this.digest(phase, abi);
    } catch {
      return false;
    }
  }

  touch(phase: AbiCookie, abi: Abi): void;
  touch(phase: PackageCookie): void;
  touch(phase: string, abi?: Abi): void {
    const f = cookie(this.#p, phase, abi);
    fs.mkdirSync(path.dirname(f), { recursive: true });
    writeFileAtomicSync(f, `${new Date().toISOString()}\ninputs ${this.digest(phase, abi)}\n`);
  }

  remove(phase: AbiCookie, abi: Abi): void;
  remove(phase: PackageCookie): void;
  remove(phase: string, abi?: Abi): void {
    fs.rmSync(cookie(this.#p, phase, abi), { force: true });
  }

  inputs(): CookieInputs {
    return { files: [...this.#files], others: [...this.#others], dirs: [...this.#dirs] };
  }

  #hasher(kind: string): Hasher {
    return hasher(kind, (f, isFile) => (isFile ? this.#files : this.#others).add(f));
  }

  /** The digest of a phase's inputs as they are now. */
  digest(phase: string, abi?: Abi): string {
    const key = abi === undefined ? phase : `${phase}.${abi}`;
    let d = this.#memo.get(key);
    if (d === undefined) {
      d = this.#compute(phase, abi);
      this.#memo.set(key, d);
    }
    return d;
  }

  #compute(phase: string, abi?: Abi): string {
    const p = this.#p;
    if (abi === undefined) {
      const h = this.#hasher('package');
      for (const a of p.abis) h.add(`abi ${a}`, this.digest('install', a));
      for (const f of splitList(get(p.vars, 'PLIST_SRC'))) h.file(path.resolve(p.dir, f));
      if (phase === 'package') {
        h.file(path.resolve(p.dir, get(p.vars, 'DESCR_SRC')));
        if (get(p.vars, 'MESSAGE_SRC')) h.file(path.resolve(p.dir, get(p.vars, 'MESSAGE_SRC')));
      }
      return h.end();
    }
    const v = p.abiVars.get(abi) as Vars;
    if (SOURCE_PHASES.has(phase)) {
      const h = this.#hasher('sources');
      h.add('abis', JSON.stringify({ abis: p.abis, multiarch: p.multiarch, abi }));
      h.file(path.resolve(p.dir, get(v, 'DISTINFO_FILE')));
      this.#dirs.add(path.resolve(p.dir, get(p.vars, 'PATCHDIR')));
      for (const f of listPatches(p)) h.file(f);
      for (const n of SOURCE_VARS) h.add(n, get(v, n));
      const own = [...p.targets].some((t) => /^(pre|do|post)-(extract|patch)$/.test(t));
      const subst = splitList(get(v, '_MKPKG_SUBST_STAGES')).some((e) => /=(post-extract|(pre|post)-patch)$/.test(e));
      if (own || subst) this.#definition(h, abi);
      return h.end();
    }
    const h = this.#hasher('build');
    h.add('sources', this.digest('patch', abi));
    this.#definition(h, abi);
    for (const [k, val] of [...p.vars].sort()) h.add(`var ${k}`, val);
    for (const [k, val] of [...v].sort()) h.add(`abivar ${k}`, val);
    for (const [k, val] of Object.entries(p.abiCmdLine.get(abi) ?? {}).sort()) h.add(`cmdline ${k}`, val);
    return h.end();
  }

  /** Every makefile bmake read for the package and this ABI (Makefile, mk.conf, glue, includes), and FILESDIR. */
  #definition(h: Hasher, abi: Abi): void {
    const p = this.#p;
    const v = p.abiVars.get(abi) as Vars;
    const curdir = get(p.vars, '.CURDIR') || p.dir;
    const files = new Set<string>();
    for (const vars of [p.vars, v]) for (const f of splitList(get(vars, '.MAKE.MAKEFILES'))) files.add(path.resolve(curdir, f));
    for (const f of [...files].sort()) h.file(f);
    const filesdir = path.resolve(p.dir, get(v, 'FILESDIR') || 'files');
    this.#dirs.add(filesdir);
    for (const f of filesBelow(filesdir, (d) => this.#dirs.add(d))) h.file(f);
  }
}

/** The digest a cookie file records (none for the cookies of older mkpkg versions). */
function recorded(text: string): string | undefined {
  return /^inputs ([0-9a-f]+)$/m.exec(text)?.[1];
}

interface Hasher {
  add(label: string, value: string): void;
  file(f: string): void;
  end(): string;
}

function hasher(kind: string, onFile: (f: string, isFile: boolean) => void): Hasher {
  const h = crypto.createHash('sha256').update(`mkpkg cookie ${kind}\n`);
  const add = (label: string, value: string | Buffer) => {
    h.update(`${label}\0${Buffer.byteLength(value)}\0`);
    h.update(value);
  };
  return {
    add,
    file: (f) => {
      let body: Buffer | string;
      try {
        body = fs.statSync(f).isFile() ? fs.readFileSync(f) : 'not a file';
      } catch {
        body = 'absent';
      }
      onFile(f, typeof body !== 'string');
      add(`file ${f}`, body);
    },
    end: () => h.digest('hex'),
  };
}

