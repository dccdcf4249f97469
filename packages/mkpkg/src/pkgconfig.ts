/**
 * PKGCONFIG_OVERRIDE: every -L directory in a .pc file's Libs also becomes a
 * run path, so programs linked through pkg-config find the ABI's libraries.
 */
export function pkgconfigWithRpath(text: string): string {
  return text
    .split('\n')
    .map((line) => {
      const m = /^(Libs(?:\.private)?:)(.*)$/.exec(line);
      if (!m) return line;
      const words = (m[2] as string).trim().split(/\s+/).filter(Boolean);
      const out: string[] = [];
      for (const w of words) {
        out.push(w);
        if (w.startsWith('-L') && w.length > 2 && !words.includes(`-Wl,-rpath,${w.slice(2)}`)) out.push(`-Wl,-rpath,${w.slice(2)}`);
      }
      return `${m[1]} ${out.join(' ')}`;
    })
    .join('\n');
}
