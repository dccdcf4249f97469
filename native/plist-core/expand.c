/*
 * Multiarch expansion over a chunk of input bytes: paths (nearly all of a
 * PLIST), `${VAR}` lines (substituted, or left as written), lines with
 * multiarch tokens, lines already under an ABI dir, and @comment, @pkgdir
 * and @link lines. Every other line is handed back to the host (PUNT),
 * whose string path (`PlistExpander.add` in expand.ts) is the reference
 * this file is tested against; both share the de-dup table. Rules and
 * variants: see expand.ts.
 */
#include "core.h"

/* What px_run stopped for (see README.md). */
enum { DONE, PUNT, REPEAT, FULL, NOMEM };
/* px_run's flags. */
#define RUN_REPORT	1u	/* duplicates are still reported one by one: hand them to the host */
#define RUN_SKIPS	2u	/* the host can skip repeats of earlier input (stop after a line printed before in full) */

/* A line's kind in the low bits of its fingerprint (fingerprints have them clear). */
#define K_VARS		1u	/* a '$', but no multiarch token */
#define K_TOKENS	7u	/* a '$' and 'ARCHSUFFIX}' */
#define K_SPECIAL	0xfu	/* for the host: a control byte, an empty, '.', '..' or too long component, a line past PATH_MAX */

#define NO_DIR		(-1)
#define ABI_DIR		(-2)
#define TOKEN_LEN	16u	/* ${BINARCHSUFFIX}, ${LIBARCHSUFFIX}, ${INCARCHSUFFIX} */
#define MAX_TOKENS	32u
#define MAX_ABIS	8u
#define MAX_OUTPUTS	(MAX_ABIS + 2)
#define BATCH		256u
#define SLACK		16u	/* bytes a buffer has past its end: copies move 8 bytes at a time */

struct bytes {
	const u8 *p;
	u32 len;
	/* The first bytes (up to 8) as a little-endian word and its mask: a prefix test is one compare (see starts). */
	uint64_t head, mask;
};

struct dir {
	struct bytes prefix;			/* bin/ */
	struct bytes abi[MAX_ABIS];		/* bin/amd64/, ... in output order */
	u32 copy_bit[MAX_ABIS];
	u8 suffixed[MAX_ABIS];			/* abi[i] is not the plain prefix */
	i32 plain_copy;				/* the ABI whose copy is the plain path, or -1 */
	u32 all_bits;
	u32 link;
	u32 nskip;
	struct bytes *skip;			/* lib/svc/: lines under these are not expanded */
};

/*
 * Longer configured strings (token values, prefixes, substituted values)
 * leave every line to the host: no size arithmetic can overflow. So does
 * the host's own flag, which it sets for more dirs, skips or substitutions
 * than px_init takes (then it sends none).
 */
#define MAX_CONFIG_STRING	(1u << 12)
#define MAX_DIRS		4096u
#define MAX_SKIPS		4096u
#define MAX_SUBST		65536u

static struct {
	u32 nabi, enabled, literal_vars, tokens_plain, max_token, max_prefix;
	u32 host_only;
	struct bytes link;			/* "@link lib/isaexec " */
	struct bytes token[MAX_ABIS][3];	/* each ABI's values of the bin, lib and inc tokens */
	u32 ndirs;
	struct dir *dirs;
	u8 dir_start[256];
	u32 nsubst, max_value;
	struct bytes *subst;			/* PLIST_SUBST and PLIST_VARS: name, value, name, value, ... */
} cfg;

/* The multiarch tokens, "@comment ", "@pkgdir " and "@link " (with_head'ed by px_init). */
static struct bytes TOKENS[3] = {
	{ (const u8 *)"${BINARCHSUFFIX}", TOKEN_LEN, 0, 0 },
	{ (const u8 *)"${LIBARCHSUFFIX}", TOKEN_LEN, 0, 0 },
	{ (const u8 *)"${INCARCHSUFFIX}", TOKEN_LEN, 0, 0 },
};
#define TOKEN_BIN	0
#define TOKEN_INC	2
static struct bytes COMMENT = { (const u8 *)"@comment ", 9, 0, 0 };
static struct bytes PKGDIR = { (const u8 *)"@pkgdir ", 8, 0, 0 };
static struct bytes LINKCMD = { (const u8 *)"@link ", 6, 0, 0 };

/* What the host reads after px_run (an i32 array; see core.ts). */
static struct {
	i32 status;
	i32 start, end;		/* PUNT: the line; otherwise where to go on */
	i32 line;		/* the number of the line at `start` */
	i32 dups;		/* duplicate lines dropped here since the host last took them */
	i32 run_ref;		/* after a line printed before in full: where the input that followed its key goes on */
	i32 out_len;		/* output bytes waiting at px_out() (the host empties it) */
} st;

