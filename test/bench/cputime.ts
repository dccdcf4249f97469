// Timing short commands for the start-up and re-run benchmarks: a batch of
// runs in one bash, timed by bash's `time` (user + sys include every child:
// node, and the bmake or shell a command starts), divided by the batch size.
import { explain, run } from '../e2e/tree.ts';

export interface PerRun {
  /** user + sys seconds per run, children included */
  cpu: number;
  /** elapsed seconds per run */
  wall: number;
}

export const shq = (s: string): string => `'${s.replace(/'/g, `'\\''`)}'`;

/** Runs the shell command `cmd` `runs` times (stdout discarded); fails on the first non-zero exit. */
export async function timePerRun(cmd: string, runs: number, env: Record<string, string | undefined>): Promise<PerRun> {
  const script = `TIMEFORMAT='@@ %R %U %S'; time (for i in $(seq ${runs}); do ${cmd} >/dev/null || exit 1; done)`;
  const r = await run('bash', ['-c', script], { env });
  const m = /@@ ([\d.]+) ([\d.]+) ([\d.]+)/.exec(r.stderr);
  if (r.exitCode !== 0 || m === null) throw new Error(explain(cmd, r));
  return { wall: Number(m[1]) / runs, cpu: (Number(m[2]) + Number(m[3])) / runs };
}

export const median = (xs: readonly number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)] ?? NaN;
};

/**
 * Interleaved rounds: each round times every command once (a batch), in a
 * different order each round, so a noisy neighbour slows all alike. Returns
 * per command the per-round samples and the ratios to command 0 within each
 * round.
 */
export async function interleaved(cmds: readonly string[], rounds: number, runs: number, env: Record<string, string | undefined>): Promise<{ samples: PerRun[][]; cpuRatios: number[][]; wallRatios: number[][] }> {
  const samples = cmds.map(() => [] as PerRun[]);
  const cpuRatios = cmds.map(() => [] as number[]);
  const wallRatios = cmds.map(() => [] as number[]);
  for (let i = 0; i < rounds; i++) {
    const t = new Array<PerRun>(cmds.length);
    for (let k = 0; k < cmds.length; k++) {
      const j = (i + k) % cmds.length;
      t[j] = await timePerRun(cmds[j] as string, runs, env);
    }
    const base = t[0] as PerRun;
    t.forEach((v, j) => {
      samples[j]?.push(v);
      cpuRatios[j]?.push(v.cpu / base.cpu);
      wallRatios[j]?.push(v.wall / base.wall);
    });
  }
  return { samples, cpuRatios, wallRatios };
}
