import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { type Abi, compilerAbiFlag, splitList } from './abi.ts';
import { type DirectRun, buildLauncher, execDirect, runCaptured } from './execdirect.ts';

/** The languages the probe knows how to try (pkgsrc's USE_LANGUAGES words map onto these). */
export type ProbeLanguage = 'c' | 'c++';

/**
 * What the probe found, one of three: the compiler cannot make a program for
 * the ABI at all; it can, but this kernel refuses to start it (the ABI can
 * only be cross-built here); or the program runs.
 */
export type ProbeResult =
  | { readonly kind: 'runs'; readonly abi: Abi; readonly lang: ProbeLanguage; readonly cc: string }
  | { readonly kind: 'cannot-run'; readonly abi: Abi; readonly lang: ProbeLanguage; readonly cc: string; readonly message: string; readonly errno: string }
  | { readonly kind: 'cannot-build'; readonly abi: Abi; readonly lang: ProbeLanguage; readonly cc: string; readonly message: string };

const PROGRAMS: Readonly<Record<ProbeLanguage, { file: string; text: string }>> = {
  c: {
    file: 'probe.c',
    text: '#include <stdio.h>\nint main(void) { printf("%d\\n", (int)(sizeof(void *) * 8)); return 0; }\n',
  },
  // std::string and iostream: linking needs the ABI's libstdc++, which is
  // what a missing g++-multilib lacks.
  'c++': {
    file: 'probe.cc',
    text: '#include <iostream>\n#include <string>\nint main() { std::string s = std::to_string(sizeof(void *) * 8); std::cout << s << std::endl; return 0; }\n',
  },
};

/** The Debian package that gives `lang`'s compiler the ABI's run-time files. */
export function debianPackageFor(abi: Abi, lang: ProbeLanguage): string {
  const base = lang === 'c++' ? 'g++' : 'gcc';
  return abi === '32' ? `${base}-multilib` : base;
}

/** The remedies for a kernel that will not start the ABI's programs, in one sentence. */
export function cannotRunRemedy(abi: Abi): string {
  const isa = abi === '32' ? 'i386' : 'x86_64';
  return (
    `boot the kernel with ia32_emulation=1, or register an ${isa} emulator with binfmt_misc, flags PF ` +
    `(Debian: apt-get install qemu-user-static; mkpkg's scripts/setup registers it when run as root)`
  );
}

/** How the probe starts its program; a parameter so a refusing kernel can be stood in for in tests. */
export type ProbeExec = (launcher: string, program: string) => Promise<DirectRun>;

export interface ProbeOptions {
  readonly lang?: ProbeLanguage;
  readonly exec?: ProbeExec;
}

const cache = new Map<string, Promise<ProbeResult>>();

/**
 * Can `cc` compile and link a `lang` program for `abi`, and can this machine
 * run it? Each answer that is no says why and what to do.
 */
export function probeCompiler(abi: Abi, cc?: string, opts: ProbeOptions = {}): Promise<ProbeResult> {
  const lang = opts.lang ?? 'c';
  const compiler = cc ?? (lang === 'c++' ? (process.env['CXX'] ?? 'c++') : (process.env['CC'] ?? 'cc'));
  if (opts.exec) return runProbe(abi, compiler, lang, opts.exec);
  const key = `${compiler}\0${abi}\0${lang}`;
  let p = cache.get(key);
  if (!p) {
    p = runProbe(abi, compiler, lang, execDirect);
    cache.set(key, p);
  }
  return p;
}

async function runProbe(abi: Abi, cc: string, lang: ProbeLanguage, exec: ProbeExec): Promise<ProbeResult> {
  const flag = compilerAbiFlag(abi);
  const what = `${abi}-bit ${lang === 'c++' ? 'C++' : 'C'} program`;
  const cannotBuild = (verb: string, detail: string): ProbeResult => {
    const pkg = debianPackageFor(abi, lang);
    return {
      kind: 'cannot-build',
      abi,
      lang,
      cc,
      message: `ABI ${abi}: ${cc} cannot ${verb} a ${what}; install ${pkg} (Debian: apt-get install ${pkg})` + (detail ? `\n${detail}` : ''),
    };
  };
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mkpkg-probe-'));
  try {
    const prog = PROGRAMS[lang];
    const src = path.join(dir, prog.file);
    const exe = path.join(dir, 'probe');
    fs.writeFileSync(src, prog.text);
    const words = splitList(cc);
    const [cmd = 'cc', ...args] = words;
    const [compile, launcher] = await Promise.all([
      runCaptured(cmd, [...args, flag, '-c', src, '-o', `${exe}.o`]),
      buildLauncher(words, dir),
    ]);
    if (compile.error !== undefined) return cannotBuild('compile', compile.error);
    if (compile.exitCode !== 0) return cannotBuild('compile', lastLines(compile.stderr));
    const link = await runCaptured(cmd, [...args, flag, `${exe}.o`, '-o', exe]);
    if (link.exitCode !== 0) return cannotBuild('link', lastLines(link.stderr));
    if ('error' in launcher) return cannotBuild('compile', `a program for this machine itself: ${lastLines(launcher.error)}`);
    const run = await exec(launcher.path, exe);
    if (!run.started) {
      return {
        kind: 'cannot-run',
        abi,
        lang,
        cc,
        errno: run.errno,
        message:
          `ABI ${abi}: ${cc} links ${what}s, but this machine cannot run them (execve: ${run.message}). ` +
          `To run them: ${cannotRunRemedy(abi)}`,
      };
    }
    if (run.exitCode !== 0 || run.stdout.trim() !== abi) {
      const got = run.exitCode !== 0 ? `it exited with status ${run.exitCode}` : `it printed '${run.stdout.trim()}', not '${abi}'`;
      return cannotBuild('run', `the probe program started but ${got}${run.stderr.trim() ? `:\n${lastLines(run.stderr)}` : ''}`);
    }
    return { kind: 'runs', abi, lang, cc };
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

function lastLines(s: string, n = 3): string {
  return s.trim().split('\n').slice(-n).join('\n');
}
