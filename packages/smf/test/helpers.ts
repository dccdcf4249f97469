import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { bmakeVars } from '@mkpkg/platform';
import { type SmfSettings, filesSubstFromVars, smfMethodNames, smfSettingsFromVars, smfVarNames } from '../src/index.ts';

export const FIXTURES = fileURLToPath(new URL('../../../fixtures/smf/', import.meta.url));

/** What mk.conf and the mkpkg glue would set; given to bmake on the command line. */
export const BASE_VARS: Readonly<Record<string, string>> = {
  PREFIX: '/opt/local',
  LOCALBASE: '/opt/local',
  PKG_SYSCONFDIR: '/opt/local/etc',
  VARBASE: '/var/opt/local',
  PKGMANDIR: 'man',
};

export function tmpDir(tag: string): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), `smf-${tag}-`));
}

export interface Fixture {
  dir: string;
  vars: Map<string, string>;
  settings: SmfSettings | undefined;
  filesSubst: Record<string, string>;
  plist: string[] | undefined;
}

/** Reads a fixture package the way the driver does: real bmake, twice when it has methods. */
export async function loadFixture(name: string): Promise<Fixture> {
  const dir = path.join(FIXTURES, name);
  const mk = path.join(dir, 'Makefile');
  let vars = await bmakeVars(mk, smfVarNames(), { cwd: dir, cmdVars: BASE_VARS });
  const methods = smfMethodNames(vars);
  if (methods.length) vars = await bmakeVars(mk, smfVarNames(methods), { cwd: dir, cmdVars: BASE_VARS });
  const settings = smfSettingsFromVars(vars, {
    pkgbase: vars.get('PKGBASE') ?? '',
    filesdir: path.join(dir, 'files'),
    wrkdir: tmpDir('wrk'),
  });
  const plistFile = path.join(dir, 'PLIST');
  const plist = fs.existsSync(plistFile)
    ? fs.readFileSync(plistFile, 'utf8').split('\n').filter((l) => l.length > 0)
    : undefined;
  return { dir, vars, settings, filesSubst: filesSubstFromVars(vars), plist };
}

/** 1-based number of the first line of `file` containing `needle` (fails the test when absent). */
export function lineOf(file: string, needle: string): number {
  const i = fs.readFileSync(file, 'utf8').split('\n').findIndex((l) => l.includes(needle));
  if (i < 0) throw new Error(`${needle} not in ${file}`);
  return i + 1;
}

export interface ScriptRun {
  status: number | null;
  stdout: string;
  stderr: string;
  /** Argument lines the fake svccfg/svcprop recorded. */
  calls: string[];
}

/**
 * Runs a fragment the way pkg's +INSTALL/+DEINSTALL would: the agreed header,
 * then the fragment, with /bin/sh. `fakes` puts recording svccfg/svcprop
 * first on PATH; the rest of PATH has neither.
 */
export function runFragment(
  fragment: string,
  stage: string,
  opts: {
    prefix: string;
    fakes?: { svccfg?: number; svcprop?: number };
    env?: Record<string, string>;
    shellFlags?: string[];
  },
): ScriptRun {
  const dir = tmpDir('script');
  const bin = path.join(dir, 'bin');
  fs.mkdirSync(bin);
  const log = path.join(dir, 'calls.log');
  fs.writeFileSync(log, '');
  for (const [tool, status] of Object.entries(opts.fakes ?? {})) {
    // svccfg import fails the way the real one does when the file is missing.
    fs.writeFileSync(
      path.join(bin, tool),
      `#!/bin/sh\necho "${tool} $*" >>"$FAKE_LOG"\n` +
        `if [ "$1" = import ] && [ ! -f "$2" ]; then echo "${tool}: $2: No such file" >&2; exit 1; fi\n` +
        (status === 0 ? 'exit 0\n' : `echo "${tool}: simulated failure" >&2\nexit ${status}\n`),
      { mode: 0o755 },
    );
  }
  const script = path.join(dir, '+INSTALL');
  const header =
    '#!/bin/sh\nPKGNAME="$1"\nSTAGE="$2"\n' +
    `PKG_PREFIX="\${PKG_PREFIX:-${opts.prefix}}"\nPKG_DESTDIR="\${PKG_DESTDIR:-}"\n`;
  fs.writeFileSync(script, header + fragment, { mode: 0o755 });
  const r = spawnSync('/bin/sh', [...(opts.shellFlags ?? []), script, 'fixture-1.0', stage], {
    encoding: 'utf8',
    env: { PATH: `${bin}:/usr/bin:/bin`, FAKE_LOG: log, ...opts.env },
  });
  const calls = fs.readFileSync(log, 'utf8').split('\n').filter((l) => l.length > 0);
  return { status: r.status, stdout: r.stdout, stderr: r.stderr, calls };
}
