import { InputError, type Where } from '@mkpkg/platform';
import type { SmfSettings } from './settings.ts';

/**
 * Text after `@KEY@` substitution, with a map from each of its lines back to
 * the template line it came from (a value may span lines), so that errors
 * found in the result name the line the packager has to edit.
 */
export interface Substituted {
  readonly text: string;
  /** srcLine[i] is the 1-based template line of result line i + 1. */
  readonly srcLine: readonly number[];
}

/** The keys smf.mk adds to FILES_SUBST. */
export function smfSubstitutions(s: SmfSettings): Record<string, string> {
  const out: Record<string, string> = {
    PKGMANDIR: s.pkgmandir,
    SMF_PREFIX: s.prefix,
    SMF_NAME: s.name,
    SMF_INSTANCES: s.instances.join(' '),
    SMF_MANIFEST: s.manifest,
    SMF_MANIFEST_FILE: s.manifestFile,
    SMF_METHOD_SHELL: s.methodShell,
  };
  for (const m of s.methods) out[`SMF_METHOD_FILE.${m.name}`] = m.file;
  return out;
}

/**
 * Replaces every `@KEY@` whose KEY is in `subst`. Unlike pkgsrc's chain of
 * sed expressions, values are literal (no `&`, `\` or `!` surprises) and are
 * not themselves substituted again.
 */
export function substitute(template: string, subst: Readonly<Record<string, string>>): Substituted {
  const keys = Object.keys(subst).sort((a, b) => b.length - a.length);
  const re = keys.length ? new RegExp(`@(${keys.map(escapeRe).join('|')})@`, 'g') : undefined;
  const lines: string[] = [];
  const srcLine: number[] = [];
  template.split('\n').forEach((line, i) => {
    const out = re ? line.replace(re, (_m, k: string) => subst[k] ?? '') : line;
    for (const l of out.split('\n')) {
      lines.push(l);
      srcLine.push(i + 1);
    }
  });
  return { text: lines.join('\n'), srcLine };
}

/** Where result line `line` (1-based) came from. */
export function sourceWhere(file: string, sub: Substituted, line: number): Where {
  return { file, line: sub.srcLine[line - 1] ?? line };
}

// FILES_SUBST keys are upper case by pkgsrc convention; method keys carry
// the method's name after a dot. Requiring the upper-case start keeps shell
// text such as "$@" or mail addresses from looking like tokens.
const TOKEN_RE = /@([A-Z][A-Z0-9_]*(?:\.[A-Za-z0-9_+-]+)*)@/;

/** Throws for the first `@TOKEN@` left in a substituted file, naming the template's file and line. */
export function assertNoLeftoverTokens(file: string, sub: Substituted): void {
  const lines = sub.text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const m = TOKEN_RE.exec(lines[i] ?? '');
    if (m) {
      throw new InputError(`@${m[1]}@ is not substituted: FILES_SUBST has no ${m[1]}`, {
        where: sourceWhere(file, sub, i + 1),
        hint: `add it in the package Makefile (FILES_SUBST+= ${m[1]}=<value>), or fix the token's spelling`,
      });
    }
  }
}

/**
 * The generic FILES_SUBST keys pkgsrc's bsd.pkginstall.mk defines, each
 * from the make variable of the same name. smfVarNames() asks for them.
 */
export const GENERIC_SUBST_VARS = [
  'PREFIX',
  'LOCALBASE',
  'X11BASE',
  'VARBASE',
  'PKG_SYSCONFBASE',
  'PKG_SYSCONFBASEDIR',
  'PKG_SYSCONFDIR',
  'PKGMANDIR',
  'PKGBASE',
  'PKGNAME',
] as const;

/**
 * The complete FILES_SUBST for a package from the variables bmake reported:
 * the generic keys (those that are set), overridden by the package's own
 * FILES_SUBST entries, which came first in pkgsrc and so won.
 */
export function filesSubstFromVars(vars: ReadonlyMap<string, string>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const k of GENERIC_SUBST_VARS) {
    const v = (vars.get(k) ?? '').trim();
    if (v) out[k] = v;
  }
  return { ...out, ...parseFilesSubst(vars.get('FILES_SUBST') ?? '') };
}

/**
 * Parses a FILES_SUBST value as bmake prints it: words `KEY=value`, quoted
 * the way `${VAR:Q}` quotes (backslashes) or with shell quotes. Earlier
 * entries win, as the first matching sed expression did in pkgsrc.
 */
export function parseFilesSubst(value: string, source = 'FILES_SUBST'): Record<string, string> {
  const out: Record<string, string> = {};
  for (const word of shellWords(value, source)) {
    const eq = word.indexOf('=');
    if (eq <= 0) {
      throw new InputError(`${source}: '${word}' is not KEY=value`, { hint: 'write FILES_SUBST+= KEY=${VALUE:Q}' });
    }
    const key = word.slice(0, eq);
    if (!(key in out)) out[key] = word.slice(eq + 1);
  }
  return out;
}

// Just enough of sh(1) word splitting for make-quoted values; no expansions.
function shellWords(s: string, source: string): string[] {
  const out: string[] = [];
  let cur: string | undefined;
  for (let i = 0; i < s.length; i++) {
    const c = s[i] as string;
    if (c === ' ' || c === '\t' || c === '\n') {
      if (cur !== undefined) out.push(cur);
      cur = undefined;
    } else if (c === '\\') {
      cur = (cur ?? '') + (s[++i] ?? '');
    } else if (c === "'") {
      const end = s.indexOf(c, i + 1);
      if (end < 0) throw new InputError(`${source}: unbalanced ' in '${s}'`);
      cur = (cur ?? '') + s.slice(i + 1, end);
      i = end;
    } else if (c === '"') {
      let q = '';
      for (i++; i < s.length && s[i] !== '"'; i++) {
        // Inside double quotes a backslash only escapes $ ` " \ (sh(1)).
        const next = s[i + 1];
        if (s[i] === '\\' && next !== undefined && '$`"\\'.includes(next)) i++;
        q += s[i];
      }
      if (i >= s.length) throw new InputError(`${source}: unbalanced " in '${s}'`);
      cur = (cur ?? '') + q;
    } else {
      cur = (cur ?? '') + c;
    }
  }
  if (cur !== undefined) out.push(cur);
  return out;
}

function escapeRe(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
