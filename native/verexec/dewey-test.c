/*
 * Test driver for dewey.c (built by "make check", never installed).
 *
 *   dewey-test vectors FILE   check every "a OP b" case of the vector file
 *   dewey-test property N SEED  check that the ordering is a total preorder
 *                             on N random strings
 *   dewey-test compare        for each stdin line "a<TAB>b" print -1, 0 or 1
 *
 * Exit status 1 when a check fails, 2 on bad usage or input.
 */
#define _POSIX_C_SOURCE 200809L
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dewey.h"

static int
cmp(const char *a, const char *b)
{
	return dewey_cmp(a, strlen(a), b, strlen(b));
}

static int
usage(void)
{
	fprintf(stderr, "usage: dewey-test vectors FILE | property N SEED | compare\n");
	return 2;
}

/* Splits line into at most 4 whitespace-separated fields, in place. */
static int
fields(char *line, char **f)
{
	int n = 0;
	char *p = line;

	for (;;) {
		while (*p == ' ' || *p == '\t' || *p == '\r' || *p == '\n')
			*p++ = '\0';
		if (*p == '\0' || n == 4)
			return n;
		f[n++] = p;
		while (*p != '\0' && *p != ' ' && *p != '\t' && *p != '\r' && *p != '\n')
			p++;
	}
}

static int
vectors(const char *file)
{
	FILE *fp;
	char *line = NULL, *hash, *f[4];
	size_t cap = 0;
	unsigned long lineno = 0, pass = 0, fail = 0;
	int want, got, back, n;

	if ((fp = fopen(file, "r")) == NULL) {
		fprintf(stderr, "dewey-test: %s: %s\n", file, strerror(errno));
		return 2;
	}
	while (getline(&line, &cap, fp) != -1) {
		lineno++;
		if ((hash = strchr(line, '#')) != NULL)
			*hash = '\0';
		if ((n = fields(line, f)) == 0)
			continue;
		if (n != 3 || (strcmp(f[1], "<") != 0 && strcmp(f[1], "==") != 0 &&
		    strcmp(f[1], ">") != 0)) {
			fprintf(stderr, "%s:%lu: malformed vector (want: a OP b, OP one of < == >)\n",
			    file, lineno);
			fclose(fp);
			free(line);
			return 2;
		}
		if (strcmp(f[0], "\"\"") == 0)
			f[0] = "";
		if (strcmp(f[2], "\"\"") == 0)
			f[2] = "";
		want = f[1][0] == '<' ? -1 : f[1][0] == '>' ? 1 : 0;
		got = cmp(f[0], f[2]);
		back = cmp(f[2], f[0]);
		if (got == want && back == -want) {
			pass++;
		} else {
			fail++;
			printf("FAIL: %s:%lu: '%s' %s '%s': got %d, reversed %d\n",
			    file, lineno, f[0], f[1], f[2], got, back);
		}
	}
	if (ferror(fp)) {
		fprintf(stderr, "dewey-test: %s: %s\n", file, strerror(errno));
		fclose(fp);
		free(line);
		return 2;
	}
	fclose(fp);
	free(line);
	printf("%lu passed, %lu failed\n", pass, fail);
	return fail != 0 || pass == 0;
}

/* xorshift64*: reproducible from the seed on every libc. */
static uint64_t rng_state;

static uint64_t
rng(void)
{
	rng_state ^= rng_state >> 12;
	rng_state ^= rng_state << 25;
	rng_state ^= rng_state >> 27;
	return rng_state * UINT64_C(2685821657736338717);
}

/* Pieces chosen to hit every rule: numbers, modifiers, nb, letters, noise. */
static const char *const pieces[] = {
	"0", "1", "2", "9", "10", "007", "99999999999999999999", ".", "_", "-", "+",
	"a", "b", "z", "A", "p", "n", "alpha", "beta", "pre", "rc", "RC", "pl", "PL",
	"nb", "nb0", "nb1", "nb12", "\xc3\xa9", "~",
};

