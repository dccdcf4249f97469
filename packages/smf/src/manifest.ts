import path from 'node:path';
import { XMLParser, XMLValidator } from 'fast-xml-parser';
import { InputError, formatWhere } from '@mkpkg/platform';
import { type Substituted, sourceWhere } from './subst.ts';

/** What the build-time checks learned about one <service>. */
export interface ServiceInfo {
  readonly name: string;
  readonly line: number;
  readonly instances: readonly { readonly name: string; readonly line: number }[];
}

export interface ManifestCheck {
  /** The SMF_PREFIX/SMF_NAME service if the manifest has it, else its first service. */
  readonly main: ServiceInfo;
  readonly services: readonly ServiceInfo[];
  readonly warnings: string[];
}

export interface ManifestExpectations {
  /** `${SMF_PREFIX}/${SMF_NAME}` */
  readonly service: string;
  readonly instances: readonly string[];
  /** PREFIX, to tell which exec_method paths the package must install. */
  readonly prefix: string;
  /** Whether the package installs this path (relative to PREFIX). */
  readonly installs: (relPath: string) => boolean;
}

// fast-xml-parser's order-preserving output: each node is { tag: children,
// ':@': attributes } plus a metadata symbol holding its offset in the text.
type XmlNode = Record<string, unknown>;
const META = XMLParser.getMetaDataSymbol() as unknown as string;

/**
 * Checks a substituted manifest against the package's settings. `file` is
 * the template the packager edits; every error names it and the line.
 */
export function checkManifest(file: string, sub: Substituted, want: ManifestExpectations): ManifestCheck {
  const at = (line: number) => sourceWhere(file, sub, line);

  const valid = XMLValidator.validate(sub.text);
  if (valid !== true) {
    throw new InputError(`SMF manifest is not well-formed XML: ${valid.err.msg}`, {
      where: at(valid.err.line),
      hint: 'fix the XML (e.g. check with xmllint --noout)',
    });
  }

  const parser = new XMLParser({
    preserveOrder: true,
    ignoreAttributes: false,
    attributeNamePrefix: '',
    captureMetaData: true,
    parseAttributeValue: false,
    parseTagValue: false,
  });
  const doc = parser.parse(sub.text) as XmlNode[];
  const lineOf = lineIndex(sub.text);
  const nodeLine = (n: XmlNode): number => {
    const meta = n[META] as { startIndex?: number } | undefined;
    return lineOf(meta?.startIndex ?? 0);
  };

  const roots = doc.filter((n) => {
    const t = tagOf(n);
    return t !== undefined && !t.startsWith('?') && !t.startsWith('!') && t !== '#text';
  });
  const [root, extra] = roots;
  if (!root) throw new InputError('SMF manifest has no root element', { where: { file, line: 1 } });
  // The validator lets a second top-level element through; XML does not.
  if (extra) {
    throw new InputError(`SMF manifest is not well-formed XML: a second root element <${tagOf(extra)}>`, {
      where: at(nodeLine(extra)),
      hint: 'a manifest has exactly one <service_bundle>; put every <service> inside it',
    });
  }
  if (tagOf(root) !== 'service_bundle') {
    throw new InputError(`SMF manifest's root element is <${tagOf(root)}>, not <service_bundle>`, {
      where: at(nodeLine(root)),
      hint: 'an SMF manifest is a <service_bundle type="manifest" name="..."> holding <service> elements',
    });
  }

  const services = childrenNamed(root, 'service').map((svc): ServiceInfo & { node: XmlNode } => {
    const name = attrs(svc)['name'];
    if (!name) {
      throw new InputError('<service> has no name attribute', { where: at(nodeLine(svc)) });
    }
    const instances = childrenNamed(svc, 'instance').map((inst) => ({
      name: attrs(inst)['name'] ?? '',
      line: nodeLine(inst),
    }));
    // <create_default_instance> makes an instance called "default".
    for (const cdi of childrenNamed(svc, 'create_default_instance')) instances.push({ name: 'default', line: nodeLine(cdi) });
    return { name, line: nodeLine(svc), instances, node: svc };
  });
  const first = services[0];
  if (!first) {
    throw new InputError('SMF manifest has no <service> element', {
      where: at(nodeLine(root)),
      hint: `add <service name="${want.service}" type="service" version="1"> to the service_bundle`,
    });
  }

  const warnings: string[] = [];
  let main = services.find((s) => s.name === want.service);
  if (!main) {
    main = first;
    // A warning only: real packages hard-code service names (net/quagga).
    warnings.push(
      `${formatWhere(at(main.line))}: service '${main.name}' is not named SMF_PREFIX/SMF_NAME '${want.service}'` +
        ` (the install messages use '${main.name}')`,
    );
  }

  checkInstances(main, want.instances, at);
  for (const svc of services) checkExecMethods(svc.node, want, at, nodeLine);

  return { main: strip(main), services: services.map(strip), warnings };
}

