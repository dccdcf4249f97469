import os from 'node:os';
import { type Abi, type ArchSuffixes, type Opsys, ABIS, parseAbi, parseOpsys, splitList } from './abi.ts';
import { InputError } from './errors.ts';

/**
 * A platform's multiarch settings. `abis` is the install order; the last ABI
 * installed is the default ABI and owns the un-suffixed lib directory.
 */
export interface Platform {
  readonly opsys: Opsys;
  readonly abis: readonly [Abi, ...Abi[]];
  readonly defaultAbi: Abi;
  readonly suffixes: Readonly<Record<Abi, ArchSuffixes>>;
}

interface PlatformRow {
  readonly abis: readonly [Abi, ...Abi[]];
  readonly suffixes: Readonly<Record<Abi, ArchSuffixes>>;
}

const TABLE: Readonly<Record<Opsys, PlatformRow>> = {
  SunOS: {
    abis: ['64', '32'],
    suffixes: { '32': { bin: '/i86', lib: '', inc: '/i86' }, '64': { bin: '/amd64', lib: '/amd64', inc: '/amd64' } },
  },
  Linux: {
    abis: ['32', '64'],
    suffixes: { '32': { bin: '/i86', lib: '/i86', inc: '/i86' }, '64': { bin: '/amd64', lib: '', inc: '/amd64' } },
  },
};

/** The OPSYS of the machine we run on, in pkgsrc's spelling. */
export function hostOpsys(): Opsys {
  const t = os.type();
  return parseOpsys(t === 'SunOS' ? 'SunOS' : t, `this machine (uname -s = ${t})`);
}

/**
 * Overrides as mk.conf or a command line spells them: `MULTIARCH_ABIS`,
 * `BINARCHSUFFIX.64`, `LIBARCHSUFFIX.32`, `INCARCHSUFFIX.64`, … (the `_`
 * spelling of plist.mk's environment, `BINARCHSUFFIX_64`, is accepted too).
 */
export type PlatformOverrides = Readonly<Record<string, string | undefined>>;

const SUFFIX_KEYS = { bin: 'BINARCHSUFFIX', lib: 'LIBARCHSUFFIX', inc: 'INCARCHSUFFIX' } as const;

export function platformFor(opsys: Opsys, overrides: PlatformOverrides = {}, source = 'mk.conf'): Platform {
  const row = TABLE[opsys];
  let abis = row.abis;
  const abiList = overrides['MULTIARCH_ABIS'];
  if (abiList !== undefined && abiList.trim() !== '') {
    const parsed = splitList(abiList).map((a) => parseAbi(a, `${source}: MULTIARCH_ABIS`));
    const seen = new Set<Abi>();
    for (const a of parsed) {
      if (seen.has(a)) throw new InputError(`${source}: MULTIARCH_ABIS names ABI ${a} twice ('${abiList}')`);
      seen.add(a);
    }
    abis = parsed as unknown as [Abi, ...Abi[]];
  }
  const suffixes = {} as Record<Abi, ArchSuffixes>;
  for (const abi of ABIS) {
    const base = row.suffixes[abi];
    const pick = (kind: keyof ArchSuffixes): string => {
      const key = SUFFIX_KEYS[kind];
      const v = overrides[`${key}.${abi}`] ?? overrides[`${key}_${abi}`];
      if (v === undefined) return base[kind];
      if (v !== '' && (!v.startsWith('/') || v.includes('..') || /\s/.test(v) || v.endsWith('/'))) {
        throw new InputError(
          `${source}: ${key}.${abi}='${v}' is not a directory suffix; use empty or '/name' (for example '/amd64')`,
        );
      }
      return v;
    };
    suffixes[abi] = { bin: pick('bin'), lib: pick('lib'), inc: pick('inc') };
  }
  const defaultAbi = abis[abis.length - 1] as Abi;
  return { opsys, abis, defaultAbi, suffixes };
}

/** The single-ABI view used when multiarch is off: default ABI, empty suffixes. */
export function singleAbiPlatform(p: Platform): Platform {
  const empty: ArchSuffixes = { bin: '', lib: '', inc: '' };
  return { ...p, abis: [p.defaultAbi], suffixes: { '32': empty, '64': empty } };
}

/** What USE_MULTIARCH asks for. */
export interface MultiarchScope {
  readonly bin: boolean;
  readonly lib: boolean;
}

export type Multiarch = { readonly enabled: false } | ({ readonly enabled: true } & MultiarchScope);

/**
 * Multiarch is on when the user asks for it (mk.conf MULTIARCH=yes or
 * `--multiarch LIST`) and the package says what to split. `--multiarch LIST`
 * also replaces the package's USE_MULTIARCH.
 */
export function resolveMultiarch(opts: {
  mkconfMultiarch?: string | undefined;
  useMultiarch?: string | undefined;
  cliMultiarch?: string | undefined;
}): Multiarch {
  const parseScope = (s: string, source: string): MultiarchScope => {
    const words = splitList(s);
    for (const w of words) {
      if (w !== 'bin' && w !== 'lib') {
        throw new InputError(`${source}: unknown word '${w}' in '${s}'; accepted values are bin, lib`);
      }
    }
    return { bin: words.includes('bin'), lib: words.includes('lib') };
  };
  if (opts.cliMultiarch !== undefined) {
    const scope = parseScope(opts.cliMultiarch, '--multiarch');
    return scope.bin || scope.lib ? { enabled: true, ...scope } : { enabled: false };
  }
  const wanted = (opts.mkconfMultiarch ?? '').trim().toLowerCase() === 'yes';
  if (!wanted || opts.useMultiarch === undefined || opts.useMultiarch.trim() === '') return { enabled: false };
  const scope = parseScope(opts.useMultiarch, 'USE_MULTIARCH');
  return scope.bin || scope.lib ? { enabled: true, ...scope } : { enabled: false };
}