static u8 *in;
static u32 in_cap, in_len;
static i32 in_ref;		/* where the chunk is in the input log, or -1 */
static u8 *out;
static u32 out_cap;
static u8 *scratch;
static u32 scratch_cap;
static u8 *sub;			/* a line after substitution */
static u32 sub_cap;

/* The current batch of scanned lines: ends and fingerprints (with kinds). */
static i32 bend[BATCH], bfp[BATCH];
static u32 bn, bk, bstart;

static uint64_t
load64(const u8 *p)
{
	uint64_t w;

	__builtin_memcpy(&w, p, 8);
	return w;
}

static struct bytes
with_head(struct bytes x)
{
	u32 n = x.len < 8 ? x.len : 8, i;

	x.head = 0;
	for (i = 0; i < n; i++)
		x.head |= (uint64_t)x.p[i] << (8 * i);
	x.mask = n == 8 ? ~0ull : (1ull << (8 * n)) - 1;
	return x;
}

/* Whether b[s, e) starts with x. Reads 8 bytes at b + s: every buffer has SLACK bytes past its end. */
static int
starts(const u8 *b, u32 s, u32 e, const struct bytes *x)
{
	u32 i;

	if (e - s < x->len || (load64(b + s) & x->mask) != x->head)
		return 0;
	for (i = 8; i < x->len; i++)
		if (b[s + i] != x->p[i])
			return 0;
	return 1;
}

/* Copies n bytes 8 at a time: both buffers have SLACK bytes past what is used. */
static u8 *
put(u8 *dst, const u8 *src, u32 n)
{
	u32 i;
	uint64_t w;

	for (i = 0; i < n; i += 8) {
		__builtin_memcpy(&w, src + i, 8);
		__builtin_memcpy(dst + i, &w, 8);
	}
	return dst + n;
}

static u8 *
put_line(u8 *dst, const u8 *src, u32 n)
{
	dst = put(dst, src, n);
	*dst = '\n';
	return dst + 1;
}

/* Bytes a line of n input bytes can add to the output at most. */
static u32
room_for(u32 n)
{
	return (cfg.nabi + 2) * (n + (n / TOKEN_LEN + 1) * cfg.max_token + cfg.max_prefix + cfg.link.len + 2) + SLACK;
}

/* room_for the longest line the core expands (PATH_MAX; a longer one is the host's). */
static u32 line_room;

/* ---- configuration (written by the host once; see core.ts) */

static const u8 *cur, *cur_end;
static int bad_config;

static u32
rd_u32(void)
{
	u32 v;

	if (cur_end - cur < 4) {
		bad_config = 1;
		return 0;
	}
	__builtin_memcpy(&v, cur, 4);
	cur += 4;
	return v;
}

static struct bytes
rd_bytes(void)
{
	struct bytes b = { cur, rd_u32(), 0, 0 };

	b.p = cur;
	if ((u32)(cur_end - cur) < b.len) {
		bad_config = 1;
		b.len = 0;
	} else
		cur += b.len;
	return with_head(b);
}

static int
same_bytes(struct bytes a, struct bytes b)
{
	return a.len == b.len && starts(a.p, 0, a.len, &b);
}

EXPORT(px_config) void *
px_config(u32 n)
{
	return mem_alloc(n + SLACK);
}