function checkInstances(
  svc: ServiceInfo,
  wanted: readonly string[],
  at: (line: number) => { file: string; line?: number },
): void {
  const listed = new Set(wanted);
  const seen = new Set<string>();
  for (const inst of svc.instances) {
    if (!inst.name) throw new InputError('<instance> has no name attribute', { where: at(inst.line) });
    if (seen.has(inst.name)) {
      throw new InputError(`service '${svc.name}' defines instance '${inst.name}' twice`, { where: at(inst.line) });
    }
    seen.add(inst.name);
    if (!listed.has(inst.name)) {
      throw new InputError(`instance '${inst.name}' of service '${svc.name}' is not in SMF_INSTANCES (${wanted.join(' ')})`, {
        where: at(inst.line),
        hint: `add it to SMF_INSTANCES in the package Makefile, or remove it from the manifest`,
      });
    }
  }
  const missing = wanted.filter((i) => !seen.has(i));
  if (missing.length) {
    throw new InputError(
      `SMF_INSTANCES names ${missing.map((i) => `'${i}'`).join(', ')}, but service '${svc.name}' has no such instance`,
      {
        where: at(svc.line),
        hint: `add <instance name="${missing[0]}" enabled="false"/> to the service, or fix SMF_INSTANCES`,
      },
    );
  }
}

function checkExecMethods(
  svc: XmlNode,
  want: ManifestExpectations,
  at: (line: number) => { file: string; line?: number },
  nodeLine: (n: XmlNode) => number,
): void {
  const prefix = want.prefix.replace(/\/+$/, '');
  for (const m of descendantsNamed(svc, 'exec_method')) {
    const a = attrs(m);
    const cmd = firstWord(a['exec'] ?? '');
    // Property references and variables are resolved by svc.startd at run
    // time; nothing to check at build time.
    if (!cmd || cmd.includes('%') || cmd.includes('$') || !cmd.startsWith(`${prefix}/`)) continue;
    const rel = path.posix.normalize(cmd.slice(prefix.length + 1));
    if (!want.installs(rel)) {
      throw new InputError(`exec_method '${a['name'] ?? '?'}' runs ${cmd}, which the package does not install`, {
        where: at(nodeLine(m)),
        hint: `add ${rel} to the PLIST (or SMF_METHODS), or fix the path in the manifest`,
      });
    }
  }
}

/** The command an exec attribute runs (svc.startd hands it to sh -c). */
function firstWord(exec: string): string {
  const s = exec.trimStart();
  const q = s[0];
  if (q === '"' || q === "'") {
    const end = s.indexOf(q, 1);
    return end < 0 ? s.slice(1) : s.slice(1, end);
  }
  return s.split(/\s/, 1)[0] ?? '';
}

function strip(s: ServiceInfo): ServiceInfo {
  return { name: s.name, line: s.line, instances: s.instances };
}

function tagOf(n: XmlNode): string | undefined {
  return Object.keys(n).find((k) => k !== ':@');
}

function attrs(n: XmlNode): Record<string, string> {
  return (n[':@'] as Record<string, string> | undefined) ?? {};
}

function children(n: XmlNode): XmlNode[] {
  const t = tagOf(n);
  const c = t === undefined ? undefined : n[t];
  return Array.isArray(c) ? (c as XmlNode[]) : [];
}

function childrenNamed(n: XmlNode, tag: string): XmlNode[] {
  return children(n).filter((c) => tagOf(c) === tag);
}

function descendantsNamed(n: XmlNode, tag: string): XmlNode[] {
  const out: XmlNode[] = [];
  for (const c of children(n)) {
    if (tagOf(c) === tag) out.push(c);
    out.push(...descendantsNamed(c, tag));
  }
  return out;
}

/** Maps a character offset to its 1-based line. */
function lineIndex(text: string): (offset: number) => number {
  const starts = [0];
  for (let i = text.indexOf('\n'); i >= 0; i = text.indexOf('\n', i + 1)) starts.push(i + 1);
  return (offset) => {
    let lo = 0;
    let hi = starts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if ((starts[mid] ?? 0) <= offset) lo = mid;
      else hi = mid - 1;
    }
    return lo + 1;
  };
}
