import fs from 'node:fs';
import path from 'node:path';
import { type Abi, BMAKE, type ProbeResult, bmakeVars, InputError, UserError, parseAbi, pkgMatch, probeCompiler, splitList } from '@mkpkg/platform';
import { evaluateAbi } from './abivars.ts';
import { type AbiContext, abiEnv, buildlinkDir, configureCommands, configureStyle, effectiveConfigureArgs, makeCommands, makeJobs } from './abienv.ts';
import { type CrossBuild, crossBuilds, crossNote, forcedCrossAbis, probeLanguages } from './cross.ts';
import { checkDistfile, checkPatch, readDistinfo } from './distinfo.ts';
import { extractArchive } from './extract.ts';
import { fetchDistfile } from './fetch.ts';
import { fetchOpts, listPatches, makesum } from './makesum.ts';
import { pkgconfigWithRpath } from './pkgconfig.ts';
import { finishInstall, printPlist } from './afterinstall.ts';
import { installPackage, isPublished, makePackage, publishPackage, stagePackageFile } from './package.ts';
import { checkWrkdirWritable, lazy, logFile, prefixOf } from './workdir.ts';
import { JobServer, takesJobserver } from './jobserver.ts';
import { Cookies } from './cookies.ts';
import { describeAbiChoice } from './abichoice.ts';
import { withLock } from './lock.ts';
import { type WorkDirs, below, checkWorkDirs, entriesOf, removeTree } from './safedirs.ts';
import { type PackageDir, type Vars, dependPatterns, get, isYes, loadPackage } from './pkgdir.ts';
import { checkDependencyAbis } from './buildlink/abicheck.ts';
import { makeView } from './buildlink/view.ts';
import { unviewStage } from './buildlink/unview.ts';
import { declaredDepends, pkgpathOf } from './depends/declared.ts';
import { type DependsRun, ensureIsaexecPackage, readRecord, resolveDepends } from './depends/resolve.ts';
import { checkTools } from './depends/tools.ts';
import { type Progress, makeProgress, noteLine } from './progress.ts';
import { dropRecord, writeRecord } from './uptodate/record.ts';
import { PhaseFailure, type Step, logNote, runShell } from './run.ts';
import { shQuote } from './shell.ts';
import type { Target } from './targets.ts';

export const ABI_PHASES = ['extract', 'patch', 'configure', 'build', 'test', 'install'] as const;
export type AbiPhase = (typeof ABI_PHASES)[number];
// The target list and show-var live in modules of their own so that the
// command line can offer them without loading the whole driver.
export { TARGETS, type Target } from './targets.ts';
export { showVars } from './showvar.ts';

export interface DriverOptions {
  readonly dir: string;
  readonly cmdVars?: Readonly<Record<string, string>>;
  readonly multiarch?: string;
  readonly parallelAbis?: boolean;
  /** Live progress lines (default: when stderr is a terminal). */
  readonly tty?: boolean;
  readonly out?: (text: string) => void;
  /** Set when this run builds a dependency of another package (the chain, for cycles; what was built). */
  readonly depends?: DependsRun;
  /** Multiarch parts (`bin,lib`) for a package that would otherwise build single-ABI: set for dependencies of a multiarch build. */
  readonly multiarchFallback?: string;
  /** The front end's invocation key (uptodate/key.ts): set for the run the user started, which then leaves an up-to-date record. */
  readonly uptodateKey?: string;
}

/** The shell command that makes `target` of the package's Makefile with bmake, `vars` on its command line. */
function bmakeTarget(makefile: string, vars: Readonly<Record<string, string>>, target: string): string {
  // A '$' in a value is for the shell to pass on and for bmake to take literally.
  const args = Object.entries(vars).map(([k, val]) => shQuote(`${k}=${val.replace(/\$/g, '$$$$')}`));
  return `${shQuote(BMAKE)} -f ${shQuote(makefile)} ${args.join(' ')} ${target}`;
}