/* Reads the configuration the host wrote at px_config(n) and sizes the table; 0, or -1. */
EXPORT(px_init) int
px_init(const u8 *config, u32 n, u32 expected_lines)
{
	u32 i, j, d;

	cur = config;
	cur_end = config + n;
	for (i = 0; i < 3; i++)
		TOKENS[i] = with_head(TOKENS[i]);
	COMMENT = with_head(COMMENT);
	PKGDIR = with_head(PKGDIR);
	LINKCMD = with_head(LINKCMD);
	cfg.nabi = rd_u32();
	cfg.enabled = rd_u32();
	cfg.literal_vars = rd_u32();
	cfg.host_only = rd_u32();
	cfg.link = rd_bytes();
	if (cfg.nabi > MAX_ABIS)
		return -1;
	cfg.tokens_plain = 1;
	for (i = 0; i < cfg.nabi; i++)
		for (j = 0; j < 3; j++) {
			struct bytes v = cfg.token[i][j] = rd_bytes();
			u32 k;
			for (k = 0; k < v.len; k++)
				if (v.p[k] == '$' || v.p[k] == '}')
					cfg.tokens_plain = 0;
			if (v.len > cfg.max_token)
				cfg.max_token = v.len;
		}
	cfg.ndirs = rd_u32();
	if (cfg.ndirs > MAX_DIRS || (cfg.dirs = mem_alloc(cfg.ndirs * sizeof(struct dir))) == NULL)
		return -1;
	for (d = 0; d < cfg.ndirs && !bad_config; d++) {
		struct dir *dir = &cfg.dirs[d];
		dir->prefix = rd_bytes();
		dir->link = rd_u32();
		dir->all_bits = rd_u32();
		dir->plain_copy = (i32)rd_u32();
		for (i = 0; i < cfg.nabi; i++) {
			dir->abi[i] = rd_bytes();
			dir->copy_bit[i] = rd_u32();
			dir->suffixed[i] = !same_bytes(dir->abi[i], dir->prefix);
			if (dir->abi[i].len > cfg.max_prefix)
				cfg.max_prefix = dir->abi[i].len;
		}
		dir->nskip = rd_u32();
		if (dir->nskip > MAX_SKIPS || (dir->skip = mem_alloc(dir->nskip * sizeof(struct bytes))) == NULL)
			return -1;
		for (i = 0; i < dir->nskip; i++)
			dir->skip[i] = rd_bytes();
		if (dir->prefix.len == 0)
			bad_config = 1;
		else
			cfg.dir_start[dir->prefix.p[0]] = 1;
	}
	cfg.nsubst = rd_u32();
	if (cfg.nsubst > MAX_SUBST || (cfg.subst = mem_alloc(2 * cfg.nsubst * sizeof(struct bytes))) == NULL)
		return -1;
	for (i = 0; i < 2 * cfg.nsubst; i++) {
		cfg.subst[i] = rd_bytes();
		if (i % 2 == 1 && cfg.subst[i].len > cfg.max_value)
			cfg.max_value = cfg.subst[i].len;
	}
	if (bad_config || cur != cur_end)
		return -1;
	cfg.host_only |= cfg.max_token > MAX_CONFIG_STRING || cfg.max_prefix > MAX_CONFIG_STRING || cfg.link.len > MAX_CONFIG_STRING ||
	    cfg.max_value > MAX_CONFIG_STRING;
	line_room = cfg.host_only ? 0 : room_for(PATH_MAX_BYTES);
	out_cap = 1u << 18;
	if ((out = mem_alloc(out_cap + SLACK)) == NULL)
		return -1;
	return table_init(expected_lines);
}

/* ---- buffers the host fills and empties */

/* Room for a chunk of n bytes; where to write it (0 when memory ran out). */
EXPORT(px_input) u8 *
px_input(u32 n)
{
	if (n > in_cap || in == NULL) {
		mem_free(in);
		in_cap = n > 1u << 16 ? n : 1u << 16;
		if ((in = mem_alloc(in_cap + SLACK)) == NULL)
			in_cap = 0;
	}
	return in;
}

/* The chunk written at px_input() is n bytes, at `ref` in the input log (-1: not logged). */
EXPORT(px_chunk) void
px_chunk(u32 n, i32 ref)
{
	in_len = n;
	in_ref = ref;
	bn = bk = 0;
	bstart = 0xffffffffu;
}

/*
 * Drops the CRs that end lines from the n bytes at px_input() (CRLF
 * endings, which plist-expand reads as LF): the new length, or -1, with
 * the bytes as they were, when a CR is anywhere else.
 */
EXPORT(px_strip_cr) i32
px_strip_cr(u32 n)
{
	u32 i, o;

	for (i = 0; i < n; i++)
		if (in[i] == '\r' && i + 1 < n && in[i + 1] != '\n')
			return -1;
	for (i = o = 0; i < n; i++)
		if (in[i] != '\r')
			in[o++] = in[i];
	return (i32)o;
}

EXPORT(px_out) u8 *
px_out(void)
{
	return out;
}

EXPORT(px_state) void *
px_state(void)
{
	return &st;
}

/* Scratch space of n bytes for the host (a key to mark). */
EXPORT(px_scratch) u8 *
px_scratch(u32 n)
{
	if (n > scratch_cap || scratch == NULL) {
		mem_free(scratch);
		scratch_cap = n > 1024 ? n : 1024;
		if ((scratch = mem_alloc(scratch_cap + SLACK)) == NULL)
			scratch_cap = 0;
	}
	return scratch;
}

/* ---- matching */

/*
 * Which automatic dir b[s, e) is in: an index, NO_DIR, or ABI_DIR (already
 * per-ABI: then *under, when given, gets the dir and the ABI as
 * dir * MAX_ABIS + abi).
 */
static i32
match_dir(const u8 *b, u32 s, u32 e, u32 *under)
{
	u32 d, k;

	for (d = 0; d < cfg.ndirs; d++) {
		const struct dir *dir = &cfg.dirs[d];
		if (!starts(b, s, e, &dir->prefix))
			continue;
		for (k = 0; k < dir->nskip; k++)
			if (starts(b, s, e, &dir->skip[k]))
				break;
		if (k < dir->nskip)
			continue;
		for (k = 0; k < cfg.nabi; k++)
			if (dir->suffixed[k] && starts(b, s, e, &dir->abi[k])) {
				if (under != NULL)
					*under = d * MAX_ABIS + k;
				return ABI_DIR;
			}
		return (i32)d;
	}
	return NO_DIR;
}

/*
 * Whether the path b[s, e) has a component the path check refuses: empty
 * (a leading or trailing '/', '//'), '.' or '..' (unsafePathReason in
 * packages/platform). '.keep' and 'a..b' are fine.
 */
