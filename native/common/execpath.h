/*
 * The path this process was executed as, for dispatchers that are installed
 * as hard links under many names.
 */
#ifndef MKPKG_EXECPATH_H
#define MKPKG_EXECPATH_H

/*
 * Returns a malloc'd absolute path naming the file that was executed: the
 * hard link's own name, with any symlink in front of it resolved. On
 * failure returns NULL with errno set and *what naming the step that
 * failed (for the error message).
 */
char *exec_path(const char **what);

/* The last component of a path (no allocation; points into path). */
const char *path_base(const char *path);

#endif
