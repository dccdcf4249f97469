import fs from 'node:fs';

/**
 * Opens a file of a staging directory for reading, as the regular file the
 * stat pass saw: a symlink swapped in since is refused (O_NOFOLLOW) and a
 * FIFO does not block the process (O_NONBLOCK; reading it fails instead).
 * Synchronous, like the reads that follow: the packer reads thousands of
 * small files, for which a promise per open and read costs more than the
 * read (and leaves its garbage in the heap).
 */
export function openStaged(file: string): number {
  const { O_RDONLY, O_NOFOLLOW, O_NONBLOCK } = fs.constants;
  return fs.openSync(file, O_RDONLY | O_NOFOLLOW | O_NONBLOCK);
}
