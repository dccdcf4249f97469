/**
 * Is process `pid` still there? A lock whose owner is gone may be taken
 * over. EPERM means it exists under another user, which still holds the lock.
 */
export function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}
