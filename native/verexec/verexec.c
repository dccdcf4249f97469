/*
 * verexec: installed once as lib/verexec with commands as hard links to it.
 * Run as <dir>/<cmd>, it executes the highest version registered as a
 * symlink <sysconfdir>/verexec.d/<cmd>/<version>[-<bits>|-<isa>], so
 * packages change the default by adding or removing one link, with no
 * install scripts.  VEREXEC_<cmd> and VEREXEC_ALTDIR override the choice.
 *
 * Exit status when nothing ran: 127 no version (or ABI unusable), 126 the
 * choice would run verexec again or could not be executed, 2 bad usage.
 */
#define _POSIX_C_SOURCE 200809L
#include <sys/types.h>
#include <sys/stat.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "dewey.h"
#include "execpath.h"
#include "isa.h"

#define PROG	"verexec"

#ifndef VEREXEC_DIR
#define VEREXEC_DIR	"/usr/local/etc/verexec.d"
#endif

/* One directory entry that may run: its name and how it ranks. */
struct cand {
	const char *name;
	size_t vlen;		/* the version: name without its ISA suffix */
	int specific;		/* has an ISA suffix (matching the ABI in use) */
};

/* The candidates of one command directory, kept open for *at() calls. */
struct scan {
	char *dir;
	DIR *d;
	int fd;
	size_t nentries;	/* every entry but dot files: for the message */
	struct cand *v;
	size_t n;
};

/* What will run, and the name to blame in messages (link or variable). */
struct choice {
	char *path;
	char *link;		/* symlink text, NULL for an override */
	const char *label;
	size_t index;		/* in scan.v, when not an override */
	int override;
};

static void
die_nomem(void)
{
	fprintf(stderr, PROG ": out of memory\n");
	exit(126);
}

static void *
xmalloc(size_t n)
{
	void *p;

	if ((p = malloc(n)) == NULL)
		die_nomem();
	return p;
}

/* Concatenates NULL-terminated strings into a new one. */
static char *
concat(const char *first, ...)
{
	va_list ap;
	const char *s;
	size_t len = 0;
	char *buf, *p;

	va_start(ap, first);
	for (s = first; s != NULL; s = va_arg(ap, const char *))
		len += strlen(s);
	va_end(ap);
	p = buf = xmalloc(len + 1);
	va_start(ap, first);
	for (s = first; s != NULL; s = va_arg(ap, const char *)) {
		len = strlen(s);
		memcpy(p, s, len);
		p += len;
	}
	va_end(ap);
	*p = '\0';
	return buf;
}

/* VEREXEC_<cmd>, with bytes a shell variable name cannot hold as '_'. */
static char *
override_var(const char *cmd)
{
	char *var = concat("VEREXEC_", cmd, (const char *)NULL), *p;

	for (p = var + sizeof("VEREXEC_") - 1; *p != '\0'; p++)
		if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
		    (*p >= '0' && *p <= '9') || *p == '_'))
			*p = '_';
	return var;
}

/* readlinkat(2) into a buffer that grows until the target fits. */
static char *
read_link_at(int fd, const char *name)
{
	size_t size = 128;
	char *buf = NULL, *nbuf;
	ssize_t n;

	for (;;) {
		if ((nbuf = realloc(buf, size)) == NULL)
			die_nomem();
		buf = nbuf;
		if ((n = readlinkat(fd, name, buf, size)) == -1) {
			free(buf);
			return NULL;
		}
		if ((size_t)n < size) {
			buf[n] = '\0';
			return buf;
		}
		if (size > ((size_t)-1) / 2)
			die_nomem();
		size *= 2;
	}
}

/*
 * Ranking: the higher dewey version; then an ISA-specific entry over an
 * unsuffixed one; then more components ("5.36.0" over "5.36"); then the
 * name greater in byte order.  Names in a directory differ, so this is a
 * total order and the choice never depends on readdir order.
 */