static char *
random_version(void)
{
	size_t n = (size_t)(rng() % 7), i, len = 0;
	const char *pick[6];
	char *s;

	for (i = 0; i < n && i < 6; i++) {
		pick[i] = pieces[rng() % (sizeof(pieces) / sizeof(pieces[0]))];
		len += strlen(pick[i]);
	}
	if ((s = malloc(len + 1)) == NULL)
		return NULL;
	s[0] = '\0';
	for (i = 0; i < n && i < 6; i++)
		strcat(s, pick[i]);
	return s;
}

/*
 * A total preorder is a ranking with ties.  Insertion-sort the strings (no
 * qsort: its behaviour with a broken comparator is undefined), number the
 * runs of equal neighbours, and demand that every pair compares exactly as
 * its run numbers do.  That fails on any asymmetry, intransitivity or
 * non-transitive equality.
 */
static int
property(unsigned long n, uint64_t seed)
{
	char **s, *t;
	unsigned long *rank, i, j, pass = 0, fail = 0;
	int want, got;

	rng_state = seed != 0 ? seed : 1;
	if ((s = calloc(n, sizeof(*s))) == NULL || (rank = calloc(n, sizeof(*rank))) == NULL) {
		fprintf(stderr, "dewey-test: out of memory\n");
		return 2;
	}
	for (i = 0; i < n; i++)
		if ((s[i] = random_version()) == NULL) {
			fprintf(stderr, "dewey-test: out of memory\n");
			return 2;
		}
	for (i = 1; i < n; i++)
		for (j = i; j > 0 && cmp(s[j - 1], s[j]) > 0; j--) {
			t = s[j];
			s[j] = s[j - 1];
			s[j - 1] = t;
		}
	for (i = 1; i < n; i++)
		rank[i] = rank[i - 1] + (cmp(s[i - 1], s[i]) != 0);
	for (i = 0; i < n; i++)
		for (j = 0; j < n; j++) {
			want = rank[i] < rank[j] ? -1 : rank[i] > rank[j];
			got = cmp(s[i], s[j]);
			if (got == want) {
				pass++;
			} else if (fail++ < 10) {
				printf("FAIL: '%s' vs '%s': got %d, want %d (ranks %lu, %lu)\n",
				    s[i], s[j], got, want, rank[i], rank[j]);
			}
		}
	printf("%lu pairs of %lu strings in %lu classes: %lu wrong\n",
	    pass + fail, n, rank[n - 1] + 1, fail);
	for (i = 0; i < n; i++)
		free(s[i]);
	free(s);
	free(rank);
	return fail != 0;
}

static int
compare(void)
{
	char *line = NULL, *tab;
	size_t cap = 0;
	ssize_t len;

	while ((len = getline(&line, &cap, stdin)) != -1) {
		if (len > 0 && line[len - 1] == '\n')
			line[--len] = '\0';
		if ((tab = memchr(line, '\t', (size_t)len)) == NULL) {
			fprintf(stderr, "dewey-test: input line without a tab\n");
			free(line);
			return 2;
		}
		printf("%d\n", dewey_cmp(line, (size_t)(tab - line), tab + 1,
		    (size_t)(line + len - tab - 1)));
	}
	free(line);
	return ferror(stdin) || fflush(stdout) != 0 ? 2 : 0;
}

int
main(int argc, char **argv)
{
	char *end;
	unsigned long n;
	unsigned long long seed;

	if (argc == 3 && strcmp(argv[1], "vectors") == 0)
		return vectors(argv[2]);
	if (argc == 4 && strcmp(argv[1], "property") == 0) {
		n = strtoul(argv[2], &end, 10);
		if (*end != '\0' || n == 0)
			return usage();
		seed = strtoull(argv[3], &end, 10);
		if (*end != '\0')
			return usage();
		return property(n, (uint64_t)seed);
	}
	if (argc == 2 && strcmp(argv[1], "compare") == 0)
		return compare();
	return usage();
}