static int
bad_component(const u8 *b, u32 s, u32 e)
{
	u32 i = s, c, n;

	for (;;) {
		for (c = i; i < e && b[i] != '/'; i++)
			;
		n = i - c;
		if (n == 0 || (n == 1 && b[c] == '.') || (n == 2 && b[c] == '.' && b[c + 1] == '.'))
			return 1;
		if (i >= e)
			return 0;
		i++;
	}
}

/* Whether a component of b[s, e) (between '/'s) is longer than NAME_MAX. */
static int
long_component(const u8 *b, u32 s, u32 e)
{
	u32 i, c = s;

	for (i = s; i < e; i++)
		if (b[i] == '/') {
			if (i - c > NAME_MAX_BYTES)
				return 1;
			c = i + 1;
		}
	return e - c > NAME_MAX_BYTES;
}

static int
has_arch_tail(const u8 *b, u32 s, u32 e)
{
	static const u8 tail[] = "ARCHSUFFIX}";
	u32 i, k;

	for (i = s; i + sizeof(tail) - 1 <= e; i++) {
		for (k = 0; k < sizeof(tail) - 1 && b[i + k] == tail[k]; k++)
			;
		if (k == sizeof(tail) - 1)
			return 1;
	}
	return 0;
}

/*
 * The kind of the line b[s, e) (0: plain, K_VARS, K_TOKENS or K_SPECIAL),
 * given what a pass over its bytes found: a control byte or DEL, a '.' or
 * '/' right after another, a '$'. One rule for the scan and for a line
 * substitution made.
 */
static u32
kind_of(const u8 *b, u32 s, u32 e, int control, int pairs, int dollar)
{
	u32 len = e - s;

	if (control || len >= PATH_MAX_BYTES || (len > NAME_MAX_BYTES && long_component(b, s, e)) ||
	    (len > 0 && (pairs || b[s] == '.' || b[s] == '/' || b[e - 1] == '/') && bad_component(b, s, e)))
		return K_SPECIAL;
	return !dollar ? 0 : has_arch_tail(b, s, e) ? K_TOKENS : K_VARS;
}

/* ---- pass 1: line ends, fingerprints and kinds of up to BATCH lines from `from` */

static u32
scan(u32 from)
{
	const u8 *b = in;
	u32 end = in_len, k = 0, s = from;

	while (k < BATCH) {
		u32 i = s, h = 0, odd = 0, pairs = 0, dollar = 0, del = 0, w, len, fp, kind;
		uint64_t odd64 = 0, pairs64 = 0, dollar64 = 0, del64 = 0, prev = 0;

		/*
		 * Eight bytes a step while none is a newline (the exact has-a-zero-byte
		 * test on the word xor '\n' x 8), then one word of four, then bytes;
		 * the hash is over 32-bit words all the same (key_hash). `odd` gets
		 * bit 7 where a byte is a control byte (the exact has-less-than
		 * test; bytes of 0x80 and up are UTF-8, which the host checked),
		 * `del` where one is DEL, `pairs` where a '.' or '/' follows
		 * another (then the components are looked at).
		 */
		for (; i + 8 <= end; i += 8) {
			uint64_t w8, z, q, ds, x;
			__builtin_memcpy(&w8, b + i, 8);
			z = w8 ^ 0x0a0a0a0a0a0a0a0aull;
			if ((z - 0x0101010101010101ull) & ~z & 0x8080808080808080ull)
				break;
			h = (h * 0x01000193u + (u32)w8) * 0x01000193u + (u32)(w8 >> 32);
			odd64 |= (w8 - 0x2020202020202020ull) & ~w8;
			q = (w8 | 0x0101010101010101ull) ^ 0x2f2f2f2f2f2f2f2full;
			ds = ~(((q & 0x7f7f7f7f7f7f7f7full) + 0x7f7f7f7f7f7f7f7full) | q) & 0x8080808080808080ull;
			pairs64 |= ((ds << 8) | prev) & ds;
			prev = ds >> 56;
			x = w8 ^ 0x2424242424242424ull;
			dollar64 |= (x - 0x0101010101010101ull) & ~x;
			x = w8 ^ 0x7f7f7f7f7f7f7f7full;
			del64 |= (x - 0x0101010101010101ull) & ~x;
		}
		if (i + 4 <= end) {
			u32 z, q, ds, x;
			__builtin_memcpy(&w, b + i, 4);
			z = w ^ 0x0a0a0a0au;
			if (((z - 0x01010101u) & ~z & 0x80808080u) == 0) {
				h = h * 0x01000193u + w;
				odd |= (w - 0x20202020u) & ~w;
				q = (w | 0x01010101u) ^ 0x2f2f2f2fu;
				ds = ~(((q & 0x7f7f7f7fu) + 0x7f7f7f7fu) | q) & 0x80808080u;
				pairs |= ((ds << 8) | (u32)prev) & ds;
				prev = ds >> 24;
				x = w ^ 0x24242424u;
				dollar |= (x - 0x01010101u) & ~x;
				x = w ^ 0x7f7f7f7fu;
				del |= (x - 0x01010101u) & ~x;
				i += 4;
			}
		}
		for (; i < end; i++) {
			u32 c = b[i], ds;
			if (c == '\n')
				break;
			h = h * 0x01000193u + c;
			odd |= c < 0x20 ? 0x80u : 0;
			ds = (c | 1) == '/' ? 0x80u : 0;
			pairs |= ds & (u32)prev;
			prev = ds;
			dollar |= c == '$' ? 0x80u : 0;
			del |= c == 0x7f ? 0x80u : 0;
		}
		len = i - s;
		odd |= (u32)(odd64 >> 32) | (u32)odd64;
		del |= (u32)(del64 >> 32) | (u32)del64;
		dollar |= (u32)(dollar64 >> 32) | (u32)dollar64;
		pairs |= (u32)(pairs64 >> 32) | (u32)pairs64;
		kind = kind_of(b, s, i, ((odd | del) & 0x80808080u) != 0, pairs != 0, (dollar & 0x80808080u) != 0);
		fp = kind == K_SPECIAL || kind == K_TOKENS ? kind : fingerprint(h, len) | kind;
		bend[k] = (i32)i;
		bfp[k] = (i32)fp;
		k++;
		if (i >= end)
			break;
		s = i + 1;
	}
	return k;
}

