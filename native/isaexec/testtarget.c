/*
 * Test target for the isaexec tests, built once with gcc -m32 and once with
 * -m64 and installed as <dir>/i86/<name> and <dir>/amd64/<name>.  It reports
 * what it received so the tests can check that isaexec changed nothing:
 *
 *   bits=<32|64>          the ELF class that actually ran
 *   pid=<pid>             equal to the shell's $$ before "exec": not a child
 *   argc=<n>
 *   argv[<i>]=<arg>       with \ and newline written as \\ and \n
 *   env=<entry>           only when TT_ENV is set, for every environ entry
 *
 * TT_EXIT=<n> makes it exit with n; TT_SIGNAL=<n> makes it kill itself.
 * Not installed; test code only.
 */
#define _POSIX_C_SOURCE 200809L
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

extern char **environ;

static void
put_escaped(const char *s)
{
	for (; *s != '\0'; s++) {
		if (*s == '\\')
			fputs("\\\\", stdout);
		else if (*s == '\n')
			fputs("\\n", stdout);
		else
			putchar(*s);
	}
	putchar('\n');
}

int
main(int argc, char *argv[])
{
	const char *v;
	char **e;
	int i;

	printf("bits=%d\npid=%ld\nargc=%d\n", (int)sizeof(void *) * 8, (long)getpid(), argc);
	for (i = 0; i < argc; i++) {
		printf("argv[%d]=", i);
		put_escaped(argv[i]);
	}
	if (getenv("TT_ENV") != NULL)
		for (e = environ; *e != NULL; e++) {
			fputs("env=", stdout);
			put_escaped(*e);
		}
	if (fflush(stdout) == EOF)
		return 1;
	if ((v = getenv("TT_SIGNAL")) != NULL)
		kill(getpid(), atoi(v));
	if ((v = getenv("TT_EXIT")) != NULL)
		return atoi(v);
	return 0;
}
