import path from 'node:path';
import { type Abi, type Multiarch, type Platform, UserError } from '@mkpkg/platform';
import { EM_386, EM_X86_64, readArchiveElf, readElf } from './elf.ts';
import { walk } from './merge.ts';

export interface ElfCheckOptions {
  readonly root: string; // ${DESTDIR}${PREFIX}
  readonly prefix: string;
  readonly platform: Platform;
  readonly multiarch: Multiarch;
  readonly binDirs: readonly string[];
  readonly libDirs: readonly string[];
  readonly skipDirs: readonly string[];
}

/** x86 is the platform table's machine; elsewhere only the class is checked. */
const MACHINE: Readonly<Record<Abi, number>> = { '32': EM_386, '64': EM_X86_64 };

const under = (rel: string, dir: string) => rel === dir || rel.startsWith(`${dir}/`);

/**
 * Which ABI owns a path (relative to PREFIX): a suffixed ABI directory names
 * its ABI; everything else was installed last, by the default ABI.
 */
export function abiOfPath(rel: string, o: Pick<ElfCheckOptions, 'platform' | 'multiarch' | 'binDirs' | 'libDirs'>): Abi {
  const p = o.platform;
  if (o.multiarch.enabled) {
    for (const abi of p.abis) {
      const s = p.suffixes[abi];
      if (o.multiarch.bin && s.bin && o.binDirs.some((d) => under(rel, `${d}${s.bin}`))) return abi;
      if (o.multiarch.lib && s.lib && o.libDirs.some((d) => under(rel, `${d}${s.lib}`))) return abi;
    }
  }
  return p.defaultAbi;
}

/** The lib directories (absolute, under PREFIX) that belong to an ABI other than `abi`. */
function foreignLibDirs(abi: Abi, o: ElfCheckOptions): string[] {
  const mine = `${o.prefix}/lib${o.platform.suffixes[abi].lib}`;
  const out: string[] = [];
  for (const other of o.platform.abis) {
    if (other === abi) continue;
    const d = `${o.prefix}/lib${o.platform.suffixes[other].lib}`;
    if (d !== mine) out.push(d);
  }
  const system =
    abi === '64' ? ['/usr/lib32', '/lib32', '/usr/lib/i386-linux-gnu', '/lib/i386-linux-gnu'] : ['/usr/lib64', '/lib64', '/usr/lib/x86_64-linux-gnu', '/lib/x86_64-linux-gnu', '/usr/lib/amd64', '/lib/amd64'];
  return [...out, ...system];
}

/**
 * Every ELF file must be an object of the ABI its directory belongs to (class
 * and, on x86, machine), and its RUNPATH must not lead into another ABI's
 * library directory. Returns the number of ELF files checked.
 */
export function checkElf(o: ElfCheckOptions): number {
  const problems: string[] = [];
  let n = 0;
  for (const e of walk(o.root)) {
    if (e.kind !== 'file') continue;
    if (o.skipDirs.some((d) => under(e.rel, d))) continue;
    const file = path.join(o.root, e.rel);
    const info = readElf(file) ?? (e.rel.endsWith('.a') ? archiveInfo(file) : undefined);
    if (!info) continue;
    n++;
    const abi = abiOfPath(e.rel, o);
    const want = Number(abi);
    const x86 = info.machine === EM_386 || info.machine === EM_X86_64;
    if (info.bits !== want || (x86 && info.machine !== MACHINE[abi])) {
      problems.push(`  ${e.rel}: ${info.bits}-bit ${e.rel.endsWith('.a') ? 'objects' : 'object'} in a directory of ABI ${abi} (expected ${want}-bit)`);
    }
    const foreign = foreignLibDirs(abi, o);
    for (const rp of info.runpath) {
      const norm = path.posix.normalize(rp);
      if (foreign.some((d) => norm === d)) problems.push(`  ${e.rel}: RUNPATH entry ${rp} is a library directory of another ABI`);
    }
  }
  if (problems.length > 0) {
    throw new UserError(`ELF check failed: ${problems.length} problem(s):\n${problems.join('\n')}`, {
      hint: 'a library in the wrong ABI directory usually comes from libtool/multi-os-directory logic (lib32, lib/../lib): pass the ABI libdir, or set NO_MULTIARCH_LIBDIR and install by hand',
    });
  }
  return n;
}

function archiveInfo(file: string) {
  const a = readArchiveElf(file);
  return a ? { ...a, type: 1, runpath: [] as string[], needed: [] as string[] } : undefined;
}
