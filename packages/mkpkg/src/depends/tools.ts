import fs from 'node:fs';
import path from 'node:path';
import { UserError, splitList } from '@mkpkg/platform';

/**
 * pkgsrc tool names and what provides them here: the commands that count
 * (any one), the names a TOOL_DEPENDS package providing it may have, and the
 * Debian package to install. Names not listed are looked up as commands of
 * the same name.
 */
interface Tool {
  readonly commands: readonly string[];
  readonly packages: readonly string[];
  readonly debian: string;
}

const TOOLS: Readonly<Record<string, Tool>> = {
  gmake: { commands: ['gmake', 'make'], packages: ['gmake'], debian: 'make' },
  make: { commands: ['make', 'gmake'], packages: ['gmake'], debian: 'make' },
  bmake: { commands: ['bmake'], packages: ['bmake'], debian: 'bmake' },
  m4: { commands: ['gm4', 'm4'], packages: ['m4'], debian: 'm4' },
  gm4: { commands: ['gm4', 'm4'], packages: ['m4'], debian: 'm4' },
  perl: { commands: ['perl'], packages: ['perl'], debian: 'perl' },
  'pkg-config': { commands: ['pkg-config', 'pkgconf'], packages: ['pkgconf', 'pkg-config'], debian: 'pkgconf' },
  pkgconf: { commands: ['pkgconf', 'pkg-config'], packages: ['pkgconf'], debian: 'pkgconf' },
  bison: { commands: ['bison'], packages: ['bison'], debian: 'bison' },
  yacc: { commands: ['bison', 'byacc', 'yacc'], packages: ['bison', 'byacc'], debian: 'bison' },
  flex: { commands: ['flex'], packages: ['flex'], debian: 'flex' },
  lex: { commands: ['flex', 'lex'], packages: ['flex'], debian: 'flex' },
  autoconf: { commands: ['autoconf'], packages: ['autoconf'], debian: 'autoconf' },
  autoreconf: { commands: ['autoreconf'], packages: ['autoconf'], debian: 'autoconf' },
  autoheader: { commands: ['autoheader'], packages: ['autoconf'], debian: 'autoconf' },
  automake: { commands: ['automake'], packages: ['automake'], debian: 'automake' },
  aclocal: { commands: ['aclocal'], packages: ['automake'], debian: 'automake' },
  libtool: { commands: ['libtool'], packages: ['libtool-base', 'libtool'], debian: 'libtool-bin' },
  libtoolize: { commands: ['libtoolize'], packages: ['libtool-base', 'libtool'], debian: 'libtool' },
  gettext: { commands: ['gettext'], packages: ['gettext-tools', 'gettext'], debian: 'gettext' },
  msgfmt: { commands: ['msgfmt'], packages: ['gettext-tools'], debian: 'gettext' },
  xgettext: { commands: ['xgettext'], packages: ['gettext-tools'], debian: 'gettext' },
  msgmerge: { commands: ['msgmerge'], packages: ['gettext-tools'], debian: 'gettext' },
  intltool: { commands: ['intltool-update'], packages: ['intltool'], debian: 'intltool' },
  makeinfo: { commands: ['makeinfo'], packages: ['gtexinfo', 'texinfo'], debian: 'texinfo' },
  gtexinfo: { commands: ['makeinfo'], packages: ['gtexinfo'], debian: 'texinfo' },
  groff: { commands: ['groff'], packages: ['groff'], debian: 'groff' },
  nroff: { commands: ['nroff'], packages: ['groff'], debian: 'groff-base' },
  gawk: { commands: ['gawk'], packages: ['gawk'], debian: 'gawk' },
  awk: { commands: ['awk', 'gawk', 'mawk', 'nawk'], packages: ['gawk', 'nawk'], debian: 'gawk' },
  gsed: { commands: ['gsed', 'sed'], packages: ['gsed'], debian: 'sed' },
  sed: { commands: ['sed'], packages: ['gsed'], debian: 'sed' },
  grep: { commands: ['grep'], packages: ['grep'], debian: 'grep' },
  ggrep: { commands: ['ggrep', 'grep'], packages: ['grep'], debian: 'grep' },
  gtar: { commands: ['gtar', 'tar'], packages: ['gtar'], debian: 'tar' },
  tar: { commands: ['tar', 'gtar', 'bsdtar'], packages: ['gtar'], debian: 'tar' },
  patch: { commands: ['patch', 'gpatch'], packages: ['patch'], debian: 'patch' },
  gpatch: { commands: ['gpatch', 'patch'], packages: ['patch'], debian: 'patch' },
  bash: { commands: ['bash'], packages: ['bash'], debian: 'bash' },
  xz: { commands: ['xz'], packages: ['xz'], debian: 'xz-utils' },
  bzip2: { commands: ['bzip2'], packages: ['bzip2'], debian: 'bzip2' },
  gzip: { commands: ['gzip'], packages: ['gzip'], debian: 'gzip' },
  unzip: { commands: ['unzip'], packages: ['unzip'], debian: 'unzip' },
  zip: { commands: ['zip'], packages: ['zip'], debian: 'zip' },
  cmake: { commands: ['cmake'], packages: ['cmake'], debian: 'cmake' },
  ninja: { commands: ['ninja'], packages: ['ninja-build'], debian: 'ninja-build' },
  python: { commands: ['python3', 'python'], packages: ['python3'], debian: 'python3' },
  file: { commands: ['file'], packages: ['file'], debian: 'file' },
  gperf: { commands: ['gperf'], packages: ['gperf'], debian: 'gperf' },
  help2man: { commands: ['help2man'], packages: ['help2man'], debian: 'help2man' },
  diff: { commands: ['diff'], packages: ['diffutils'], debian: 'diffutils' },
  cmp: { commands: ['cmp'], packages: ['diffutils'], debian: 'diffutils' },
  xmlto: { commands: ['xmlto'], packages: ['xmlto'], debian: 'xmlto' },
  doxygen: { commands: ['doxygen'], packages: ['doxygen'], debian: 'doxygen' },
  git: { commands: ['git'], packages: ['git-base'], debian: 'git' },
};

