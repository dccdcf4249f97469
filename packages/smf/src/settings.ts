import fs from 'node:fs';
import path from 'node:path';
import { InputError } from '@mkpkg/platform';
import { GENERIC_SUBST_VARS } from './subst.ts';

/** One method script: SMF_METHODS word, its source file and its installed path (relative to PREFIX). */
export interface SmfMethod {
  readonly name: string;
  readonly src: string;
  readonly file: string;
}

/**
 * A package's SMF settings after smf.mk's defaults are applied. Paths named
 * `...File`/`...Dir` are relative to PREFIX; `...Src` paths are absolute
 * (or relative to the package directory, as the package wrote them).
 */
export interface SmfSettings {
  /** SMF_NAME: the service's last FMRI component and the manifest's file name. */
  readonly name: string;
  /** SMF_PREFIX: the FMRI part before the name (`svc:/<prefix>/<name>`). */
  readonly prefix: string;
  /** SMF_INSTANCES, in the package's order, never empty. */
  readonly instances: readonly string[];
  /** SMF_MANIFEST: the manifest's file name under SMF_SRCDIR. */
  readonly manifest: string;
  /** SMF_MANIFEST_SRC: where the manifest template is read from. */
  readonly manifestSrc: string;
  readonly methods: readonly SmfMethod[];
  /** SMF_METHOD_SHELL: what `#!@SMF_METHOD_SHELL@` becomes. */
  readonly methodShell: string;
  readonly srcdir: string;
  /** PKG_SMF_DIR: multiarch never expands paths below it. */
  readonly pkgSmfDir: string;
  readonly manifestDir: string;
  readonly methodDir: string;
  /** SMF_MANIFEST_FILE: the installed manifest, relative to PREFIX. */
  readonly manifestFile: string;
  /** PKGMANDIR, which smf.mk adds to FILES_SUBST (default `man`). */
  readonly pkgmandir: string;
  /**
   * The generic FILES_SUBST keys (PREFIX, VARBASE, PKG_SYSCONFDIR, ...) as
   * bmake evaluated them, so that manifests get them even when the caller's
   * FILES_SUBST holds only the package's own entries.
   */
  readonly genericSubst: Readonly<Record<string, string>>;
}

const BASE_VARS = [
  'SMF_NAME',
  'SMF_PREFIX',
  'SMF_INSTANCES',
  'SMF_MANIFEST',
  'SMF_MANIFEST_SRC',
  'SMF_MANIFEST_FILE',
  'SMF_METHODS',
  'SMF_METHOD_SHELL',
  'SMF_SRCDIR',
  'PKG_SMF_DIR',
  'PKG_SMF_MANIFEST_DIR',
  'PKG_SMF_METHOD_DIR',
  'FILES_SUBST',
  ...GENERIC_SUBST_VARS,
] as const;

/**
 * The variables the driver must ask bmake for (the SMF ones, FILES_SUBST
 * and the generic substitution keys). The per-method variables
 * need the method names, so call once without them (to learn SMF_METHODS)
 * and once with them.
 */
export function smfVarNames(methods: readonly string[] = []): string[] {
  const names: string[] = [...BASE_VARS];
  for (const m of methods) names.push(`SMF_METHOD_SRC.${m}`, `SMF_METHOD_FILE.${m}`);
  return names;
}

/** SMF_METHODS as a list, for the second smfVarNames() call. */
export function smfMethodNames(vars: ReadonlyMap<string, string>): string[] {
  return words(vars.get('SMF_METHODS'));
}

/** PKG_SMF_DIR is a multiarch lib skip dir: SMF files are never expanded per ABI. */
export function smfLibSkipDirs(s: SmfSettings | undefined): string[] {
  return s ? [s.pkgSmfDir] : [];
}

// SMF names and instance names: letters, digits and a few punctuation
// characters (smf(7)); no '/' because SMF_NAME is also a file name.
const NAME_RE = /^[A-Za-z0-9][A-Za-z0-9_.,+-]*$/;
const FMRI_PREFIX_RE = /^[A-Za-z0-9][A-Za-z0-9_.,+-]*(\/[A-Za-z0-9][A-Za-z0-9_.,+-]*)*$/;

/**
 * smf.mk's defaults applied to the variables bmake reported (an empty value
 * is an unset variable): the value the SMF code uses for each SMF variable,
 * before validation. `mkpkg show-var` prints these, so what it shows is
 * what a build uses.
 */
export function smfEffectiveVars(vars: ReadonlyMap<string, string>, ctx: { pkgbase: string; filesdir: string }): Map<string, string> {
  const get = (k: string): string => (vars.get(k) ?? '').trim();
  const out = new Map<string, string>();
  const or = (k: string, dflt: string): string => {
    const v = get(k) || dflt;
    out.set(k, v);
    return v;
  };
  const srcdir = or('SMF_SRCDIR', path.join(ctx.filesdir, 'smf'));
  const manifest = or('SMF_MANIFEST', 'manifest.xml');
  or('SMF_MANIFEST_SRC', path.join(srcdir, manifest));
  const name = or('SMF_NAME', ctx.pkgbase.toLowerCase());
  or('SMF_PREFIX', 'pkgsrc');
  or('SMF_INSTANCES', 'default');
  or('SMF_METHOD_SHELL', '/sbin/sh');
  const pkgSmfDir = or('PKG_SMF_DIR', 'lib/svc');
  const manifestDir = or('PKG_SMF_MANIFEST_DIR', `${pkgSmfDir}/manifest`);
  const methodDir = or('PKG_SMF_METHOD_DIR', `${pkgSmfDir}/method`);
  or('SMF_MANIFEST_FILE', `${manifestDir}/${name}.xml`);
  out.set('SMF_METHODS', get('SMF_METHODS'));
  for (const m of words(get('SMF_METHODS'))) {
    or(`SMF_METHOD_SRC.${m}`, path.join(srcdir, `${m}.sh`));
    or(`SMF_METHOD_FILE.${m}`, `${methodDir}/${m}`);
  }
  return out;
}

