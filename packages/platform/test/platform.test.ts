import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  InputError,
  gnuTriplet,
  platformFor,
  platformFromMkConf,
  readMkConf,
  resolveMultiarch,
  singleAbiPlatform,
} from '../src/index.ts';

describe('platform table', () => {
  it('SunOS: 64 then 32, 32 is the default ABI and owns lib/', () => {
    const p = platformFor('SunOS');
    expect(p.abis).toEqual(['64', '32']);
    expect(p.defaultAbi).toBe('32');
    expect(p.suffixes['32']).toEqual({ bin: '/i86', lib: '', inc: '/i86' });
    expect(p.suffixes['64']).toEqual({ bin: '/amd64', lib: '/amd64', inc: '/amd64' });
  });
  it('Linux: 32 then 64, 64 is the default ABI and owns lib/', () => {
    const p = platformFor('Linux');
    expect(p.abis).toEqual(['32', '64']);
    expect(p.defaultAbi).toBe('64');
    expect(p.suffixes['32']).toEqual({ bin: '/i86', lib: '/i86', inc: '/i86' });
    expect(p.suffixes['64']).toEqual({ bin: '/amd64', lib: '', inc: '/amd64' });
  });
  it('takes overrides in both spellings; the last ABI stays the default', () => {
    const p = platformFor('Linux', { MULTIARCH_ABIS: '64 32', 'LIBARCHSUFFIX.64': '/amd64', LIBARCHSUFFIX_32: '' });
    expect(p.abis).toEqual(['64', '32']);
    expect(p.defaultAbi).toBe('32');
    expect(p.suffixes['64'].lib).toBe('/amd64');
    expect(p.suffixes['32'].lib).toBe('');
  });
  it('rejects an unknown ABI, naming the accepted values', () => {
    expect(() => platformFor('Linux', { MULTIARCH_ABIS: '32 x32' })).toThrow(/unknown ABI 'x32'; accepted values are 32, 64/);
    expect(() => platformFor('Linux', { MULTIARCH_ABIS: '32 32' })).toThrow(/twice/);
    expect(() => platformFor('Linux', { 'BINARCHSUFFIX.64': 'amd64' })).toThrow(InputError);
  });
  it('single-ABI view: the default ABI with empty suffixes', () => {
    const p = singleAbiPlatform(platformFor('SunOS'));
    expect(p.abis).toEqual(['32']);
    expect(p.suffixes['32']).toEqual({ bin: '', lib: '', inc: '' });
  });
  it('names explicit GNU triplets for 32-bit builds', () => {
    expect(gnuTriplet('Linux', '32')).toBe('i686-pc-linux-gnu');
    expect(gnuTriplet('SunOS', '64')).toBe('x86_64-pc-solaris2.11');
  });
});

describe('multiarch switch', () => {
  it('needs both the user and the package', () => {
    expect(resolveMultiarch({ mkconfMultiarch: 'yes' })).toEqual({ enabled: false });
    expect(resolveMultiarch({ useMultiarch: 'lib' })).toEqual({ enabled: false });
    expect(resolveMultiarch({ mkconfMultiarch: 'YES', useMultiarch: 'lib' })).toEqual({ enabled: true, bin: false, lib: true });
  });
  it('--multiarch turns it on and replaces USE_MULTIARCH', () => {
    expect(resolveMultiarch({ cliMultiarch: 'bin,lib', useMultiarch: 'lib' })).toEqual({ enabled: true, bin: true, lib: true });
  });
  it('rejects unknown words', () => {
    expect(() => resolveMultiarch({ cliMultiarch: 'bin,sbin' })).toThrow(/accepted values are bin, lib/);
  });
});

describe('mk.conf through real bmake', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mkconf-test-'));
  const write = (name: string, text: string) => {
    const f = path.join(dir, name);
    fs.writeFileSync(f, text);
    return f;
  };

  it('evaluates conditionals and references, then overrides the table', async () => {
    const f = write(
      'mk.conf',
      [
        'MULTIARCH=\tyes',
        '_MYABIS=\t64 32',
        '.if ${MULTIARCH} == "yes"',
        'MULTIARCH_ABIS=\t${_MYABIS}',
        '.endif',
        'BINARCHSUFFIX.64=\t/x86_64',
        'MAKE_JOBS!=\techo 3',
        '',
      ].join('\n'),
    );
    const conf = await readMkConf({ env: { MAKECONF: f } });
    expect(conf.file).toBe(f);
    expect(conf.vars.get('MULTIARCH')).toBe('yes');
    expect(conf.vars.get('MAKE_JOBS')).toBe('3');
    const p = platformFromMkConf(conf, { opsys: 'Linux' });
    expect(p.abis).toEqual(['64', '32']);
    expect(p.defaultAbi).toBe('32');
    expect(p.suffixes['64'].bin).toBe('/x86_64');
  });

  it('an unknown ABI or OPSYS in mk.conf is a clear error naming the file', async () => {
    const f = write('bad.conf', 'MULTIARCH_ABIS= 32 128\n');
    const conf = await readMkConf({ env: { MAKECONF: f } });
    expect(() => platformFromMkConf(conf, { opsys: 'Linux' })).toThrow(new RegExp(`${f}: MULTIARCH_ABIS: unknown ABI '128'`));
    const g = write('bad2.conf', 'OPSYS= Darwin\n');
    const conf2 = await readMkConf({ env: { MAKECONF: g } });
    expect(() => platformFromMkConf(conf2)).toThrow(/unknown OPSYS 'Darwin'; accepted values are SunOS, Linux/);
  });

  it('a syntax error in mk.conf is reported with bmake’s words', async () => {
    const f = write('broken.conf', '.if\n');
    await expect(readMkConf({ env: { MAKECONF: f } })).rejects.toThrow(/bmake could not read/);
  });

  it('a MAKECONF that does not exist is an error, not a silent default', async () => {
    await expect(readMkConf({ env: { MAKECONF: path.join(dir, 'nope.conf') } })).rejects.toThrow(/does not exist/);
  });
});
