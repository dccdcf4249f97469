import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';

export interface ScriptEnv {
  prefix: string;
  destdir: string | undefined;
  metadataDir: string;
  refcountDir: string;
}

function run(cmd: string, args: string[], cwd: string, env: NodeJS.ProcessEnv): Promise<number> {
  return new Promise((resolve, reject) => {
    // Scripts talk to the person installing, as under pkg_add: stdout/stderr pass through.
    const child = spawn(cmd, args, { cwd, env, stdio: ['ignore', 'inherit', 'inherit'] });
    child.on('error', reject);
    child.on('close', (code, signal) => resolve(code ?? (signal ? 128 : 1)));
  });
}

function scriptEnv(e: ScriptEnv): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    PKG_PREFIX: e.prefix,
    PKG_METADATA_DIR: e.metadataDir,
    PKG_REFCOUNT_DBDIR: e.refcountDir,
  };
  if (e.destdir) env['PKG_DESTDIR'] = e.destdir;
  else delete env['PKG_DESTDIR'];
  return env;
}

/**
 * Runs +INSTALL/+DEINSTALL the way pkg_add/pkg_delete do: `./+INSTALL
 * <pkgname> <STAGE>` in the package's pkgdb directory. Returns the exit
 * status, or undefined when the package has no such script.
 */
export async function runPkgScript(name: '+INSTALL' | '+DEINSTALL', pkgname: string, stage: string, e: ScriptEnv): Promise<number | undefined> {
  if (!fs.existsSync(path.join(e.metadataDir, name))) return undefined;
  return run(`./${name}`, [pkgname, stage], e.metadataDir, scriptEnv(e));
}

/** Runs an @exec/@unexec command line with sh in `cwd`. */
export async function runShell(cmd: string, cwd: string, e: ScriptEnv): Promise<number> {
  return run('/bin/sh', ['-c', cmd], cwd, scriptEnv(e));
}