static int
cand_cmp(const struct cand *a, const struct cand *b)
{
	size_t na, nb;
	int r;

	if ((r = dewey_cmp(a->name, a->vlen, b->name, b->vlen)) != 0)
		return r;
	if (a->specific != b->specific)
		return a->specific ? 1 : -1;
	na = dewey_ncomp(a->name, a->vlen);
	nb = dewey_ncomp(b->name, b->vlen);
	if (na != nb)
		return na < nb ? -1 : 1;
	r = strcmp(a->name, b->name);
	return r < 0 ? -1 : r > 0;
}

/* For qsort: highest first. */
static int
cand_qsort(const void *a, const void *b)
{
	return cand_cmp(b, a);
}

/*
 * Reads the entries of s->dir that can run under abi.  Their names are
 * copied one after the other into a single growing buffer (readdir may
 * reuse its own) and pointed at once the buffer stops moving.  Returns -1
 * with errno set if the directory cannot be read.
 */
static int
scan_dir(struct scan *s, enum abi abi)
{
	struct dirent *e;
	struct cand *nv;
	char *names = NULL, *nnames;
	size_t used = 0, cap = 0, vcap = 0, i, len, vlen;
	const char *dash;
	enum abi sabi;
	int specific;

	s->v = NULL;
	s->n = s->nentries = 0;
	if ((s->d = opendir(s->dir)) == NULL)
		return -1;
	s->fd = dirfd(s->d);
	for (;;) {
		errno = 0;
		if ((e = readdir(s->d)) == NULL)
			break;
		if (e->d_name[0] == '.')
			continue;	/* ".", "..", and temporaries of editors and installers */
		s->nentries++;
		len = strlen(e->d_name);
		vlen = len;
		specific = 0;
		if ((dash = strrchr(e->d_name, '-')) != NULL &&
		    (sabi = isa_abi(dash + 1, len - (size_t)(dash + 1 - e->d_name))) != ABI_UNSET) {
			if (sabi != abi)
				continue;
			vlen = (size_t)(dash - e->d_name);
			specific = 1;
		}
		if (s->n == vcap) {
			vcap = vcap != 0 ? vcap * 2 : 16;
			if (vcap > ((size_t)-1) / sizeof(*s->v) ||
			    (nv = realloc(s->v, vcap * sizeof(*s->v))) == NULL)
				die_nomem();
			s->v = nv;
		}
		if (cap - used < len + 1) {
			cap = cap != 0 ? cap * 2 : 4096;
			if (cap - used < len + 1)
				cap = used + len + 1;
			if ((nnames = realloc(names, cap)) == NULL)
				die_nomem();
			names = nnames;
		}
		memcpy(names + used, e->d_name, len + 1);
		used += len + 1;
		s->v[s->n].vlen = vlen;
		s->v[s->n++].specific = specific;
	}
	if (errno != 0)
		return -1;
	for (i = 0, used = 0; i < s->n; i++) {
		s->v[i].name = names + used;
		used += strlen(names + used) + 1;
	}
	return 0;
}

/* The index of the highest candidate: one pass, no sorting. */
static size_t
highest(const struct scan *s)
{
	size_t i, best = 0;

	for (i = 1; i < s->n; i++)
		if (cand_cmp(&s->v[i], &s->v[best]) > 0)
			best = i;
	return best;
}

/*
 * Whether candidate i leads to something: fills c->link and c->path (a
 * relative link resolved against the directory) and *st.  A link that
 * cannot be read or followed is skipped with a warning, never chosen.
 */
static int
follow(const struct scan *s, size_t i, const char *cmd, int warn, struct choice *c,
    struct stat *st)
{
	const char *name = s->v[i].name;
	char *link;

	if ((link = read_link_at(s->fd, name)) == NULL) {
		if (warn)
			fprintf(stderr, PROG ": %s: skipping %s/%s: %s\n", cmd, s->dir, name,
			    errno == EINVAL ? "not a symbolic link" : strerror(errno));
		return -1;
	}
	if (fstatat(s->fd, name, st, 0) == -1) {
		if (warn)
			fprintf(stderr, PROG ": %s: skipping %s/%s -> %s: %s\n", cmd, s->dir,
			    name, link, errno == ENOENT ? "dangling link" : strerror(errno));
		free(link);
		return -1;
	}
	c->link = link;
	c->path = link[0] == '/' ? concat(link, (const char *)NULL) :
	    concat(s->dir, "/", link, (const char *)NULL);
	c->label = name;
	c->index = i;
	c->override = 0;
	return 0;
}

