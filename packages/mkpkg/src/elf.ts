import fs from 'node:fs';

/**
 * The few ELF facts the multiarch check needs: class, machine and the
 * DT_RPATH/DT_RUNPATH strings. Read by hand (a few dozen lines) because the
 * check runs on every file of a package and a readelf/file child process per
 * file would dominate the time of a re-run.
 */
export interface ElfInfo {
  readonly bits: 32 | 64;
  readonly machine: number;
  readonly type: number;
  readonly runpath: readonly string[];
  /** DT_NEEDED: the sonames the dynamic loader must find. */
  readonly needed: readonly string[];
}

export const EM_386 = 3;
export const EM_X86_64 = 62;
export const EM_SPARC = 2;
export const EM_SPARCV9 = 43;
export const EM_AARCH64 = 183;
export const EM_ARM = 40;

const SHT_DYNAMIC = 6;
const DT_NULL = 0;
const DT_NEEDED = 1;
const DT_RPATH = 15;
const DT_RUNPATH = 29;

/** undefined when the file is not ELF (or too short to be). */
export function readElf(file: string): ElfInfo | undefined {
  let buf: Buffer;
  const fd = fs.openSync(file, 'r');
  try {
    const head = Buffer.alloc(64);
    const n = fs.readSync(fd, head, 0, 64, 0);
    if (n < 52 || head.readUInt32BE(0) !== 0x7f454c46) return undefined;
    buf = fs.readFileSync(fd);
  } finally {
    fs.closeSync(fd);
  }
  const bits = buf[4] === 2 ? 64 : buf[4] === 1 ? 32 : undefined;
  if (bits === undefined) return undefined;
  const le = buf[5] !== 2;
  const u16 = (o: number) => (le ? buf.readUInt16LE(o) : buf.readUInt16BE(o));
  const u32 = (o: number) => (le ? buf.readUInt32LE(o) : buf.readUInt32BE(o));
  const word = (o: number) => (bits === 64 ? Number(le ? buf.readBigUInt64LE(o) : buf.readBigUInt64BE(o)) : u32(o));
  const type = u16(16);
  const machine = u16(18);
  const runpath: string[] = [];
  const needed: string[] = [];
  try {
    const shoff = word(bits === 64 ? 0x28 : 0x20);
    const shentsize = u16(bits === 64 ? 0x3a : 0x2e);
    const shnum = u16(bits === 64 ? 0x3c : 0x30);
    const sec = (i: number) => {
      const b = shoff + i * shentsize;
      return bits === 64
        ? { type: u32(b + 4), offset: word(b + 0x18), size: word(b + 0x20), link: u32(b + 0x28), entsize: word(b + 0x38) }
        : { type: u32(b + 4), offset: u32(b + 0x10), size: u32(b + 0x14), link: u32(b + 0x18), entsize: u32(b + 0x24) };
    };
    for (let i = 0; shoff > 0 && i < shnum; i++) {
      const s = sec(i);
      if (s.type !== SHT_DYNAMIC) continue;
      const strtab = sec(s.link);
      const ent = s.entsize || (bits === 64 ? 16 : 8);
      for (let o = s.offset; o + ent <= s.offset + s.size; o += ent) {
        const tag = word(o);
        if (tag === DT_NULL) break;
        if (tag !== DT_RPATH && tag !== DT_RUNPATH && tag !== DT_NEEDED) continue;
        const start = strtab.offset + word(o + ent / 2);
        const end = buf.indexOf(0, start);
        const str = buf.toString('latin1', start, end < 0 ? buf.length : end);
        if (tag === DT_NEEDED) needed.push(str);
        else runpath.push(...str.split(':').filter((p) => p !== ''));
      }
    }
  } catch {
    // A truncated section table: class and machine are still known.
  }
  return { bits, machine, type, runpath, needed };
}

/**
 * A static library (ar archive) holds ELF objects; the class of the first
 * one is the archive's. undefined when the file is no archive or holds no ELF.
 */
export function readArchiveElf(file: string): Pick<ElfInfo, 'bits' | 'machine'> | undefined {
  const fd = fs.openSync(file, 'r');
  try {
    const magic = Buffer.alloc(8);
    if (fs.readSync(fd, magic, 0, 8, 0) < 8 || magic.toString('latin1') !== '!<arch>\n') return undefined;
    const size = fs.fstatSync(fd).size;
    const hdr = Buffer.alloc(60);
    const head = Buffer.alloc(20);
    for (let off = 8; off + 60 <= size; ) {
      fs.readSync(fd, hdr, 0, 60, off);
      const name = hdr.toString('latin1', 0, 16).trim();
      const len = Number.parseInt(hdr.toString('latin1', 48, 58).trim(), 10);
      if (!Number.isFinite(len)) return undefined;
      const data = off + 60;
      // Skip the symbol and long-name tables; the first real member decides.
      if (name !== '/' && name !== '//' && name !== '/SYM64/' && !name.startsWith('__.SYMDEF')) {
        if (fs.readSync(fd, head, 0, 20, data) === 20 && head.readUInt32BE(0) === 0x7f454c46) {
          const bits = head[4] === 2 ? 64 : head[4] === 1 ? 32 : undefined;
          if (bits === undefined) return undefined;
          return { bits, machine: head[5] === 2 ? head.readUInt16BE(18) : head.readUInt16LE(18) };
        }
      }
      off = data + len + (len % 2);
    }
    return undefined;
  } finally {
    fs.closeSync(fd);
  }
}
