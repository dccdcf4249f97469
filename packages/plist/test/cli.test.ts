import { spawnSync } from 'node:child_process';
import { readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { fixtures, lines, repoRoot, runCli, tempDir } from './helpers.ts';

const worked = path.join(fixtures, 'worked-example.PLIST');
const expected = lines(readFileSync(path.join(fixtures, 'worked-example.SunOS.expected'), 'utf8'));

/** The environment plist.mk gives plist-multiarch.awk on SunOS (NB values, WD link source). */
const AWK_ENV = {
  _MULTIARCH: 'yes',
  USE_MULTIARCH: 'bin lib',
  MULTIARCH_ABIS: '64 32',
  MULTIARCH_DIRS_bin: 'bin sbin',
  MULTIARCH_DIRS_lib: 'lib',
  MULTIARCH_SKIP_DIRS_bin: '',
  MULTIARCH_SKIP_DIRS_lib: 'lib/svc',
  BINARCHSUFFIX_32: '/i86',
  BINARCHSUFFIX_64: '/amd64',
  LIBARCHSUFFIX_32: '',
  LIBARCHSUFFIX_64: '/amd64',
  INCARCHSUFFIX_32: '/i86',
  INCARCHSUFFIX_64: '/amd64',
};

describe('plist-expand as a drop-in for the awk step', () => {
  it('reads its settings from the awk environment (no flags)', () => {
    // --opsys Linux would give other ABIs and suffixes: the environment must win.
    const r = runCli(['--opsys', 'Linux', '--plist-var', 'opt=no', worked], { env: AWK_ENV });
    expect(r.status).toBe(0);
    expect(lines(r.stdout)).toEqual(expected);
    expect(r.stderr).toMatch(/worked-example.PLIST:12: warning: duplicate entry 'bin\/amd64\/foo'/);
  });
  it('gives the same with flags instead of the environment', () => {
    const r = runCli(['--opsys', 'SunOS', '--multiarch', 'bin,lib', '--plist-var', 'opt=no', worked]);
    expect(r.status).toBe(0);
    expect(lines(r.stdout)).toEqual(expected);
  });
  it('lets flags override the environment', () => {
    const r = runCli(['--abis', '32 64', '--bin-dirs', 'sbin', '--link-source', 'lib/abiexec'], {
      env: AWK_ENV,
      input: 'bin/a\nsbin/b\n',
    });
    expect(lines(r.stdout)).toEqual(['bin/a', 'sbin/i86/b', 'sbin/amd64/b', '@link lib/abiexec sbin/b']);
  });
  it('with _MULTIARCH unset only strips the tokens (rule D)', () => {
    const r = runCli([], { env: { ...AWK_ENV, _MULTIARCH: '' }, input: 'bin${BINARCHSUFFIX}/bar\nbin/foo\n' });
    expect(lines(r.stdout)).toEqual(['bin/bar', 'bin/foo']);
  });
  it('matches USE_MULTIARCH as the awk does (a substring)', () => {
    const r = runCli([], { env: { ...AWK_ENV, USE_MULTIARCH: 'lib' }, input: 'bin/a\nlib/b\n' });
    expect(lines(r.stdout)).toEqual(['bin/a', 'lib/amd64/b', 'lib/b']);
  });
  it('takes BINARCHSUFFIX_<abi> from the environment', () => {
    const r = runCli([], { env: { ...AWK_ENV, BINARCHSUFFIX_64: '/x86_64' }, input: 'bin/a\n' });
    expect(lines(r.stdout)).toEqual(['bin/x86_64/a', 'bin/i86/a', '@link lib/isaexec bin/a']);
  });
  it('treats several PLIST files as one package, de-duplicating across them', () => {
    const d = tempDir();
    writeFileSync(path.join(d, 'PLIST.common'), 'bin/a\nshare/x\n');
    writeFileSync(path.join(d, 'PLIST'), 'share/x\nbin/b\n');
    const r = runCli(['--opsys', 'Linux', '--multiarch', 'bin', path.join(d, 'PLIST.common'), path.join(d, 'PLIST')]);
    expect(lines(r.stdout)).toEqual([
      'bin/i86/a', 'bin/amd64/a', '@link lib/isaexec bin/a', 'share/x', 'bin/i86/b', 'bin/amd64/b', '@link lib/isaexec bin/b',
    ]);
    expect(r.stderr).toContain(`${path.join(d, 'PLIST')}:1: warning: duplicate entry 'share/x'`);
  });
  it('accepts list flags with commas or spaces and --subst', () => {
    const r = runCli(['--opsys', 'SunOS', '--multiarch', 'bin', '--bin-dirs', 'bin,libexec', '--subst', 'PKGMANDIR=man', '--subst', 'X=y'], {
      input: 'libexec/h\n${PKGMANDIR}/man1/${X}.1\n',
    });
    expect(lines(r.stdout)).toEqual(['libexec/amd64/h', 'libexec/i86/h', '@link lib/isaexec libexec/h', 'man/man1/y.1']);
  });
});

describe('every option on the command line', () => {
  it('--lib-dirs, --skip-lib-dirs, --skip-bin-dirs, and "-" for stdin', () => {
    const r = runCli(['--opsys', 'Linux', '--multiarch', 'bin lib', '--lib-dirs', 'lib lib64', '--skip-lib-dirs', 'lib/perl5',
      '--skip-bin-dirs', 'bin/scripts', '-'], { input: 'lib64/a.so\nlib/perl5/x.pm\nbin/scripts/s\nlib/b.so\n' });
    expect(r.status).toBe(0);
    expect(lines(r.stdout)).toEqual(['lib64/i86/a.so', 'lib64/a.so', 'lib/perl5/x.pm', 'bin/scripts/s', 'lib/i86/b.so', 'lib/b.so']);
  });
  it('-r TREE --out DIR writes each package expansion', () => {
    const out = tempDir();
    const r = runCli(['--opsys', 'SunOS', '--multiarch', 'bin', '-r', path.join(fixtures, 'tree/sysutils'), '--out', out]);
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/1 packages, 4 lines, 0 errors\n$/);
    expect(lines(readFileSync(path.join(out, 'footools/PLIST'), 'utf8'))).toEqual([
      'bin/amd64/footool', 'bin/i86/footool', '@link lib/isaexec bin/footool',
      'sbin/amd64/footoold', 'sbin/i86/footoold', '@link lib/isaexec sbin/footoold', 'man/man1/footool.1',
    ]);
  });
  it('stops quietly when the reader closes the pipe early', () => {
    const d = tempDir();
    const big = path.join(d, 'PLIST');
    writeFileSync(big, Array.from({ length: 200_000 }, (_, i) => `bin/cmd${i}`).join('\n') + '\n');
    const bin = path.join(repoRoot, 'packages/plist/bin/plist-expand.mjs');
    const r = spawnSync('sh', ['-c', `"${process.execPath}" "${bin}" --opsys SunOS --multiarch bin "${big}" | head -n 1`], { encoding: 'utf8' });
    expect(r.stdout).toBe('bin/amd64/cmd0\n');
    expect(r.stderr).toBe('');
  });
  it('is started without NODE_EXTRA_CA_CERTS, through the links npm makes to it too', () => {
    const d = tempDir();
    // npm links bin/<name> into a bin directory on PATH; the front end finds its shim through the link.
    const link = path.join(d, 'plist-expand');
    symlinkSync(path.join(repoRoot, 'packages/plist/bin/plist-expand'), link);
    const env = { ...process.env, NODE_EXTRA_CA_CERTS: path.join(d, 'no-such-bundle.pem') };
    // Node itself reads the file as it starts (and says so when it cannot): the test can see whether it was read.
    const node = spawnSync(process.execPath, ['-e', '0'], { env, encoding: 'utf8' });
    expect(node.stderr).toMatch(/extra certs/);
    const r = spawnSync(link, ['--opsys', 'SunOS', '--multiarch', 'bin', '-'], { env, input: 'bin/x\n', encoding: 'utf8' });
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    expect(lines(r.stdout)).toEqual(['bin/amd64/x', 'bin/i86/x', '@link lib/isaexec bin/x']);
  });
  it('takes --recursive for -r, repeated --subst, and operands that look like numbers as names', () => {
    const r = runCli(['--opsys', 'SunOS', '--multiarch', 'bin', '--recursive', path.join(fixtures, 'tree/sysutils')]);
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/1 packages, 4 lines, 0 errors\n$/);
    const s = runCli(['--opsys', 'SunOS', '--multiarch', 'bin', '--subst', 'A=x', '--subst=B=y', '-'], { input: 'bin/${A}${B}\n' });
    expect(lines(s.stdout)).toEqual(['bin/amd64/xy', 'bin/i86/xy', '@link lib/isaexec bin/xy']);
    // An operand is a file name as written ('0123' is not the number 123).
    const d = tempDir();
    writeFileSync(path.join(d, '0123'), 'share/x\n');
    const n = spawnSync(process.execPath, [path.join(repoRoot, 'packages/plist/bin/plist-expand.mjs'), '--opsys', 'SunOS', '0123'], { cwd: d, encoding: 'utf8' });
    expect(n.stdout).toBe('share/x\n');
  });
  it('refuses unknown options and missing values with exit 2 and a pointer to --help', () => {
    const u = runCli(['--bogus']);
    expect(u.status).toBe(2);
    expect(u.stderr).toBe("plist-expand: Unknown option '--bogus' (see plist-expand --help)\n");
    const m = runCli(['-r']);
    expect(m.status).toBe(2);
    expect(m.stderr).toMatch(/^plist-expand: Option '-r, --recursive <value>' argument missing \(see plist-expand --help\)\n$/);
  });
  it('refuses flags that do not go together', () => {
    expect(runCli(['--json']).stderr).toContain('--json goes with --check');
    expect(runCli(['--out', 'some-dir']).stderr).toContain('--out goes with -r TREE');
    const both = runCli(['--check', 'prefix', '--fold', 'prefix']);
    expect(both.status).toBe(2);
    expect(both.stderr).toMatch(/mutually exclusive/);
  });
});

