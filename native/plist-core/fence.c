/*
 * A native host for plist-core that looks for memory errors: every block
 * the core allocates ends where an inaccessible page starts, so a read or
 * write past a buffer's slack faults instead of going unnoticed in linear
 * memory; the build adds UBSan. It feeds seeded random PLISTs through every
 * configuration the host can write, in random chunks and with every set of
 * run flags, and checks what the protocol promises (README.md). Whether the
 * output is right is the TypeScript tests' business (bytes.test.ts).
 *
 * The core names copied keys by ~address, which must fit in 31 bits: the
 * blocks are mapped in the low 2 GiB (MAP_32BIT, Linux on x86-64). Elsewhere
 * this reports itself skipped.
 *
 *	plist-core-fence [ROUNDS]	prints "N passed, N failed, N skipped"
 */
#define _GNU_SOURCE
#include <sys/mman.h>
#include <sys/wait.h>

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core.h"

#ifdef MAP_32BIT

#define PAGE 4096u

struct block {
	void *p;
	unsigned char *map;
	size_t len;
};

static struct block blocks[1024];
static const unsigned char *input;	/* the whole input, for log_equals */
static size_t input_len;
static unsigned long failures;

void *
mem_alloc(u32 n)
{
	size_t len, i;
	unsigned char *m;

	/* Not rounded up, as the core's own allocator does: a block ends exactly at the fence (blocks of structs or words are multiples of 8 and stay aligned). */
	len = ((size_t)n + PAGE - 1) / PAGE * PAGE + PAGE;
	m = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_32BIT, -1, 0);
	if (m == MAP_FAILED)
		return NULL;
	if (mprotect(m + len - PAGE, PAGE, PROT_NONE) != 0) {
		fprintf(stderr, "plist-core-fence: mprotect: %s\n", strerror(errno));
		exit(2);
	}
	/* Not zero: the core must not count on fresh memory being zero. */
	memset(m, 0xa5, len - PAGE);
	for (i = 0; i < sizeof(blocks) / sizeof(blocks[0]); i++)
		if (blocks[i].p == NULL) {
			blocks[i] = (struct block){ m + len - PAGE - n, m, len };
			return blocks[i].p;
		}
	fprintf(stderr, "plist-core-fence: more than %zu live blocks\n", sizeof(blocks) / sizeof(blocks[0]));
	exit(2);
}

void
mem_free(void *p)
{
	size_t i;

	if (p == NULL)
		return;
	for (i = 0; i < sizeof(blocks) / sizeof(blocks[0]); i++)
		if (blocks[i].p == p) {
			munmap(blocks[i].map, blocks[i].len);
			blocks[i].p = NULL;
			return;
		}
	fprintf(stderr, "plist-core-fence: free of a block never allocated\n");
	exit(2);
}

int
log_equals(i32 ref, const u8 *p, u32 len)
{
	if (ref < 0 || (size_t)ref + len > input_len)
		return 0;
	return memcmp(input + ref, p, len) == 0 && ((size_t)ref + len == input_len || input[ref + len] == '\n');
}

static uint32_t seed = 12345;

static uint32_t
rnd(uint32_t n)
{
	seed = seed * 1103515245u + 12345u;
	return (seed >> 8) % n;
}

static void
fail(const char *what, unsigned round)
{
	if (failures++ < 10)
		fprintf(stderr, "plist-core-fence: round %u: %s\n", round, what);
}

/* The configuration px_init reads (see PlistExpander.coreConfig). */
struct writer {
	unsigned char *b;
	size_t len, cap;
};

static void
put_bytes(struct writer *w, const void *p, size_t n)
{
	if (w->len + n > w->cap) {
		w->cap = (w->len + n) * 2;
		if ((w->b = realloc(w->b, w->cap)) == NULL) {
			perror("plist-core-fence");
			exit(2);
		}
	}
	memcpy(w->b + w->len, p, n);
	w->len += n;
}

static void
put_u32(struct writer *w, uint32_t v)
{
	put_bytes(w, &v, 4);
}

static void
put_str(struct writer *w, const char *s)
{
	put_u32(w, (uint32_t)strlen(s));
	put_bytes(w, s, strlen(s));
}

static void put_dirs(struct writer *);

