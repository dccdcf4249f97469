// A PLIST path has one spelling: plist-expand refuses what `mkpkg create`
// would refuse later (share/./x, share//y, a trailing '/', '..', absolute),
// with file:line and exit 2, on every input path: a short PLIST, a long one
// that takes the byte fast path, stdin, lines with multiarch tokens.
import { spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { unsafePathReason } from '@mkpkg/platform';
import { type Run, tempDir } from './helpers.ts';

const BIN = fileURLToPath(new URL('../bin/plist-expand.mjs', import.meta.url));

/** The real plist-expand, without blocking the test worker (many synchronous runs starve vitest's RPC). */
function runCli(args: string[], o: { input?: string } = {}): Promise<Run> {
  return new Promise((resolve) => {
    // As helpers.ts's runCli: nothing in the environment that plist-multiarch.awk would read.
    const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !/ARCHSUFFIX|MULTIARCH/.test(k)));
    const child = spawn(process.execPath, [BIN, ...args], { env, stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    child.on('close', (status) => resolve({ status, stdout, stderr }));
    child.stdin.end(o.input ?? '');
  });
}

const BAD: [string, RegExp][] = [
  ['share/./x', /'share\/\.\/x' has an empty or '\.' component/],
  ['share//y', /'share\/\/y' has an empty or '\.' component/],
  ['share/doc/', /'share\/doc\/' ends in '\/'/],
  ['./bin/foo', /'\.\/bin\/foo' has an empty or '\.' component/],
  ['share/.', /'share\/\.' has an empty or '\.' component/],
  ['.', /'\.' has an empty or '\.' component/],
  ['share/../x', /'share\/\.\.\/x' has a '\.\.' component/],
  ['..', /'\.\.' has a '\.\.' component/],
  ['/usr/pkg/bin/foo', /'\/usr\/pkg\/bin\/foo' is an absolute path/],
  ['bin//foo', /'bin\/\/foo' has an empty or '\.' component/],
  ['lib/./libx.so', /'lib\/\.\/libx\.so' has an empty or '\.' component/],
  ['bin${BINARCHSUFFIX}//foo', /'bin\/\/foo' has an empty or '\.' component/],
  ['@pkgdir share//d', /@pkgdir 'share\/\/d' has an empty or '\.' component/],
  ['@link lib/isaexec bin/./foo', /@link destination 'bin\/\.\/foo' has an empty or '\.' component/],
  ['share/a\tb', /'share\/a\tb' contains a control character/],
  ['share/a\x7fb', /'share\/a\x7fb' contains a control character/],
  [`share/${'x'.repeat(256)}`, /'share\/x+' has a component longer than 255 bytes \(NAME_MAX\)/],
];
const GOOD = ['share/.hidden', 'share/a..b', 'share/x.', 'etc/.profile', 'share/doc/v1.0/README', `share/${'y'.repeat(254)}`];

const expand = (args: string[], input?: string) => runCli(['--opsys', 'SunOS', '--multiarch', 'bin,lib', ...args], input === undefined ? {} : { input });
const quote = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

describe('plist-expand refuses a path spelled other than as the file is named', () => {
  for (const [line, re] of BAD) {
    it(`${JSON.stringify(line).slice(0, 40)}: exit 2 with file:line, in a short PLIST and after 5,000 lines`, async () => {
      const d = tempDir();
      const short = path.join(d, 'PLIST');
      writeFileSync(short, `bin/ok\n${line}\nshare/after\n`);
      let r = await expand([short]);
      expect(r.status, r.stderr).toBe(2);
      expect(r.stderr).toMatch(new RegExp(`^plist-expand: ${quote(short)}:2: ${re.source}`));
      // Large enough for the chunked byte path that skips the per-line string checks.
      const long = path.join(d, 'PLIST.long');
      const filler = Array.from({ length: 5000 }, (_, i) => `share/f${i}`).join('\n');
      writeFileSync(long, `${filler}\n${line}\n${filler.replace(/f/g, 'g')}\n`);
      r = await expand([long]);
      expect(r.status, r.stderr).toBe(2);
      expect(r.stderr).toMatch(new RegExp(`^plist-expand: ${quote(long)}:5001: ${re.source}`));
    });
  }

  it('on stdin too', async () => {
    const r = await expand([], 'bin/a\nshare//y\n');
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/:2: 'share\/\/y' has an empty or '\.' component/);
  });

  it('and accepts dotfiles and names with dots in them', async () => {
    const d = tempDir();
    const f = path.join(d, 'PLIST');
    const filler = Array.from({ length: 5000 }, (_, i) => `share/f${i}`);
    writeFileSync(f, [...GOOD, ...filler, ...GOOD.map((g) => `${g}2`)].join('\n') + '\n');
    const r = await expand([f]);
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    expect(r.stdout.split('\n')).toEqual(expect.arrayContaining([...GOOD, ...GOOD.map((g) => `${g}2`)]));
  });

  it('by the same rule the package reader applies (unsafePathReason, @mkpkg/platform)', () => {
    for (const [line] of BAD.filter(([l]) => !l.startsWith('@') && !l.includes('$'))) expect(unsafePathReason(line), line).toBeDefined();
    for (const g of GOOD) expect(unsafePathReason(g), g).toBeUndefined();
  });
});
