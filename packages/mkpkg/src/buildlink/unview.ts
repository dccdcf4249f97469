import fs from 'node:fs';
import path from 'node:path';
import { walk } from '../merge.ts';
import { replacePrefix } from './rewrite.ts';

/**
 * Files an install writes from what the build saw: libtool archives keep
 * the -L flags of LDFLAGS in dependency_libs, pkg-config files and
 * `foo-config` scripts or CMake files repeat the flags configure was given.
 * Those name the ABI's buildlink view, which lives in the work directory;
 * installed, they must name LOCALBASE, where the dependencies are (as
 * pkgsrc's libtool fix-ups and work-directory checks make sure).
 */
const CANDIDATE = /(\.la|\.pc|\.cmake|-config|\.sh)$/;
const MAX_BYTES = 4 * 1024 * 1024;

function isCandidate(rel: string, file: string): boolean {
  if (CANDIDATE.test(rel)) return true;
  if (!/^(s?bin)\//.test(rel)) return false;
  // A script among the programs (#!): foo-config and friends.
  try {
    const fd = fs.openSync(file, 'r');
    try {
      const head = Buffer.alloc(2);
      return fs.readSync(fd, head, 0, 2, 0) === 2 && head.toString('latin1') === '#!';
    } finally {
      fs.closeSync(fd);
    }
  } catch {
    return false;
  }
}

/** Rewrites references to `view` in one ABI's staged files to `localbase`; returns the files changed (relative to the stage). */
export function unviewStage(stage: string, view: string, localbase: string): string[] {
  const changed: string[] = [];
  for (const e of walk(stage)) {
    if (e.kind !== 'file') continue;
    const file = path.join(stage, e.rel);
    if (!isCandidate(e.rel, file)) continue;
    const st = fs.statSync(file);
    if (st.size > MAX_BYTES) continue;
    const text = fs.readFileSync(file, 'latin1');
    if (!text.includes(view)) continue;
    const tmp = `${file}.mkpkg-unview`;
    fs.writeFileSync(tmp, replacePrefix(text, view, localbase), { encoding: 'latin1', mode: st.mode & 0o7777 });
    fs.renameSync(tmp, file);
    changed.push(e.rel);
  }
  return changed;
}
