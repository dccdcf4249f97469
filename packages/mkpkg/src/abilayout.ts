import path from 'node:path';
import { type Abi, type Platform } from '@mkpkg/platform';

// Where each ABI put its files, checked before the PLIST check: the PLIST
// check can only say "missing" and "unlisted", and print-plist would fold
// such a tree into a PLIST that never passes.

/** A program one ABI built and another did not. */
export interface OneAbiProgram {
  /** The PLIST line it would have (bin/foo). */
  readonly line: string;
  readonly paths: readonly string[];
  readonly has: readonly Abi[];
  readonly lacks: readonly Abi[];
  /** Where each lacking ABI's copy would be. */
  readonly missing: readonly string[];
}

const under = (p: string, dir: string) => p.startsWith(`${dir}/`);

/**
 * Programs present in one ABI's bin directory and absent from another's
 * (`files`: the merged tree, relative to PREFIX). Such a program gets no
 * `@link` to isaexec, so users would get no `bin/foo` at all.
 */
export function oneAbiPrograms(
  files: readonly string[],
  o: { platform: Platform; binDirs: readonly string[]; skipBinDirs: readonly string[] },
): OneAbiProgram[] {
  const out: OneAbiProgram[] = [];
  const skips = o.skipBinDirs.map((d) => d.replace(/\/+$/, ''));
  for (const dir of o.binDirs.map((d) => d.replace(/\/+$/, ''))) {
    const byName = new Map<string, Map<Abi, string>>();
    for (const abi of o.platform.abis) {
      const sfx = o.platform.suffixes[abi].bin;
      if (sfx === '') return []; // an unsuffixed ABI's programs cannot be told from the generic ones
      const abiDir = `${dir}${sfx}`;
      for (const f of files) {
        if (!under(f, abiDir) || skips.some((s) => under(f, s))) continue;
        const rest = f.slice(abiDir.length + 1);
        let m = byName.get(rest);
        if (!m) byName.set(rest, (m = new Map()));
        m.set(abi, f);
      }
    }
    for (const [rest, m] of byName) {
      if (m.size === o.platform.abis.length) continue;
      const lacks = o.platform.abis.filter((a) => !m.has(a));
      const missing = lacks.map((a) => `${dir}${o.platform.suffixes[a].bin}/${rest}`);
      out.push({ line: `${dir}/${rest}`, paths: [...m.values()], has: [...m.keys()], lacks, missing });
    }
  }
  return out.sort((a, b) => (a.line < b.line ? -1 : 1));
}

/** A library an ABI installed outside its own library directory. */
export interface MisplacedLibrary {
  readonly abi: Abi;
  readonly path: string;
  /** Where it belongs (lib/i86). */
  readonly expected: string;
  readonly why: 'multi-os' | 'other-abi';
}

const LIBRARY = /\.(so(\.[0-9]+)*|a|la|dylib)$/;

/**
 * Libraries in `files` (one ABI's stage, relative to PREFIX) that are not
 * in that ABI's lib${LIBARCHSUFFIX}: in another ABI's directory (lib/../lib
 * lands there too), or in a libtool/gcc "multi-os directory" (lib32, lib64,
 * lib/32, lib/64) that no PLIST line expands to.
 */
export function misplacedLibraries(abi: Abi, files: readonly string[], o: { platform: Platform; libDirs: readonly string[] }): MisplacedLibrary[] {
  const out: MisplacedLibrary[] = [];
  for (const dir of o.libDirs.map((d) => d.replace(/\/+$/, ''))) {
    const own = `${dir}${o.platform.suffixes[abi].lib}`;
    const others = new Set(o.platform.abis.filter((a) => a !== abi).map((a) => `${dir}${o.platform.suffixes[a].lib}`));
    others.delete(own);
    const multiOs = new Set([`${dir}32`, `${dir}64`, `${dir}/lib32`, `${dir}/lib64`, `${dir}/32`, `${dir}/64`, `${dir}/x86_64-linux-gnu`, `${dir}/i386-linux-gnu`]);
    multiOs.delete(own);
    for (const f of files) {
      if (!LIBRARY.test(f)) continue;
      const d = path.posix.dirname(f);
      if (multiOs.has(d)) out.push({ abi, path: f, expected: own, why: 'multi-os' });
      else if (others.has(d)) out.push({ abi, path: f, expected: own, why: 'other-abi' });
    }
  }
  return out;
}

/** The error text for misplaced libraries, with what to pass. */
export function misplacedMessage(found: readonly MisplacedLibrary[]): { message: string; hint: string } {
  const lines = found.map((m) =>
    m.why === 'multi-os'
      ? `  ${m.path}: ABI ${m.abi}'s library is in a multi-os directory instead of ${m.expected}/`
      : `  ${m.path}: ABI ${m.abi}'s library is in another ABI's directory instead of ${m.expected}/`,
  );
  const multiOs = found.some((m) => m.why === 'multi-os');
  return {
    message: `${found.length} librar${found.length === 1 ? 'y' : 'ies'} installed outside the ABI's lib directory:\n${lines.join('\n')}`,
    hint: multiOs
      ? "libtool's multi-os-directory logic moved them: add CONFIGURE_ARGS+= --disable-multi-os-directory (libffi and gcc runtime libraries take it); otherwise make the package install into lib${LIBARCHSUFFIX} (GNU configure gets --libdir=${PREFIX}/lib${LIBARCHSUFFIX}, CMake CMAKE_INSTALL_LIBDIR)"
      : 'make the package install into lib${LIBARCHSUFFIX}: GNU configure gets --libdir=${PREFIX}/lib${LIBARCHSUFFIX} and CMake CMAKE_INSTALL_LIBDIR; a plain Makefile needs LIBDIR=${PREFIX}/lib${LIBARCHSUFFIX} in MAKE_FLAGS',
  };
}

/** The error text for one-ABI programs, naming the ABI that lacks each and the ways out. */
export function oneAbiMessage(found: readonly OneAbiProgram[]): { message: string; hint: string } {
  const lines = found.map(
    (f) => `  ${f.line}: ABI ${f.lacks.join(', ')} did not install ${f.missing.join(', ')} (missing); only ABI ${f.has.join(', ')} built it (${f.paths.join(', ')})`,
  );
  return {
    message:
      `${found.length} program(s) were built for some ABIs only; without every ABI's copy there is no @link, ` +
      `so users would get no ${found.map((f) => f.line).join(', ')}:\n${lines.join('\n')}`,
    hint:
      "usually an optional dependency was found for one ABI only (see that ABI's configure log): disable the option " +
      '(for example a --without-… in CONFIGURE_ARGS) or install what the other ABI lacks; ' +
      'to ship a program for one ABI on purpose, install it into a directory listed in MULTIARCH_SKIP_DIRS.bin',
  };
}