/* ---- pass 2: one line */

static u32 run_flags;


/* A line printed before in full, whose key is len bytes: where the input that followed that key goes on. */
static void
repeat_from(u32 len)
{
	if (table_matched_ref >= 0)
		st.run_ref = table_matched_ref + (i32)len + 1;
}

/*
 * `@link SRC DEST` (b[s, e) starts with "@link "): whether SRC and DEST are
 * there and pass the path check, as parseLine has them. Then the key of
 * "@link <link source> DEST" is DEST, variant LINK, as the @link line
 * expansion makes; any other @link line is its own key.
 */
static int
link_line(const u8 *b, u32 s, u32 e, u32 *kfrom, u32 *bit)
{
	u32 src = s + 6, i;

	for (i = src; i < e && b[i] != ' '; i++)
		;
	if (i == src || i + 1 >= e || bad_component(b, src, i) || bad_component(b, i + 1, e))
		return PUNT;
	if (starts(b, s, e, &cfg.link)) {
		*kfrom = s + cfg.link.len;
		*bit = LINK;
	}
	return DONE;
}

/*
 * A line already under an ABI dir (`bin/amd64/x`, under = dir * MAX_ABIS +
 * abi): printed as it is, keyed as that ABI's copy of its generic line
 * (`bin/x`) when expanding that would make it, else as itself. The generic
 * key is built in scratch space.
 */
static int
abi_line(const u8 *b, u32 s, u32 e, u32 under, const u8 **key, u32 *klen, u32 *bit)
{
	const struct dir *dir = &cfg.dirs[under / MAX_ABIS];
	u32 abi = under % MAX_ABIS, rest = e - s - dir->abi[abi].len, n = dir->prefix.len + rest;
	u8 *g;

	if (n + SLACK > scratch_cap && px_scratch(n) == NULL)
		return NOMEM;
	g = scratch;
	put(put(g, dir->prefix.p, dir->prefix.len), b + s + dir->abi[abi].len, rest);
	if (match_dir(g, 0, n, NULL) == (i32)(under / MAX_ABIS)) {
		*key = g;
		*klen = n;
		*bit = dir->copy_bit[abi];
	}
	return DONE;
}

/*
 * A line b[s, e) after substitution (plain, or with `${VAR}`s that stay as
 * written), with fingerprint fp, at `ref` in the input log (-1: a line
 * that is not, as it stands, in the input): rules A and B for a path in an
 * automatic dir; anything else is printed as it is under its key (the line
 * itself, or what link_line or abi_line make of it).
 */
