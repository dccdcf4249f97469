import fs from 'node:fs/promises';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { InputError, UserError, writeFileAtomic } from '@mkpkg/platform';
import { checkManifest } from './manifest.ts';
import { deinstallFragment, installFragment } from './scripts.ts';
import type { SmfSettings } from './settings.ts';
import { type Substituted, assertNoLeftoverTokens, smfSubstitutions, substitute } from './subst.ts';

export interface InstallSmfOptions {
  /** `${DESTDIR}${PREFIX}`: where the manifest and methods are written. */
  readonly destPrefix: string;
  /**
   * FILES_SUBST. It wins over smf.mk's keys and over the generic keys in
   * the settings; PREFIX must come from one of them.
   */
  readonly filesSubst: Readonly<Record<string, string>>;
  /**
   * The package's expanded PLIST, to check that exec_method paths under
   * PREFIX are installed. Without it the files under destPrefix are asked.
   */
  readonly plistLines?: readonly string[];
}

export interface InstallSmfResult {
  /** Lines to add to the PLIST: the manifest, then each method. */
  readonly plistLines: string[];
  readonly installFragment: string;
  readonly deinstallFragment: string;
  readonly warnings: string[];
}

interface Rendered {
  readonly src: string;
  readonly rel: string;
  readonly mode: number;
  readonly sub: Substituted;
}

/**
 * Substitutes, checks and installs the manifest and methods. Everything is
 * checked before anything is written, so a failing package leaves no SMF
 * files behind.
 */
export async function installSmf(s: SmfSettings, o: InstallSmfOptions): Promise<InstallSmfResult> {
  // Package-set keys win, as the package's FILES_SUBST entries came first in
  // pkgsrc; smf.mk's keys come next, then the generic ones bmake reported.
  const subst = { ...s.genericSubst, ...smfSubstitutions(s), ...o.filesSubst };
  const prefix = subst['PREFIX'];
  if (!prefix || !path.posix.isAbsolute(prefix)) {
    throw new InputError(`SMF: PREFIX must be an absolute path (got '${prefix ?? ''}')`, { hint: 'pass PREFIX in FILES_SUBST' });
  }

  const manifest: Rendered = {
    src: s.manifestSrc,
    rel: s.manifestFile,
    mode: 0o644,
    sub: substitute(await readTemplate(s.manifestSrc, 'manifest'), subst),
  };
  const methods: Rendered[] = [];
  for (const m of s.methods) {
    methods.push({ src: m.src, rel: m.file, mode: 0o755, sub: substitute(await readTemplate(m.src, `method '${m.name}'`), subst) });
  }
  for (const r of [manifest, ...methods]) assertNoLeftoverTokens(r.src, r.sub);

  const ours = new Set([manifest, ...methods].map((r) => r.rel));
  const listed = o.plistLines ? plistPaths(o.plistLines) : undefined;
  const check = checkManifest(s.manifestSrc, manifest.sub, {
    service: `${s.prefix}/${s.name}`,
    instances: s.instances,
    prefix,
    installs: (rel) => ours.has(rel) || (listed ? listed.has(rel) : existsSync(path.join(o.destPrefix, rel))),
  });

  for (const r of [manifest, ...methods]) await writeAtomic(path.join(o.destPrefix, r.rel), r.sub.text, r.mode);

  const frag = { manifestFile: s.manifestFile, service: check.main.name, instances: s.instances };
  return {
    plistLines: [manifest.rel, ...methods.map((m) => m.rel)],
    installFragment: installFragment(frag),
    deinstallFragment: deinstallFragment(frag),
    warnings: check.warnings,
  };
}

/** Drops legacy rc.d scripts from the PLIST, as pkgsrc's plist-smf.awk does. */
export function filterSmfPlist(lines: readonly string[]): string[] {
  return lines.filter((l) => !l.startsWith('share/examples/rc.d'));
}

/** Paths a PLIST installs: plain entries and the targets of @link. */
function plistPaths(lines: readonly string[]): Set<string> {
  const out = new Set<string>();
  for (const raw of lines) {
    const l = raw.trim();
    if (!l) continue;
    if (!l.startsWith('@')) out.add(path.posix.normalize(l));
    else if (l.startsWith('@link ')) {
      const dest = l.slice('@link '.length).trim().split(/\s+/).slice(1).join(' ');
      if (dest) out.add(path.posix.normalize(dest));
    }
  }
  return out;
}

async function readTemplate(file: string, what: string): Promise<string> {
  try {
    return await fs.readFile(file, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new InputError(`cannot read the SMF ${what} ${file}: ${code === 'ENOENT' ? 'no such file' : String(code)}`, {
      hint: what.startsWith('method')
        ? 'add it under SMF_SRCDIR as <method>.sh, or set SMF_METHOD_SRC.<method>'
        : 'add it, or set SMF_SRCDIR / SMF_MANIFEST',
    });
  }
}

async function writeAtomic(file: string, text: string, mode: number): Promise<void> {
  try {
    await fs.mkdir(path.dirname(file), { recursive: true });
    await writeFileAtomic(file, text, { mode });
  } catch (err) {
    throw new UserError(`cannot install ${file}: ${(err as Error).message}`);
  }
}
