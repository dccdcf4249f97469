import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { UserError } from '@mkpkg/platform';

/** How many log lines a failure shows. */
export const TAIL_LINES = 25;

export interface Step {
  /** Shown in errors: "configure (ABI 32)". */
  readonly label: string;
  readonly log: string;
  readonly cwd: string;
  readonly env: Readonly<Record<string, string>>;
  /** Descriptors the command inherits as 3, 4, … (a make jobserver's pipe). */
  readonly extraFds?: readonly number[];
}

/**
 * Runs a shell command line with its output appended to the step's log.
 * A failure is a UserError with the log's last lines and its path, which is
 * what a person needs to see first.
 */
export async function runShell(step: Step, cmd: string): Promise<void> {
  fs.mkdirSync(path.dirname(step.log), { recursive: true });
  if (!fs.existsSync(step.cwd)) {
    throw new UserError(`${step.label}: directory ${step.cwd} does not exist`, {
      hint: 'check WRKSRC and the *_DIRS variables of the package',
    });
  }
  fs.appendFileSync(step.log, `===> cd ${step.cwd} && ${cmd}\n`);
  const fd = fs.openSync(step.log, 'a');
  let code: number | null;
  let signal: NodeJS.Signals | null;
  try {
    [code, signal] = await new Promise<[number | null, NodeJS.Signals | null]>((resolve, reject) => {
      const child = spawn('/bin/sh', ['-c', cmd], { cwd: step.cwd, env: step.env, stdio: ['ignore', fd, fd, ...(step.extraFds ?? [])] });
      child.on('error', reject);
      child.on('close', (c, s) => resolve([c, s]));
    });
  } finally {
    fs.closeSync(fd);
  }
  if (code !== 0) throw new PhaseFailure(`${step.label} failed (${signal ? `signal ${signal}` : `exit status ${code}`})`, step.log);
}

/** A command of a phase failed: the message shows the log's last lines; `log` is the whole. */
export class PhaseFailure extends UserError {
  readonly summary: string;
  readonly log: string;

  constructor(summary: string, log: string) {
    super(`${summary}\n--- last lines of ${log}:\n${tail(log, TAIL_LINES)}\n--- full log: ${log}`);
    this.name = 'PhaseFailure';
    this.summary = summary;
    this.log = log;
  }
}

export function tail(file: string, n: number): string {
  try {
    const lines = fs.readFileSync(file, 'utf8').replace(/\n$/, '').split('\n');
    return lines.slice(-n).join('\n');
  } catch {
    return '(no log)';
  }
}

/** Appends a note to a step's log (what mkpkg itself did, for the record). */
export function logNote(step: Step, text: string): void {
  fs.mkdirSync(path.dirname(step.log), { recursive: true });
  fs.appendFileSync(step.log, `===> ${text}\n`);
}
