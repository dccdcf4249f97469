/*
 * timeit [-n COUNT] [-r ROUNDS] CMD ARGS... [::: CMD ARGS...]...
 *
 * Runs each command COUNT times per round, the commands interleaved round
 * after round so that a machine getting busier or quieter affects them all
 * alike, and prints one line per command: the median over the rounds of the
 * mean wall-clock microseconds per invocation.  Every run must exit 0: a
 * dispatcher that fails fast would otherwise look very cheap.
 *
 * Written in C rather than shell because a shell loop's own fork costs more
 * than what is being measured.
 */
#define _POSIX_C_SOURCE 200809L
#include <errno.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

extern char **environ;

static int
cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

static double
now_us(void)
{
	struct timespec ts;

	if (clock_gettime(CLOCK_MONOTONIC, &ts) == -1) {
		perror("timeit: clock_gettime");
		exit(2);
	}
	return ts.tv_sec * 1e6 + ts.tv_nsec / 1e3;
}

/* Mean microseconds per run of argv over count runs. */
static double
run(char **argv, long count)
{
	double start = now_us();
	pid_t pid;
	int err, status;
	long i;

	for (i = 0; i < count; i++) {
		if ((err = posix_spawn(&pid, argv[0], NULL, NULL, argv, environ)) != 0) {
			fprintf(stderr, "timeit: %s: %s\n", argv[0], strerror(err));
			exit(2);
		}
		while (waitpid(pid, &status, 0) == -1)
			if (errno != EINTR) {
				perror("timeit: waitpid");
				exit(2);
			}
		if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
			fprintf(stderr, "timeit: %s: run %ld did not exit 0 (wait status %d)\n",
			    argv[0], i + 1, status);
			exit(1);
		}
	}
	return (now_us() - start) / count;
}

static long
number(const char *s, const char *what)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(s, &end, 10);
	if (errno != 0 || *s == '\0' || *end != '\0' || v < 1) {
		fprintf(stderr, "timeit: %s must be a positive integer, not \"%s\"\n", what, s);
		exit(2);
	}
	return v;
}

int
main(int argc, char *argv[])
{
	long count = 1000, rounds = 5, r;
	char ***cmds;
	double *times;
	int ncmds = 0, i, c;

	while ((c = getopt(argc, argv, "n:r:")) != -1) {
		switch (c) {
		case 'n': count = number(optarg, "-n COUNT"); break;
		case 'r': rounds = number(optarg, "-r ROUNDS"); break;
		default: goto usage;
		}
	}
	argv += optind;
	argc -= optind;
	if (argc == 0)
		goto usage;

	/* Split argv in place at each ":::"; every piece is one command. */
	if ((cmds = calloc(argc + 1, sizeof(*cmds))) == NULL) {
		perror("timeit");
		return 2;
	}
	cmds[ncmds++] = argv;
	for (i = 0; i < argc; i++)
		if (strcmp(argv[i], ":::") == 0) {
			argv[i] = NULL;
			cmds[ncmds++] = argv + i + 1;
		}
	for (i = 0; i < ncmds; i++)
		if (cmds[i][0] == NULL)
			goto usage;

	if ((times = calloc((size_t)ncmds * rounds, sizeof(*times))) == NULL) {
		perror("timeit");
		return 2;
	}
	for (i = 0; i < ncmds; i++)	/* warm the page cache */
		run(cmds[i], 10);
	for (r = 0; r < rounds; r++)
		for (i = 0; i < ncmds; i++)
			times[i * rounds + r] = run(cmds[i], count);
	for (i = 0; i < ncmds; i++) {
		qsort(times + i * rounds, rounds, sizeof(*times), cmp_double);
		printf("%.1f\n", times[i * rounds + rounds / 2]);
	}
	return 0;
usage:
	fprintf(stderr, "usage: timeit [-n COUNT] [-r ROUNDS] CMD ARGS... [::: CMD ARGS...]...\n");
	return 2;
}
