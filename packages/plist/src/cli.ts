import { writeSync } from 'node:fs';
import { type ParseArgsConfig, parseArgs } from 'node:util';
import { InputError, formatHelp, runMain } from '@mkpkg/platform';
import { expandTree } from './batch.ts';
import { checkTree } from './check.ts';
import { optionsFromEnv } from './env.ts';
import { expandSources, expandSourcesToBytes, type PlistSource } from './files.ts';
import { foldTree } from './fold.ts';

const PROG = 'plist-expand';

// A reader that stops early (`plist-expand PLIST | head`) is not an error: stop quietly.
process.stdout.on('error', (err: NodeJS.ErrnoException) => {
  if (err.code === 'EPIPE') process.exit(0);
  throw err;
});

const USAGE =
  '$0 [options] [PLIST ...]\n\n' +
  'Expands a single-arch PLIST into the multiarch PLIST (stdin when no file or "-").\n' +
  'Without options it reads the environment plist-multiarch.awk reads (_MULTIARCH, USE_MULTIARCH,\n' +
  'MULTIARCH_ABIS, MULTIARCH_DIRS_bin, ..., BINARCHSUFFIX_64, ...); options override it.';

/** The options: what parseCommandLine accepts and what --help lists. */
const OPTIONS = {
  multiarch: { type: 'string', describe: 'what to split: bin, lib or "bin,lib" (replaces _MULTIARCH/USE_MULTIARCH)' },
  abis: { type: 'string', describe: 'ABIs in install order, e.g. "64 32"' },
  opsys: { type: 'string', describe: 'platform row for ABIs and suffixes: SunOS or Linux (default: this machine)' },
  'bin-dirs': { type: 'string', describe: 'automatic bin dirs (default "bin sbin")' },
  'lib-dirs': { type: 'string', describe: 'automatic lib dirs (default "lib")' },
  'skip-bin-dirs': { type: 'string', describe: 'bin dirs never split (default none)' },
  'skip-lib-dirs': { type: 'string', describe: 'lib dirs never split (default "lib/svc")' },
  'link-source': { type: 'string', describe: 'source of the @link lines (default lib/isaexec)' },
  subst: { type: 'string', describe: 'PLIST_SUBST entry VAR=value (repeatable)' },
  'plist-var': { type: 'string', describe: '${PLIST.name} setting name=yes|no (repeatable)' },
  check: { type: 'string', describe: 'compare the expanded PLIST with a staged PREFIXDIR; exit 1 on differences' },
  json: { type: 'boolean', describe: 'with --check: print the result as JSON' },
  fold: { type: 'string', describe: 'print the compact single-arch PLIST of a staged PREFIXDIR' },
  r: { alias: 'recursive', type: 'string', describe: 'expand every package PLIST below TREE; print only problems' },
  out: { type: 'string', describe: 'with -r: write each expansion to DIR/<category>/<package>/PLIST' },
} as const;

/** Options that may be given more than once. */
const REPEATABLE: ReadonlySet<string> = new Set(['subst', 'plist-var']);

/**
 * OPTIONS as util.parseArgs takes them: a one-letter option's long alias
 * (`-r`, `--recursive`) becomes an option of its own with that letter as its
 * short form; `parseCommandLine` folds it back.
 */
const PARSE_OPTIONS = {
  ...Object.fromEntries(
    Object.entries(OPTIONS).flatMap(([name, o]) => {
      const type = o.type;
      const multiple = REPEATABLE.has(name);
      const alias = 'alias' in o ? o.alias : undefined;
      return alias === undefined ? [[name, { type, multiple }]] : [[name, { type, multiple }], [alias, { type, multiple, short: name }]];
    }),
  ),
  help: { type: 'boolean' },
} as const satisfies ParseArgsConfig['options'];

/** Pairs of options that do not go together. */
const CONFLICTS = [
  ['check', 'fold'],
  ['check', 'r'],
  ['fold', 'r'],
] as const;

