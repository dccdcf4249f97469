import { InputError } from '@mkpkg/platform';

/** Quotes one word for /bin/sh. */
export function shQuote(s: string): string {
  return /^[A-Za-z0-9_@%+=:,./-]+$/.test(s) ? s : `'${s.replace(/'/g, `'\\''`)}'`;
}

/**
 * Splits a make variable's value into words the way the shell would
 * (single and double quotes, backslashes), without expanding anything.
 * pkgsrc writes list values such as PLIST_SUBST with `${VAR:Q}` quoting.
 */
export function splitShellWords(s: string): string[] {
  const words: string[] = [];
  let cur = '';
  let inWord = false;
  for (let i = 0; i < s.length; i++) {
    const c = s[i] as string;
    if (c === "'") {
      const end = s.indexOf("'", i + 1);
      if (end < 0) throw new InputError(`unterminated ' in the value '${s}'`, { hint: 'quote list values with ${VAR:Q}' });
      cur += s.slice(i + 1, end);
      i = end;
      inWord = true;
    } else if (c === '"') {
      i++;
      for (; i < s.length && s[i] !== '"'; i++) {
        if (s[i] === '\\' && i + 1 < s.length && '$`"\\\n'.includes(s[i + 1] as string)) i++;
        cur += s[i];
      }
      if (i >= s.length) throw new InputError(`unterminated " in the value '${s}'`, { hint: 'quote list values with ${VAR:Q}' });
      inWord = true;
    } else if (c === '\\' && i + 1 < s.length) {
      cur += s[++i];
      inWord = true;
    } else if (/\s/.test(c)) {
      if (inWord) words.push(cur);
      cur = '';
      inWord = false;
    } else {
      cur += c;
      inWord = true;
    }
  }
  if (inWord) words.push(cur);
  return words;
}

/** `VAR=value` words (PLIST_SUBST, FILES_SUBST, …) as a record. */
export function parseAssignments(s: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const w of splitShellWords(s)) {
    const eq = w.indexOf('=');
    if (eq > 0) out[w.slice(0, eq)] = w.slice(eq + 1);
  }
  return out;
}
