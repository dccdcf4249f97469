import { mkdirSync, readFileSync, symlinkSync, writeFileSync, existsSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { checkTree, expandLines, expandTree, foldTree, splitLink, type ExpandOptions } from '../src/index.ts';
import { fixtures, lines, linux, runCli, sunos, tempDir } from './helpers.ts';

const roundtrip = lines(readFileSync(path.join(fixtures, 'roundtrip.PLIST'), 'utf8'));

/** Stages a tree as a multiarch build would: every file the expanded PLIST names; no @link destinations. */
function stage(expanded: readonly string[], skip: (p: string) => boolean = () => false): string {
  const root = tempDir();
  for (const l of expanded) {
    if (l.startsWith('@pkgdir ')) mkdirSync(path.join(root, l.slice(8)), { recursive: true });
    if (l.startsWith('@') || skip(l)) continue;
    mkdirSync(path.dirname(path.join(root, l)), { recursive: true });
    writeFileSync(path.join(root, l), `${l}\n`);
  }
  return root;
}

describe.each([
  ['SunOS', sunos()],
  ['Linux', linux()],
] as [string, ExpandOptions][])('fold is the inverse of expansion (%s)', (_, opts) => {
  it('folds an expanded-then-staged tree back to the original PLIST', async () => {
    const expanded = expandLines(roundtrip, opts).lines;
    const root = stage(expanded);
    expect(await foldTree(root, opts)).toEqual(roundtrip);
    // And the staged tree passes the check.
    expect(await checkTree(expanded, root, { platform: opts.platform })).toEqual({ missing: [], unlisted: [] });
  });
  it('keeps per-ABI paths when one ABI lacks a file (an ABI may build fewer programs)', async () => {
    const only = opts.platform.abis[0] === '64' ? 'bin/i86/foo-config' : 'bin/amd64/foo-config';
    const expanded = expandLines(roundtrip, opts).lines;
    const root = stage(expanded, (p) => p === only);
    const folded = await foldTree(root, opts);
    expect(folded).not.toContain('bin/foo-config');
    const kept = expanded.filter((l) => l.includes('/foo-config') && !l.startsWith('@') && l !== only);
    expect(kept).toHaveLength(1);
    expect(folded).toContain(kept[0]);
    // The folded PLIST describes the tree exactly.
    const again = expandLines(folded, opts).lines;
    expect(await checkTree(again, root, { platform: opts.platform })).toEqual({ missing: [], unlisted: [] });
  });
});

describe('fold', () => {
  it('with multiarch off lists files sorted in byte order, then empty dirs', async () => {
    const root = stage(['share/b', 'share/B', 'bin/amd64/x', 'share/a-b', 'share/a/c', '@pkgdir var/empty']);
    symlinkSync('b', path.join(root, 'share/link'));
    expect(await foldTree(root, sunos({}, { enabled: false }))).toEqual([
      'bin/amd64/x', 'share/B', 'share/a-b', 'share/a/c', 'share/b', 'share/link', '@pkgdir var/empty',
    ]);
  });
  it('drops a leftover @link destination of a folded command', async () => {
    const root = stage(['bin/amd64/x', 'bin/i86/x', 'bin/x']);
    expect(await foldTree(root, sunos())).toEqual(['bin/x']);
  });
  it('reports a missing tree clearly', async () => {
    await expect(foldTree('/nonexistent/prefix', sunos())).rejects.toThrow(/\/nonexistent\/prefix: cannot read the staged tree/);
  });
});

describe('check', () => {
  const expanded = expandLines(['bin/foo', 'bin/bar', 'lib/libfoo.so', 'share/doc/README'], sunos()).lines;
  it('names missing and unlisted files and which ABI lacks what', async () => {
    const root = stage(expanded, (p) => p === 'bin/i86/bar' || p === 'lib/amd64/libfoo.so' || p === 'lib/libfoo.so');
    writeFileSync(path.join(root, 'share/doc/stray'), '');
    const r = await checkTree(expanded, root, { platform: sunos().platform });
    expect(r.missing).toEqual(['bin/i86/bar', 'lib/amd64/libfoo.so', 'lib/libfoo.so']);
    expect(r.unlisted).toEqual(['share/doc/stray']);
    // lib/libfoo.so is in the un-suffixed dir: no ABI can be named for it.
    expect(r.missingByAbi).toEqual({ '32': ['bin/i86/bar'], '64': ['lib/amd64/libfoo.so'] });
  });
  it('does not expect @link destinations, and tolerates one left behind', async () => {
    const root = stage(expanded);
    const dests = expanded.filter((l) => l.startsWith('@link ')).map((l) => splitLink(l.slice(6)).dest);
    expect(dests).toEqual(['bin/foo', 'bin/bar']);
    expect(existsSync(path.join(root, 'bin/foo'))).toBe(false);
    writeFileSync(path.join(root, 'bin/foo'), '');
    expect(await checkTree(expanded, root)).toEqual({ missing: [], unlisted: [] });
  });
  it('CLI: text and --json, exit 1 on differences, 0 when clean', () => {
    const root = stage(expanded, (p) => p === 'bin/amd64/foo');
    const args = ['--opsys', 'SunOS', '--multiarch', 'bin,lib', '--check', root];
    const input = 'bin/foo\nbin/bar\nlib/libfoo.so\nshare/doc/README\n';
    const t = runCli(args, { input });
    expect(t.status).toBe(1);
    expect(t.stdout).toBe('missing: bin/amd64/foo\nABI 64 lacks 1 file the PLIST names\n');
    const j = runCli([...args, '--json'], { input });
    expect(j.status).toBe(1);
    expect(JSON.parse(j.stdout)).toEqual({ missing: ['bin/amd64/foo'], unlisted: [], missingByAbi: { '64': ['bin/amd64/foo'] } });
    writeFileSync(path.join(root, 'bin/amd64/foo'), '');
    const ok = runCli([...args, '--json'], { input });
    expect(ok.status).toBe(0);
    expect(JSON.parse(ok.stdout)).toEqual({ missing: [], unlisted: [] });
  });
  it('CLI --fold prints the compact PLIST', () => {
    const root = stage(expandLines(roundtrip, sunos()).lines);
    const r = runCli(['--opsys', 'SunOS', '--multiarch', 'bin,lib', '--fold', root]);
    expect(r.status).toBe(0);
    expect(lines(r.stdout)).toEqual(roundtrip);
  });
});

describe('batch mode (-r TREE)', () => {
  const tree = path.join(fixtures, 'tree');
  it('expands every package, reports problems by file:line, counts them', async () => {
    const out = tempDir();
    const msgs: string[] = [];
    const r = await expandTree(tree, sunos(), { outDir: out, report: (m) => msgs.push(m) });
    expect(r).toEqual({ packages: 3, lines: 11, errors: 1 });
    expect(msgs).toEqual([
      `${tree}/misc/broken/PLIST:2: unknown PLIST command '@frobnicate'\n  hint: known commands: ${msgs[0]!.split('hint: known commands: ')[1]}`,
      `${tree}/sysutils/footools/PLIST:2: warning: duplicate entry 'bin/amd64/footool' dropped (already listed above)`,
    ]);
    // PLIST.SunOS belongs to the SunOS set (after PLIST.common, before PLIST); PLIST.Linux is checked alone.
    expect(lines(readFileSync(path.join(out, 'devel/libfoo/PLIST'), 'utf8'))).toEqual([
      'lib/svc/manifest/foo.xml',
      '@comment $NetBSD$',
      'include/amd64/foo.h', 'include/i86/foo.h', 'include/foo.h',
      'lib/amd64/libfoo.so.${SOVERSION}', 'lib/libfoo.so.${SOVERSION}',
      'lib/amd64/pkgconfig/foo.pc', 'lib/pkgconfig/foo.pc',
      '${PLIST.tools}bin/foo-tool',
    ]);
    expect(lines(readFileSync(path.join(out, 'sysutils/footools/PLIST'), 'utf8'))).toEqual([
      'bin/amd64/footool', 'bin/i86/footool', '@link lib/isaexec bin/footool',
      'sbin/amd64/footoold', 'sbin/i86/footoold', '@link lib/isaexec sbin/footoold',
      'man/man1/footool.1',
    ]);
    expect(existsSync(path.join(out, 'misc/broken/PLIST'))).toBe(false);
  });
  it('CLI: one summary line, exit 2 when a PLIST is bad, 0 when all are good', () => {
    const r = runCli(['--opsys', 'SunOS', '--multiarch', 'bin,lib', '-r', tree]);
    expect(r.status).toBe(2);
    const out = lines(r.stdout);
    expect(out[out.length - 1]).toBe('3 packages, 11 lines, 1 errors');
    expect(out[0]).toMatch(/misc\/broken\/PLIST:2: unknown PLIST command/);
    const good = runCli(['--opsys', 'SunOS', '--multiarch', 'bin,lib', '-r', path.join(tree, 'devel')]);
    expect(good.status).toBe(0);
    expect(good.stdout).toBe('1 packages, 7 lines, 0 errors\n');
  });
});
