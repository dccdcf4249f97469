import { MultiBar, type SingleBar } from 'cli-progress';
import type { Abi } from '@mkpkg/platform';

/**
 * What the user sees while phases run: on a terminal one live line per ABI,
 * otherwise one plain line per phase start (logs stay readable in CI).
 */
export interface Progress {
  note(msg: string): void;
  start(abi: Abi | undefined, phase: string): void;
  stop(): void;
}

/** A note as it is printed (without the newline). */
export const noteLine = (msg: string): string => `=> ${msg}`;

export function makeProgress(pkgname: string, abis: readonly Abi[], perAbiSteps: number, tty: boolean): Progress {
  const err = process.stderr;
  if (!tty || perAbiSteps === 0) {
    return {
      note: (m) => err.write(`${noteLine(m)}\n`),
      start: (abi, phase) => err.write(`=> ${phase} ${pkgname}${abi ? ` (ABI ${abi})` : ''}\n`),
      stop: () => {},
    };
  }
  const multi = new MultiBar(
    { format: ` ABI {abi} [{bar}] {value}/{total} {phase}`, stream: err, hideCursor: true, clearOnComplete: false, barsize: 20 },
  );
  const bars = new Map<Abi, { bar: SingleBar; n: number }>();
  for (const abi of abis) bars.set(abi, { bar: multi.create(perAbiSteps, 0, { abi, phase: 'waiting' }), n: 0 });
  return {
    note: (m) => multi.log(`${noteLine(m)}\n`),
    start: (abi, phase) => {
      const b = abi ? bars.get(abi) : undefined;
      if (!b) {
        multi.log(`=> ${phase} ${pkgname}\n`);
        return;
      }
      b.bar.update(b.n++, { phase });
    },
    stop: () => {
      for (const b of bars.values()) b.bar.update(b.n, { phase: 'done' });
      multi.stop();
    },
  };
}
