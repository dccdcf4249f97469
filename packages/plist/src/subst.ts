import { InputError } from '@mkpkg/platform';
import type { Position } from './syntax.ts';

/** The multiarch tokens; PLIST_SUBST never replaces these (expansion does). */
export const ARCH_TOKENS = { bin: '${BINARCHSUFFIX}', lib: '${LIBARCHSUFFIX}', inc: '${INCARCHSUFFIX}' } as const;
const ARCH_NAMES: ReadonlySet<string> = new Set(['BINARCHSUFFIX', 'LIBARCHSUFFIX', 'INCARCHSUFFIX']);

/**
 * PLIST_SUBST as plist-subst.awk applies it: every `${VAR}` named in `subst`
 * is replaced; `${PLIST.name}` becomes '' when the option is on and
 * '@comment ' when it is off. Unknown variables stay as written (pkgsrc does
 * the same, and its PLIST check then reports them). One pass: replacement
 * text is not scanned again.
 */
export class Substituter {
  private readonly values: ReadonlyMap<string, string>;

  constructor(subst: Readonly<Record<string, string>>, plistVars: Readonly<Record<string, boolean>>) {
    const m = new Map<string, string>();
    for (const [k, v] of Object.entries(plistVars)) m.set(`PLIST.${k}`, v ? '' : '@comment ');
    for (const [k, v] of Object.entries(subst)) if (!ARCH_NAMES.has(k)) m.set(k, v);
    this.values = m;
  }

  /** The replacements `apply` makes, by variable name (the core substitutes with the same table). */
  entries(): IterableIterator<[string, string]> {
    return this.values.entries();
  }

  /** Call only for lines containing '${'. */
  apply(line: string, at: Position): string {
    let out = '';
    let from = 0;
    for (;;) {
      const open = line.indexOf('${', from);
      if (open < 0) break;
      const close = line.indexOf('}', open + 2);
      if (close < 0) {
        throw new InputError(`unterminated '\${' at column ${open + 1}`, {
          where: at,
          hint: "close the variable with '}' (for example '${PKGMANDIR}')",
        });
      }
      const value = this.values.get(line.slice(open + 2, close));
      out += line.slice(from, open) + (value ?? line.slice(open, close + 1));
      from = close + 1;
    }
    return from === 0 ? line : out + line.slice(from);
  }
}
