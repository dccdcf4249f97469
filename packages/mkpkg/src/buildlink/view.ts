import fs from 'node:fs';
import path from 'node:path';
import { type Abi, type Platform, UserError } from '@mkpkg/platform';
import { lazy } from '../workdir.ts';
import { rewriteLa, rewritePc } from './rewrite.ts';

/**
 * The buildlink view of one ABI: ${WRKDIR}/.buildlink/<abi>, laid out like
 * a prefix, holding exactly the files of the declared dependencies that
 * this ABI may see (their pkgdb +CONTENTS say which): headers (this ABI's
 * include${INCARCHSUFFIX} copies, not another ABI's), this ABI's
 * lib${LIBARCHSUFFIX} (not the other ABI's directory below it), pkg-config
 * files. Files are symlinks into the prefix; .pc and .la files are
 * rewritten copies that point into the view.
 */
export interface ViewOptions {
  readonly view: string;
  readonly abi: Abi;
  readonly platform: Platform;
  readonly pkgdb: string;
  /** Exact names of the installed packages to link. */
  readonly pkgnames: readonly string[];
}

/** The ABI directories other than `abi`'s: files below them belong to another ABI. */
function foreignDirs(abi: Abi, platform: Platform): string[] {
  const mine = platform.suffixes[abi];
  const out: string[] = [];
  for (const other of platform.abis) {
    if (other === abi) continue;
    const s = platform.suffixes[other];
    if (s.lib && s.lib !== mine.lib) out.push(`lib${s.lib}/`);
    if (s.inc && s.inc !== mine.inc) out.push(`include${s.inc}/`);
  }
  return out;
}

/** Whether a path of a dependency (relative to its prefix) belongs in this ABI's view. */
export function inView(rel: string, abi: Abi, platform: Platform): boolean {
  if (foreignDirs(abi, platform).some((d) => rel.startsWith(d))) return false;
  const lib = `lib${platform.suffixes[abi].lib}/`;
  return rel.startsWith('include/') || rel.startsWith(lib) || /^share\/(pkgconfig|aclocal|cmake|[^/]+\/cmake)\//.test(rel);
}

export interface ViewResult {
  readonly files: number;
  readonly rewritten: readonly string[];
}

/** Builds the view from scratch (a re-run must not keep a file of a dependency no longer declared). */
export async function makeView(o: ViewOptions): Promise<ViewResult> {
  const pkg = await lazy.pkg();
  const tmp = `${o.view}.tmp-${process.pid}`;
  fs.rmSync(tmp, { recursive: true, force: true });
  fs.mkdirSync(tmp, { recursive: true });
  let files = 0;
  const rewritten: string[] = [];
  const owner = new Map<string, string>();
  for (const name of o.pkgnames) {
    const file = path.join(o.pkgdb, name, '+CONTENTS');
    let text: string;
    try {
      text = fs.readFileSync(file, 'utf8');
    } catch {
      throw new UserError(`${name} is not installed (no ${file}); it is needed for the buildlink view of ABI ${o.abi}`, { hint: 'run the depends phase again (mkpkg depends)' });
    }
    const c = pkg.parseContents(text, file);
    const prefix = c.prefix ?? '/';
    for (const e of c.entries) {
      if (e.kind !== 'file' || !inView(e.path, o.abi, o.platform)) continue;
      const from = path.join(prefix, e.path);
      const to = path.join(tmp, e.path);
      const prev = owner.get(e.path);
      if (prev !== undefined) continue; // the first package listing a path wins, as in the prefix
      owner.set(e.path, name);
      fs.mkdirSync(path.dirname(to), { recursive: true });
      if (e.path.endsWith('.pc') || e.path.endsWith('.la')) {
        let body: string;
        try {
          body = fs.readFileSync(from, 'utf8');
        } catch {
          throw new UserError(`${from} of ${name} is missing (listed in ${file})`, { hint: `reinstall ${name}` });
        }
        const view = o.view;
        fs.writeFileSync(to, e.path.endsWith('.pc') ? rewritePc(body, prefix, view) : rewriteLa(body, prefix, view));
        rewritten.push(e.path);
      } else {
        fs.symlinkSync(from, to);
      }
      files++;
    }
  }
  fs.rmSync(o.view, { recursive: true, force: true });
  fs.renameSync(tmp, o.view);
  return { files, rewritten };
}

/** -I, -L and PKG_CONFIG_LIBDIR of a view for one ABI (the ABI's include directory first). */
export function viewPaths(view: string, s: { lib: string; inc: string }): { incdirs: string[]; libdir: string; pkgconfig: string } {
  return {
    incdirs: [...(s.inc ? [`${view}/include${s.inc}`] : []), `${view}/include`],
    libdir: `${view}/lib${s.lib}`,
    pkgconfig: `${view}/lib${s.lib}/pkgconfig:${view}/share/pkgconfig`,
  };
}
