/*
 * verexec: installed once as lib/verexec with commands as hard links to it.
 * Run as <dir>/<cmd>, it executes the highest version registered as a
 * symlink <sysconfdir>/verexec.d/<cmd>/<version>[-<bits>|-<isa>], so
 * packages change the default by adding or removing one link, with no
 * install scripts.  VEREXEC_<cmd> and VEREXEC_ALTDIR override the choice.
 *
 * Exit status when nothing ran: 127 no version (or ABI unusable), 126 the
 * choice would run verexec again or could not be executed, 2 bad usage,
 * 1 -l or -w could not write their output.
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

/* One command directory, kept open for the *at() calls. */
struct scan {
	char *dir;
	enum abi abi;
	DIR *d;
	int fd;
	int err;		/* errno of a failed opendir/readdir, else 0 */
	size_t nentries;	/* every entry but dot files: for the message */
	size_t n;		/* candidates among them */
	struct cand best;	/* after scan_best(): the highest candidate */
	char *bestname;
	size_t bestcap;
	struct cand *v;		/* after scan_all(): every candidate */
};

/* What will run, and the name to blame in messages (link or variable). */
struct choice {
	char *path;
	char *link;		/* symlink text, NULL for an override */
	const char *label;	/* the variable, or the entry's name */
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
 * Whether a directory entry can run under abi; fills *c, pointing at name.
 * Only the known ISA names count as a suffix: "5.36.0-rc1" is a version.
 */
static int
classify(const char *name, enum abi abi, struct cand *c)
{
	size_t len = strlen(name);
	const char *dash = strrchr(name, '-');
	enum abi sabi;

	c->name = name;
	c->vlen = len;
	c->specific = 0;
	if (dash != NULL &&
	    (sabi = isa_abi(dash + 1, len - (size_t)(dash + 1 - name))) != ABI_UNSET) {
		if (sabi != abi)
			return 0;
		c->vlen = (size_t)(dash - name);
		c->specific = 1;
	}
	return 1;
}

/* Starts a pass over the directory: opened the first time, rewound after. */
static int
start_scan(struct scan *s)
{
	s->n = s->nentries = 0;
	if (s->d != NULL) {
		rewinddir(s->d);
		return 0;
	}
	if ((s->d = opendir(s->dir)) == NULL) {
		s->err = errno;
		return -1;
	}
	s->fd = dirfd(s->d);
	return 0;
}

/*
 * The directory's entries, one at a time, skipping dot files (".", "..",
 * and the temporaries of editors and installers).  NULL at the end or on
 * an error (s->err).
 */
static const char *
next_entry(struct scan *s)
{
	struct dirent *e;

	for (;;) {
		errno = 0;
		if ((e = readdir(s->d)) == NULL) {
			s->err = errno;
			return NULL;
		}
		if (e->d_name[0] != '.')
			return e->d_name;
	}
}

/*
 * The next entry that names a candidate for this ABI, described in *c;
 * counts every entry seen.  NULL at the end or on an error (s->err).
 */
static const char *
next_cand(struct scan *s, struct cand *c)
{
	const char *name;

	while ((name = next_entry(s)) != NULL) {
		s->nentries++;
		if (classify(name, s->abi, c))
			return name;
	}
	return NULL;
}

/*
 * One pass keeping only the highest candidate: no list, no sort, one copy
 * of a name each time the best changes.  What every run does.
 */
static int
scan_best(struct scan *s)
{
	struct cand c;
	const char *name;
	size_t len;

	if (start_scan(s) == -1)
		return -1;
	while ((name = next_cand(s, &c)) != NULL) {
		if (s->n++ != 0 && cand_cmp(&c, &s->best) <= 0)
			continue;
		/* readdir may reuse its buffer: keep a copy. */
		if ((len = strlen(name) + 1) > s->bestcap) {
			free(s->bestname);
			s->bestname = xmalloc(s->bestcap = len + 64);
		}
		memcpy(s->bestname, name, len);
		s->best = c;
		s->best.name = s->bestname;
	}
	return s->err != 0 ? -1 : 0;
}

/*
 * Every candidate, highest first, for -l and for falling back past links
 * that lead nowhere.  The names are copied one after the other into a
 * single growing buffer and pointed at once the buffer stops moving.
 */
static int
scan_all(struct scan *s)
{
	struct cand c, *nv;
	const char *name;
	char *names = NULL, *nnames;
	size_t used = 0, cap = 0, vcap = 0, i, len;

	if (start_scan(s) == -1)
		return -1;
	while ((name = next_cand(s, &c)) != NULL) {
		if (s->n == vcap) {
			vcap = vcap != 0 ? vcap * 2 : 16;
			if (vcap > ((size_t)-1) / sizeof(*s->v) ||
			    (nv = realloc(s->v, vcap * sizeof(*s->v))) == NULL)
				die_nomem();
			s->v = nv;
		}
		len = strlen(name) + 1;
		if (cap - used < len) {
			cap = cap != 0 ? cap * 2 : 4096;
			if (cap - used < len)
				cap = used + len;
			if ((nnames = realloc(names, cap)) == NULL)
				die_nomem();
			names = nnames;
		}
		memcpy(names + used, name, len);
		used += len;
		s->v[s->n++] = c;
	}
	if (s->err != 0)
		return -1;
	for (i = 0, used = 0; i < s->n; i++) {
		s->v[i].name = names + used;
		used += strlen(names + used) + 1;
	}
	qsort(s->v, s->n, sizeof(*s->v), cand_qsort);
	return 0;
}

/*
 * Whether a candidate leads to something: fills c->link and c->path (a
 * relative link resolved against the directory) and *st.  A link that
 * cannot be read or followed is skipped with a warning, never chosen.
 */
static int
follow(const struct scan *s, const struct cand *k, const char *cmd, int warn,
    struct choice *c, struct stat *st)
{
	char *link;