/* The candidate that runs: the highest that leads somewhere.  -1 if none. */
static int
choose(struct scan *s, const char *cmd, int warn, struct choice *c, struct stat *st)
{
	size_t i;

	if (s->n == 0)
		return -1;
	i = highest(s);
	if (follow(s, i, cmd, warn, c, st) == 0)
		return 0;
	/* Rare: fall back in order.  The failed one sorts first; skip it. */
	qsort(s->v, s->n, sizeof(*s->v), cand_qsort);
	for (i = 1; i < s->n; i++)
		if (follow(s, i, cmd, warn, c, st) == 0)
			return 0;
	return -1;
}

static void
no_version(const struct scan *s, const char *cmd, const char *var, enum abi abi, int err)
{
	if (err != 0)
		fprintf(stderr, PROG ": %s: no version to run: cannot read %s: %s\n", cmd,
		    s->dir, strerror(err));
	else if (s->nentries == 0)
		fprintf(stderr, PROG ": %s: no version to run: %s is empty\n", cmd, s->dir);
	else if (s->n == 0)
		fprintf(stderr, PROG ": %s: no version to run in %s for ABI %s "
		    "(its links are all for another ABI)\n", cmd, s->dir, abi_isa(abi));
	else
		fprintf(stderr, PROG ": %s: no version to run: no link in %s leads to a program\n",
		    cmd, s->dir);
	fprintf(stderr, PROG ": %s: install a package that provides a version of %s, "
	    "or set %s to the program to run\n", cmd, cmd, var);
}

/* Whether st is this very program (a loop through another hard link or a symlink). */
static int
is_self(const struct stat *st, const char *self)
{
	struct stat me;

	if (stat(self, &me) == -1) {
		fprintf(stderr, PROG ": cannot check for a loop: %s: %s\n", self, strerror(errno));
		exit(126);
	}
	return st->st_dev == me.st_dev && st->st_ino == me.st_ino;
}

enum mode { RUN, LIST, WHICH };

/* "-l": every candidate, highest first; "*" marks the one that would run. */
static void
list(struct scan *s, const char *cmd, int chosen)
{
	struct stat st;
	size_t i;
	char *link;

	for (i = 0; i < s->n; i++) {
		if ((link = read_link_at(s->fd, s->v[i].name)) == NULL) {
			fprintf(stderr, PROG ": %s: %s/%s: %s\n", cmd, s->dir, s->v[i].name,
			    errno == EINVAL ? "not a symbolic link" : strerror(errno));
			continue;
		}
		if (fstatat(s->fd, s->v[i].name, &st, 0) == -1)
			fprintf(stderr, PROG ": %s: %s/%s -> %s: %s\n", cmd, s->dir,
			    s->v[i].name, link, errno == ENOENT ? "dangling link" : strerror(errno));
		printf("%c %s -> %s\n", chosen >= 0 && (size_t)chosen == i ? '*' : ' ',
		    s->v[i].name, link);
		free(link);
	}
}

/*
 * Finds what cmd runs and runs it (or, for -l and -w, says what it would
 * run).  Returns the exit status when nothing was executed.
 */
