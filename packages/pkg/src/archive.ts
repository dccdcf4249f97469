import fs from 'node:fs';
import { pipeline } from 'node:stream';
import { Parser, type ReadEntry } from 'tar';
import { InputError, UserError } from '@mkpkg/platform';
import { decompressor, sniffCompression } from './compression.ts';

/** Metadata members in the order pkg_add's reader requires them (facts §5.2). */
export const META_ORDER = [
  '+CONTENTS', '+COMMENT', '+DESC', '+INSTALL', '+DEINSTALL', '+DISPLAY', '+MTREE_DIRS',
  '+BUILD_VERSION', '+BUILD_INFO', '+SIZE_PKG', '+SIZE_ALL', '+PRESERVE', '+REQUIRED_BY', '+INSTALLED_INFO',
] as const;
export type MetaName = (typeof META_ORDER)[number];
const REQUIRED_META: readonly MetaName[] = ['+CONTENTS', '+COMMENT', '+DESC'];
const MAX_META_BYTES = 16 * 1024 * 1024;

export function isMetaName(s: string): s is MetaName {
  return (META_ORDER as readonly string[]).includes(s);
}

function corrupt(file: string, why: string): UserError {
  return new InputError(`${file}: ${why}`, { hint: 'the package file is damaged or was not made by a pkgsrc tool; fetch or build it again' });
}

/**
 * The members of a package, one at a time, decompressing as it goes
 * (gzip, bzip2, xz or plain tar, told apart by their magic bytes). The
 * caller reads or leaves each body before asking for the next member;
 * nothing but the current chunk is held in memory.
 */
export async function* readArchive(file: string): AsyncGenerator<ReadEntry, void, void> {
  const head = Buffer.alloc(6);
  let fh: fs.promises.FileHandle;
  try {
    fh = await fs.promises.open(file, 'r');
  } catch (err) {
    throw new InputError(`cannot open package ${file}: ${(err as NodeJS.ErrnoException).code ?? String(err)}`);
  }
  try {
    await fh.read(head, 0, 6, 0);
  } finally {
    await fh.close();
  }
  const kind = sniffCompression(head);
  const src = fs.createReadStream(file, { highWaterMark: 256 * 1024 });
  const dec = decompressor(kind, file);
  const parser = new Parser({ strict: true });

  const queue: ReadEntry[] = [];
  // Entries handed out whose bodies may still be read: a failure must reach
  // whoever is reading one, or its `for await` would wait forever.
  const open = new Set<ReadEntry>();
  let failure: UserError | undefined;
  let ended = false;
  let wake: (() => void) | undefined;
  const poke = () => { const w = wake; wake = undefined; w?.(); };
  const fail = (err: Error) => {
    if (!failure) {
      const msg = err.message.replace(/^TAR_[A-Z_]+: /, '');
      const stream = kind === 'none' ? 'tar' : kind;
      // A missing bzip2/xz is the machine's problem (exit 1); anything else the stream did is bad input.
      failure = err instanceof UserError && /^cannot run /.test(err.message)
        ? err
        : /unexpected end of file|Truncated input|unexpected EOF|Unexpected end of input/i.test(msg)
          ? corrupt(file, `the ${stream} stream is truncated`)
          : kind !== 'none'
            ? corrupt(file, `cannot read the archive: the ${stream} stream is damaged or cut short (${msg.replace(/^.*?: /, '')})`)
            : corrupt(file, `cannot read the archive: ${msg}`);
      for (const e of open) if (!e.emittedEnd) e.emit('error', failure);
    }
    poke();
  };
  parser.on('entry', (e: ReadEntry) => {
    // A listener, so that emitting the failure never throws; readers see it through their own.
    e.on('error', () => {});
    open.add(e);
    e.on('end', () => open.delete(e));
    queue.push(e);
    poke();
  });
  parser.on('error', fail);
  parser.on('end', () => {
    ended = true;
    poke();
  });
  // Errors of the file and of the decompressor both arrive here (pipe() would drop them).
  pipeline(src, dec, (err) => { if (err) fail(err); });
  // And after pipeline has settled (it stops listening then), a late error still has a home.
  src.on('error', fail);
  dec.on('error', fail);
  dec.on('data', (chunk: Buffer) => {
    if (!parser.write(chunk)) {
      dec.pause();
      parser.once('drain', () => dec.resume());
    }
  });
  dec.on('end', () => parser.end());

  try {
    for (;;) {
      if (failure) throw failure;
      const e = queue.shift();
      if (e) {
        yield e;
        // A body the caller did not read is skipped so the parser can go on.
        if (!e.emittedEnd) e.resume();
        continue;
      }
      if (ended) {
        if (failure) throw failure;
        return;
      }
      await new Promise<void>((r) => { wake = r; });
    }
  } finally {
    src.destroy();
    dec.destroy();
  }
}

export async function readBody(e: ReadEntry, limit: number, file: string): Promise<Buffer> {
  const parts: Buffer[] = [];
  let n = 0;
  for await (const c of e as AsyncIterable<Buffer>) {
    n += c.length;
    if (n > limit) throw corrupt(file, `member ${e.path} is larger than ${limit} bytes`);
    parts.push(c);
  }
  return Buffer.concat(parts);
}

export type Metadata = Map<MetaName, Buffer>;

/**
 * Reads the metadata members at the head of a package with pkg_add's rules:
 * stop at the first non-metadata member, refuse misordered or repeated
 * members and a missing +CONTENTS/+COMMENT/+DESC.
 */
export async function readMetadata(file: string): Promise<Metadata> {
  const meta: Metadata = new Map();
  let last = -1;
  for await (const e of readArchive(file)) {
    const idx = (META_ORDER as readonly string[]).indexOf(e.path);
    if (e.path === '+PKG_HASH' && meta.size === 0) {
      throw new UserError(`${file}: a signed package (+PKG_HASH); mkpkg does not verify signatures`, { hint: 'install the unsigned package, or use pkg_add with VERIFIED_INSTALLATION' });
    }
    if (idx < 0) break;
    if (meta.has(e.path as MetaName)) throw corrupt(file, `duplicate member ${e.path}`);
    if (idx < last) throw corrupt(file, `misordered package: ${e.path} comes after ${META_ORDER[last]}`);
    if (e.type !== 'File' && e.type !== 'OldFile') throw corrupt(file, `metadata member ${e.path} is not a regular file`);
    last = idx;
    meta.set(e.path as MetaName, await readBody(e, MAX_META_BYTES, file));
  }
  if (meta.size === 0) throw corrupt(file, 'no +CONTENTS: this is not a pkgsrc binary package (+CONTENTS must be the first member)');
  for (const r of REQUIRED_META) if (!meta.has(r)) throw corrupt(file, `required member ${r} is missing`);
  return meta;
}