static int
plain_line(const u8 *b, u32 s, u32 e, u32 fp, i32 ref)
{
	const u8 *key = b + s;
	u32 len = e - s, seen, slot, printed = 0, dup = 0, i, kfrom = s, klen = len, bit = PLAIN, under = 0;
	i32 d = NO_DIR;
	const struct dir *dir;
	u8 *o;
	int r;

	if (b[s] == '@') {
		/* `@comment text` is always valid; `@pkgdir path` is when the path passes the path check. */
		if (starts(b, s, e, &LINKCMD)) {
			if ((r = link_line(b, s, e, &kfrom, &bit)) != DONE)
				return r;
		} else if (!(starts(b, s, e, &PKGDIR) && len > 8 && !bad_component(b, s + 8, e)) && !starts(b, s, e, &COMMENT))
			return PUNT;
	} else if (b[s] == '/')
		return PUNT;
	else if (cfg.dir_start[b[s]]) {
		d = match_dir(b, s, e, &under);
		if (d == ABI_DIR && (r = abi_line(b, s, e, under, &key, &klen, &bit)) != DONE)
			return r;
	}
	if (d < 0) {
		/* One output, the line itself. */
		if (kfrom != s) {
			key = b + kfrom;
			klen = e - kfrom;
		}
		if (key != b + s)
			fp = fingerprint(key_hash(key, klen), klen), ref = -1;
		slot = table_find(fp, key, klen, &seen);
		if (seen & bit) {
			if (run_flags & RUN_REPORT)
				return PUNT;
			st.dups++;
			if (ref >= 0)
				repeat_from(len);
			return DONE;
		}
		if (table_commit(slot, fp, bit, key, klen, ref) != 0)
			return NOMEM;
		st.out_len = (i32)(put_line(out + st.out_len, b + s, len) - out);
		return DONE;
	}
	slot = table_find(fp, b + s, len, &seen);
	dir = &cfg.dirs[d];
	if ((seen & dir->all_bits) != 0 && (run_flags & RUN_REPORT))
		return PUNT;
	if (table_commit(slot, fp, dir->all_bits, b + s, len, ref) != 0)
		return NOMEM;
	o = out + st.out_len;
	for (i = 0; i < cfg.nabi; i++) {
		u32 cbit = dir->copy_bit[i];
		if ((seen | printed) & cbit) {
			dup |= seen & cbit;
			continue;
		}
		o = put(o, dir->abi[i].p, dir->abi[i].len);
		o = put_line(o, b + s + dir->prefix.len, len - dir->prefix.len);
		printed |= cbit;
	}
	if (dir->link) {
		if (seen & LINK)
			dup = 1;
		else {
			o = put(o, cfg.link.p, cfg.link.len);
			o = put_line(o, b + s, len);
		}
	}
	st.out_len = (i32)(o - out);
	if (dup)
		st.dups++;
	if ((seen & dir->all_bits) == dir->all_bits)
		repeat_from(len);
	return DONE;
}

/* Where the line at s of the chunk is in the input log, or -1. */
static i32
log_ref(u32 s)
{
	return in_ref < 0 ? -1 : in_ref + (i32)s;
}

/*
 * A line with a '$' but no multiarch token, without PLIST_SUBST and
 * PLIST_VARS: substitution leaves it as it is, so it is a plain line, if
 * every '${' has its '}' (substitution fails on the first that has none:
 * the last one tells). Otherwise the host says what it does.
 */
static int
var_line(u32 s, u32 e, u32 fp)
{
	const u8 *b = in;
	u32 i;
	int closed = 0;

	for (i = e - 1; i > s; i--) {
		if (b[i] == '}')
			closed = 1;
		else if (b[i] == '{' && b[i - 1] == '$') {
			if (!closed)
				return PUNT;
			break;
		}
	}
	return plain_line(in, s, e, fp, log_ref(s));
}

/* Which token starts at b[i] (TOKEN_BIN, 1 = lib, TOKEN_INC), or -1. */
static int
token_at(const u8 *b, u32 i, u32 e)
{
	int t;

	for (t = 0; t < 3; t++)
		if (starts(b, i, e, &TOKENS[t]))
			return t;
	return -1;
}

/* b[s, e) with each token (at[] holds position, kind pairs) replaced by its value in `values`, at w. */
static u8 *
put_with_tokens(const u8 *b, u32 s, u32 e, const u32 *at, u32 n, const struct bytes *values, u8 *w)
{
	u32 from = s, j;

	for (j = 0; j < n; j += 2) {
		w = put(w, b + from, at[j] - from);
		w = put(w, values[at[j + 1]].p, values[at[j + 1]].len);
		from = at[j] + TOKEN_LEN;
	}
	return put(w, b + from, e - from);
}

/* The variant a file line w[s, e) has as its own key; -1 when it is under an ABI dir (the host's case). */
static i32
variant_of(const u8 *w, u32 s, u32 e)
{
	i32 d = cfg.ndirs > 0 ? match_dir(w, s, e, NULL) : NO_DIR;

	if (d == ABI_DIR)
		return -1;
	if (d >= 0 && cfg.dirs[d].plain_copy >= 0)
		return (i32)cfg.dirs[d].copy_bit[cfg.dirs[d].plain_copy];
	return PLAIN;
}

struct output {
	u32 os, oe;	/* text */
	u32 ks, ke;	/* key */
	u32 bit;
};

static const struct bytes NO_VALUES[3];

static int
same_text(const u8 *w, const struct output *a, const struct output *b)
{
	u32 n = a->oe - a->os, i;

	if (n != b->oe - b->os)
		return 0;
	for (i = 0; i < n; i++)
		if (w[a->os + i] != w[b->os + i])
			return 0;
	return 1;
}