/** Runs one mkpkg target in a package directory. */
export async function runTarget(target: Target, o: DriverOptions): Promise<void> {
  let p = await loadPackage(o.dir, { cmdVars: o.cmdVars ?? {}, ...(o.multiarch !== undefined ? { cliMultiarch: o.multiarch } : {}) });
  // A dependency of a multiarch package that would build single-ABI (no
  // USE_MULTIARCH of its own) builds with the dependent's parts instead.
  if (o.multiarchFallback !== undefined && o.multiarch === undefined && !p.multiarch.enabled) {
    p = await loadPackage(o.dir, { cmdVars: o.cmdVars ?? {}, cliMultiarch: o.multiarchFallback });
  }
  const out = o.out ?? ((t: string) => process.stdout.write(t));
  // Before anything is created or removed: WRKDIR=. once made clean delete the package.
  const dirs = checkWorkDirs(p);
  // The lock lives inside WRKDIR: a file beside it would change the package
  // directory's mtime on every run and invalidate the variable cache.
  const lock = path.join(p.wrkdir, '.mkpkg.lock');
  if (target === 'clean') {
    if (!fs.existsSync(dirs.wrkdir)) return;
    await withLock(lock, `another mkpkg run on ${get(p.vars, 'PKGNAME')}`, async () => {
      dropRecord(p);
      for (const e of entriesOf(dirs.wrkdir)) if (path.basename(e) !== '.mkpkg.lock') removeTree(e);
    });
    removeTree(dirs.wrkdir);
    return;
  }
  if (target === 'makesum' || target === 'makepatchsum') return makesum(p, target);
  const drive = async () => {
    // Before this run changes anything, the front end must stop answering for it.
    dropRecord(p);
    const d = new Driver(p, o, dirs);
    try {
      await d.run(target, out);
    } catch (err) {
      throw batchFailure(permissionFailure(err), p);
    } finally {
      d.progress.stop();
    }
  };
  // fetch and checksum write nothing into WRKDIR (DISTDIR has its own
  // locks): run as root before an unprivileged configure, as pbulk does,
  // they must not leave a WRKDIR the build user cannot write.
  if ((target === 'fetch' || target === 'checksum') && !fs.existsSync(p.wrkdir)) return drive();
  checkWrkdirWritable(p);
  await withLock(lock, `another mkpkg run on ${get(p.vars, 'PKGNAME')}`, drive, (m) => process.stderr.write(`mkpkg: ${m}\n`));
}

/**
 * A file the build may not write (a work tree left by another user, a
 * read-only tree) is the user's to fix, not an internal error.
 */
function permissionFailure(err: unknown): unknown {
  const e = err as NodeJS.ErrnoException;
  if (!(err instanceof Error) || err instanceof UserError || !['EACCES', 'EPERM', 'EROFS'].includes(e.code ?? '')) return err;
  const what = e.path ?? 'a file';
  return new UserError(`cannot write ${what}: ${e.code === 'EROFS' ? 'read-only file system' : `permission denied for uid ${process.getuid?.() ?? '?'}`} (${e.syscall ?? 'access'})`, {
    hint: 'run the build as the user who owns the work directory, remove it (make clean as its owner), or set WRKOBJDIR in mk.conf to a directory the build user can write',
  });
}

/**
 * With BATCH set (pbulk sets it), a failing phase's whole log goes into
 * the error, hence onto the phase's output, which pbulk keeps: the log in
 * WRKDIR is gone after its `make clean`.
 */
function batchFailure(err: unknown, p: PackageDir): unknown {
  const batch = p.cmdVars['BATCH'] ?? process.env['BATCH'];
  if (!(err instanceof PhaseFailure) || !batch) return err;
  let whole: string;
  try {
    whole = fs.readFileSync(err.log, 'utf8');
  } catch {
    return err;
  }
  return new UserError(`${err.summary}\n--- ${err.log} (BATCH: the whole log):\n${whole.replace(/\n?$/, '')}\n--- end of ${err.log}`);
}

