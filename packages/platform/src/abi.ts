import { InputError } from './errors.ts';

/** The ABIs a multiarch package can hold. */
export const ABIS = ['32', '64'] as const;
export type Abi = (typeof ABIS)[number];

export const OPSYSES = ['SunOS', 'Linux'] as const;
export type Opsys = (typeof OPSYSES)[number];

/** Directory suffixes of one ABI: `bin${bin}`, `lib${lib}`, `include${inc}`. Empty or `/name`. */
export interface ArchSuffixes {
  readonly bin: string;
  readonly lib: string;
  readonly inc: string;
}

/** The ISA directory names isaexec and verexec use for each ABI. */
export const ISA_OF: Readonly<Record<Abi, string>> = { '32': 'i86', '64': 'amd64' };

export function isAbi(s: string): s is Abi {
  return (ABIS as readonly string[]).includes(s);
}

export function isOpsys(s: string): s is Opsys {
  return (OPSYSES as readonly string[]).includes(s);
}

export function parseAbi(s: string, source = 'ABI'): Abi {
  if (isAbi(s)) return s;
  // The dispatchers accept ISA names for ABI too; so do we.
  for (const abi of ABIS) if (ISA_OF[abi] === s) return abi;
  throw new InputError(`${source}: unknown ABI '${s}'; accepted values are 32, 64 (or i86, amd64)`);
}

export function parseOpsys(s: string, source = 'OPSYS'): Opsys {
  if (isOpsys(s)) return s;
  throw new InputError(`${source}: unknown OPSYS '${s}'; accepted values are ${OPSYSES.join(', ')}`);
}

/** Splits a list value as pkgsrc writes it: words separated by spaces (commas accepted too). */
export function splitList(s: string | undefined): string[] {
  if (!s) return [];
  return s.split(/[\s,]+/).filter((w) => w.length > 0);
}

/** Compiler flag that selects an ABI for gcc and clang on x86. */
export function compilerAbiFlag(abi: Abi): string {
  return abi === '32' ? '-m32' : '-m64';
}

/**
 * GNU configuration triplet for an ABI. config.guess under `CC="gcc -m32"`
 * names the build x86_64-…-gnux32 on Linux, so ABI 32 needs an explicit one.
 */
export function gnuTriplet(opsys: Opsys, abi: Abi): string {
  if (opsys === 'SunOS') return abi === '32' ? 'i386-pc-solaris2.11' : 'x86_64-pc-solaris2.11';
  return abi === '32' ? 'i686-pc-linux-gnu' : 'x86_64-pc-linux-gnu';
}

/** MACHINE_ARCH as pkgsrc records it for a package whose default ABI is `abi`. */
export function machineArch(abi: Abi): string {
  return abi === '32' ? 'i386' : 'x86_64';
}