/** A USE_TOOLS word without pkgsrc's `:build`/`:run`/`:pkgsrc`/`:test` qualifier. */
export function toolName(word: string): string {
  return word.replace(/:(build|run|pkgsrc|test|bootstrap)$/, '');
}

/** The package base a dependency pattern names: `m4>=1.4`, `m4-[0-9]*`, `m4-1.4.19` are all m4. */
export function patternBase(pattern: string): string {
  const s = pattern.replace(/[<>=].*$/, '');
  return s.replace(/-[0-9[*{?].*$/, '');
}

/** The first directory of `dirs` holding an executable `cmd`. */
function onPath(cmd: string, dirs: readonly string[]): string | undefined {
  for (const d of dirs) {
    const f = path.join(d, cmd);
    try {
      fs.accessSync(f, fs.constants.X_OK);
      if (fs.statSync(f).isFile()) return f;
    } catch {
      // not here
    }
  }
  return undefined;
}

export interface MissingTool {
  readonly tool: string;
  readonly commands: readonly string[];
  readonly debian: string;
}

/**
 * The tools of USE_TOOLS that are neither on PATH (which includes
 * ${LOCALBASE}/bin, where installed TOOL_DEPENDS land) nor provided by one of
 * the TOOL_DEPENDS patterns (the depends phase installs those first).
 */
export function missingTools(useTools: string, pathDirs: readonly string[], toolDepends: readonly string[]): MissingTool[] {
  const provided = new Set(toolDepends.map(patternBase));
  const out: MissingTool[] = [];
  for (const w of [...new Set(splitList(useTools).map(toolName))]) {
    const t = TOOLS[w] ?? { commands: [w], packages: [w], debian: w };
    if (t.commands.some((c) => onPath(c, pathDirs))) continue;
    if (t.packages.some((p) => provided.has(p)) || provided.has(w)) continue;
    out.push({ tool: w, commands: t.commands, debian: t.debian });
  }
  return out;
}

/** Stops the build at once when USE_TOOLS names a tool this machine does not have. */
export function checkTools(o: { useTools: string; pathDirs: readonly string[]; toolDepends: readonly string[]; me: string; makefile: string }): void {
  const missing = missingTools(o.useTools, o.pathDirs, o.toolDepends);
  if (missing.length === 0) return;
  const lines = missing.map((m) => `  ${m.tool}: none of ${m.commands.join(', ')} is on PATH (Debian package: ${m.debian})`);
  throw new UserError(`${o.me}: USE_TOOLS names ${missing.length === 1 ? 'a tool' : 'tools'} this machine does not have:\n${lines.join('\n')}`, {
    where: { file: o.makefile },
    hint: `install ${[...new Set(missing.map((m) => m.debian))].join(' ')} (apt-get install ${[...new Set(missing.map((m) => m.debian))].join(' ')}), or add a TOOL_DEPENDS package of the tree that provides ${missing.length === 1 ? 'it' : 'them'}`,
  });
}