/** A package's multiarch parts as --multiarch spells them. */
function multiarchWords(p: PackageDir): string {
  const m = p.multiarch;
  if (!m.enabled) return 'lib';
  return [m.bin ? 'bin' : '', m.lib ? 'lib' : ''].filter(Boolean).join(',') || 'lib';
}

const ORDER: readonly Target[] = ['fetch', 'checksum', 'extract', 'patch', 'configure', 'build', 'test', 'install', 'package'];
const reaches = (target: Target, phase: Target) => {
  const t = target === 'print-plist' ? 'install' : target === 'install-package' || target === 'stage-package-create' ? 'package' : target;
  if (phase === 'test') return t === 'test';
  return ORDER.indexOf(t) >= ORDER.indexOf(phase);
};

class Driver {
  readonly p: PackageDir;
  readonly o: DriverOptions;
  readonly dirs: WorkDirs;
  readonly tty: boolean;
  progress: Progress;
  readonly pkgname: string;
  /** The ABIs built as cross builds, known once the compiler probe is done (before configure and test). */
  private crossAbis: ReadonlyMap<Abi, CrossBuild> = new Map();
  /** Shared by the ABIs' builds with --parallel-abis (see jobserver.ts); made at the first build. */
  private jobserver: JobServer | undefined | null = null;
  /** Phase cookies, each with the digest of its inputs (cookies.ts). */
  readonly cookies: Cookies;

  constructor(p: PackageDir, o: DriverOptions, dirs: WorkDirs) {
    this.p = p;
    this.cookies = new Cookies(p);
    this.o = o;
    this.dirs = dirs;
    this.tty = o.tty ?? Boolean(process.stderr.isTTY);
    this.pkgname = get(p.vars, 'PKGNAME');
    this.progress = makeProgress(this.pkgname, p.abis, 0, false);
  }

  /** A progress note (the progress display is replaced once the phases are known). */
  private readonly note = (m: string): void => this.progress.note(m);

  /** How many ABIs build at the same time. */
  private get sharing(): number {
    return this.o.parallelAbis ? this.p.abis.length : 1;
  }

  private ctx(abi: Abi): AbiContext {
    const p = this.p;
    return {
      abi,
      platform: p.platform,
      multiarch: p.multiarch,
      vars: p.abiVars.get(abi) as Vars,
      wrksrc: p.abiWrksrc(abi),
      stage: p.stageDir(abi),
      cross: this.crossAbis.get(abi),
      buildlink: this.buildlinkDir(abi),
    };
  }

  private buildlinkDir(abi: Abi): string {
    return buildlinkDir(this.p.wrkdir, abi);
  }

  private env(abi: Abi): Record<string, string> {
    return abiEnv(this.ctx(abi), process.env);
  }

