import { describe, expect, it } from 'vitest';
import { formatExec, ownedPaths, parseContents, payloadOf, unsafePathReason } from '../src/index.ts';

describe('parseContents', () => {
  it('reads commands by prefix as pkg_install does, and the first @cwd as the prefix', () => {
    const c = parseContents('@cwd /opt/local\n@name foo-1.0\n@commentary x\nbin/foo   \n\n@cwd .\n@ignore\n+COMMENT\n', 'C');
    expect(c.pkgname).toBe('foo-1.0');
    expect(c.prefix).toBe('/opt/local');
    expect(c.entries.map((e) => e.kind)).toEqual(['cwd', 'name', 'comment', 'file', 'cwd', 'ignore', 'file']);
    expect(c.entries[2]).toMatchObject({ kind: 'comment', text: 'ary x' });
    expect(c.entries[3]).toMatchObject({ kind: 'file', path: 'bin/foo', line: 4 });
  });

  it('splits @link at the first blank; the rest is the destination', () => {
    const c = parseContents('@link lib/isaexec bin/my cmd\n', 'C');
    expect(c.entries[0]).toEqual({ kind: 'link', src: 'lib/isaexec', dst: 'bin/my cmd', line: 1 });
    expect(() => parseContents('@link lib/isaexec\n', 'C')).toThrow(/^C:1: @link needs a source and a destination/);
  });

  it('names file:line for unknown commands, missing arguments and unsafe paths', () => {
    expect(() => parseContents('bin/a\n@frobnicate x\n', 'P')).toThrow(/^P:2: unknown packing-list command '@frobnicate x'/);
    expect(() => parseContents('@pkgdep\n', 'P')).toThrow(/^P:1: @pkgdep needs an argument/);
    expect(() => parseContents('a/../../b\n', 'P')).toThrow(/^P:1: file 'a\/\.\.\/\.\.\/b' contains '\.\.'/);
    expect(() => parseContents('/etc/passwd\n', 'P')).toThrow(/^P:1: file '\/etc\/passwd' is absolute/);
    expect(() => parseContents('@pkgdir ../x\n', 'P')).toThrow(/^P:1: @pkgdir '\.\.\/x' contains/);
    expect(() => parseContents('@name a-1\n@name b-1\n', 'P')).toThrow(/^P:2: second @name/);
  });

  it('judges paths', () => {
    expect(unsafePathReason('bin/foo')).toBeUndefined();
    expect(unsafePathReason('bin//foo')).toMatch(/empty/);
    expect(unsafePathReason('./foo')).toMatch(/'\.'/);
    expect(unsafePathReason('')).toMatch(/empty/);
  });
});

describe('payloadOf', () => {
  it('attaches MD5/Symlink comments to their file, skips @ignore entries and tracks the last file for @exec', () => {
    const c = parseContents([
      '@cwd /p', '@name x-1', 'bin/a', '@comment MD5:ABC', 'lib/l', '@comment Symlink:a', '@exec chmod 755 %F',
      '@link lib/isaexec bin/b', '@pkgdir var/x', '@cwd .', '@ignore', '+COMMENT', '',
    ].join('\n'), 'C');
    expect(payloadOf(c.entries)).toEqual([
      { kind: 'file', path: 'bin/a', md5: 'abc', line: 3 },
      { kind: 'file', path: 'lib/l', symlink: 'a', line: 5 },
      { kind: 'exec', cmd: 'chmod 755 %F', lastFile: 'lib/l', line: 7 },
      { kind: 'link', src: 'lib/isaexec', dst: 'bin/b', line: 8 },
      { kind: 'pkgdir', dir: 'var/x', line: 9 },
    ]);
    expect(ownedPaths(c.entries)).toEqual(['bin/a', 'lib/l', 'bin/b']);
  });
});

describe('formatExec', () => {
  const w = { file: 'C', line: 3 };
  it('expands %F %D %B %f shell-quoted and keeps other % sequences', () => {
    expect(formatExec('x %F %D %B %f %% %q', '/opt/local', "share/it's/a b", w))
      .toBe(`x 'share/it'\\''s/a b' '/opt/local' '/opt/local/share/it'\\''s' 'a b' %% %q`);
  });
  it('refuses %F before any file', () => {
    expect(() => formatExec('rm %F', '/p', undefined, w)).toThrow(/^C:3: @exec\/@unexec uses %F before any file is listed/);
    expect(formatExec('ls %D', '/p', undefined, w)).toBe(`ls '/p'`);
  });
});
