import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, test } from 'vitest';
import { InputError, platformFor } from '@mkpkg/platform';
import { abiEnv, abiToolVars, configureCommands, makeCommands } from '../src/abienv.ts';
import { checkDistfile, checkPatch, distfileLines, formatDistinfo, parseDistinfo, patchLine } from '../src/distinfo.ts';
import { candidateUrls } from '../src/fetch.ts';
import { withLock } from '../src/lock.ts';
import { parseAssignments, shQuote, splitShellWords } from '../src/shell.ts';
import { parseCmdVars } from '../src/commands/phases.ts';
import { describeAbiChoice } from '../src/abichoice.ts';
import { misplacedLibraries, misplacedMessage, oneAbiMessage, oneAbiPrograms } from '../src/abilayout.ts';

describe('shell words', () => {
  test('quotes and backslashes as the shell reads them', () => {
    expect(splitShellWords(`a 'b c' "d \\"e\\"" f\\ g`)).toEqual(['a', 'b c', 'd "e"', 'f g']);
    expect(parseAssignments(`PREFIX=/usr/pkg NAME=hello\\ world`)).toEqual({ PREFIX: '/usr/pkg', NAME: 'hello world' });
    expect(shQuote("it's")).toBe(`'it'\\''s'`);
    expect(shQuote('/usr/pkg')).toBe('/usr/pkg');
    expect(() => splitShellWords(`A='open`)).toThrow(InputError);
  });

  test('VAR=value words; anything else is bad usage', () => {
    expect(parseCmdVars(['PREFIX=/opt', 'X='])).toEqual({ PREFIX: '/opt', X: '' });
    expect(() => parseCmdVars(['oops'])).toThrow(InputError);
  });
});

describe('distinfo', () => {
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'mkpkg-di-'));
  const dist = path.join(tmp, 'x-1.0.tar.gz');
  fs.writeFileSync(dist, 'not really a tarball');
  const patch = path.join(tmp, 'patch-aa');
  fs.writeFileSync(patch, '$NetBSD: patch-aa,v 1.1 2020/01/01 $\n\n--- a.c.orig\n+++ a.c\n');

  test('makesum lines check out; a changed byte names the algorithm and distinfo line', () => {
    const text = formatDistinfo(distfileLines('x-1.0.tar.gz', dist), [patchLine(patch)]);
    const di = parseDistinfo(text, 'distinfo');
    expect(checkDistfile(di, 'x-1.0.tar.gz', dist)).toBe(3);
    expect(() => checkPatch(di, patch)).not.toThrow();
    const bad = parseDistinfo(text.replace(/(SHA512 \(x-1\.0\.tar\.gz\) = )(.)/, (_m, h: string, c: string) => h + (c === '0' ? '1' : '0')), 'distinfo');
    expect(() => checkDistfile(bad, 'x-1.0.tar.gz', dist)).toThrow(/^distinfo:4: SHA512 checksum of x-1\.0\.tar\.gz does not match/);
  });

  test('the $NetBSD$ line of a patch does not count; its content does', () => {
    const di = parseDistinfo(formatDistinfo([], [patchLine(patch)]), 'distinfo');
    fs.writeFileSync(patch, '$NetBSD: patch-aa,v 1.2 2024/01/01 $\n\n--- a.c.orig\n+++ a.c\n');
    expect(() => checkPatch(di, patch)).not.toThrow();
    fs.writeFileSync(patch, '$NetBSD$\n\n--- a.c.orig\n+++ b.c\n');
    expect(() => checkPatch(di, patch)).toThrow(/patch-aa: SHA1 .* does not match distinfo/);
  });

  test('a missing entry or an unreadable line is bad input with file:line', () => {
    expect(() => checkDistfile(parseDistinfo('', 'distinfo'), 'x-1.0.tar.gz', dist)).toThrow(/no checksum for x-1\.0\.tar\.gz/);
    expect(() => parseDistinfo('$NetBSD$\n\nMD7 (x) = 1\n', 'distinfo')).toThrow(/^distinfo:3: cannot read/);
  });
});