  async run(target: Target, out: (t: string) => void): Promise<void> {
    const p = this.p;
    const perAbi = ABI_PHASES.filter((ph) => reaches(target, ph) && ph !== 'install');
    const allDone = (ph: AbiPhase) => p.abis.every((a) => this.cookies.done(ph, a));
    if (target !== 'fetch' && target !== 'checksum') this.note(this.abiChoiceNote());
    // stage-package-create leaves the package in the work area; package
    // and install-package publish it into ${PACKAGES}/All from there.
    const publish = target === 'package' || target === 'install-package';
    if (publish || target === 'stage-package-create') {
      if (this.cookies.done('package') && fs.existsSync(stagePackageFile(this.p))) {
        this.progress.note(this.upToDateNote());
        if (publish && !isPublished(this.p)) publishPackage(this.p, this.note);
        if (target === 'install-package') await installPackage(this.p, this.note, this.buildDependency);
        else await this.leaveRecord(publish);
        return;
      }
    }
    this.checkTools();
    if (target === 'depends') {
      await this.depends();
      return;
    }
    const needSources = !(allDone('extract'));
    // The compiler probe overlaps fetch and extract; configure and test wait
    // for it, since it decides which ABIs are cross builds.
    const needsProbe = (perAbi.includes('configure') && !allDone('configure')) || (perAbi.includes('test') && !allDone('test'));
    const probe = needsProbe ? this.probeCompilers() : undefined;
    probe?.catch(() => {});
    if (target === 'fetch' || target === 'checksum' || needSources) {
      await this.once('fetch', () => this.fetch());
      if (target === 'fetch') return;
      await this.once('checksum', async () => this.checksum());
      if (target === 'checksum') return;
    }
    await this.depends();
    const installing = reaches(target, 'install');
    this.progress = makeProgress(this.pkgname, p.abis, perAbi.length + (installing ? 1 : 0), this.tty);
    const chain = async (abi: Abi) => {
      for (const ph of perAbi) {
        if ((ph === 'configure' || ph === 'test') && probe) await probe;
        await this.abiPhase(abi, ph);
      }
    };
    if (this.o.parallelAbis && p.abis.length > 1) {
      // Extract to build side by side; each install waits for its own build
      // and for the install before it, so installs keep MULTIARCH_ABIS order
      // but the first can run while a later ABI is still building.
      const builds = p.abis.map(chain);
      let previous: Promise<void> = Promise.resolve();
      const installs = p.abis.map((abi, i) => {
        const before = previous;
        previous = (async () => {
          await before;
          await builds[i];
          if (installing) await this.abiPhase(abi, 'install');
        })();
        return previous;
      });
      const results = await Promise.allSettled([...builds, ...installs]);
      this.jobserver?.close();
      const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
      if (failed) throw failed.reason;
    } else {
      for (const abi of p.abis) await chain(abi);
      if (installing) for (const abi of p.abis) await this.abiPhase(abi, 'install');
    }
    if (!installing) return;
    if (target === 'print-plist') {
      const lines = await printPlist(p, this.note);
      this.progress.stop();
      out(lines.map((l) => `${l}\n`).join(''));
      return;
    }
    if (!this.cookies.done('install')) {
      await finishInstall(p, this.note);
      this.cookies.touch('install');
    }
    if (!reaches(target, 'package')) return;
    await this.once('package', () => makePackage(p, this.note));
    if (publish) await ensureIsaexecPackage(p, this.note, (dir) => runTarget('package', { dir, cmdVars: this.o.cmdVars ?? {}, tty: false, ...(this.o.out ? { out: this.o.out } : {}) }));
    this.cookies.touch('package');
    if (publish) publishPackage(p, this.note);
    if (target === 'install-package') await installPackage(this.p, this.note, this.buildDependency);
    else await this.leaveRecord(publish);
  }

  private abiChoiceNote(): string {
    const p = this.p;
    return `${this.pkgname}: ${describeAbiChoice({
      abis: p.abis, multiarch: p.multiarch, cliMultiarch: this.o.multiarch, mkconfMultiarch: get(p.vars, 'MULTIARCH'), useMultiarch: get(p.vars, 'USE_MULTIARCH'),
    })}`;
  }

  private upToDateNote(): string {
    return `${this.pkgname}: package is up to date (${stagePackageFile(this.p)})`;
  }

  /**
   * After package or stage-package-create, for the run the user started
   * through the front end: the record that lets the front end answer the
   * same invocation without Node while nothing changes (uptodate/record.ts).
   * It says what a re-run here would print.
   */
  private async leaveRecord(published: boolean): Promise<void> {
    const o = this.o;
    if (o.uptodateKey === undefined || o.depends !== undefined || o.multiarchFallback !== undefined) return;
    await writeRecord(this.p, {
      key: o.uptodateKey,
      published,
      say: [noteLine(this.abiChoiceNote()), noteLine(this.upToDateNote())],
      reload: () => loadPackage(this.p.dir, { cmdVars: o.cmdVars ?? {}, ...(o.multiarch !== undefined ? { cliMultiarch: o.multiarch } : {}) }),
    });
  }

  // ---- fetch, checksum, depends (once) ----

