import { readFileSync } from 'node:fs';
import { PlistExpander, defaultExpandOptions } from './src/index.ts';
import { Hasher, newHash } from './src/seen.ts';
import { checkRelativePath } from './src/syntax.ts';
import { platformFor } from '@mkpkg/platform';
const text = readFileSync('/tmp/big.plist', 'utf8');
const L = text.split('\n');
const opts = defaultExpandOptions(platformFor('SunOS'), { enabled: true, bin: true, lib: true });
function t(name: string, f: () => number) { const c0 = process.cpuUsage(); const r = f(); const c = process.cpuUsage(c0); console.log(name.padEnd(10), ((c.user + c.system) / 1000).toFixed(0), 'ms', r); }
const h = new Hasher(); for (let rep = 0; rep < 1; rep++) {
t('split', () => text.split('\n').length);
t('includes', () => { let n = 0; for (const s of L) if (s.includes('${')) n++; return n; });
t('check', () => { for (const s of L) if (s !== '' && s[0] !== '@') checkRelativePath(s, { file: 'x', line: 1 }); return 0; });
const hh = newHash();
t('hash', () => { let x = 0; for (const s of L) x ^= h.hash(s, 0, hh).h1; return x; });
t('expand', () => { const e = new PlistExpander(opts, 3e6); let out: string[] = []; let n = 0; for (let i = 0; i < L.length; i++) { e.add(L[i]!, 'x', i, out); if (out.length > 60000) { n += out.length; out = []; } } return n; });
t('exp+join', () => { const e = new PlistExpander(opts, 3e6); let out: string[] = []; let n = 0; for (let i = 0; i < L.length; i++) { e.add(L[i]!, 'x', i, out); if (out.length > 60000) { n += out.join('\n').length; out = []; } } return n; });
}
const off = defaultExpandOptions(platformFor('SunOS'), { enabled: false });
t('exp-off', () => { const e = new PlistExpander(off, 3e6); let out: string[] = []; let n = 0; for (let i = 0; i < L.length; i++) { e.add(L[i]!, 'x', i, out); if (out.length > 60000) { n += out.length; out = []; } } return n; });
t('exp-off-small', () => { const e = new PlistExpander(off, 0); let out: string[] = []; let n = 0; for (let i = 0; i < L.length; i++) { e.add(L[i]!, 'x', i, out); if (out.length > 60000) { n += out.length; out = []; } } return n; });
import { SeenLines } from './src/seen.ts';
t('seen-only', () => { const s = new SeenLines(3e6); const hh2 = newHash(); let n = 0; for (const x of L) if (s.add(h.hash(x, 0, hh2))) n++; return n; });
