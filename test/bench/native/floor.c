/*
 * Benchmark floor: the cheapest possible wrapper.  "floor TARGET ARGS..."
 * replaces itself with TARGET (argv shifted by one, environment unchanged):
 * one extra execve and nothing else.  A dispatcher cannot cost less than
 * this, so the benchmarks report a dispatcher's added cost as a ratio of
 * the floor's.
 */
#include <unistd.h>

extern char **environ;

int
main(int argc, char *argv[])
{
	if (argc < 2)
		return 2;
	execve(argv[1], argv + 1, environ);
	return 127;
}
