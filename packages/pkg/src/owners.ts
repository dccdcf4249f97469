import fs from 'node:fs';

const cache = new Map<string, Map<string, number>>();

/**
 * The numeric id of a user or group name, read from /etc/passwd or
 * /etc/group (what getpwnam/getgrnam answer on the systems we install on,
 * without NSS); undefined when unknown. A number is taken as is.
 */
export function owner(db: 'passwd' | 'group', name: string): number | undefined {
  if (/^\d+$/.test(name)) return Number(name);
  let ids = cache.get(db);
  if (ids === undefined) {
    ids = new Map();
    let text = '';
    try {
      text = fs.readFileSync(`/etc/${db}`, 'utf8');
    } catch {
      // No such database: every name is unknown.
    }
    for (const line of text.split('\n')) {
      const f = line.split(':');
      if (f.length >= 3 && f[0] && /^\d+$/.test(f[2] ?? '') && !ids.has(f[0])) ids.set(f[0], Number(f[2]));
    }
    cache.set(db, ids);
  }
  return ids.get(name);
}
