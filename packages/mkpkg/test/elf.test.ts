import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { platformFor, UserError } from '@mkpkg/platform';
import { EM_386, EM_X86_64, readArchiveElf, readElf } from '../src/elf.ts';
import { abiOfPath, checkElf } from '../src/elfcheck.ts';
import { sh } from './helpers.ts';

let tmp: string;
const platform = platformFor('Linux');
const multiarch = { enabled: true, bin: true, lib: true } as const;

function cc(bits: string, out: string, extra = ''): void {
  const src = path.join(tmp, 'lib.c');
  fs.writeFileSync(src, 'int f(void) { return 1; }\n');
  fs.mkdirSync(path.dirname(out), { recursive: true });
  const r = sh(`gcc -m${bits} -shared -fPIC ${extra} -o ${out} ${src}`);
  if (r.code !== 0) throw new Error(r.stderr);
}

beforeAll(() => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'mkpkg-elf-'));
});
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

describe('readElf', () => {
  test('class, machine and RUNPATH of gcc -m32 and -m64 objects', () => {
    cc('32', path.join(tmp, 'a32.so'), '-Wl,-rpath,/opt/x/lib/i86:/opt/y');
    cc('64', path.join(tmp, 'a64.so'), '-Wl,-rpath,/opt/x/lib');
    expect(readElf(path.join(tmp, 'a32.so'))).toMatchObject({ bits: 32, machine: EM_386, runpath: ['/opt/x/lib/i86', '/opt/y'] });
    expect(readElf(path.join(tmp, 'a64.so'))).toMatchObject({ bits: 64, machine: EM_X86_64, runpath: ['/opt/x/lib'] });
  });

  test('a non-ELF file is undefined', () => {
    fs.writeFileSync(path.join(tmp, 'text'), 'hello there, not an object file at all, long enough to read a header');
    expect(readElf(path.join(tmp, 'text'))).toBeUndefined();
  });
});

describe('readArchiveElf', () => {
  test('the class of the objects in a static library', () => {
    for (const bits of ['32', '64']) {
      const src = path.join(tmp, 's.c');
      fs.writeFileSync(src, 'int s(void) { return 2; }\n');
      const r = sh(`gcc -m${bits} -c -o ${tmp}/s${bits}.o ${src} && ar rcs ${tmp}/libs${bits}.a ${tmp}/s${bits}.o`);
      expect(r.code, r.stderr).toBe(0);
      expect(readArchiveElf(path.join(tmp, `libs${bits}.a`))?.bits).toBe(Number(bits));
    }
    expect(readArchiveElf(path.join(tmp, 'a32.so'))).toBeUndefined();
  });
});

describe('checkElf', () => {
  const opts = (root: string) => ({ root, prefix: '/usr/pkg', platform, multiarch, binDirs: ['bin', 'sbin'], libDirs: ['lib'], skipDirs: ['lib/svc'] });

  test('ABI of a path: suffixed dirs name their ABI, everything else is the default ABI', () => {
    const o = opts('/');
    expect(abiOfPath('lib/i86/libz.so', o)).toBe('32');
    expect(abiOfPath('lib/libz.so', o)).toBe('64');
    expect(abiOfPath('bin/amd64/z', o)).toBe('64');
    expect(abiOfPath('bin/i86/z', o)).toBe('32');
    expect(abiOfPath('libexec/z', o)).toBe('64');
  });

  test('objects of the right class pass', () => {
    const root = path.join(tmp, 'good');
    cc('32', path.join(root, 'lib/i86/libg.so'), '-Wl,-rpath,/usr/pkg/lib/i86');
    cc('64', path.join(root, 'lib/libg.so'), '-Wl,-rpath,/usr/pkg/lib');
    expect(checkElf(opts(root))).toBe(2);
  });

  test('a 64-bit object in the 32-bit lib dir, and a 32-bit RUNPATH in a 64-bit object, fail with each path named', () => {
    const root = path.join(tmp, 'bad');
    cc('64', path.join(root, 'lib/i86/libwrong.so'));
    cc('64', path.join(root, 'lib/librp.so'), '-Wl,-rpath,/usr/pkg/lib/i86');
    // What libtool's multi-os-directory logic does: 32-bit libraries in lib32/, outside every ABI dir.
    cc('32', path.join(root, 'lib32/libmos.so'));
    fs.copyFileSync(path.join(tmp, 'libs64.a'), path.join(root, 'lib/i86/libs.a'));
    let err: unknown;
    try {
      checkElf(opts(root));
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(UserError);
    const msg = (err as Error).message;
    expect(msg).toContain('lib/i86/libwrong.so: 64-bit object in a directory of ABI 32');
    expect(msg).toContain('lib/librp.so: RUNPATH entry /usr/pkg/lib/i86 is a library directory of another ABI');
    expect(msg).toContain('lib32/libmos.so: 32-bit object in a directory of ABI 64');
    expect(msg).toContain('lib/i86/libs.a: 64-bit objects in a directory of ABI 32');
  });
});
