import v8 from 'node:v8';
import vm from 'node:vm';

/**
 * Frees short-lived external buffers every 4 MiB instead of every 32.
 *
 * V8 gives an ArrayBuffer's memory back only when a collection finds the
 * buffer dead. A process that allocates little JavaScript but many large
 * buffers (zlib's output: node's zlib has no way to deflate into a buffer
 * of ours, so every block brings a new one) sees a young-generation
 * collection only once its young buffers add up to twice the largest
 * semi-space: 32 MiB on 64-bit, a constant no option changes after start-up.
 * Dead buffers pile up to that much, and glibc keeps its heap at the
 * high-water mark. A scavenge of the young generation every 4 MiB of such
 * buffers costs well under a millisecond (they are dead and young) and took
 * `mkpkg create`'s peak RSS from 111-115 MiB to 82-91 MiB on the benchmark's
 * trees (every 2 MiB: a little lower; every 16: no better than V8 alone).
 *
 * The collector comes from `--expose-gc` set at run time; where that is
 * refused, nothing is nudged and memory is what V8 makes it.
 */
type Collect = (options: { type: 'minor' }) => void;
let collect: Collect | null | undefined;
let since = 0;

function collector(): Collect | null {
  if (collect === undefined) {
    try {
      const exposed = (globalThis as { gc?: Collect }).gc;
      if (exposed) collect = exposed;
      else {
        v8.setFlagsFromString('--expose-gc');
        collect = vm.runInNewContext('gc') as Collect;
      }
    } catch {
      collect = null;
    }
  }
  return collect;
}

/** Counts `bytes` of new, soon dead external buffers; every `every` bytes, collects the young generation. */
export function noteGarbage(bytes: number, every = 4 * 1024 * 1024): void {
  since += bytes;
  if (since < every) return;
  since = 0;
  collector()?.({ type: 'minor' });
}

let youngKeptSmall = false;

/**
 * Stops V8's young generation from growing (from now on, in this process).
 * V8 doubles it, up to 32 MiB, each time the objects that survived its
 * collections add up to its size; a package's list of files (paths,
 * sums, records: tens of MB on 35,000 files) is built there and survives,
 * so packing a large PLIST grew it to the maximum, all of it resident.
 * At the size it has when packing starts (2-4 MiB) it is collected more
 * often, for the same CPU time here: peak RSS of `mkpkg create` on a
 * 35,000-file tree (266 MB of headers, Python, Perl, manuals) went from
 * 138-142 MiB to 111-114, on the benchmark's trees from 82-91 to 80-84.
 * Where the flag is unknown or clamped, nothing changes.
 */
export function keepYoungGenerationSmall(): void {
  if (youngKeptSmall) return;
  youngKeptSmall = true;
  try {
    v8.setFlagsFromString('--semi-space-growth-factor=1');
  } catch {
    // Memory is then what V8 makes it.
  }
}