/**
 * Applies smf.mk's defaults to the variables bmake reported (an empty value
 * is an unset variable). Returns undefined when the package has no manifest,
 * as smf.mk does nothing then.
 */
export function smfSettingsFromVars(
  vars: ReadonlyMap<string, string>,
  ctx: { pkgbase: string; filesdir: string; wrkdir: string },
): SmfSettings | undefined {
  const get = (k: string): string => (vars.get(k) ?? '').trim();
  // One place for the defaults: the ones show-var prints.
  const eff = smfEffectiveVars(vars, ctx);
  const val = (k: string): string => eff.get(k) ?? get(k);

  const srcdir = val('SMF_SRCDIR');
  const manifest = val('SMF_MANIFEST');
  const manifestSrc = val('SMF_MANIFEST_SRC');
  const methodNames = words(get('SMF_METHODS'));

  if (!fs.existsSync(manifestSrc)) {
    // smf.mk silently ignores methods without a manifest; a package that
    // names methods surely meant to ship a service, so say so.
    if (methodNames.length === 0) return undefined;
    const underWrk = path.resolve(manifestSrc).startsWith(path.resolve(ctx.wrkdir) + path.sep);
    throw new InputError(`SMF_METHODS is set (${methodNames.join(' ')}) but the SMF manifest ${manifestSrc} does not exist`, {
      hint: underWrk
        ? 'the manifest is read from the work directory: extract the sources first, or fix SMF_SRCDIR/SMF_MANIFEST'
        : 'add the manifest, or set SMF_SRCDIR / SMF_MANIFEST to where it is',
    });
  }

  const name = val('SMF_NAME');
  if (!NAME_RE.test(name)) {
    throw new InputError(`SMF_NAME '${name}' is not a valid service name`, {
      hint: 'use letters, digits and _ . , + - only (it is also the manifest file name)',
    });
  }
  const prefix = val('SMF_PREFIX');
  if (!FMRI_PREFIX_RE.test(prefix)) {
    throw new InputError(`SMF_PREFIX '${prefix}' is not a valid FMRI prefix`, {
      hint: "use names separated by '/', e.g. 'pkgsrc' or 'network/pkgsrc'",
    });
  }

  const instances = words(get('SMF_INSTANCES'));
  if (instances.length === 0) instances.push('default');
  checkNames('SMF_INSTANCES', instances);
  checkNames('SMF_METHODS', methodNames);

  const pkgSmfDir = relDir('PKG_SMF_DIR', val('PKG_SMF_DIR'));
  const manifestDir = relDir('PKG_SMF_MANIFEST_DIR', val('PKG_SMF_MANIFEST_DIR'));
  const methodDir = relDir('PKG_SMF_METHOD_DIR', val('PKG_SMF_METHOD_DIR'));
  const manifestFile = relDir('SMF_MANIFEST_FILE', val('SMF_MANIFEST_FILE'));

  const methods = methodNames.map((m) => ({
    name: m,
    src: val(`SMF_METHOD_SRC.${m}`),
    file: relDir(`SMF_METHOD_FILE.${m}`, val(`SMF_METHOD_FILE.${m}`)),
  }));

  return {
    name,
    prefix,
    instances,
    manifest,
    manifestSrc,
    methods,
    methodShell: val('SMF_METHOD_SHELL'),
    srcdir,
    pkgSmfDir,
    manifestDir,
    methodDir,
    manifestFile,
    pkgmandir: get('PKGMANDIR') || 'man',
    genericSubst: Object.fromEntries(GENERIC_SUBST_VARS.map((k) => [k, get(k)]).filter(([, v]) => v !== '')),
  };
}

function words(s: string | undefined): string[] {
  return (s ?? '').split(/\s+/).filter((w) => w.length > 0);
}

function checkNames(variable: string, names: readonly string[]): void {
  const seen = new Set<string>();
  for (const n of names) {
    if (!NAME_RE.test(n)) {
      throw new InputError(`${variable}: '${n}' is not a valid name`, { hint: 'use letters, digits and _ . , + - only' });
    }
    if (seen.has(n)) throw new InputError(`${variable}: '${n}' is listed twice`);
    seen.add(n);
  }
}

/** A path relative to PREFIX that stays inside it; returned normalised. */
function relDir(variable: string, p: string): string {
  const norm = path.posix.normalize(p).replace(/\/+$/, '');
  if (path.posix.isAbsolute(norm) || norm === '..' || norm.startsWith('../') || norm === '.' || norm === '') {
    throw new InputError(`${variable} '${p}' must be a path relative to PREFIX inside it`, {
      hint: `e.g. ${variable}=lib/svc`,
    });
  }
  return norm;
}
