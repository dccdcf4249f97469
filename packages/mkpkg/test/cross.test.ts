// The cross-build decisions (packages/mkpkg/README.md, "Cross builds") as pure functions: which ABIs are
// cross builds, what configure and CMake are told, what a binfmt_misc entry
// says. The builds themselves are test/e2e/cross.test.ts.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, test } from 'vitest';
import { InputError, type ProbeResult, platformFor } from '@mkpkg/platform';
import { configureCommands } from '../src/abienv.ts';
import { binfmtEmulator, crossBuilds, crossNote, forcedCrossAbis, matchesI386, parseBinfmtEntry, probeLanguages } from '../src/cross.ts';

const platform = platformFor('Linux');
const runs = (abi: '32' | '64'): ProbeResult => ({ kind: 'runs', abi, lang: 'c', cc: 'cc' });
const refused: ProbeResult = { kind: 'cannot-run', abi: '32', lang: 'c', cc: 'cc', errno: 'ENOEXEC', message: 'm' };
const noEmulator = () => undefined;

describe('which ABIs are cross builds', () => {
  test('an ABI whose probe program the kernel refused; not one that runs', () => {
    const m = crossBuilds('Linux', ['32', '64'], new Map([['32', [refused]], ['64', [runs('64')]]]), new Set(), noEmulator);
    expect([...m.keys()]).toEqual(['32']);
    expect(m.get('32')).toEqual({
      abi: '32', why: 'cannot-run', buildTriplet: 'x86_64-pc-linux-gnu', hostTriplet: 'i686-pc-linux-gnu', runs: false, emulator: undefined,
    });
    expect(crossNote(m.get('32')!)).toBe(
      'ABI 32 is a cross build (this machine cannot run 32-bit programs): GNU configure gets --build=x86_64-pc-linux-gnu ' +
        '--host=i686-pc-linux-gnu, CMake CMAKE_SYSTEM_NAME; its test phase is skipped',
    );
  });

  test('a refusal of one language (C++) is enough', () => {
    const m = crossBuilds('Linux', ['32', '64'], new Map([['32', [runs('32'), { ...refused, lang: 'c++' }]]]), new Set(), noEmulator);
    expect(m.get('32')?.runs).toBe(false);
  });

  test('forced: a cross build whose tests still run, under the registered emulator when there is one', () => {
    const probes = new Map([['32', [runs('32')]]] as const);
    const m = crossBuilds('Linux', ['32', '64'], probes, new Set(['32']), () => '/usr/bin/qemu-i386-static');
    expect(m.get('32')).toMatchObject({ why: 'forced', runs: true, emulator: '/usr/bin/qemu-i386-static' });
    expect(crossNote(m.get('32')!)).toMatch(/\(MULTIARCH_CROSS_ABIS asks for it\).*its test phase runs under \/usr\/bin\/qemu-i386-static \(binfmt_misc\)$/);
    expect(crossBuilds('Linux', ['32', '64'], probes, new Set(), noEmulator).size).toBe(0);
  });

  test('MULTIARCH_CROSS_ABIS: ABIs by number or ISA name; the host ABI or a stranger is bad input', () => {
    expect([...forcedCrossAbis(new Map([['MULTIARCH_CROSS_ABIS', ' 32 ']]), 'mk.conf')]).toEqual(['32']);
    expect([...forcedCrossAbis(new Map([['MULTIARCH_CROSS_ABIS', 'i86']]), 'mk.conf')]).toEqual(['32']);
    expect(forcedCrossAbis(new Map(), 'mk.conf').size).toBe(0);
    expect(() => forcedCrossAbis(new Map([['MULTIARCH_CROSS_ABIS', '64']]), 'mk.conf')).toThrow(InputError);
    expect(() => forcedCrossAbis(new Map([['MULTIARCH_CROSS_ABIS', '64']]), 'mk.conf')).toThrow(/this machine's own ABI/);
    expect(() => forcedCrossAbis(new Map([['MULTIARCH_CROSS_ABIS', 'sparcv9']]), 'mk.conf')).toThrow(/MULTIARCH_CROSS_ABIS: unknown ABI 'sparcv9'/);
  });

  test('USE_LANGUAGES picks the compilers to probe (c by default)', () => {
    expect(probeLanguages('')).toEqual(['c']);
    expect(probeLanguages('c c++')).toEqual(['c', 'c++']);
    expect(probeLanguages('c99 gnu++11')).toEqual(['c', 'c++']);
    expect(probeLanguages('c++14')).toEqual(['c++']);
    expect(probeLanguages('fortran')).toEqual([]);
  });
});

describe('what configure and CMake are told for a cross ABI', () => {
  const vars = new Map([
    ['PREFIX', '/usr/pkg'], ['LOCALBASE', '/usr/pkg'], ['GNU_CONFIGURE', 'yes'], ['CONFIGURE_DIRS', '/w/src'],
  ]);
  const multiarch = { enabled: true, bin: true, lib: true } as const;
  const cross = { abi: '32', why: 'forced', buildTriplet: 'x86_64-pc-linux-gnu', hostTriplet: 'i686-pc-linux-gnu', runs: false, emulator: undefined } as const;
  const ctx = { abi: '32', platform, multiarch, vars, wrksrc: '/w/src', stage: '/w/.stage/32' } as const;

  test('GNU configure: --build is this machine, --host the ABI (autoconf then cross-compiles)', () => {
    expect(configureCommands({ ...ctx, cross })[0]?.cmd).toContain('--build=x86_64-pc-linux-gnu --host=i686-pc-linux-gnu');
    expect(configureCommands(ctx)[0]?.cmd).toContain('--build=i686-pc-linux-gnu --host=i686-pc-linux-gnu');
  });

  test('CMake: CMAKE_SYSTEM_NAME (so CMAKE_CROSSCOMPILING), and the emulator when one is registered', () => {
    const cm = new Map([...vars, ['GNU_CONFIGURE', ''], ['USE_CMAKE', 'yes']]);
    const plain = configureCommands({ ...ctx, vars: cm, cross })[0]?.cmd ?? '';
    expect(plain).toContain('-DCMAKE_SYSTEM_NAME=Linux');
    expect(plain).toContain('-DCMAKE_SYSTEM_PROCESSOR=i686');
    expect(plain).not.toContain('CMAKE_CROSSCOMPILING_EMULATOR');
    const emu = configureCommands({ ...ctx, vars: cm, cross: { ...cross, emulator: '/usr/bin/qemu-i386-static' } })[0]?.cmd ?? '';
    expect(emu).toContain('-DCMAKE_CROSSCOMPILING_EMULATOR=/usr/bin/qemu-i386-static');
    expect(configureCommands({ ...ctx, vars: cm })[0]?.cmd).not.toContain('CMAKE_SYSTEM_NAME');
  });
});

describe('binfmt_misc entries', () => {
  const i386 = 'enabled\ninterpreter /usr/bin/qemu-i386-static\nflags: PF\noffset 0\nmagic 7f454c4601010100000000000000000002000300\nmask fffffffffffefe00fffffffffffffffffeffffff\n';
  const arm = 'enabled\ninterpreter /usr/libexec/qemu-binfmt/arm-binfmt-P\nflags: PF\noffset 0\nmagic 7f454c4601010100000000000000000002002800\nmask ffffffffffffff00fffffffffffffffffeffffff\n';

  test('parsed, and matched by ELF class and machine', () => {
    const e = parseBinfmtEntry(i386);
    expect(e).toEqual({ enabled: true, interpreter: '/usr/bin/qemu-i386-static', flags: 'PF', offset: 0, magic: '7f454c4601010100000000000000000002000300' });
    expect(matchesI386(e!)).toBe(true);
    expect(matchesI386(parseBinfmtEntry(arm)!)).toBe(false);
    expect(parseBinfmtEntry('1\n')).toBeUndefined();
  });

  test('the emulator of an enabled i386 entry; a disabled one or another machine is none', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'binfmt-'));
    try {
      fs.writeFileSync(path.join(dir, 'status'), 'enabled\n');
      fs.writeFileSync(path.join(dir, 'qemu-arm'), arm);
      expect(binfmtEmulator('32', dir)).toBeUndefined();
      fs.writeFileSync(path.join(dir, 'qemu-i386'), i386.replace('enabled', 'disabled'));
      expect(binfmtEmulator('32', dir)).toBeUndefined();
      fs.writeFileSync(path.join(dir, 'qemu-i386'), i386);
      expect(binfmtEmulator('32', dir)).toBe('/usr/bin/qemu-i386-static');
      expect(binfmtEmulator('64', dir)).toBeUndefined();
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
