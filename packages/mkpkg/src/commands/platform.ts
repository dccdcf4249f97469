import type { CommandModule } from 'yargs';
import { type Abi, ABIS, type ProbeLanguage, platformFromMkConf, probeCompiler, readMkConf } from '@mkpkg/platform';

interface Args {
  opsys?: string;
  cc?: string;
}

/** `mkpkg platform`: what this machine and mk.conf make of the multiarch table. */
export const platformCommand: CommandModule<object, Args> = {
  command: 'platform',
  describe: 'print the platform row (ABIs, suffixes) and whether the compiler can build each ABI',
  builder: (y) =>
    y
      .option('opsys', { type: 'string', describe: 'SunOS or Linux (default: this machine or mk.conf)' })
      .option('cc', { type: 'string', describe: 'compiler to probe (default: $CC or cc)' }),
  handler: async (args) => {
    const conf = await readMkConf();
    const p = platformFromMkConf(conf, args.opsys ? { opsys: args.opsys } : {});
    const out: string[] = [
      `mk.conf:        ${conf.file ?? '(none; built-in defaults)'}`,
      `OPSYS:          ${p.opsys}`,
      `MULTIARCH_ABIS: ${p.abis.join(' ')} (default ABI ${p.defaultAbi})`,
    ];
    for (const abi of p.abis) {
      const s = p.suffixes[abi];
      out.push(`ABI ${abi}:         bin${s.bin}  lib${s.lib}  include${s.inc}`);
    }
    // A compiler that links an ABI but whose programs cannot run here is
    // no failure: mkpkg builds that ABI as a cross build.
    let failed = false;
    const langs: readonly ProbeLanguage[] = args.cc ? ['c'] : ['c', 'c++'];
    for (const abi of ABIS as readonly Abi[]) {
      for (const lang of langs) {
        const r = await probeCompiler(abi, args.cc, { lang });
        const name = lang === 'c++' ? 'C++ compiler:  ' : 'compiler:      ';
        if (r.kind === 'runs') out.push(`${name} ${r.cc} builds and runs ${abi}-bit programs`);
        else if (r.kind === 'cannot-run') out.push(`${name} ${r.message}`, `                mkpkg builds ABI ${abi} as a cross build here (packages/mkpkg/README.md, "Cross builds")`);
        else out.push(`${name} ${r.message}`);
        failed ||= r.kind === 'cannot-build';
      }
    }
    process.stdout.write(out.join('\n') + '\n');
    if (failed) process.exitCode = 1;
  },
};
