// The ELF link check with objects made by the real gcc -m32/-m64: a
// DT_NEEDED library the package provides must resolve through the run path
// to a copy of the needing object's class.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { checkLinks } from '../src/elflinks.ts';
import { sh } from './helpers.ts';

const PREFIX = '/opt/mkpkg-linkcheck';
let root = '';
let src = '';

function gcc(args: string): void {
  const r = sh(`gcc ${args}`, src);
  if (r.code !== 0) throw new Error(`gcc ${args}: ${r.stderr}`);
}

/** A program of `bits` linked against libx with the given run path, at bin/<name> under the staged root. */
function program(name: string, bits: 32 | 64, runpath: string | undefined): void {
  const lib = bits === 32 ? 'lib/i86' : 'lib';
  fs.mkdirSync(path.join(root, 'bin'), { recursive: true });
  gcc(`-m${bits} -o ${path.join(root, 'bin', name)} main.c -L${path.join(root, lib)} -lx${runpath ? ` '-Wl,-rpath,${runpath}'` : ''}`);
}

beforeAll(() => {
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'mkpkg-links-'));
  root = path.join(tmp, 'root');
  src = path.join(tmp, 'src');
  fs.mkdirSync(src, { recursive: true });
  fs.writeFileSync(path.join(src, 'x.c'), 'int x(void) { return (int)sizeof(void *); }\n');
  fs.writeFileSync(path.join(src, 'main.c'), 'int x(void);\nint main(void) { return x() == 0; }\n');
  for (const [bits, lib] of [[32, 'lib/i86'], [64, 'lib']] as const) {
    fs.mkdirSync(path.join(root, lib), { recursive: true });
    gcc(`-m${bits} -shared -fPIC -Wl,-soname,libx.so.1 -o ${path.join(root, lib, 'libx.so.1')} x.c`);
    fs.symlinkSync('libx.so.1', path.join(root, lib, 'libx.so'));
  }
});

afterAll(() => fs.rmSync(path.dirname(root), { recursive: true, force: true }));

const check = () => checkLinks({ root, prefix: PREFIX, depFiles: [], skipDirs: [] });

describe('ELF link check', () => {
  test('each ABI\'s program reaches its own class of the library through its run path', () => {
    program('good32', 32, `${PREFIX}/lib/i86`);
    program('good64', 64, `${PREFIX}/lib`);
    try {
      expect(check().checked).toBe(2);
    } finally {
      for (const n of ['good32', 'good64']) fs.rmSync(path.join(root, 'bin', n));
    }
  });

  test('a 32-bit program whose run path leads only to the 64-bit library is an error naming both', () => {
    program('wrong32', 32, `${PREFIX}/lib`);
    try {
      expect(check).toThrow(`bin/wrong32 (32-bit) needs libx.so.1: its run path leads only to ${PREFIX}/lib/libx.so.1 (64-bit)`);
    } finally {
      fs.rmSync(path.join(root, 'bin/wrong32'));
    }
  });

  test('a program without a run path to a library the package provides is an error; a system library is not judged', () => {
    program('lost64', 64, undefined);
    try {
      expect(check).toThrow(/bin\/lost64 \(64-bit\) needs libx\.so\.1, provided at .*lib\/libx\.so\.1.*but its run path \(none\) does not lead to a 64-bit copy/);
      expect(check).not.toThrow(/libc\.so/);
    } finally {
      fs.rmSync(path.join(root, 'bin/lost64'));
    }
  });

  test('a run path into the work directory (where the buildlink views are) is an error', () => {
    program('view64', 64, '/w/work/.buildlink/64/lib');
    try {
      expect(() => checkLinks({ root, prefix: PREFIX, depFiles: [], skipDirs: [], wrkdir: '/w/work' })).toThrow('bin/view64: RUNPATH entry /w/work/.buildlink/64/lib leads into the work directory');
    } finally {
      fs.rmSync(path.join(root, 'bin/view64'));
    }
  });

  test('a dependency\'s library is found where it is installed; $ORIGIN is expanded', () => {
    const dep = fs.mkdtempSync(path.join(os.tmpdir(), 'mkpkg-links-dep-'));
    try {
      fs.copyFileSync(path.join(root, 'lib/i86/libx.so.1'), path.join(dep, 'libx.so.1'));
      program('dep32', 32, dep);
      program('origin32', 32, '$ORIGIN/../lib/i86');
      const r = checkLinks({ root, prefix: PREFIX, depFiles: [path.join(dep, 'libx.so.1')], skipDirs: [] });
      expect(r.checked).toBe(2);
    } finally {
      for (const n of ['dep32', 'origin32']) fs.rmSync(path.join(root, 'bin', n), { force: true });
      fs.rmSync(dep, { recursive: true, force: true });
    }
  });
});