await runMain(PROG, async () => {
  const argv = parseCommandLine(process.argv.slice(2));
  if (argv === 'help') {
    process.stdout.write(formatHelp({ prog: PROG, usage: USAGE, options: OPTIONS }));
    return 0;
  }

  const opts = optionsFromEnv(process.env, {
    multiarch: argv.multiarch,
    abis: argv.abis,
    opsys: argv.opsys,
    binDirs: argv['bin-dirs'],
    libDirs: argv['lib-dirs'],
    skipBinDirs: argv['skip-bin-dirs'],
    skipLibDirs: argv['skip-lib-dirs'],
    linkSource: argv['link-source'],
    subst: asList(argv.subst),
    plistVar: asList(argv['plist-var']),
  });
  const files = argv._.map(String);
  if (argv.json && argv.check === undefined) throw new InputError('--json goes with --check');
  if (argv.out !== undefined && argv.r === undefined) throw new InputError('--out goes with -r TREE');
  const warn = (m: string): void => void process.stderr.write(`${PROG}: ${m}\n`);

  if (argv.fold !== undefined) {
    if (files.length > 0) throw new InputError('--fold reads the staged tree, not PLIST files');
    await writeOut(await foldTree(argv.fold, opts));
    return 0;
  }

  if (argv.r !== undefined) {
    if (files.length > 0) throw new InputError('-r TREE finds the PLIST files itself; give no PLIST arguments');
    const r = await expandTree(argv.r, opts, { outDir: argv.out, report: (m) => process.stdout.write(`${m}\n`) });
    process.stdout.write(`${r.packages} packages, ${r.lines} lines, ${r.errors} errors\n`);
    return r.errors > 0 ? 2 : 0;
  }

  const sources: PlistSource[] = files.length > 0 ? files : ['-'];
  if (argv.check !== undefined) {
    const lines: string[] = [];
    await expandSources(sources, opts, (b) => {
      for (const l of b) lines.push(l);
    }, warn);
    const r = await checkTree(lines, argv.check, { platform: opts.platform });
    if (argv.json) process.stdout.write(JSON.stringify(r, null, 2) + '\n');
    else {
      const text = [...r.missing.map((p) => `missing: ${p}`), ...r.unlisted.map((p) => `unlisted: ${p}`)];
      for (const [abi, paths] of Object.entries(r.missingByAbi ?? {})) {
        text.push(`ABI ${abi} lacks ${paths.length} file${paths.length === 1 ? '' : 's'} the PLIST names`);
      }
      if (text.length > 0) await writeOut(text);
    }
    return r.missing.length + r.unlisted.length > 0 ? 1 : 0;
  }

  await expandSourcesToBytes(sources, opts, writeBytes, warn);
  return 0;
});

/** One write per batch; waits when the pipe is full so memory stays flat. Consumes `lines`. */
function writeOut(lines: string[]): Promise<void> | void {
  if (lines.length === 0) return;
  lines.push(''); // the final newline, without copying the joined text again
  if (process.stdout.write(lines.join('\n'))) return;
  return new Promise((resolve) => process.stdout.once('drain', resolve));
}

/**
 * Writes a batch of expanded bytes, which are only valid during the call.
 * Straight to fd 1 while it takes them synchronously (a file or a blocking
 * pipe: no copy); once it would block, every later batch is copied and goes
 * through process.stdout (in order, waiting when the pipe is full).
 */
let viaStream = false;
function writeBytes(bytes: Buffer): Promise<void> | void {
  let done = 0;
  if (!viaStream) {
    try {
      while (done < bytes.length) done += writeSync(1, bytes, done);
      return;
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code === 'EPIPE') process.exit(0); // as for the stream, above
      if (code !== 'EAGAIN') throw err;
      viaStream = true;
    }
  }
  if (process.stdout.write(Buffer.from(bytes.subarray(done)))) return;
  return new Promise((resolve) => process.stdout.once('drain', resolve));
}

/** Repeatable options: absent, or every value given. */
function asList(v: string[] | undefined): string[] {
  return v ?? [];
}

/**
 * The command line, parsed with node's own util.parseArgs (yargs, which the
 * other commands use, costs a fifth of this command's start-up, and a
 * PLIST step runs it once per package); 'help' for --help anywhere.
 */
function parseCommandLine(args: string[]): CommandLine | 'help' {
  const flag = (name: string): string => (name.length === 1 ? `-${name}` : `--${name}`);
  let parsed;
  try {
    parsed = parseArgs({ args, allowPositionals: true, strict: true, options: PARSE_OPTIONS });
  } catch (err) {
    // parseArgs' own messages name the option; they say nothing about our --help.
    throw new InputError(`${(err as Error).message.replace(/\. To specify a positional argument[^]*$/, '')} (see ${PROG} --help)`);
  }
  const v = parsed.values as Omit<CommandLine, '_'> & { help?: boolean; recursive?: string };
  if (v.help) return 'help' as const;
  if (v.recursive !== undefined) v.r ??= v.recursive;
  for (const [a, b] of CONFLICTS) {
    if (v[a] !== undefined && v[b] !== undefined) {
      throw new InputError(`${flag(a)} and ${flag(b)} are mutually exclusive (see ${PROG} --help)`);
    }
  }
  return { ...v, _: parsed.positionals };
}

/** The parsed command line: each option under its name in OPTIONS; `_` the operands. */
type CommandLine = {
  -readonly [K in keyof typeof OPTIONS]?: (typeof OPTIONS)[K]['type'] extends 'boolean' ? boolean : K extends 'subst' | 'plist-var' ? string[] : string;
} & { _: string[] };