/* A host's view of one configuration: 2 ABIs; `kind` varies what the core must cope with. */
static void
configure(struct writer *w, int kind, const char *long_value)
{
	const char *v64 = kind == 1 ? "/am$d64}" : kind == 3 ? long_value : "/amd64";

	put_u32(w, 2);
	put_u32(w, kind != 2);			/* multiarch enabled */
	put_u32(w, kind != 4);			/* literal ${VAR}s */
	put_u32(w, 0);				/* the host's own host-only flag */
	put_str(w, "@link lib/isaexec ");
	put_str(w, v64); put_str(w, v64); put_str(w, v64);
	put_str(w, ""); put_str(w, ""); put_str(w, "");
	if (kind == 2)
		put_u32(w, 0);
	else
		put_dirs(w);
	/* PLIST_SUBST and PLIST_VARS, with the host's literal ${VAR}s off. */
	if (kind != 4) {
		put_u32(w, 0);
		return;
	}
	put_u32(w, 5);
	put_str(w, "X"); put_str(w, "x/y");
	put_str(w, "PLIST.a"); put_str(w, "");
	put_str(w, "PLIST.b"); put_str(w, "@comment ");
	put_str(w, "E"); put_str(w, "\xc3\xa9.");
	put_str(w, "LONG"); put_str(w, "llllllllllllllllllllllllllllllllllllllllllllllllllllllllllllllllllllllllllllllllllllllllllllllllllllllllllllllllllllllllllllll");
}

static void
put_dirs(struct writer *w)
{
	put_u32(w, 3);
	put_str(w, "bin/sub/"); put_u32(w, 1); put_u32(w, 4 | 8 | 2); put_u32(w, 1);
	put_str(w, "bin/sub/amd64/"); put_u32(w, 4); put_str(w, "bin/sub/"); put_u32(w, 8); put_u32(w, 0);
	put_str(w, "bin/"); put_u32(w, 1); put_u32(w, 4 | 8 | 2); put_u32(w, 1);
	put_str(w, "bin/amd64/"); put_u32(w, 4); put_str(w, "bin/"); put_u32(w, 8); put_u32(w, 0);
	put_str(w, "lib/"); put_u32(w, 0); put_u32(w, 4 | 8); put_u32(w, 1);
	put_str(w, "lib/amd64/"); put_u32(w, 4); put_str(w, "lib/"); put_u32(w, 8); put_u32(w, 1); put_str(w, "lib/svc/");
}

/* The first CLEAN pieces make lines the core takes; the rest, lines it hands back or refuses. */
#define CLEAN 18
static const char *pieces[] = {
	"bin/", "bin/sub/", "sbin/", "lib/", "lib/amd64/", "bin/amd64/", "share/", "include",
	"${INCARCHSUFFIX}", "${BINARCHSUFFIX}", "${X}", "a", "bb", "xxxxxxx", "${PLIST.a}", "${PLIST.b}", "${E}", "${LONG}",
	"lib/svc/", "${LIBARCHSUFFIX}", "${", "}", "$", "@comment ", "@pkgdir ", "@link ", "@exec ", "/", "//", "..",
	".", "\xc3\xa9", "\t", "\x7f", "\r", "ARCHSUFFIX}",
	"yyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyy",
};

/* A random PLIST: lines of pieces, some repeated, some very long, no NUL. */
static size_t
generate(unsigned char *b, size_t cap)
{
	size_t n = 0;

	while (n + 4096 < cap) {
		unsigned k = rnd(12), i, rep = rnd(100) == 0 ? 5 : 1;
		size_t start = n;
		if (rnd(4) == 0 && n > 0) {
			/* Repeat an earlier stretch: duplicates and repeats of earlier input. */
			size_t from = rnd((uint32_t)n), len = rnd(2000);
			if (from + len > n)
				len = n - from;
			memmove(b + n, b + from, len);
			n += len;
			b[n++] = '\n';
			continue;
		}
		uint32_t choice = rnd(4) ? CLEAN : sizeof(pieces) / sizeof(pieces[0]);
		for (i = 0; i < k; i++) {
			const char *p = pieces[rnd(choice)];
			size_t l = strlen(p);
			memcpy(b + n, p, l);
			n += l;
		}
		while (--rep > 0 && n + (n - start) < cap - 4096) {
			memmove(b + n, b + start, n - start);
			n += n - start;
		}
		b[n++] = '\n';
	}
	if (n > 0 && rnd(2))
		n--;	/* no final newline */
	return n;
}