static int
run(const char *cmd, const char *self, enum mode mode, char **argv, char **envp)
{
	struct scan s;
	struct choice c;
	struct stat st;
	const char *ov, *abival, *altdir;
	char *var;
	enum abi abi;
	int err = 0, found, status = 0;

	memset(&s, 0, sizeof(s));
	memset(&c, 0, sizeof(c));
	var = override_var(cmd);
	if ((ov = trusted_getenv(var)) != NULL && *ov != '\0') {
		c.path = concat(ov, (const char *)NULL);
		c.link = NULL;
		c.label = var;
		c.override = 1;
		if (mode == LIST)
			printf("* %s -> %s\n", var, ov);
		if (stat(ov, &st) == -1) {
			fprintf(stderr, PROG ": %s: %s=%s: %s\n", cmd, var, ov, strerror(errno));
			status = errno == ENOENT || errno == ENOTDIR ? 127 : 126;
		} else if (is_self(&st, self)) {
			fprintf(stderr, PROG ": %s: %s=%s is verexec itself, which would loop; "
			    "set it to the real program\n", cmd, var, ov);
			status = 126;
		}
		if (status != 0)
			return status;
		if (mode != LIST)
			goto chosen;
		/* -l still shows the versions the variable overrides, unmarked. */
	}

	abival = trusted_getenv("ABI");
	if (abi_parse(abival, &abi) == -1) {
		fprintf(stderr, PROG ": %s: unknown ABI value \"%s\" (accepted: " ABI_ACCEPTED
		    ", or unset)\n", cmd, abival);
		return 127;
	}
	if (abi == ABI_UNSET)
		abi = isa_abi(native_isas()[0], strlen(native_isas()[0]));

	altdir = trusted_getenv("VEREXEC_ALTDIR");
	s.dir = concat(altdir != NULL && *altdir != '\0' ? altdir : VEREXEC_DIR, "/", cmd,
	    (const char *)NULL);
	if (scan_dir(&s, abi) == -1) {
		err = errno;
		s.n = 0;
	}

	if (mode == LIST) {
		qsort(s.v, s.n, sizeof(*s.v), cand_qsort);
		if (c.override) {
			list(&s, cmd, -1);
			return 0;
		}
	}
	found = choose(&s, cmd, mode != LIST, &c, &st) == 0;
	if (found && is_self(&st, self)) {
		fprintf(stderr, PROG ": %s: %s/%s -> %s leads back to verexec itself, which "
		    "would loop; it must point at the real program\n", cmd, s.dir, c.label, c.link);
		if (mode == LIST)
			list(&s, cmd, -1);
		return 126;
	}
	if (mode == LIST)
		list(&s, cmd, found ? (int)c.index : -1);
	if (!found) {
		no_version(&s, cmd, var, abi, err);
		return 127;
	}
	if (mode == LIST)
		return 0;

chosen:
	if (mode == WHICH) {
		printf("%s\n", c.path);
		return fflush(stdout) == 0 ? 0 : 1;
	}
	execve(c.path, argv, envp);
	err = errno;
	if (c.override)
		fprintf(stderr, PROG ": %s: cannot execute %s=%s: %s\n", cmd, var, c.path,
		    strerror(err));
	else
		fprintf(stderr, PROG ": %s: cannot execute %s (from %s/%s): %s\n", cmd, c.path,
		    s.dir, c.label, strerror(err));
	return err == ENOENT ? 127 : 126;
}

static int
usage(void)
{
	fprintf(stderr, "usage: " PROG " -l command\n"
	    "       " PROG " -w command\n"
	    "Commands run through verexec are hard links to it; see verexec(1).\n");
	return 2;
}

int
main(int argc, char *argv[], char *envp[])
{
	const char *what, *cmd;
	char *self;
	enum mode mode = RUN;

	if ((self = exec_path(&what)) == NULL) {
		fprintf(stderr, PROG ": cannot tell which command was run (%s: %s)\n",
		    what, strerror(errno));
		return 127;
	}
	cmd = path_base(self);
	if (strcmp(cmd, PROG) == 0) {
		if (argc != 3 || (strcmp(argv[1], "-l") != 0 && strcmp(argv[1], "-w") != 0))
			return usage();
		mode = argv[1][1] == 'l' ? LIST : WHICH;
		cmd = argv[2];
		if (*cmd == '\0' || strchr(cmd, '/') != NULL || strcmp(cmd, ".") == 0 ||
		    strcmp(cmd, "..") == 0) {
			fprintf(stderr, PROG ": \"%s\" is not a command name (no \"/\", not empty)\n",
			    cmd);
			return 2;
		}
	}
	return run(cmd, self, mode, argv, envp);
}
