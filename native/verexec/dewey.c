/*
 * Dewey ordering without parsing into an array: two cursors walk the
 * strings side by side and yield one component at a time, so comparing
 * thousands of directory entries costs no allocation.
 *
 * A version is a list of components plus a separate "nb" revision:
 *  - a run of digits is a number (any length; leading zeros do not count);
 *  - alpha, beta, pre, rc, pl, "_" and "." (case-insensitive, first match
 *    in that order) are -3, -2, -1, -1, 0, 0, 0;
 *  - "nb" and its digits set the revision (the last one wins);
 *  - any other ASCII letter is two components, 0 and its index (a = 1);
 *  - every other byte is skipped.
 * Lists compare element by element, a missing element counting as 0; equal
 * lists are ordered by revision.
 */
#include <string.h>

#include "dewey.h"

/*
 * A component: a modifier below zero (neg = -3..-1), or a number written
 * as its decimal digits without leading zeros (len 0 is zero).
 */
struct comp {
	int neg;
	const char *digits;
	size_t len;
};

struct cursor {
	const char *p, *end;
	const char *nb;		/* revision digits, leading zeros stripped */
	size_t nblen;
	int letter;		/* second half of a letter still to yield, or 0 */
};

/* Letter indexes as decimal strings, so they compare like digit runs. */
static const char *const letter_digits[27] = {
	"", "1", "2", "3", "4", "5", "6", "7", "8", "9", "10", "11", "12", "13",
	"14", "15", "16", "17", "18", "19", "20", "21", "22", "23", "24", "25", "26",
};

static int
is_digit(int c)
{
	return c >= '0' && c <= '9';
}

/* ASCII only: the TypeScript side folds A-Z and nothing else. */
static int
lower(int c)
{
	return c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c;
}

static int
starts_with(const char *p, const char *end, const char *word, size_t len)
{
	size_t i;

	if ((size_t)(end - p) < len)
		return 0;
	for (i = 0; i < len; i++)
		if (lower((unsigned char)p[i]) != word[i])
			return 0;
	return 1;
}

/* Reads a digit run at *pp (maybe empty) into digits/len, zeros stripped. */
static void
digit_run(const char **pp, const char *end, const char **digits, size_t *len)
{
	const char *p = *pp;

	while (p < end && *p == '0')
		p++;
	*digits = p;
	while (p < end && is_digit((unsigned char)*p))
		p++;
	*len = (size_t)(p - *digits);
	*pp = p;
}

static void
cursor_init(struct cursor *c, const char *s, size_t len)
{
	c->p = s;
	c->end = s + len;
	c->nb = s;
	c->nblen = 0;
	c->letter = 0;
}

/* Whether the modifier word (lower case) starts at c->p; if so, skips it. */
static int
modifier(struct cursor *c, const char *word, size_t len)
{
	if (!starts_with(c->p, c->end, word, len))
		return 0;
	c->p += len;
	return 1;
}

/*
 * The next component into *out; 0 at the end of the string.  The modifiers
 * alpha, beta, pre, rc, pl, "_" and "." are tried in that order, which the
 * switch on their first letters preserves: no two of them can match at the
 * same place.
 */
static int
next(struct cursor *c, struct comp *out)
{
	int ch;

	out->neg = 0;
	out->digits = "";
	out->len = 0;
	if (c->letter != 0) {
		out->digits = letter_digits[c->letter];
		out->len = strlen(out->digits);
		c->letter = 0;
		return 1;
	}
	while (c->p < c->end) {
		ch = lower((unsigned char)*c->p);
		if (is_digit(ch)) {
			digit_run(&c->p, c->end, &out->digits, &out->len);
			return 1;
		}
		switch (ch) {
		case 'a':
			if (modifier(c, "alpha", 5)) {
				out->neg = -3;
				return 1;
			}
			break;
		case 'b':
			if (modifier(c, "beta", 4)) {
				out->neg = -2;
				return 1;
			}
			break;
		case 'p':
			if (modifier(c, "pre", 3)) {
				out->neg = -1;
				return 1;
			}
			if (modifier(c, "pl", 2))
				return 1;
			break;
		case 'r':
			if (modifier(c, "rc", 2)) {
				out->neg = -1;
				return 1;
			}
			break;
		case '_':
		case '.':
			c->p++;
			return 1;
		case 'n':
			if (modifier(c, "nb", 2)) {
				digit_run(&c->p, c->end, &c->nb, &c->nblen);
				continue;
			}
			break;
		}
		c->p++;
		if (ch >= 'a' && ch <= 'z') {
			c->letter = ch - 'a' + 1;
			return 1;	/* the 0 in front of the letter's index */
		}
	}
	return 0;
}

static int
cmp_numbers(const char *a, size_t alen, const char *b, size_t blen)
{
	int r;

	if (alen != blen)
		return alen < blen ? -1 : 1;
	r = memcmp(a, b, alen);
	return r < 0 ? -1 : r > 0;
}

static int
cmp_comp(const struct comp *a, const struct comp *b)
{
	if (a->neg != b->neg)
		return a->neg < b->neg ? -1 : 1;
	return cmp_numbers(a->digits, a->len, b->digits, b->len);
}

int
dewey_cmp(const char *a, size_t alen, const char *b, size_t blen)
{
	struct cursor ca, cb;
	struct comp xa, xb;
	int more_a, more_b, r;

	cursor_init(&ca, a, alen);
	cursor_init(&cb, b, blen);
	for (;;) {
		more_a = next(&ca, &xa);
		more_b = next(&cb, &xb);
		if (!more_a && !more_b)
			break;
		/* next() left a spent side's component at zero: the padding. */
		if ((r = cmp_comp(&xa, &xb)) != 0)
			return r;
	}
	/* Both strings were read to the end, so both revisions are final. */
	return cmp_numbers(ca.nb, ca.nblen, cb.nb, cb.nblen);
}

size_t
dewey_ncomp(const char *v, size_t len)
{
	struct cursor c;
	struct comp x;
	size_t n = 0;

	cursor_init(&c, v, len);
	while (next(&c, &x))
		n++;
	return n;
}
