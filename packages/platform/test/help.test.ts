import { describe, expect, it } from 'vitest';
import { formatHelp, wrap } from '../src/help.ts';

describe('wrap', () => {
  it('breaks between words, never inside one', () => {
    const text = 'compare the expanded PLIST with a staged PREFIXDIR; exit 1 on differences';
    const lines = wrap(text, 20);
    expect(lines.every((l) => l.length <= 20)).toBe(true);
    expect(lines.join(' ')).toBe(text);
  });
  it('gives a word longer than the width a line of its own', () => {
    expect(wrap('a DIR/<category>/<package>/PLIST b', 10)).toEqual(['a', 'DIR/<category>/<package>/PLIST', 'b']);
  });
});

describe('formatHelp', () => {
  const page = formatHelp(
    {
      prog: 'tool',
      usage: '$0 [options] FILE\n\nReads FILE and does a great many things to it, which takes more than one line to say.',
      commands: [{ command: 'run <x>', describe: 'run it' }, { command: 'hidden', describe: false }],
      options: { r: { alias: 'recursive', type: 'string', describe: 'walk the tree' }, json: { type: 'boolean', describe: 'print JSON' } },
    },
    60,
  );
  it('fills the usage paragraphs, names the program and lists commands and options', () => {
    expect(page).toBe(
      [
        'tool [options] FILE',
        '',
        'Reads FILE and does a great many things to it, which takes',
        'more than one line to say.',
        '',
        'Commands:',
        '  tool run <x>     run it',
        '',
        'Options:',
        '  -r, --recursive  walk the tree',
        '  --json           print JSON',
        '  --help           show this help',
        '',
      ].join('\n'),
    );
  });
  it('keeps every line within the width', () => {
    expect(page.split('\n').every((l) => l.length <= 60)).toBe(true);
  });
});