/* Runs one chunk through the core as the host does, checking each stop. */
static void
run_chunk(const unsigned char *chunk, size_t n, i32 ref, unsigned round, int host_only)
{
	i32 *st = px_state();
	u32 s = 0, lines = 1, i;
	i32 line = 1000, first = line;
	u8 *in = px_input((u32)n);

	if (in == NULL) {
		fail("px_input: out of memory", round);
		return;
	}
	for (i = 0; i < n; i++)
		lines += chunk[i] == '\n';
	memcpy(in, chunk, n);
	px_chunk((u32)n, ref);
	for (;;) {
		int r = px_run(s, line, rnd(4));
		u8 *out = px_out();
		i32 len = st[6];

		if (len < 0 || (len > 0 && out[len - 1] != '\n'))
			fail("output is not whole lines", round);
		for (i = 0; i < (u32)len; i++)
			if (out[i] != '\n' && (out[i] < 0x20 || out[i] == 0x7f))
				fail("a control byte in the output", round);
		if (host_only && len > 0)
			fail("output from a core that should leave every line to the host", round);
		st[6] = 0;
		st[4] = 0;
		if (r == 0) {
			if ((u32)(st[3] - first) != lines)
				fail("DONE with a wrong line count", round);
			return;
		}
		s = (u32)st[1];
		line = st[3];
		if (s > n || (s > 0 && chunk[s - 1] != '\n'))
			fail("stopped where no line starts", round);
		if (r == 1) {
			u32 e = (u32)st[2];
			if (e < s || e > n || (e < n && chunk[e] != '\n'))
				fail("PUNT of something that is not a line", round);
			if (e >= n)
				return;
			s = e + 1;
			line++;
		} else if (r != 2 && r != 3) {
			fail("NOMEM or an unknown status", round);
			return;
		}
	}
}

int
main(int argc, char **argv)
{
	unsigned rounds = argc > 1 ? (unsigned)atoi(argv[1]) : 40, round;
	size_t cap = 1u << 20;
	unsigned char *buf = malloc(cap);
	char *long_value = malloc(70001);

	if (buf == NULL || long_value == NULL) {
		perror("plist-core-fence");
		return 2;
	}
	memset(long_value, 'v', 70000);
	long_value[0] = '/';
	long_value[70000] = '\0';
	/* The core keeps its configuration and table for good: one process per configuration. */
	for (round = 0; round < rounds; round++) {
		int kind = (int)(round % 5);
		pid_t pid;
		fflush(stderr);
		if ((pid = fork()) < 0) {
			perror("plist-core-fence: fork");
			return 2;
		}
		if (pid == 0) {
			struct writer w = { NULL, 0, 0 };
			size_t n, pos = 0;
			u8 *c;
			seed = 12345u + round;
			configure(&w, kind, long_value);
			if ((c = px_config((u32)w.len)) == NULL || (memcpy(c, w.b, w.len), px_init(c, (u32)w.len, rnd(3) ? 0 : 100000)) != 0) {
				fail("px_init refused a good configuration", round);
				_exit(1);
			}
			n = generate(buf, cap);
			input = buf;
			input_len = n;
			for (unsigned k = 0; pos < n; k++) {
				/* Odd rounds: chunks that keep growing past 64 KiB, so that each ends where the core's input buffer does. */
				size_t end = pos + 1 + (round % 2 ? 65536 + 1500 * k : rnd(rnd(2) ? 300 : 200000));
				if (end >= n)
					end = n;
				else
					while (end > pos && buf[end] != '\n')
						end--;
				if (end == pos) {
					unsigned char *nl = memchr(buf + pos, '\n', n - pos);
					end = nl == NULL ? n : (size_t)(nl - buf);
				}
				run_chunk(buf + pos, end - pos, rnd(8) ? (i32)pos : -1, round, kind == 3);
				pos = end + 1;
			}
			/* The host's own keys, at odd lengths and through the scratch buffer. */
			for (n = 0; n < 2000; n++) {
				u32 len = rnd(300), k;
				u8 *p = px_scratch(len);
				u32 a, b;
				for (k = 0; k < len; k++)
					p[k] = (u8)('a' + rnd(3));
				a = px_mark(p, len, 1, -1);
				b = px_mark(p, len, 2, -1);
				if (a > 0xf || (b & 1) == 0)
					fail("px_mark forgot a key", round);
			}
			_exit(failures == 0 ? 0 : 1);
		} else {
			int status;
			if (waitpid(pid, &status, 0) < 0 || !WIFEXITED(status) || WEXITSTATUS(status) != 0) {
				fprintf(stderr, "plist-core-fence: round %u (configuration %d) failed%s\n", round, kind,
				    WIFSIGNALED(status) ? ": killed by a signal (a read or write past a buffer?)" : "");
				failures++;
			}
		}
	}
	printf("%lu passed, %lu failed, 0 skipped\n", rounds - failures, failures);
	return failures == 0 ? 0 : 1;
}

#else

int
main(void)
{
	printf("plist-core-fence: needs MAP_32BIT (Linux on x86-64) to map the core's blocks below 2 GiB\n");
	printf("0 passed, 0 failed, 1 skipped\n");
	return 0;
}

#endif