describe('per-ABI environment and configure', () => {
  const platform = platformFor('Linux');
  const multiarch = { enabled: true, bin: true, lib: true } as const;
  const vars = new Map([
    ['PREFIX', '/usr/pkg'],
    ['LOCALBASE', '/usr/pkg'],
    ['CC', 'gcc'],
    ['GNU_CONFIGURE', 'yes'],
    ['CONFIGURE_DIRS', '/w/src'],
    ['CONFIGURE_ARGS', '--disable-nls'],
    ['BUILD_DIRS', '/w/src'],
    ['INSTALL_DIRS', '/w/src'],
    ['BUILD_TARGET', 'all'],
    ['INSTALL_TARGET', 'install'],
    ['MAKE_PROGRAM', 'make'],
    ['MAKE_JOBS', '3'],
  ]);
  const ctx = (abi: '32' | '64') => ({ abi, platform, multiarch, vars, wrksrc: '/w/src', stage: `/w/.stage/${abi}`, buildlink: `/w/.buildlink/${abi}` });

  test('ABI 32: -m32 on CC/CPP/LDFLAGS; -I, -L and pkg-config from its buildlink view; run path to its lib dir', () => {
    const tools = abiToolVars(ctx('32'));
    expect(tools['CC']).toBe('gcc -m32');
    expect(tools['CPP']).toBe('gcc -m32 -E');
    expect(tools['LDFLAGS']).toBe('-m32 -L/w/.buildlink/32/lib/i86 -Wl,-rpath,/usr/pkg/lib/i86');
    expect(tools['CPPFLAGS']).toBe('-I/w/.buildlink/32/include/i86 -I/w/.buildlink/32/include');
    // The environment takes the tool variables from the ABI's evaluation, which had them on its command line.
    const env = abiEnv({ ...ctx('32'), vars: new Map([...vars, ...Object.entries(tools)]) }, { PATH: '/usr/bin' });
    expect(env['ABI']).toBe('32');
    expect(env['CC']).toBe('gcc -m32');
    expect(env['LDFLAGS']).toBe(tools['LDFLAGS']);
    expect(env['PKG_CONFIG_LIBDIR']).toBe('/w/.buildlink/32/lib/i86/pkgconfig:/w/.buildlink/32/share/pkgconfig');
    expect(env['LIBARCHSUFFIX']).toBe('/i86');
  });

  test('ABI 64 with LOCALBASE apart from PREFIX: nothing of LOCALBASE but the run path', () => {
    const v = new Map([...vars, ['LOCALBASE', '/opt/deps']]);
    const tools = abiToolVars({ ...ctx('64'), vars: v });
    const env = { ...abiEnv({ ...ctx('64'), vars: new Map([...v, ...Object.entries(tools)]) }, { PATH: '/usr/bin' }) };
    expect(env['LDFLAGS']).toBe('-m64 -L/w/.buildlink/64/lib -Wl,-rpath,/usr/pkg/lib -Wl,-rpath,/opt/deps/lib');
    expect(`${env['CPPFLAGS']} ${env['PKG_CONFIG_LIBDIR']}`).not.toContain('/opt/deps');
  });

  test('GNU configure gets an explicit i686 triplet for ABI 32 and the per-ABI dirs', () => {
    const [c32] = configureCommands(ctx('32'));
    expect(c32?.cmd).toContain('--build=i686-pc-linux-gnu --host=i686-pc-linux-gnu');
    expect(c32?.cmd).toContain('--libdir=/usr/pkg/lib/i86 --bindir=/usr/pkg/bin/i86 --sbindir=/usr/pkg/sbin/i86');
    expect(c32?.cmd).toMatch(/--disable-nls$/);
    const [c64] = configureCommands(ctx('64'));
    expect(c64?.cmd).toContain('--build=x86_64-pc-linux-gnu');
    expect(c64?.cmd).toContain('--libdir=/usr/pkg/lib --bindir=/usr/pkg/bin/amd64');
  });

  test("HAS_CONFIGURE runs the package's own script with CONFIGURE_ARGS only; CONFIGURE_HAS_MANDIR=no drops --mandir", () => {
    const own = new Map([...vars, ['GNU_CONFIGURE', ''], ['HAS_CONFIGURE', 'yes'], ['CONFIGURE_SCRIPT', './Configure']]);
    expect(configureCommands({ ...ctx('32'), vars: own })).toEqual([{ dir: '/w/src', cmd: './Configure --disable-nls' }]);
    const noman = new Map([...vars, ['CONFIGURE_HAS_MANDIR', 'no']]);
    expect(configureCommands({ ...ctx('64'), vars: noman })[0]?.cmd).not.toContain('--mandir');
  });

  test('cmake: per-ABI install dirs, Release, and for ABI 32 the settings that keep it out of 64-bit library dirs', () => {
    const cm = new Map([...vars, ['GNU_CONFIGURE', ''], ['USE_CMAKE', 'yes'], ['CMAKE_ARG_PATH', '..']]);
    const c32 = configureCommands({ ...ctx('32'), vars: cm })[0]?.cmd ?? '';
    expect(c32).toContain('-DCMAKE_INSTALL_LIBDIR:PATH=lib/i86');
    expect(c32).toContain('-DCMAKE_INSTALL_BINDIR:PATH=bin/i86');
    expect(c32).toContain('-DCMAKE_LIBRARY_ARCHITECTURE=i386-linux-gnu');
    expect(c32).toContain('-DCMAKE_BUILD_TYPE=Release');
    expect(c32).toMatch(/ \.\.$/);
    const c64 = configureCommands({ ...ctx('64'), vars: cm })[0]?.cmd ?? '';
    expect(c64).toContain('-DCMAKE_INSTALL_LIBDIR:PATH=lib ');
    expect(c64).not.toContain('i386-linux-gnu');
  });

  test('make: MAKE_JOBS for build, DESTDIR for install', () => {
    expect(makeCommands(ctx('64'), 'build')[0]?.cmd).toBe('make -j3 -f Makefile all');
    expect(makeCommands(ctx('64'), 'install')[0]?.cmd).toBe('make -f Makefile DESTDIR=/w/.stage/64 install');
    expect(makeCommands(ctx('64'), 'test')).toEqual([]);
  });
});