/*
 * Rule C for a file line b[s, e) whose every '$' starts a multiarch token:
 * per-ABI copies with the tokens' values (and the dir's suffix), @link for
 * bin dirs and ${BINARCHSUFFIX}, the generic header for ${INCARCHSUFFIX}.
 * All outputs are built in scratch space and classified first; the host
 * gets the line, with nothing recorded, when it is odd.
 */
static int
token_line(const u8 *b, u32 s, u32 e)
{
	u32 at[MAX_TOKENS], ntok = 0, i, j, g, n = 0, room, printed = 0, dup = 0;
	int has_bin = 0, has_inc = 0;
	struct output o[MAX_OUTPUTS];
	const struct dir *dir;
	i32 d;
	u8 *w, *p;

	if (!cfg.enabled || !cfg.tokens_plain || b[s] == '@' || b[s] == '/')
		return PUNT;
	for (i = s; i < e; i++) {
		int t;
		if (b[i] != '$')
			continue;
		if ((t = token_at(b, i, e)) < 0 || ntok == MAX_TOKENS)
			return PUNT;
		at[ntok++] = i;
		at[ntok++] = (u32)t;
		has_bin |= t == TOKEN_BIN;
		has_inc |= t == TOKEN_INC;
		i += TOKEN_LEN - 1;
	}
	d = cfg.ndirs > 0 ? match_dir(b, s, e, NULL) : NO_DIR;
	dir = d >= 0 ? &cfg.dirs[d] : NULL;
	if (dir != NULL && ntok > 0 && at[0] < s + dir->prefix.len)
		return PUNT;
	room = room_for(e - s) * 2;
	if (room > scratch_cap && px_scratch(room) == NULL)
		return NOMEM;
	w = scratch;
	/* The generic form (tokens removed) at [0, g): the @link destination and the header line. */
	g = (u32)(put_with_tokens(b, s, e, at, ntok, NO_VALUES, w) - w);
	if (g == 0 || bad_component(w, 0, g))
		return PUNT;
	p = w + g;
	for (i = 0; i < cfg.nabi; i++) {
		u32 start = (u32)(p - w);
		i32 bit;
		if (dir == NULL)
			p = put_with_tokens(b, s, e, at, ntok, cfg.token[i], p);
		else {
			p = put(p, dir->abi[i].p, dir->abi[i].len);
			p = put_with_tokens(b, s + dir->prefix.len, e, at, ntok, cfg.token[i], p);
		}
		if ((bit = variant_of(w, start, (u32)(p - w))) < 0)
			return PUNT;
		o[n++] = (struct output){ start, (u32)(p - w), start, (u32)(p - w), (u32)bit };
	}
	if ((dir != NULL && dir->link) || has_bin) {
		u32 start = (u32)(p - w);
		p = put(p, cfg.link.p, cfg.link.len);
		p = put(p, w, g);
		o[n++] = (struct output){ start, (u32)(p - w), (u32)(p - w) - g, (u32)(p - w), LINK };
	}
	if (has_inc) {
		i32 bit = variant_of(w, 0, g);
		if (bit < 0)
			return PUNT;
		o[n++] = (struct output){ 0, g, 0, g, (u32)bit };
	}
	if (table_reserve(n) != 0)
		return NOMEM;
	/*
	 * Copies of one line that coincide print once; an output printed
	 * before drops one. While duplicates are reported one by one, a line
	 * with any goes to the host before anything is recorded.
	 */
	for (int pass = (run_flags & RUN_REPORT) ? 0 : 1; pass < 2; pass++) {
		printed = 0;
		for (j = 0; j < n; j++) {
			u32 q, seen, slot, fp, klen = o[j].ke - o[j].ks;
			const u8 *key = w + o[j].ks;
			for (q = 0; q < j; q++)
				if ((printed >> q & 1) && same_text(w, &o[q], &o[j]))
					break;
			if (q < j)
				continue;
			fp = fingerprint(key_hash(key, klen), klen);
			slot = table_find(fp, key, klen, &seen);
			if (pass == 0) {
				if (seen & o[j].bit)
					return PUNT;
				printed |= 1u << j;
				continue;
			}
			if (table_commit(slot, fp, o[j].bit, key, klen, -1) != 0)
				return NOMEM;
			if (seen & o[j].bit) {
				dup = 1;
				continue;
			}
			printed |= 1u << j;
			st.out_len = (i32)(put_line(out + st.out_len, w + o[j].os, o[j].oe - o[j].os) - out);
		}
	}
	if (dup)
		st.dups++;
	return DONE;
}

/* The value PLIST_SUBST or PLIST_VARS gives the variable named p[0, n), or NULL. */
static const struct bytes *
lookup(const u8 *p, u32 n)
{
	u32 i, k;

	for (i = 0; i < cfg.nsubst; i++) {
		const struct bytes *name = &cfg.subst[2 * i];
		if (name->len != n)
			continue;
		for (k = 0; k < n && name->p[k] == p[k]; k++)
			;
		if (k == n)
			return &cfg.subst[2 * i + 1];
	}
	return NULL;
}

