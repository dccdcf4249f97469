/*
 * isaexec: installed once as lib/isaexec with every multiarch command a hard
 * link to it.  Run as <dir>/<name>, it executes <dir>/<isa>/<name> for the
 * first ISA of the machine's list (best first) that can be executed, or only
 * the ISA that ABI names.  argv and envp are passed on untouched, so argv[0]
 * stays what the user typed and ABI reaches nested commands.
 *
 * Exit status when nothing ran: 127 not found (or ABI unusable), 126 found
 * but not executable or leading back to this very program, 2 run as
 * "isaexec" itself.
 *
 * Every command pays for this program's start-up, so it avoids stdio (its
 * formatting code would make the static binary half as large again) and,
 * for paths of the usual length, the heap.  Messages are assembled by hand.
 */
#include <sys/stat.h>

#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "execpath.h"
#include "isa.h"

#define PROG	"isaexec"

/*
 * Paths up to this size are built on the stack; longer ones (the kernel
 * allows about this much, but nothing here relies on it) on the heap.
 */
#define ONSTACK	4096

/* A message being assembled; on allocation failure it is written in pieces. */
struct msg {
	char *buf;
	size_t len, cap;
	int oom;
};

/* write(2) all of it to stderr; if stderr is gone there is no one to tell. */
static void
put(const char *s, size_t n)
{
	ssize_t w;

	while (n > 0 && (w = write(STDERR_FILENO, s, n)) > 0) {
		s += w;
		n -= (size_t)w;
	}
}

static void
msg_add(struct msg *m, const char *s, size_t n)
{
	char *nbuf;
	size_t ncap;

	if (!m->oom && m->len + n > m->cap) {
		ncap = m->cap * 2 > m->len + n ? m->cap * 2 : m->len + n + 128;
		if ((nbuf = realloc(m->buf, ncap)) == NULL)
			m->oom = 1;
		else {
			m->buf = nbuf;
			m->cap = ncap;
		}
	}
	if (m->oom) {
		put(m->buf, m->len);
		m->len = 0;
		put(s, n);
	} else {
		memcpy(m->buf + m->len, s, n);
		m->len += n;
	}
}

/* Appends the NUL-terminated strings given, up to a NULL. */
static void
msg_cat(struct msg *m, ...)
{
	va_list ap;
	const char *s;

	va_start(ap, m);
	while ((s = va_arg(ap, const char *)) != NULL)
		msg_add(m, s, strlen(s));
	va_end(ap);
}

/* Writes the message with a newline, in one write(2) when it can. */
static void
msg_send(struct msg *m)
{
	msg_add(m, "\n", 1);
	put(m->buf, m->len);
	free(m->buf);
}

/*
 * Failures that say nothing about the candidate file, only about the
 * arguments or the system: every other ISA would fail the same way.
 */
static int
fatal_exec_error(int err)
{
	return err == E2BIG || err == ENOMEM || err == EAGAIN || err == EFAULT;
}

int
main(int argc, char *argv[], char *envp[])
{
	const char *what, *name, *abival, *const *isas, *const *isa;
	const char *one[2];
	const char *failed = NULL;	/* ISA of the first candidate that exists but would not run */
	char selfbuf[ONSTACK], pathbuf[ONSTACK];
	char *self, *path;
	size_t dirlen, namelen, maxisa = 0, need;
	struct msg m = { NULL, 0, 0, 0 };
	struct stat st;
	enum abi abi;
	int err = 0, loop;

	(void)argc;
	if ((self = exec_path_in(selfbuf, sizeof(selfbuf), &what)) == NULL) {
		msg_cat(&m, PROG ": cannot tell which command was run (", what, ": ",
		    strerror(errno), ")", (char *)NULL);
		msg_send(&m);
		return 127;
	}
	name = path_base(self);
	dirlen = (size_t)(name - self);	/* with the trailing '/' */
	namelen = strlen(name);
	if (strcmp(name, PROG) == 0) {
		msg_cat(&m, PROG ": not meant to be run by this name: make the command "
		    "<dir>/<name> a hard link to it, with the programs in <dir>/<isa>/<name> "
		    "(see isaexec(1))", (char *)NULL);
		msg_send(&m);
		return 2;
	}

	abival = trusted_getenv("ABI");
	if (abi_parse(abival, &abi) == -1) {
		msg_cat(&m, PROG ": ", name, ": unknown ABI value \"", abival,
		    "\" (accepted: " ABI_ACCEPTED ", or unset)", (char *)NULL);
		msg_send(&m);
		return 127;
	}
	if (abi != ABI_UNSET) {
		one[0] = abi_isa(abi);
		one[1] = NULL;
		isas = one;
	} else
		isas = native_isas();

	for (isa = isas; *isa != NULL; isa++)
		if (strlen(*isa) > maxisa)
			maxisa = strlen(*isa);
	need = dirlen + maxisa + 1 + namelen + 1;
	if (need <= sizeof(pathbuf))
		path = pathbuf;
	else if ((path = malloc(need)) == NULL) {
		msg_cat(&m, PROG ": ", name, ": ", strerror(errno), (char *)NULL);
		msg_send(&m);
		return 126;
	}
	memcpy(path, self, dirlen);

	for (isa = isas; *isa != NULL; isa++) {
		size_t n = strlen(*isa);

		memcpy(path + dirlen, *isa, n);
		path[dirlen + n] = '/';
		memcpy(path + dirlen + n + 1, name, namelen + 1);
		/*
		 * A candidate that is this program again (bin/amd64/foo ->
		 * ../foo, bin/amd64 -> ., a hard link to lib/isaexec) would
		 * exec it forever.  When stat(2) fails, execve(2) below fails
		 * the same way and reports it.
		 */
		if (stat(path, &st) == 0 && (loop = is_exec_self(&st, self)) != 0) {
			msg_cat(&m, PROG ": ", name, ": ", (char *)NULL);
			if (loop == -1) {
				msg_cat(&m, "cannot check for a loop: ", self, ": ",
				    strerror(errno), (char *)NULL);
			} else {
				msg_cat(&m, path, " leads back to isaexec itself (", self,
				    "), which would loop; install the ", *isa,
				    " program there", (char *)NULL);
			}
			msg_send(&m);
			return 126;
		}
		execve(path, argv, envp);
		if (errno == ENOENT || errno == ENOTDIR)
			continue;
		if (failed == NULL) {
			failed = *isa;
			err = errno;
		}
		if (fatal_exec_error(errno))
			break;
	}

	msg_cat(&m, PROG ": ", name, (char *)NULL);
	if (failed != NULL) {
		msg_cat(&m, ": cannot execute ", (char *)NULL);
		msg_add(&m, self, dirlen);
		msg_cat(&m, failed, "/", name, ": ", strerror(err), (char *)NULL);
		msg_send(&m);
		return 126;
	}
	msg_cat(&m, ": not found in ", (char *)NULL);
	for (isa = isas; *isa != NULL; isa++) {
		if (isa != isas)
			msg_cat(&m, ", ", (char *)NULL);
		msg_add(&m, self, dirlen);
		msg_cat(&m, *isa, (char *)NULL);
	}
	if (abi != ABI_UNSET)
		msg_cat(&m, " (ABI=", abival, "; unset ABI to run any installed ISA)", (char *)NULL);
	msg_send(&m);
	return 127;
}
