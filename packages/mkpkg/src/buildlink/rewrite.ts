// Rewriting the text files of a dependency that name its install prefix,
// so that a build reads them from the buildlink view instead. Pure.

const escapeRe = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** Replaces `from` where it is a whole path prefix (followed by '/', a separator or the end), never inside a longer name. */
export function replacePrefix(text: string, from: string, to: string): string {
  if (from === '' || from === '/') return text;
  const re = new RegExp(`${escapeRe(from.replace(/\/+$/, ''))}(?=[/\\s'":;=]|$)`, 'g');
  return text.replace(re, () => to);
}

/** A linker flag that sets a run path: its directories must stay the installed ones. */
const RPATH_FLAG = /^(-Wl,-rpath[,=]|-Wl,-R|-Wl,--rpath[,=]|-R\/|-rpath[,=])/;

/**
 * A pkg-config file for the view: variable definitions and -I/-L flags that
 * lead into the dependency's prefix lead into the view, but run-path flags
 * keep (with ${var} references expanded from the original definitions) the
 * installed directories, so what is linked finds its libraries at run time.
 */
export function rewritePc(text: string, from: string, to: string): string {
  const original = new Map<string, string>();
  const expand = (s: string, depth = 0): string =>
    depth > 20 ? s : s.replace(/\$\{([A-Za-z0-9_.]+)\}/g, (m, name: string) => (original.has(name) ? expand(original.get(name) as string, depth + 1) : m));
  return text
    .split('\n')
    .map((line) => {
      const def = /^([A-Za-z0-9_.]+)=(.*)$/.exec(line);
      if (def) {
        original.set(def[1] as string, def[2] as string);
        return `${def[1]}=${replacePrefix(def[2] as string, from, to)}`;
      }
      const kw = /^(Libs|Libs\.private|Cflags|Cflags\.private)(:\s*)(.*)$/.exec(line);
      if (!kw) return line;
      const words = (kw[3] as string).split(/(\s+)/);
      const out = words.map((w) => (RPATH_FLAG.test(w) ? expand(w) : /^\s+$/.test(w) ? w : replacePrefix(w, from, to)));
      return `${kw[1]}${kw[2]}${out.join('')}`;
    })
    .join('\n');
}

/**
 * A libtool archive for the view: dependency_libs' -L directories and .la
 * paths lead into the view; libdir stays the installed directory (libtool
 * takes run paths from it).
 */
export function rewriteLa(text: string, from: string, to: string): string {
  return text
    .split('\n')
    .map((line) => (/^dependency_libs=/.test(line) ? replacePrefix(line, from, to) : line))
    .join('\n');
}
