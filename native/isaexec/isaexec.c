/*
 * isaexec: installed once as lib/isaexec with every multiarch command a hard
 * link to it.  Run as <dir>/<name>, it executes <dir>/<isa>/<name> for the
 * first ISA of the machine's list (best first) that can be executed, or only
 * the ISA that ABI names.  argv and envp are passed on untouched, so argv[0]
 * stays what the user typed and ABI reaches nested commands.
 *
 * Exit status when nothing ran: 127 not found (or ABI unusable), 126 found
 * but not executable, 2 run as "isaexec" itself.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "execpath.h"
#include "isa.h"

#define PROG	"isaexec"

/*
 * Failures that say nothing about the candidate file, only about the
 * arguments or the system: every other ISA would fail the same way.
 */
static int
fatal_exec_error(int err)
{
	return err == E2BIG || err == ENOMEM || err == EAGAIN || err == EFAULT;
}

static void
list_dirs(const char *self, size_t dirlen, const char *const *isas)
{
	const char *sep = "";

	for (; *isas != NULL; isas++) {
		fprintf(stderr, "%s%.*s%s", sep, (int)dirlen, self, *isas);
		sep = ", ";
	}
}

int
main(int argc, char *argv[], char *envp[])
{
	const char *what, *name, *abival, *const *isas, *const *isa;
	const char *one[2];
	char *self, *path;
	size_t dirlen, namelen, maxisa = 0;
	enum abi abi;
	int err = 0;
	const char *failed = NULL;	/* ISA of the first candidate that exists but would not run */

	(void)argc;
	if ((self = exec_path(&what)) == NULL) {
		fprintf(stderr, PROG ": cannot tell which command was run (%s: %s)\n",
		    what, strerror(errno));
		return 127;
	}
	name = path_base(self);
	dirlen = (size_t)(name - self);	/* with the trailing '/' */
	namelen = strlen(name);
	if (strcmp(name, PROG) == 0) {
		fprintf(stderr, PROG ": not meant to be run by this name: make the command "
		    "<dir>/<name> a hard link to it, with the programs in <dir>/<isa>/<name> "
		    "(see isaexec(1))\n");
		return 2;
	}

	abival = trusted_getenv("ABI");
	if (abi_parse(abival, &abi) == -1) {
		fprintf(stderr, PROG ": %s: unknown ABI value \"%s\" (accepted: " ABI_ACCEPTED
		    ", or unset)\n", name, abival);
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
	if ((path = malloc(dirlen + maxisa + 1 + namelen + 1)) == NULL) {
		fprintf(stderr, PROG ": %s: %s\n", name, strerror(errno));
		return 126;
	}
	memcpy(path, self, dirlen);

	for (isa = isas; *isa != NULL; isa++) {
		size_t n = strlen(*isa);

		memcpy(path + dirlen, *isa, n);
		path[dirlen + n] = '/';
		memcpy(path + dirlen + n + 1, name, namelen + 1);
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

	if (failed != NULL) {
		fprintf(stderr, PROG ": %s: cannot execute %.*s%s/%s: %s\n", name,
		    (int)dirlen, self, failed, name, strerror(err));
		return 126;
	}
	fprintf(stderr, PROG ": %s: not found in ", name);
	list_dirs(self, dirlen, isas);
	if (abi != ABI_UNSET)
		fprintf(stderr, " (ABI=%s; unset ABI to run any installed ISA)", abival);
	fputc('\n', stderr);
	return 127;
}
