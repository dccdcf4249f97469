/*
 * Finding the executed path.  argv[0] is whatever the caller chose, so it
 * cannot be trusted to name the hard link; the kernel knows better:
 *  - illumos: getexecname();
 *  - Linux: /proc/self/exe, which names the link that was executed with any
 *    symlink in front of it already resolved;
 *  - otherwise (no /proc, or the file was replaced during an upgrade and the
 *    link reads "... (deleted)"): AT_EXECFN from the auxiliary vector, made
 *    absolute against the working directory and resolved if it still exists.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>

#if defined(__linux__)
#include <sys/auxv.h>
#endif

#include "execpath.h"

const char *
path_base(const char *path)
{
	const char *slash = strrchr(path, '/');

	return slash != NULL ? slash + 1 : path;
}

int
is_exec_self(const struct stat *st, const char *self)
{
	/*
	 * The path, not /proc/self/exe: after an upgrade replaced the file,
	 * the candidates lead to the new one, which is what self names now.
	 */
	static struct stat me;
	static int have;

	if (!have) {
		if (stat(self, &me) == -1)
			return -1;
		have = 1;
	}
	return st->st_dev == me.st_dev && st->st_ino == me.st_ino;
}

#if defined(__linux__)
/* What /proc/self/exe appends once the executed file has been unlinked. */
static const char deleted[] = " (deleted)";

/* readlink(2) into a buffer that grows until the target fits. */
static char *
read_link(const char *link)
{
	size_t size = 256;
	char *buf = NULL, *nbuf;
	ssize_t n;

	for (;;) {
		if ((nbuf = realloc(buf, size)) == NULL) {
			free(buf);
			return NULL;
		}
		buf = nbuf;
		if ((n = readlink(link, buf, size)) == -1) {
			free(buf);
			return NULL;
		}
		if ((size_t)n < size) {
			buf[n] = '\0';
			return buf;
		}
		if (size > SIZE_MAX / 2) {
			free(buf);
			errno = ENAMETOOLONG;
			return NULL;
		}
		size *= 2;
	}
}

static int
ends_with(const char *s, const char *suffix)
{
	size_t ls = strlen(s), lx = strlen(suffix);

	return ls >= lx && strcmp(s + ls - lx, suffix) == 0;
}

/* getcwd(3) that grows its buffer instead of failing at PATH_MAX. */
static char *
current_dir(void)
{
	size_t size = 256;
	char *buf = NULL, *nbuf;

	for (;;) {
		if ((nbuf = realloc(buf, size)) == NULL) {
			free(buf);
			return NULL;
		}
		buf = nbuf;
		if (getcwd(buf, size) != NULL)
			return buf;
		if (errno != ERANGE || size > SIZE_MAX / 2) {
			free(buf);
			return NULL;
		}
		size *= 2;
	}
}

/*
 * When the program runs as a "#!" interpreter, AT_EXECFN names the script,
 * not the program.  Non-zero if fn can be read and is not an ELF file.
 */
static int
names_script(const char *fn)
{
	unsigned char magic[4];
	ssize_t n;
	int fd;

	if ((fd = open(fn, O_RDONLY | O_CLOEXEC)) == -1)
		return 0;	/* gone (package removed): the candidates will say so */
	n = read(fd, magic, sizeof(magic));
	close(fd);
	return n >= 0 && (n < 4 || memcmp(magic, "\177ELF", 4) != 0);
}

static char *
from_auxv(const char **what)
{
	const char *fn;
	char *resolved, *cwd, *abs;
	size_t len;

	/*
	 * AT_EXECFN is the string the caller passed to execve(2), and a
	 * symlink or directory it names can be swapped after the kernel read
	 * it.  A setuid/setgid dispatcher keeps its privileges across the exec
	 * it is about to do, so in secure-execution mode only the kernel's own
	 * /proc/self/exe is good enough.
	 */
	*what = "AT_EXECFN (not trusted in secure-execution mode)";
	if (getauxval(AT_SECURE) != 0) {
		errno = EPERM;
		return NULL;
	}
	*what = "AT_EXECFN";
	fn = (const char *)getauxval(AT_EXECFN);
	if (fn == NULL || *fn == '\0') {
		errno = ENOENT;
		return NULL;
	}
	if (names_script(fn)) {
		*what = "AT_EXECFN (names the script this program interprets)";
		errno = ENOEXEC;
		return NULL;
	}
	if ((resolved = realpath(fn, NULL)) != NULL)
		return resolved;
	if (fn[0] == '/')
		return strdup(fn);
	*what = "getcwd";
	if ((cwd = current_dir()) == NULL)
		return NULL;
	len = strlen(cwd) + 1 + strlen(fn) + 1;
	if ((abs = malloc(len)) != NULL) {
		strcpy(abs, cwd);
		strcat(abs, "/");
		strcat(abs, fn);
	}
	free(cwd);
	return abs;
}

char *
exec_path_in(char *buf, size_t size, const char **what)
{
	ssize_t n;

	*what = "/proc/self/exe";
	if (size > 1 && (n = readlink("/proc/self/exe", buf, size - 1)) > 0 &&
	    (size_t)n < size - 1) {
		buf[n] = '\0';
		if (buf[0] == '/' && !ends_with(buf, deleted))
			return buf;
	}
	return exec_path(what);
}

char *
exec_path(const char **what)
{
	char *p;

	*what = "/proc/self/exe";
	if ((p = read_link("/proc/self/exe")) != NULL) {
		if (p[0] == '/' && !ends_with(p, deleted))
			return p;
		free(p);
	}
	return from_auxv(what);
}

#elif defined(__sun)
#include <stdlib.h>

char *
exec_path(const char **what)
{
	const char *name;

	*what = "getexecname";
	if ((name = getexecname()) == NULL) {
		errno = ENOENT;
		return NULL;
	}
	/* getexecname() may be relative to the directory we started in. */
	if (name[0] == '/')
		return strdup(name);
	return realpath(name, NULL);
}

char *
exec_path_in(char *buf, size_t size, const char **what)
{
	(void)buf;
	(void)size;
	return exec_path(what);
}

#else
#error "exec_path: no way to find the executed path on this system"
#endif