  /** A phase that runs once: the package's pre-/do-/post- targets (no ABI), do- replacing the built-in. */
  private async once(phase: 'fetch' | 'checksum' | 'package', builtin: () => Promise<void>): Promise<void> {
    const p = this.p;
    const env: Record<string, string> = {};
    // Not the MAKEFLAGS of a `bmake package` that started us: its variables come as cmdVars.
    for (const [k, val] of Object.entries(process.env)) if (val !== undefined && !/^(MAKEFLAGS|MAKELEVEL|MFLAGS)$/.test(k)) env[k] = val;
    const step: Step = { label: phase, log: logFile(p, phase), cwd: p.dir, env };
    const run = (target: string) => runShell({ ...step, label: target }, bmakeTarget(p.makefile, p.cmdVars, target));
    if (p.targets.has(`pre-${phase}`)) await run(`pre-${phase}`);
    if (p.targets.has(`do-${phase}`)) await run(`do-${phase}`);
    else await builtin();
    if (p.targets.has(`post-${phase}`)) await run(`post-${phase}`);
  }

  private async fetch(): Promise<void> {
    for (const name of splitList(get(this.p.vars, 'DISTFILES'))) await fetchDistfile(name, fetchOpts(this.p, name, this.tty));
  }

  private checksum(): void {
    const v = this.p.vars;
    if (isYes(v, 'NO_CHECKSUM')) return;
    const distfiles = splitList(get(v, 'DISTFILES'));
    if (distfiles.length === 0) return;
    const file = path.resolve(this.p.dir, get(v, 'DISTINFO_FILE'));
    if (!fs.existsSync(file)) {
      throw new InputError(`${file} does not exist`, { hint: "run 'mkpkg makesum' to create it from the distfiles" });
    }
    const di = readDistinfo(file);
    const distdir = path.resolve(this.p.dir, get(v, 'DISTDIR'));
    for (const name of distfiles) checkDistfile(di, name, path.join(distdir, name));
  }

  // ---- tools and dependencies ----

  /** USE_TOOLS: every tool is on PATH or comes with a TOOL_DEPENDS package, else stop before any phase. */
  private checkTools(): void {
    const p = this.p;
    const env = this.env(p.platform.defaultAbi);
    checkTools({
      useTools: get(p.vars, 'USE_TOOLS'),
      pathDirs: (env['PATH'] ?? '').split(':').filter(Boolean),
      toolDepends: declaredDepends(p.vars, p.dir, p.makefile).entries.filter((e) => e.kind === 'TOOL_DEPENDS').map((e) => e.pattern),
      me: pkgpathOf(p.dir),
      makefile: p.makefile,
    });
  }

  /** The depends phase: install or build what is missing, then refuse a linked dependency that lacks one of our ABIs. */
  private async depends(): Promise<void> {
    const p = this.p;
    const run = this.o.depends ?? { chain: [], built: new Set<string>() };
    const record = await resolveDepends({ p, run, note: this.note, build: (dir, r) => this.buildIn(dir, r) });
    if (p.multiarch.enabled) {
      await checkDependencyAbis({
        pkgdb: path.resolve(p.dir, get(p.vars, 'PKG_DBDIR')),
        me: pkgpathOf(p.dir),
        abis: p.abis,
        deps: record.buildlink.map((b) => ({ pkgname: b.pkgname, pkgpath: pkgpathOf(b.dir) })),
      });
    }
  }

  /**
   * Builds another package of the tree and adds it to the pkgdb, with this
   * run's command line and multiarch settings: each ABI of a multiarch
   * package links that ABI of its dependencies. The isaexec package is one
   * static build for every ABI, by design.
   */
  private async buildIn(dir: string, run: DependsRun): Promise<void> {
    const o = this.o;
    const inherit = o.multiarch !== undefined && pkgpathOf(dir) !== 'pkgtools/isaexec';
    await runTarget('install-package', {
      dir,
      cmdVars: o.cmdVars ?? {},
      ...(inherit ? { multiarch: o.multiarch } : {}),
      ...(pkgpathOf(dir) !== 'pkgtools/isaexec' && this.p.multiarch.enabled ? { multiarchFallback: multiarchWords(this.p) } : {}),
      parallelAbis: o.parallelAbis ?? false,
      tty: false,
      ...(o.out ? { out: o.out } : {}),
      depends: run,
    });
  }

