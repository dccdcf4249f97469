/*
 * timeit [-c] [-n COUNT] [-r ROUNDS] CMD ARGS... [::: CMD ARGS...]...
 *
 * Runs each command COUNT times per round, the commands interleaved round
 * after round so that a machine getting busier or quieter affects them all
 * alike, and prints one line per command: the median over the rounds of the
 * mean wall-clock microseconds per invocation.  With -c a second column
 * gives the same for the CPU time (user + system) the runs consumed, which
 * a machine busy with other work inflates much less than wall-clock time.
 * Every run must exit 0: a dispatcher that fails fast would otherwise look
 * very cheap.  The commands' standard output goes to /dev/null.
 *
 * Written in C rather than shell because a shell loop's own fork costs more
 * than what is being measured; rather than hyperfine because that runs each
 * command's runs back to back instead of interleaved, reports no CPU time,
 * and is not among the packages the set-up installs.
 */
#define _POSIX_C_SOURCE 200809L
#include <errno.h>
#include <fcntl.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
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

/* CPU microseconds used so far by the children waited for. */
static double
children_cpu_us(void)
{
	struct rusage ru;

	if (getrusage(RUSAGE_CHILDREN, &ru) == -1) {
		perror("timeit: getrusage");
		exit(2);
	}
	return (ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) * 1e6 +
	    ru.ru_utime.tv_usec + ru.ru_stime.tv_usec;
}

/* Mean wall-clock microseconds per run of argv over count runs; *cpu gets the mean CPU time. */
static double
run(char **argv, long count, double *cpu)
{
	posix_spawn_file_actions_t fa;
	double start, cpu_start;
	pid_t pid;
	int err, status;
	long i;

	if ((err = posix_spawn_file_actions_init(&fa)) != 0 ||
	    (err = posix_spawn_file_actions_addopen(&fa, 1, "/dev/null", O_WRONLY, 0)) != 0) {
		fprintf(stderr, "timeit: posix_spawn_file_actions: %s\n", strerror(err));
		exit(2);
	}
	start = now_us();
	cpu_start = children_cpu_us();
	for (i = 0; i < count; i++) {
		if ((err = posix_spawn(&pid, argv[0], &fa, NULL, argv, environ)) != 0) {
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
	*cpu = (children_cpu_us() - cpu_start) / count;
	posix_spawn_file_actions_destroy(&fa);
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
	double *times, *cpus, ignored;
	int ncmds = 0, i, c, show_cpu = 0;

	while ((c = getopt(argc, argv, "cn:r:")) != -1) {
		switch (c) {
		case 'c': show_cpu = 1; break;
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

	if ((times = calloc((size_t)ncmds * rounds, sizeof(*times))) == NULL ||
	    (cpus = calloc((size_t)ncmds * rounds, sizeof(*cpus))) == NULL) {
		perror("timeit");
		return 2;
	}
	for (i = 0; i < ncmds; i++)	/* warm the page cache */
		run(cmds[i], 10, &ignored);
	for (r = 0; r < rounds; r++)
		for (i = 0; i < ncmds; i++)
			times[i * rounds + r] = run(cmds[i], count, &cpus[i * rounds + r]);
	for (i = 0; i < ncmds; i++) {
		qsort(times + i * rounds, rounds, sizeof(*times), cmp_double);
		qsort(cpus + i * rounds, rounds, sizeof(*cpus), cmp_double);
		if (show_cpu)
			printf("%.1f %.1f\n", times[i * rounds + rounds / 2], cpus[i * rounds + rounds / 2]);
		else
			printf("%.1f\n", times[i * rounds + rounds / 2]);
	}
	return 0;
usage:
	fprintf(stderr, "usage: timeit [-c] [-n COUNT] [-r ROUNDS] CMD ARGS... [::: CMD ARGS...]...\n");
	return 2;
}