describe('fetch sites and locks', () => {
  test('MASTER_SITE_OVERRIDE comes first', () => {
    expect(candidateUrls('a.tgz', 'file:///mirror', 'https://x.org/d/ http://y.org/d')).toEqual([
      'file:///mirror/a.tgz',
      'https://x.org/d/a.tgz',
      'http://y.org/d/a.tgz',
    ]);
  });

  test('withLock serializes holders and takes over a dead owner', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mkpkg-lock-'));
    const lock = path.join(dir, 'x.lock');
    const order: string[] = [];
    const hold = (name: string) =>
      withLock(lock, 'x', async () => {
        order.push(`${name}+`);
        await new Promise((r) => setTimeout(r, 150));
        order.push(`${name}-`);
      });
    await Promise.all([hold('a'), hold('b')]);
    expect(order).toEqual(['a+', 'a-', 'b+', 'b-']);
    fs.writeFileSync(lock, '999999999\n');
    await withLock(lock, 'x', async () => order.push('c'));
    expect(order.at(-1)).toBe('c');
    expect(fs.existsSync(lock)).toBe(false);
  });
});


describe('the line a build starts with', () => {
  const inputs = { mkconfMultiarch: 'no', useMultiarch: 'bin lib' };
  test('says which ABIs and why', () => {
    const both = { enabled: true, bin: true, lib: true } as const;
    expect(describeAbiChoice({ ...inputs, abis: ['32', '64'], multiarch: both, cliMultiarch: 'bin,lib' })).toBe('building ABIs 32 64 (--multiarch bin,lib)');
    expect(describeAbiChoice({ ...inputs, abis: ['32', '64'], multiarch: both, mkconfMultiarch: 'yes' })).toBe('building ABIs 32 64 (MULTIARCH=yes, USE_MULTIARCH=bin lib)');
  });
  test('USE_MULTIARCH without MULTIARCH=yes: one ABI, and how to get both', () => {
    expect(describeAbiChoice({ ...inputs, abis: ['64'], multiarch: { enabled: false } })).toBe(
      'building ABI 64 only: USE_MULTIARCH is set but MULTIARCH is not yes in mk.conf; pass --multiarch bin,lib or set MULTIARCH=yes',
    );
    expect(describeAbiChoice({ ...inputs, useMultiarch: '', abis: ['64'], multiarch: { enabled: false } })).toBe('building ABI 64 only: the package sets no USE_MULTIARCH');
  });
});

describe('where each ABI put its files', () => {
  const platform = platformFor('Linux');
  test("a 32-bit library in lib/ (ABI 64's directory, where lib/../lib lands) or in a multi-os directory", () => {
    const found = misplacedLibraries('32', ['lib/libffi.so.8', 'lib/i86/libok.so.1', 'lib/lib32/libffi.a', 'lib/pkgconfig/libffi.pc', 'lib32/libx.so'], { platform, libDirs: ['lib'] });
    expect(found.map((f) => [f.path, f.why, f.expected])).toEqual([
      ['lib/libffi.so.8', 'other-abi', 'lib/i86'],
      ['lib/lib32/libffi.a', 'multi-os', 'lib/i86'],
      ['lib32/libx.so', 'multi-os', 'lib/i86'],
    ]);
    expect(misplacedMessage(found).hint).toContain('--disable-multi-os-directory');
    // ABI 64 owns lib/: its libraries there are in place; lib64 is not.
    expect(misplacedLibraries('64', ['lib/libffi.so.8', 'lib64/libffi.so.8'], { platform, libDirs: ['lib'] }).map((f) => f.path)).toEqual(['lib64/libffi.so.8']);
  });

  test('a program one ABI lacks is named with the ABI and the path it lacks; skip dirs are left alone', () => {
    const files = ['bin/i86/tiff2pdf', 'bin/amd64/tiff2pdf', 'bin/amd64/tiffgt', 'bin/amd64/extra/x', 'lib/libtiff.so'];
    const found = oneAbiPrograms(files, { platform, binDirs: ['bin', 'sbin'], skipBinDirs: ['bin/amd64/extra'] });
    expect(found).toEqual([{ line: 'bin/tiffgt', paths: ['bin/amd64/tiffgt'], has: ['64'], lacks: ['32'], missing: ['bin/i86/tiffgt'] }]);
    expect(oneAbiMessage(found).message).toContain('bin/tiffgt: ABI 32 did not install bin/i86/tiffgt (missing); only ABI 64 built it');
  });
});