  private readonly buildDependency = (dir: string): Promise<void> =>
    this.buildIn(dir, { chain: [...(this.o.depends?.chain ?? []), this.p.dir], built: this.o.depends?.built ?? new Set() });

  /**
   * Probes the compilers of every language the package uses, for each ABI:
   * stops before anything is built when one cannot make an ABI's programs at
   * all, and learns which ABIs are cross builds (their programs cannot run
   * here, or MULTIARCH_CROSS_ABIS asks for it), saying so once.
   */
  private async probeCompilers(): Promise<void> {
    const p = this.p;
    const forced = forcedCrossAbis(p.vars, p.makefile);
    const probes = new Map<Abi, ProbeResult[]>();
    await Promise.all(
      p.abis.map(async (abi) => {
        const v = p.abiVars.get(abi) as Vars;
        const results = await Promise.all(
          probeLanguages(get(v, 'USE_LANGUAGES')).map((lang) =>
            probeCompiler(abi, lang === 'c++' ? get(v, 'CXX') || 'c++' : get(v, 'CC') || 'cc', { lang }),
          ),
        );
        probes.set(abi, results);
      }),
    );
    const failures = p.abis.flatMap((abi) => (probes.get(abi) ?? []).flatMap((r) => (r.kind === 'cannot-build' ? [r.message] : [])));
    if (failures.length > 0) throw new UserError(failures.join('\n'));
    this.crossAbis = crossBuilds(p.platform.opsys, p.abis, probes, forced);
    for (const c of this.crossAbis.values()) {
      if (c.why === 'cannot-run') {
        const r = (probes.get(c.abi) ?? []).find((x) => x.kind === 'cannot-run');
        if (r) this.note(r.message);
      }
      this.note(crossNote(c));
    }
  }

  // ---- per-ABI phases ----

  private async abiPhase(abi: Abi, phase: AbiPhase): Promise<void> {
    const p = this.p;
    if (this.cookies.done(phase, abi)) return;
    const cross = this.crossAbis.get(abi);
    if (phase === 'test' && cross && !cross.runs) {
      // Not done, so not cookied: a later run on a host that can run it tests it.
      this.note(`test (ABI ${abi}) skipped: ABI ${abi} is a cross build and this machine cannot run its programs`);
      return;
    }
    this.progress.start(abi, phase);
    const env = this.env(abi);
    const step: Step = { label: `${phase} (ABI ${abi})`, log: logFile(p, phase, abi), cwd: this.ctx(abi).wrksrc, env };
    fs.rmSync(step.log, { force: true });
    logNote(step, `${phase} ${this.pkgname} for ABI ${abi} (WRKSRC ${step.cwd})`);
    // Running a phase again invalidates what came after it for this ABI.
    for (const ph of ABI_PHASES.slice(ABI_PHASES.indexOf(phase) + 1)) this.cookies.remove(ph, abi);
    this.cookies.remove('install');
    this.cookies.remove('package');
    if (phase === 'extract') {
      const dir = below(this.dirs.wrkdir, p.abiWrkdir(abi));
      removeTree(dir);
      fs.mkdirSync(dir, { recursive: true });
    }
    if (phase === 'install') {
      const stage = below(this.dirs.wrkdir, p.stageDir(abi));
      removeTree(stage);
      fs.mkdirSync(stage, { recursive: true });
      const v = p.abiVars.get(abi) as Vars;
      const root = below(stage, path.join(stage, prefixOf(v)));
      fs.mkdirSync(root, { recursive: true });
      // An INSTALLATION_DIRS entry with '..' must not create directories outside the stage.
      for (const d of splitList(get(v, 'INSTALLATION_DIRS'))) fs.mkdirSync(below(stage, path.join(path.isAbsolute(d) ? stage : root, d), `INSTALLATION_DIRS entry ${d}`), { recursive: true });
    }
    if (phase === 'configure') {
      const r = await makeView({
        view: this.buildlinkDir(abi),
        abi,
        platform: p.platform,
        pkgdb: path.resolve(p.dir, get(p.vars, 'PKG_DBDIR')),
        pkgnames: readRecord(p).buildlink.map((b) => b.pkgname),
      });
      logNote(step, `buildlink view ${this.buildlinkDir(abi)}: ${r.files} files of the declared dependencies${r.rewritten.length > 0 ? `; rewritten: ${r.rewritten.join(' ')}` : ''}`);
    }
    await this.subst(abi, `pre-${phase}`, step);
    await this.packageTarget(abi, `pre-${phase}`, step);
    if (p.targets.has(`do-${phase}`)) await this.packageTarget(abi, `do-${phase}`, step);
    else await this.builtin(abi, phase, step);
    await this.subst(abi, `post-${phase}`, step);
    await this.packageTarget(abi, `post-${phase}`, step);
    if (phase === 'install') {
      const fixed = unviewStage(p.stageDir(abi), this.buildlinkDir(abi), get(p.vars, 'LOCALBASE'));
      if (fixed.length > 0) logNote(step, `the buildlink view became LOCALBASE again in: ${fixed.join(' ')}`);
    }
    this.cookies.touch(phase, abi);
  }