	if ((link = read_link_at(s->fd, k->name)) == NULL) {
		if (warn)
			fprintf(stderr, PROG ": %s: skipping %s/%s: %s\n", cmd, s->dir, k->name,
			    errno == EINVAL ? "not a symbolic link" : strerror(errno));
		return -1;
	}
	if (fstatat(s->fd, k->name, st, 0) == -1) {
		if (warn)
			fprintf(stderr, PROG ": %s: skipping %s/%s -> %s: %s\n", cmd, s->dir,
			    k->name, link, errno == ENOENT ? "dangling link" : strerror(errno));
		free(link);
		return -1;
	}
	c->link = link;
	c->path = link[0] == '/' ? concat(link, (const char *)NULL) :
	    concat(s->dir, "/", link, (const char *)NULL);
	c->label = k->name;
	c->override = 0;
	return 0;
}

/*
 * The candidate that runs: the highest that leads somewhere; -1 if none.
 * Quick (running, -w): one pass for the highest, and only if its link
 * leads nowhere a sorted list to fall back through.  Otherwise (-l) the
 * sorted list s->v, left for the listing, without warnings (-l gives its
 * own).
 */
static int
choose(struct scan *s, const char *cmd, int quick, struct choice *c, struct stat *st)
{
	const char *failed = NULL;
	size_t i;

	if (quick) {
		if (scan_best(s) == -1 || s->n == 0)
			return -1;
		if (follow(s, &s->best, cmd, 1, c, st) == 0)
			return 0;
		failed = s->best.name;
	}
	if (scan_all(s) == -1)
		return -1;
	for (i = 0; i < s->n; i++) {
		if (failed != NULL && strcmp(s->v[i].name, failed) == 0)
			continue;	/* already warned about */
		if (follow(s, &s->v[i], cmd, quick, c, st) == 0)
			return 0;
	}
	return -1;
}

static void
no_version(const struct scan *s, const char *cmd, const char *var)
{
	if (s->err != 0)
		fprintf(stderr, PROG ": %s: no version to run: cannot read %s: %s\n", cmd,
		    s->dir, strerror(s->err));
	else if (s->nentries == 0)
		fprintf(stderr, PROG ": %s: no version to run: %s is empty\n", cmd, s->dir);
	else if (s->n == 0)
		fprintf(stderr, PROG ": %s: no version to run in %s for ABI %s "
		    "(its links are all for another ABI)\n", cmd, s->dir, abi_isa(s->abi));
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
	int r;

	if ((r = is_exec_self(st, self)) == -1) {
		fprintf(stderr, PROG ": cannot check for a loop: %s: %s\n", self, strerror(errno));
		exit(126);
	}
	return r;
}

enum mode { RUN, LIST, WHICH };

/* The status of -l or -w: 1 if their output could not be written. */
static int
written(void)
{
	if (fflush(stdout) == 0 && !ferror(stdout))
		return 0;
	fprintf(stderr, PROG ": cannot write to standard output: %s\n", strerror(errno));
	return 1;
}

/* "-l": every candidate, highest first; "*" marks the one that would run. */
static void
list(struct scan *s, const char *cmd, const char *chosen)
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
		printf("%c %s -> %s\n", s->v[i].name == chosen ? '*' : ' ',
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
	const char *ov, *abival, *altdir, *native;
	char *var;
	int err, found, status = 0;

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
	if (abi_parse(abival, &s.abi) == -1) {
		fprintf(stderr, PROG ": %s: unknown ABI value \"%s\" (accepted: " ABI_ACCEPTED
		    ", or unset)\n", cmd, abival);
		return 127;
	}
	if (s.abi == ABI_UNSET) {
		native = native_isas()[0];
		s.abi = isa_abi(native, strlen(native));
	}
	altdir = trusted_getenv("VEREXEC_ALTDIR");
	s.dir = concat(altdir != NULL && *altdir != '\0' ? altdir : VEREXEC_DIR, "/", cmd,
	    (const char *)NULL);

	if (c.override) {	/* -l with VEREXEC_<cmd> set */
		if (scan_all(&s) == 0)
			list(&s, cmd, NULL);
		return written();
	}
	found = choose(&s, cmd, mode != LIST, &c, &st) == 0;
	if (found && is_self(&st, self)) {
		fprintf(stderr, PROG ": %s: %s/%s -> %s leads back to verexec itself, which "
		    "would loop; it must point at the real program\n", cmd, s.dir, c.label, c.link);
		if (mode == LIST)
			list(&s, cmd, NULL);
		return 126;
	}
	if (mode == LIST)
		list(&s, cmd, found ? c.label : NULL);
	if (!found) {
		no_version(&s, cmd, var);
		return 127;
	}
	if (mode == LIST)
		return written();

chosen:
	if (mode == WHICH) {
		printf("%s\n", c.path);
		return written();
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