/* What the scan would make of b[s, e): a kind (0: plain), or K_SPECIAL. */
static u32
classify(const u8 *b, u32 s, u32 e)
{
	u32 i;
	int control = 0, pairs = 0, dollar = 0;

	for (i = s; i < e; i++) {
		u8 c = b[i];
		control |= c < 0x20 || c == 0x7f;
		dollar |= c == '$';
		pairs |= i > s && (c | 1) == '/' && (b[i - 1] | 1) == '/';
	}
	return kind_of(b, s, e, control, pairs, dollar);
}

/*
 * A line with a '$' when PLIST_SUBST or PLIST_VARS is given: substituted
 * as Substituter.apply does (one pass; unknown variables and the multiarch
 * tokens stay as written), then expanded as what it has become. Its keys
 * are copied: the line is not, as it stands, in the input.
 */
static int
substituted(u32 s, u32 e)
{
	const u8 *b = in;
	u32 from = s, open, close, n, kind, need = (e - s) + ((e - s) / 3 + 1) * cfg.max_value;
	u8 *w;

	if (need > sub_cap || sub == NULL) {
		mem_free(sub);
		sub_cap = need;
		if ((sub = mem_alloc(sub_cap + SLACK)) == NULL) {
			sub_cap = 0;
			return NOMEM;
		}
	}
	w = sub;
	for (;;) {
		const struct bytes *v;
		for (open = from; open + 1 < e && !(b[open] == '$' && b[open + 1] == '{'); open++)
			;
		if (open + 1 >= e)
			break;
		for (close = open + 2; close < e && b[close] != '}'; close++)
			;
		if (close >= e)
			return PUNT;	/* unterminated: the host says where */
		v = lookup(b + open + 2, close - open - 2);
		w = put(w, b + from, open - from);
		w = v != NULL ? put(w, v->p, v->len) : put(w, b + open, close + 1 - open);
		from = close + 1;
	}
	w = put(w, b + from, e - from);
	n = (u32)(w - sub);
	if (n == 0)
		return DONE;	/* variables that are all empty: a blank line */
	kind = classify(sub, 0, n);
	if (kind == K_SPECIAL)
		return PUNT;
	if (kind == K_TOKENS)
		return cfg.enabled ? token_line(sub, 0, n) : PUNT;
	return plain_line(sub, 0, n, fingerprint(key_hash(sub, n), n), -1);
}

/*
 * Expands the lines of the chunk from `from` (a line start; its number is
 * `line`) until one needs the host or the chunk ends; see README.md.
 */
EXPORT(px_run) i32
px_run(u32 from, i32 line, u32 flags)
{
	run_flags = flags;
	if (from != bstart || bk >= bn) {
		bn = 0;
		bk = 0;
		bstart = from;
	}
	for (;;) {
		u32 s = bstart, e, fp;
		int r;

		if (bk == bn) {
			if (s > in_len)
				break;
			bn = scan(s);
			bk = 0;
			table_touch(bfp, bn);
		}
		e = (u32)bend[bk];
		fp = (u32)bfp[bk];
		st.run_ref = -1;
		if (e > s) {
			if ((u32)st.out_len + line_room > out_cap) {
				if (st.out_len > 0) {
					st.status = FULL;
					st.start = (i32)s;
					st.line = line;
					return FULL;
				}
				/* Long token values: a line's outputs can outgrow the buffer. */
				mem_free(out);
				out_cap = line_room;
				if ((out = mem_alloc(out_cap + SLACK)) == NULL) {
					out_cap = 0;
					st.status = NOMEM;
					return NOMEM;
				}
			}
			switch (cfg.host_only ? K_SPECIAL : fp & VARIANT_BITS) {
			case K_SPECIAL:
				r = PUNT;
				break;
			case K_TOKENS:
				r = cfg.literal_vars ? token_line(in, s, e) : substituted(s, e);
				break;
			case K_VARS:
				r = cfg.literal_vars ? var_line(s, e, fp & ~VARIANT_BITS) : substituted(s, e);
				break;
			default:
				r = plain_line(in, s, e, fp, log_ref(s));
			}
			if (r != DONE) {
				st.status = r;
				st.start = (i32)s;
				st.end = (i32)e;
				st.line = line;
				if (r == PUNT) {
					/* The host goes on after it: px_run(e + 1, line + 1). */
					bk++;
					bstart = e + 1;
				}
				return r;
			}
		}
		bk++;
		bstart = e + 1;
		line++;
		/* A line printed before in full: the lines after it may repeat earlier input too. */
		if (st.run_ref >= 0 && (run_flags & RUN_SKIPS) && e < in_len) {
			st.status = REPEAT;
			st.start = (i32)bstart;
			st.line = line;
			return REPEAT;
		}
	}
	st.status = DONE;
	st.start = (i32)bstart;
	st.line = line;
	return DONE;
}
