// A command's --help page from the same tables its yargs parser is given
// (option definitions, command modules), for the paths that answer --help
// without loading yargs: yargs costs about a third of a command's start-up
// CPU, and --help is among the commands started most (see the mkpkg README).

/** The part of a yargs option definition a help page shows. */
export interface HelpOption {
  readonly alias?: string | readonly string[];
  readonly describe?: string;
  readonly type?: 'string' | 'boolean' | 'number' | 'array' | 'count';
}

/** The part of a yargs command module a help page shows. */
export interface HelpCommand {
  readonly command?: string | readonly string[];
  readonly describe?: string | false;
}

export interface HelpPage {
  readonly prog: string;
  /** The usage line(s); `$0` stands for prog. */
  readonly usage: string;
  readonly commands?: readonly HelpCommand[];
  readonly options: Readonly<Record<string, HelpOption>>;
}

/** The words of text in lines of at most width characters (a longer word gets a line of its own). */
export function wrap(text: string, width: number): string[] {
  const lines: string[] = [];
  let line = '';
  for (const word of text.split(/\s+/).filter(Boolean)) {
    if (line !== '' && line.length + 1 + word.length > width) {
      lines.push(line);
      line = word;
    } else line = line === '' ? word : `${line} ${word}`;
  }
  lines.push(line);
  return lines;
}

/** Two columns: names, then descriptions wrapped at word boundaries beside them. */
function table(rows: ReadonlyArray<readonly [string, string]>, width: number, left: number): string[] {
  return rows.map(([name, text]) => {
    const pad = name.length + 2 < left ? name.padEnd(left - 2) : `${name}\n${' '.repeat(left - 2)}`;
    return `  ${pad}${wrap(text, width - left).join(`\n${' '.repeat(left)}`)}`;
  });
}

export function formatHelp(h: HelpPage, width = 80): string {
  // Paragraphs of the usage text (blank-line separated) are filled anew.
  const paragraphs = h.usage.replace(/\$0/g, h.prog).split(/\n\s*\n/);
  const out = [...paragraphs.flatMap((p, i) => [...(i > 0 ? [''] : []), ...wrap(p, width)]), ''];
  const cmds = (h.commands ?? []).filter((c) => c.describe !== false && c.command !== undefined);
  const cmdRows = cmds.map((c): [string, string] => [`${h.prog} ${[c.command].flat()[0]}`, c.describe || '']);
  const opts = Object.entries(h.options).map(([name, o]): [string, string] => {
    const names = [name, ...[o.alias ?? []].flat()].sort((a, b) => a.length - b.length);
    return [names.map((n) => (n.length === 1 ? `-${n}` : `--${n}`)).join(', '), o.describe ?? ''];
  });
  opts.push(['--help', 'show this help']);
  // One description column for both tables, as far right as the longest name allows.
  const left = Math.min(Math.max(...[...cmdRows, ...opts].map(([n]) => n.length)) + 4, 34);
  if (cmdRows.length > 0) out.push('Commands:', ...table(cmdRows, width, left), '');
  out.push('Options:', ...table(opts, width, left));
  return `${out.join('\n')}\n`;
}
