import type { Multiarch, Platform } from '@mkpkg/platform';

/** Everything expansion, check and fold need to know; see the package README. */
export interface ExpandOptions {
  multiarch: Multiarch;
  /** ABIs in install order (output order) and their directory suffixes. */
  platform: Platform;
  binDirs: string[];
  libDirs: string[];
  skipBinDirs: string[];
  skipLibDirs: string[];
  /** Source of the `@link` line emitted for each bin command. */
  linkSource: string;
  /** PLIST_SUBST: `${VAR}` → value. */
  subst: Readonly<Record<string, string>>;
  /** PLIST_VARS: `${PLIST.name}` → '' (true) or '@comment ' (false). */
  plistVars: Readonly<Record<string, boolean>>;
}

export const DEFAULT_BIN_DIRS: readonly string[] = ['bin', 'sbin'];
export const DEFAULT_LIB_DIRS: readonly string[] = ['lib'];
export const DEFAULT_SKIP_BIN_DIRS: readonly string[] = [];
export const DEFAULT_SKIP_LIB_DIRS: readonly string[] = ['lib/svc'];
export const DEFAULT_LINK_SOURCE = 'lib/isaexec';

export function defaultExpandOptions(
  platform: Platform,
  multiarch: Multiarch,
  over: Partial<ExpandOptions> = {},
): ExpandOptions {
  return {
    multiarch,
    platform,
    binDirs: [...DEFAULT_BIN_DIRS],
    libDirs: [...DEFAULT_LIB_DIRS],
    skipBinDirs: [...DEFAULT_SKIP_BIN_DIRS],
    skipLibDirs: [...DEFAULT_SKIP_LIB_DIRS],
    linkSource: DEFAULT_LINK_SOURCE,
    subst: {},
    plistVars: {},
    ...stripUndefined(over),
  };
}

function stripUndefined<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}

/** Directory names are literal; trailing slashes are tolerated and dropped. */
export function normalizeDir(d: string): string {
  return d.replace(/\/+$/, '');
}
