/*
 * Blocks of linear memory for the table, its key arena and the buffers the
 * host fills. Few and large, so a first-fit free list is enough; freed
 * blocks (an outgrown table, an outgrown buffer) are reused, never given
 * back, as linear memory cannot shrink.
 */
#include "core.h"

/*
 * Slot references name copied keys by ~address (see table.c), which must
 * stay negative as an i32: linear memory stops at 2 GiB.
 */
#define MEM_LIMIT	0x80000000u
#define PAGE		65536u

extern u8 __heap_base;

struct head {
	u32 size;	/* payload bytes */
	u32 next;	/* next free block's payload address, while free */
};

static u32 brk;		/* the first address never handed out */
static u32 free_list;

static struct head *
head_of(u32 p)
{
	return (struct head *)(uintptr_t)(p - sizeof(struct head));
}

void *
mem_alloc(u32 n)
{
	u32 *link, p, need;

	if (n > MEM_LIMIT - PAGE)
		return NULL;
	n = n == 0 ? 8 : (n + 7) & ~7u;
	for (link = &free_list; (p = *link) != 0; link = &head_of(p)->next) {
		struct head *h = head_of(p);
		if (h->size < n)
			continue;
		if (h->size >= n + 64) {
			/* Keep the tail free. */
			u32 rest = p + n + sizeof(struct head);
			head_of(rest)->size = h->size - n - sizeof(struct head);
			head_of(rest)->next = h->next;
			*link = rest;
			h->size = n;
		} else
			*link = h->next;
		return (void *)(uintptr_t)p;
	}
	if (brk == 0)
		brk = ((u32)(uintptr_t)&__heap_base + 7) & ~7u;
	p = brk + sizeof(struct head);
	if (p > MEM_LIMIT - n)
		return NULL;
	need = p + n;
	if (need > __builtin_wasm_memory_size(0) * PAGE) {
		u32 pages = (need - __builtin_wasm_memory_size(0) * PAGE + PAGE - 1) / PAGE;
		if (__builtin_wasm_memory_grow(0, pages) == (size_t)-1)
			return NULL;
	}
	head_of(p)->size = n;
	brk = need;
	return (void *)(uintptr_t)p;
}

void
mem_free(void *ptr)
{
	u32 p = (u32)(uintptr_t)ptr;

	if (p == 0)
		return;
	head_of(p)->next = free_list;
	free_list = p;
}

/* The compiler's own calls (struct copies, loops it recognises) land here: memory.copy and memory.fill. */
void *
memcpy(void *dst, const void *src, size_t n)
{
	__builtin_memcpy(dst, src, n);
	return dst;
}

void *
memset(void *dst, int c, size_t n)
{
	__builtin_memset(dst, c, n);
	return dst;
}
