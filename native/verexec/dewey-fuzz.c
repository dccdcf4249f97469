/*
 * libFuzzer target for dewey.c ("make fuzz"; not part of "make check").
 * The input is split at its first two NUL bytes into versions a, b and c
 * (missing parts are empty), and the ordering must behave as a total
 * preorder on them: reflexive, antisymmetric, transitive, with equality
 * transitive too.  Any violation aborts, which libFuzzer reports with the
 * input that caused it; ASan/UBSan catch reads past the given lengths.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "dewey.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

struct part {
	const char *p;
	size_t n;
};

static struct part
take(const uint8_t **data, size_t *size)
{
	struct part x = { (const char *)*data, *size };
	const uint8_t *nul = memchr(*data, '\0', *size);

	if (nul != NULL) {
		x.n = (size_t)(nul - *data);
		*size -= x.n + 1;
		*data = nul + 1;
	} else {
		*data += *size;
		*size = 0;
	}
	return x;
}

static int
cmp(struct part x, struct part y)
{
	int r = dewey_cmp(x.p, x.n, y.p, y.n);

	if (r < -1 || r > 1)
		abort();
	return r;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct part a = take(&data, &size), b = take(&data, &size), c = take(&data, &size);
	int ab = cmp(a, b), bc = cmp(b, c), ac = cmp(a, c);

	if (cmp(a, a) != 0 || cmp(b, b) != 0)
		abort();
	if (cmp(b, a) != -ab || cmp(c, b) != -bc || cmp(c, a) != -ac)
		abort();
	if (ab <= 0 && bc <= 0 && ac != ((ab < 0 || bc < 0) ? -1 : 0))
		abort();
	if (ab >= 0 && bc >= 0 && ac != ((ab > 0 || bc > 0) ? 1 : 0))
		abort();
	(void)dewey_ncomp(a.p, a.n);
	return 0;
}