  /**
   * SUBST classes whose SUBST_STAGE is this stage (pkgsrc runs them before
   * the package's own target of the same name), in this ABI's WRKSRC.
   */
  private async subst(abi: Abi, stage: string, step: Step): Promise<void> {
    const p = this.p;
    const v = p.abiVars.get(abi) as Vars;
    for (const entry of splitList(get(p.vars, '_MKPKG_SUBST_STAGES'))) {
      const [cls, st] = entry.split('=') as [string, string | undefined];
      if (!st || !/^(post-extract|(pre|post)-(patch|configure|build|install))$/.test(st)) {
        throw new InputError(`SUBST_STAGE.${cls} is '${st ?? ''}'; mkpkg runs SUBST at post-extract or pre-/post-<patch|configure|build|install>`, {
          where: { file: p.makefile },
        });
      }
      if (st !== stage) continue;
      await runShell({ ...step, label: `SUBST ${cls} (ABI ${abi})` }, get(v, `_MKPKG_SUBST_CMD.${cls}`));
    }
  }

  /** A package's own pre-/do-/post- target, run by bmake with this ABI's variables. */
  private async packageTarget(abi: Abi, target: string, step: Step): Promise<void> {
    const p = this.p;
    if (!p.targets.has(target)) return;
    const abiVars = { ...(p.abiCmdLine.get(abi) as Record<string, string>), DESTDIR: p.stageDir(abi) };
    // Run from the package directory, as pkgsrc runs its targets.
    await runShell({ ...step, cwd: p.dir, label: `${target} (ABI ${abi})` }, bmakeTarget(p.makefile, abiVars, target));
  }

  /**
   * The jobserver this ABI's build draws from: with --parallel-abis, when
   * MAKE_JOBS is not set and the make is a GNU make that takes one; else
   * undefined (each ABI then gets its share of the CPUs as -jN). Tokens:
   * one fewer than the CPUs, as every make runs one job without a token, so
   * a lone build gets every CPU and two side by side one more than that.
   */
  private sharedJobs(abi: Abi, step: Step): JobServer | undefined {
    if (this.sharing < 2) return undefined;
    const v = this.p.abiVars.get(abi) as Vars;
    if (get(v, 'MAKE_JOBS').trim() !== '' || !takesJobserver(get(v, 'MAKE_PROGRAM') || 'make', step.env)) return undefined;
    if (this.jobserver === null) this.jobserver = JobServer.open(this.p.wrkdir, makeJobs(v) - 1);
    if (this.jobserver) logNote(step, `make takes its jobs from a jobserver shared by the ABIs (${makeJobs(v)} CPUs)`);
    return this.jobserver;
  }

