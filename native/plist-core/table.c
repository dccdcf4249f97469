/*
 * The set of output lines printed so far, for pkgsrc's exact-string de-dup.
 *
 * A PLIST can be millions of lines, and exact de-dup must recognise any of
 * them again, so what is kept per distinct key decides the memory: 8 bytes
 * of open-addressed table, a 28-bit fingerprint with a 4-bit set of the
 * variants printed so far, and a reference to the key's bytes. When the key
 * is a whole line of the input, the reference is where that line is in the
 * input (>= 0), which the host reads back only to confirm a fingerprint
 * match (log_equals): for real duplicates and the odd chance collision.
 * Keys that exist only after expansion are copied into an arena (~address).
 *
 * The line hash is a polynomial over 32-bit little-endian words, which the
 * scan computes inline while it looks for the end of the line. Such hashes
 * have known collisions (Thue-Morse strings); a collision costs a compare,
 * never a wrong answer, because a key counts as seen only when its bytes
 * are equal.
 */
#include "core.h"

#define HASH_BASE	0x01000193u
#define ARENA_BLOCK	(1u << 20)
/* References beyond this are not kept: such keys are copied (the host passes -1). */
#define MAX_LOG_REF	0x7fffffff

static u32 *table;	/* slot i: [2i] fingerprint | variants (0: empty), [2i+1] reference */
static u32 mask;
static u32 shift;
static u32 count;

static u8 *arena, *arena_end;
static u32 arena_bytes;

i32 table_matched_ref = -1;

u32
key_hash(const u8 *p, u32 len)
{
	u32 h = 0, i = 0, w;

	for (; i + 4 <= len; i += 4) {
		__builtin_memcpy(&w, p + i, 4);
		h = h * HASH_BASE + w;
	}
	for (; i < len; i++)
		h = h * HASH_BASE + p[i];
	return h;
}

/* The hash and the length mixed, then spread (a polynomial hash is weak in its low bits). */
u32
fingerprint(u32 h, u32 len)
{
	h ^= len * 0x9e3779b1u;
	h ^= h >> 16;
	h *= 0x85ebca6bu;
	h ^= h >> 13;
	h *= 0xc2b2ae35u;
	return (h ^ (h >> 16)) & ~VARIANT_BITS;
}

/* A fingerprint's home slot, from all its bits (Fibonacci hashing): the fingerprint alone places a key when the table grows. */
static u32
home(u32 fp, u32 sh)
{
	return (fp * 0x9e3779b1u) >> sh;
}

static u32 *
new_table(u32 bits)
{
	u32 bytes = (1u << bits) * 8;
	u32 *t = mem_alloc(bytes);

	/*
	 * Written through once, even when fresh (and so zero already): the
	 * pages then fault in order, not one at a time at random as keys
	 * arrive, which on a 1M-line PLIST costs some 30 ms more.
	 */
	if (t != NULL)
		memset(t, 0, bytes);
	return t;
}

int
table_init(u32 expected)
{
	u32 bits = 10;

	while (bits < 28 && (1ull << bits) * 3 < (unsigned long long)expected * 4)
		bits++;
	if ((table = new_table(bits)) == NULL)
		return -1;
	mask = (1u << bits) - 1;
	shift = 32 - bits;
	return 0;
}

static int
grow(void)
{
	u32 bits = 33 - shift, j, *t;

	if (bits > 28 || (t = new_table(bits)) == NULL)
		return -1;
	for (j = 0; j <= mask; j++) {
		u32 w = table[2 * j], i;
		if (w == 0)
			continue;
		i = home(w & ~VARIANT_BITS, shift - 1);
		while (t[2 * i] != 0)
			i = (i + 1) & (2 * mask + 1);
		t[2 * i] = w;
		t[2 * i + 1] = table[2 * j + 1];
	}
	mem_free(table);
	table = t;
	mask = 2 * mask + 1;
	shift--;
	return 0;
}

int
table_reserve(u32 n)
{
	while ((count + n) * 4 > (mask + 1) * 3)
		if (grow() != 0)
			return -1;
	return 0;
}

