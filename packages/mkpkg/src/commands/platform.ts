import type { CommandModule } from 'yargs';
import { type Abi, ABIS, platformFromMkConf, probeCompiler, readMkConf } from '@mkpkg/platform';

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
    let failed = false;
    for (const abi of ABIS as readonly Abi[]) {
      const r = await probeCompiler(abi, args.cc);
      out.push(r.ok ? `compiler:       ${r.cc} builds and runs ${abi}-bit programs` : `compiler:       ${r.message}`);
      failed ||= !r.ok;
    }
    process.stdout.write(out.join('\n') + '\n');
    if (failed) process.exitCode = 1;
  },
};
