/*
 * plist-core: the byte path of plist-expand (multiarch expansion and exact
 * de-dup of PLIST lines), compiled to WebAssembly and driven by
 * packages/plist/src/core.ts. See README.md for the protocol.
 *
 * Freestanding C99: no libc, one linear memory, nothing but what the
 * expansion needs.
 */
#ifndef PLIST_CORE_H
#define PLIST_CORE_H

#include <stddef.h>
#include <stdint.h>

typedef uint8_t u8;
typedef uint32_t u32;
typedef int32_t i32;

/* Built natively (fence.c), the same functions are plain externs. */
#ifdef __wasm__
#define EXPORT(name) __attribute__((export_name(#name)))
#define IMPORT(name) __attribute__((import_module("env"), import_name(#name)))
#else
#define EXPORT(name)
#define IMPORT(name)
#endif

/* Variant bits of a key (see table.c). */
#define PLAIN		1u
#define LINK		2u
#define VARIANT_BITS	0xfu
/* table_mark's answer when memory ran out (never a set of variants). */
#define MARK_NOMEM	0x100u

/* NAME_MAX and PATH_MAX as the path check has them (packages/platform/src/relpath.ts), in bytes. */
#define NAME_MAX_BYTES	255u
#define PATH_MAX_BYTES	4096u	/* with the terminating NUL: a path is at most 4095 bytes */

/* alloc.c: 8-aligned blocks of linear memory; 0 when it cannot grow. */
void *mem_alloc(u32 n);
void mem_free(void *p);

void *memcpy(void *dst, const void *src, size_t n);
void *memset(void *dst, int c, size_t n);

/* table.c: the de-dup table. */
u32 key_hash(const u8 *p, u32 len);
u32 fingerprint(u32 h, u32 len);
int table_init(u32 expected);
/* The slot of key p[0, len) (fingerprint fp): where it is or would go; *seen gets its variants (0: absent). */
u32 table_find(u32 fp, const u8 *p, u32 len, u32 *seen);
/* Adds `variants` to the slot table_find gave (inserting the key when absent); 0, or -1 when out of memory. */
int table_commit(u32 slot, u32 fp, u32 variants, const u8 *p, u32 len, i32 ref);
/* table_find and table_commit in one: the variants recorded before, or MARK_NOMEM. */
u32 table_mark(u32 fp, u32 variants, const u8 *p, u32 len, i32 ref);
/* Makes room for n more keys without growing in between (slots from table_find stay valid); -1 when out of memory. */
int table_reserve(u32 n);
void table_touch(const i32 *fps, u32 n);
/* Where the key table_find last found is in the input log (>= 0), or -1. */
extern i32 table_matched_ref;

/* Provided by the host: whether the logged line at `ref` is p[0, len). */
IMPORT(log_equals) int log_equals(i32 ref, const u8 *p, u32 len);

/* The host's interface (README.md). */
void *px_config(u32 n);
int px_init(const u8 *config, u32 n, u32 expected_lines);
u8 *px_input(u32 n);
void px_chunk(u32 n, i32 ref);
i32 px_strip_cr(u32 n);
u8 *px_out(void);
void *px_state(void);
u8 *px_scratch(u32 n);
i32 px_run(u32 from, i32 line, u32 flags);
u32 px_mark(const u8 *p, u32 len, u32 variants, i32 ref);
u32 px_fingerprint(const u8 *p, u32 len);
u32 px_table_size(void);
u32 px_key_bytes(void);

#endif