  private async builtin(abi: Abi, phase: AbiPhase, step: Step): Promise<void> {
    const p = this.p;
    const c = this.ctx(abi);
    const v = c.vars;
    switch (phase) {
      case 'extract': {
        const distdir = path.resolve(p.dir, get(v, 'DISTDIR'));
        const files = splitList(get(v, 'EXTRACT_ONLY'));
        for (const f of files) {
          logNote(step, `extract ${f} into ${p.abiWrkdir(abi)}`);
          await extractArchive(path.join(distdir, f), p.abiWrkdir(abi));
        }
        if (files.length > 0 && !fs.existsSync(c.wrksrc)) {
          const got = fs.readdirSync(p.abiWrkdir(abi)).join(', ') || 'nothing';
          throw new InputError(`after extracting, WRKSRC (${path.relative(p.abiWrkdir(abi), c.wrksrc)}) does not exist; the distfiles unpacked ${got}`, {
            where: { file: p.makefile },
            hint: 'set WRKSRC= ${WRKDIR}/<one of those>',
          });
        }
        fs.mkdirSync(c.wrksrc, { recursive: true });
        return;
      }
      case 'patch': {
        const patches = listPatches(p);
        if (patches.length === 0) return;
        const di = readDistinfo(path.resolve(p.dir, get(v, 'DISTINFO_FILE')));
        for (const f of patches) {
          checkPatch(di, f);
          try {
            await runShell({ ...step, label: `applying ${path.basename(f)} (ABI ${abi})` }, `patch -d ${shQuote(c.wrksrc)} -E -p0 -F0 --forward --batch --no-backup-if-mismatch -i ${shQuote(f)}`);
          } catch (err) {
            if (err instanceof UserError) {
              throw new UserError(`${path.basename(f)} does not apply to the sources\n${err.message}`, {
                hint: `update ${f} for this version of the sources, then run 'mkpkg makepatchsum'`,
              });
            }
            throw err;
          }
        }
        return;
      }
      case 'configure':
        for (const { dir, cmd } of configureCommands(c)) {
          // An out-of-source cmake build directory (CONFIGURE_DIRS=build, CMAKE_ARG_PATH=..) is made here.
          if (configureStyle(v) === 'cmake') fs.mkdirSync(below(this.dirs.wrkdir, path.resolve(c.wrksrc, dir), `CONFIGURE_DIRS entry ${dir}`), { recursive: true });
          await runShell({ ...step, cwd: path.resolve(c.wrksrc, dir) }, cmd);
        }
        for (const f of splitList(get(v, 'PKGCONFIG_OVERRIDE'))) {
          const file = below(this.dirs.wrkdir, path.resolve(c.wrksrc, f), `PKGCONFIG_OVERRIDE entry ${f}`);
          if (!fs.existsSync(file)) throw new InputError(`PKGCONFIG_OVERRIDE names ${f}, which is not in WRKSRC (ABI ${abi})`, { where: { file: p.makefile } });
          fs.writeFileSync(file, pkgconfigWithRpath(fs.readFileSync(file, 'utf8')));
          logNote(step, `added run paths to the Libs of ${file}`);
        }
        return;
      case 'build': {
        if (isYes(v, 'NO_BUILD')) return;
        const js = this.sharedJobs(abi, step);
        const s: Step = js ? { ...step, env: { ...step.env, MAKEFLAGS: js.makeflags }, extraFds: js.childStdio } : step;
        for (const { dir, cmd } of makeCommands(c, 'build', this.sharing, js !== undefined)) await runShell({ ...s, cwd: path.resolve(c.wrksrc, dir) }, cmd);
        return;
      }
      case 'test': {
        const cmds = makeCommands(c, 'test');
        if (cmds.length === 0) logNote(step, 'the package sets no TEST_TARGET; nothing to test');
        for (const { dir, cmd } of cmds) await runShell({ ...step, cwd: path.resolve(c.wrksrc, dir) }, cmd);
        return;
      }
      case 'install':
        for (const { dir, cmd } of makeCommands(c, 'install')) await runShell({ ...step, cwd: path.resolve(c.wrksrc, dir) }, cmd);
        return;
    }
  }

}
