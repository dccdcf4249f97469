import type { Abi, Multiarch } from '@mkpkg/platform';

export interface AbiChoiceInputs {
  readonly abis: readonly Abi[];
  readonly multiarch: Multiarch;
  /** `--multiarch LIST`, when given. */
  readonly cliMultiarch?: string | undefined;
  /** MULTIARCH from mk.conf. */
  readonly mkconfMultiarch: string;
  /** The package's USE_MULTIARCH. */
  readonly useMultiarch: string;
}

/**
 * The line a build starts with: which ABIs it builds and why. Multiarch
 * needs both the user (MULTIARCH=yes in mk.conf, or --multiarch) and the
 * package (USE_MULTIARCH); a package that asks for it on a system that does
 * not gets one ABI, as in pkgsrc, and the line says how to get both.
 */
export function describeAbiChoice(c: AbiChoiceInputs): string {
  const list = c.abis.join(' ');
  const what = c.abis.length > 1 ? `building ABIs ${list}` : `building ABI ${list} only`;
  const scope = c.multiarch.enabled ? [c.multiarch.bin ? 'bin' : '', c.multiarch.lib ? 'lib' : ''].filter(Boolean).join(',') : '';
  if (c.cliMultiarch !== undefined) {
    return c.multiarch.enabled ? `${what} (--multiarch ${scope})` : `${what} (--multiarch '${c.cliMultiarch}' names neither bin nor lib)`;
  }
  const wanted = c.mkconfMultiarch.trim().toLowerCase() === 'yes';
  const use = c.useMultiarch.trim();
  if (c.multiarch.enabled) return `${what} (MULTIARCH=yes, USE_MULTIARCH=${use})`;
  if (use !== '' && !wanted) {
    return `${what}: USE_MULTIARCH is set but MULTIARCH is not yes in mk.conf; pass --multiarch ${use.split(/\s+/).join(',')} or set MULTIARCH=yes`;
  }
  if (use === '') return `${what}: the package sets no USE_MULTIARCH`;
  return `${what}: USE_MULTIARCH='${use}' names neither bin nor lib`;
}
