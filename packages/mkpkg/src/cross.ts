import fs from 'node:fs';
import path from 'node:path';
import { type Abi, type Opsys, type ProbeLanguage, type ProbeResult, InputError, gnuTriplet, parseAbi, splitList } from '@mkpkg/platform';
import { type Vars, get } from './pkgdir.ts';

/**
 * An ABI built as a cross build (README, "Cross builds"): the compiler links its
 * programs, but mkpkg does not count on running them while it builds.
 */
export interface CrossBuild {
  readonly abi: Abi;
  /** Why: the kernel refused the probe program, or MULTIARCH_CROSS_ABIS asks for it. */
  readonly why: 'cannot-run' | 'forced';
  /** GNU configure's --build: this machine's own triplet. */
  readonly buildTriplet: string;
  /** GNU configure's --host: the ABI's triplet. */
  readonly hostTriplet: string;
  /** Whether the ABI's programs start here (natively or through a registered emulator): decides its test phase. */
  readonly runs: boolean;
  /** The emulator binfmt_misc starts the ABI's programs with, when one is registered. */
  readonly emulator: string | undefined;
}

/** This machine's own ABI (what a plain `cc` makes), or undefined off x86. */
export function hostAbi(arch: string = process.arch): Abi | undefined {
  if (arch === 'x64') return '64';
  if (arch === 'ia32') return '32';
  return undefined;
}

/** The probe languages a package's USE_LANGUAGES asks for (pkgsrc's default is c). */
export function probeLanguages(useLanguages: string): ProbeLanguage[] {
  const words = splitList(useLanguages);
  if (words.length === 0) return ['c'];
  const out: ProbeLanguage[] = [];
  if (words.some((w) => /^(c|c\d\d|gnu\d\d)$/.test(w))) out.push('c');
  if (words.some((w) => /^(c|gnu)\+\+(\d\d)?$/.test(w))) out.push('c++');
  return out;
}

/**
 * MULTIARCH_CROSS_ABIS (mk.conf, the command line or a package): ABIs to
 * build as cross builds even where they run. This machine's own ABI cannot
 * be one, since --build and --host would be the same.
 */
export function forcedCrossAbis(v: Vars, where: string): Set<Abi> {
  const out = new Set<Abi>();
  const own = hostAbi();
  for (const w of splitList(get(v, 'MULTIARCH_CROSS_ABIS'))) {
    const abi = parseAbi(w, `${where}: MULTIARCH_CROSS_ABIS`);
    if (abi === own) {
      throw new InputError(`${where}: MULTIARCH_CROSS_ABIS names ABI ${abi}, this machine's own ABI; only another ABI can be cross-built`, {
        hint: `set MULTIARCH_CROSS_ABIS= ${abi === '64' ? '32' : '64'}, or leave it empty`,
      });
    }
    out.add(abi);
  }
  return out;
}

/**
 * Which ABIs are cross builds, from the probe results of every language the
 * package uses (any 'cannot-run' makes the ABI a cross build) and the forced
 * set. A result of 'cannot-build' never gets here: it stops the build first.
 */
export function crossBuilds(
  opsys: Opsys,
  abis: readonly Abi[],
  probes: ReadonlyMap<Abi, readonly ProbeResult[]>,
  forced: ReadonlySet<Abi>,
  emulatorFor: (abi: Abi) => string | undefined = binfmtEmulator,
): Map<Abi, CrossBuild> {
  const out = new Map<Abi, CrossBuild>();
  const own = hostAbi();
  for (const abi of abis) {
    const refused = (probes.get(abi) ?? []).some((r) => r.kind === 'cannot-run');
    if (!refused && !forced.has(abi)) continue;
    out.set(abi, {
      abi,
      why: refused ? 'cannot-run' : 'forced',
      buildTriplet: gnuTriplet(opsys, own ?? abi),
      hostTriplet: gnuTriplet(opsys, abi),
      runs: !refused,
      emulator: emulatorFor(abi),
    });
  }
  return out;
}

/** The one line that says an ABI is a cross build and what that means for its tests. */
export function crossNote(c: CrossBuild): string {
  const why = c.why === 'forced' ? 'MULTIARCH_CROSS_ABIS asks for it' : `this machine cannot run ${c.abi}-bit programs`;
  const tests = !c.runs
    ? 'its test phase is skipped'
    : c.emulator
      ? `its test phase runs under ${c.emulator} (binfmt_misc)`
      : 'its test phase runs, since this machine runs its programs';
  return `ABI ${c.abi} is a cross build (${why}): GNU configure gets --build=${c.buildTriplet} --host=${c.hostTriplet}, CMake CMAKE_SYSTEM_NAME; ${tests}`;
}

/** One binfmt_misc entry, as /proc/sys/fs/binfmt_misc/<name> describes it. */
export interface BinfmtEntry {
  readonly enabled: boolean;
  readonly interpreter: string;
  readonly flags: string;
  readonly offset: number;
  readonly magic: string;
}

/** Parses the text of a binfmt_misc entry file; undefined for anything else. */
export function parseBinfmtEntry(text: string): BinfmtEntry | undefined {
  const lines = text.split('\n');
  const field = (name: string) => lines.find((l) => l.startsWith(`${name} `))?.slice(name.length + 1).trim();
  const interpreter = field('interpreter');
  const magic = field('magic');
  if (interpreter === undefined || magic === undefined) return undefined;
  return {
    enabled: lines[0]?.trim() === 'enabled',
    interpreter,
    flags: field('flags:') ?? field('flags') ?? '',
    offset: Number.parseInt(field('offset') ?? '0', 10) || 0,
    magic: magic.toLowerCase(),
  };
}

/** Whether an entry's magic matches a 32-bit little-endian x86 ELF header (class 1, data 1, e_machine EM_386). */
export function matchesI386(e: BinfmtEntry): boolean {
  if (e.offset !== 0) return false;
  const bytes = e.magic.match(/../g) ?? [];
  return bytes.slice(0, 6).join('') === '7f454c460101' && bytes[18] === '03' && bytes[19] === '00';
}

/**
 * The emulator an enabled binfmt_misc entry starts 32-bit x86 programs with.
 * Debian names its interpreters …-binfmt-P (a symbolic link whose name tells
 * qemu that argv[0] is preserved); run directly, the program behind the link
 * is what takes `emulator program args`.
 */
export function binfmtEmulator(abi: Abi, dir = '/proc/sys/fs/binfmt_misc'): string | undefined {
  if (abi !== '32') return undefined;
  let names: string[];
  try {
    names = fs.readdirSync(dir);
  } catch {
    return undefined;
  }
  for (const n of names) {
    if (n === 'register' || n === 'status') continue;
    let e: BinfmtEntry | undefined;
    try {
      e = parseBinfmtEntry(fs.readFileSync(path.join(dir, n), 'utf8'));
    } catch {
      continue;
    }
    if (!e || !e.enabled || !matchesI386(e)) continue;
    try {
      return /-binfmt-P$/.test(e.interpreter) ? fs.realpathSync(e.interpreter) : e.interpreter;
    } catch {
      return e.interpreter;
    }
  }
  return undefined;
}