describe('bad input and bad usage exit 2 with file:line', () => {
  const bad = (content: string | Buffer, re: RegExp) => {
    const d = tempDir();
    const f = path.join(d, 'PLIST');
    writeFileSync(f, content);
    const r = runCli(['--opsys', 'SunOS', '--multiarch', 'bin,lib', f]);
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(new RegExp(`^plist-expand: ${f.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}:${re.source}`));
  };
  it('unknown @-command', () => bad('bin/a\n@frob x\n', /2: unknown PLIST command '@frob'/));
  it('absolute path', () => bad('/bin/a\n', /1: '\/bin\/a' is an absolute path/));
  it('.. component', () => bad('a\nb\nshare/../x\n', /3: 'share\/..\/x' has a '..' component/));
  it('unterminated ${', () => bad('share/${X\n', /1: unterminated/));
  it('NUL byte', () => bad(Buffer.from('share/a\nshare/b\0c\n'), /2: NUL byte/));
  it('a PLIST that is not UTF-8', () => bad(Buffer.concat([Buffer.from('share/a\nshare/b\n'), Buffer.from([0x63, 0xe9, 0x0a])]), /3: not valid UTF-8/));
  it('a missing PLIST file', () => {
    const r = runCli(['/nonexistent/PLIST']);
    expect(r.status).toBe(2);
    expect(r.stderr).toContain('/nonexistent/PLIST: cannot read PLIST: no such file');
  });
  it('an unknown flag or a bad value', () => {
    expect(runCli(['--frobnicate']).status).toBe(2);
    expect(runCli(['--multiarch', 'usr']).stderr).toContain("unknown word 'usr'");
    expect(runCli(['--plist-var', 'x=maybe']).status).toBe(2);
    expect(runCli(['--abis', '64 64']).status).toBe(2);
    expect(runCli(['--link-source', '/abs']).status).toBe(2);
  });
  it('CRLF endings: a warning, then correct output', () => {
    const r = runCli(['--opsys', 'SunOS', '--multiarch', 'bin'], { input: 'bin/a\r\nshare/b\r\nshare/c' });
    expect(r.status).toBe(0);
    expect(r.stdout).toBe('bin/amd64/a\nbin/i86/a\n@link lib/isaexec bin/a\nshare/b\nshare/c\n');
    expect(r.stderr).toBe("plist-expand: <stdin>:1: warning: CRLF line endings; reading them as LF (convert the file with 'tr -d \\\\r')\n");
  });
});
