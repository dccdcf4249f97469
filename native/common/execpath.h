/*
 * The path this process was executed as, for dispatchers that are installed
 * as hard links under many names.
 */
#ifndef MKPKG_EXECPATH_H
#define MKPKG_EXECPATH_H

#include <stddef.h>
#include <sys/stat.h>

/*
 * Returns a malloc'd absolute path naming the file that was executed: the
 * hard link's own name, with any symlink in front of it resolved. On
 * failure returns NULL with errno set and *what naming the step that
 * failed (for the error message).
 */
char *exec_path(const char **what);

/*
 * exec_path() without allocating in the common case: if the path fits in
 * buf (size bytes) it is stored there and buf is returned; otherwise the
 * result is exec_path()'s, which the caller frees when it is not buf.
 */
char *exec_path_in(char *buf, size_t size, const char **what);

/*
 * Whether st (a candidate the dispatcher is about to execute, stat(2)ed
 * with symlinks followed) is the dispatcher's own file, the one at self:
 * same device and inode, whether reached through a hard link, a symlink
 * or a directory symlink such as bin/amd64 -> .  Executing it would start
 * the dispatcher again, forever.  1 yes, 0 no, -1 (errno set) when self
 * cannot be stat'ed.
 */
int is_exec_self(const struct stat *st, const char *self);

/* The last component of a path (no allocation; points into path). */
const char *path_base(const char *path);

#endif
