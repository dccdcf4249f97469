import { type Abi, type Platform, ISA_OF } from '@mkpkg/platform';
import { splitCommand, splitLink } from './syntax.ts';
import { compareBytes, listTree } from './tree.ts';

export interface CheckResult {
  /** Files the PLIST names that the tree lacks, in PLIST order. */
  missing: string[];
  /** Files in the tree the PLIST does not name, sorted. */
  unlisted: string[];
  /** The missing files that belong to one ABI's directories, by ABI. */
  missingByAbi?: Partial<Record<Abi, string[]>>;
}

/**
 * Compares an expanded PLIST with a staged `${DESTDIR}${PREFIX}`. `@link`
 * destinations are made at install time, so they are neither expected nor,
 * if a build left one behind, reported.
 */
export async function checkTree(
  expandedLines: readonly string[],
  prefixDir: string,
  opts: { platform?: Platform } = {},
): Promise<CheckResult> {
  const expected: string[] = [];
  const linked = new Set<string>();
  for (const l of expandedLines) {
    if (l === '') continue;
    if (l.charCodeAt(0) !== 64) expected.push(l);
    else {
      const { name, arg } = splitCommand(l);
      if (name === 'link') linked.add(splitLink(arg).dest);
    }
  }
  const { files } = await listTree(prefixDir);
  const present = new Set(files);
  const listed = new Set(expected);
  const missing = expected.filter((p) => !present.has(p));
  const unlisted = files.filter((p) => !listed.has(p) && !linked.has(p)).sort(compareBytes);
  const result: CheckResult = { missing, unlisted };
  const byAbi = groupByAbi(missing, opts.platform);
  if (byAbi) result.missingByAbi = byAbi;
  return result;
}

/**
 * Attributes paths to the ABI whose directory suffix they contain
 * (`bin/amd64/foo` → 64). An empty suffix names no ABI, so paths in the
 * default ABI's un-suffixed lib dir are not attributed.
 */
function groupByAbi(paths: readonly string[], platform: Platform | undefined): Partial<Record<Abi, string[]>> | undefined {
  const names = new Map<string, Abi>();
  if (platform) {
    for (const abi of platform.abis) {
      for (const sfx of Object.values(platform.suffixes[abi])) if (sfx !== '') names.set(sfx.slice(1), abi);
    }
  } else {
    for (const [abi, isa] of Object.entries(ISA_OF)) names.set(isa, abi as Abi);
  }
  const out: Partial<Record<Abi, string[]>> = {};
  let any = false;
  for (const p of paths) {
    const segs = p.split('/');
    for (let i = 1; i < segs.length - 1; i++) {
      const abi = names.get(segs[i]!);
      if (abi) {
        (out[abi] ??= []).push(p);
        any = true;
        break;
      }
    }
  }
  return any ? out : undefined;
}