/* A copied key: a LEB128 length, then the bytes. */
static const u8 *
arena_key(u32 at, u32 *len)
{
	const u8 *p = (const u8 *)(uintptr_t)at;
	u32 n = 0, sh = 0;

	for (;; sh += 7) {
		u8 c = *p++;
		n |= (u32)(c & 0x7f) << sh;
		if (c < 0x80)
			break;
	}
	*len = n;
	return p;
}

static i32
arena_append(const u8 *key, u32 len)
{
	u32 need = len + 5, v = len;
	u8 *at, *p;

	if (arena == NULL || (u32)(arena_end - arena) < need) {
		u32 size = need > ARENA_BLOCK ? need : ARENA_BLOCK;
		if ((arena = mem_alloc(size)) == NULL)
			return 0;
		arena_end = arena + size;
	}
	at = p = arena;
	while (v >= 0x80) {
		*p++ = (u8)(v | 0x80);
		v >>= 7;
	}
	*p++ = (u8)v;
	memcpy(p, key, len);
	p += len;
	arena_bytes += (u32)(p - at);
	arena = p;
	return ~(i32)(uintptr_t)at;
}

static int
same_key(i32 ref, const u8 *p, u32 len)
{
	const u8 *k;
	u32 n, i;

	if (ref >= 0)
		return log_equals(ref, p, len);
	k = arena_key((u32)~ref, &n);
	if (n != len)
		return 0;
	for (i = 0; i < len; i++)
		if (k[i] != p[i])
			return 0;
	return 1;
}

u32
table_find(u32 fp, const u8 *p, u32 len, u32 *seen)
{
	u32 i = home(fp, shift), w;

	for (;; i = (i + 1) & mask) {
		w = table[2 * i];
		if (w == 0) {
			*seen = 0;
			return i;
		}
		if ((w & ~VARIANT_BITS) == fp && same_key((i32)table[2 * i + 1], p, len)) {
			table_matched_ref = (i32)table[2 * i + 1];
			*seen = w & VARIANT_BITS;
			return i;
		}
	}
}

int
table_commit(u32 slot, u32 fp, u32 variants, const u8 *p, u32 len, i32 ref)
{
	i32 r;

	if (table[2 * slot] != 0) {
		table[2 * slot] |= variants;
		return 0;
	}
	if (ref >= 0 && ref <= MAX_LOG_REF)
		r = ref;
	else if ((r = arena_append(p, len)) == 0)
		return -1;
	table[2 * slot] = fp | variants;
	table[2 * slot + 1] = (u32)r;
	if (++count * 4 > (mask + 1) * 3)
		return grow();
	return 0;
}

u32
table_mark(u32 fp, u32 variants, const u8 *p, u32 len, i32 ref)
{
	u32 seen, slot = table_find(fp, p, len, &seen);

	return table_commit(slot, fp, variants, p, len, ref) != 0 ? MARK_NOMEM : seen;
}

/*
 * Loads the home slots of a batch of keys into the cache: the table is far
 * larger than the cache, and these loads do not depend on each other, so
 * the processor overlaps them instead of waiting for each lookup in turn.
 */
static volatile u32 touched;

void
table_touch(const i32 *fps, u32 n)
{
	u32 x = 0, k;

	for (k = 0; k < n; k++)
		x |= table[2 * home((u32)fps[k] & ~VARIANT_BITS, shift)];
	touched = x;
}

EXPORT(px_table_size) u32
px_table_size(void)
{
	return count;
}

EXPORT(px_key_bytes) u32
px_key_bytes(void)
{
	return arena_bytes;
}

/* The table's fingerprint of p[0, len) (tests build colliding keys with it). */
EXPORT(px_fingerprint) u32
px_fingerprint(const u8 *p, u32 len)
{
	return fingerprint(key_hash(p, len), len);
}

/* table_mark for a key the host wrote into memory; ref as in table_commit. */
EXPORT(px_mark) u32
px_mark(const u8 *p, u32 len, u32 variants, i32 ref)
{
	return table_mark(fingerprint(key_hash(p, len), len), variants, p, len, ref);
}
