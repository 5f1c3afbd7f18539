/* malloc.c - a first-fit, address-ordered free-list allocator over brk.
 *
 * Every block has a 16-byte header {size, magic, ...}; size includes the
 * header, is a multiple of 16, and blocks are 16-byte aligned. Free blocks are
 * kept in one singly-linked list sorted by address and coalesced with both
 * neighbours on free. The heap grows with brk in steps of at least 64 KiB and
 * never shrinks. Deterministic: the same call sequence gives the same layout
 * relative to the initial break.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "syscall.h"

#define HDR 16u
#define MIN_BLOCK 32u
#define GROW_MIN (64u * 1024u)
#define MAGIC_USED 0xa110c8edu
#define MAGIC_FREE 0xf4eeb10cu

struct block {
	size_t size;
	uint32_t magic;
	struct block *next;   /* free blocks only */
	uint32_t pad;
};

static struct block *free_list;
static uintptr_t heap_start, heap_end;

static void heap_corrupt(void)
{
	static const char msg[] = "malloc: heap corruption\n";
	sys_write(2, msg, sizeof msg - 1);
	sys_exit_group(127);
}

/* Insert b into the address-ordered free list and merge it with its neighbours. */
static void insert_free(struct block *b)
{
	struct block *prev = NULL, *cur = free_list;
	b->magic = MAGIC_FREE;
	while (cur && cur < b) { prev = cur; cur = cur->next; }
	b->next = cur;
	if (cur && (uintptr_t)b + b->size == (uintptr_t)cur) {
		b->size += cur->size;
		b->next = cur->next;
	}
	if (prev) {
		prev->next = b;
		if ((uintptr_t)prev + prev->size == (uintptr_t)b) {
			prev->size += b->size;
			prev->next = b->next;
		}
	} else {
		free_list = b;
	}
}

static int grow(size_t need)
{
	if (!heap_start) {
		uintptr_t cur = (uintptr_t)sys_brk(0);
		heap_start = heap_end = (cur + 15) & ~(uintptr_t)15;
	}
	size_t amount = need < GROW_MIN ? GROW_MIN : need;
	amount = (amount + 4095) & ~(size_t)4095;
	uintptr_t want = heap_end + amount;
	if (want < heap_end) return 0;
	uintptr_t got = (uintptr_t)sys_brk((void *)want);
	if (got < want) return 0;
	struct block *b = (struct block *)heap_end;
	b->size = amount;
	heap_end = want;
	insert_free(b);
	return 1;
}

static size_t block_size_for(size_t n)
{
	if (n > SIZE_MAX / 2) return 0;
	size_t sz = (n + HDR + 15) & ~(size_t)15;
	return sz < MIN_BLOCK ? MIN_BLOCK : sz;
}

void *malloc(size_t n)
{
	size_t sz = block_size_for(n);
	if (!sz) return NULL;
	for (;;) {
		struct block *prev = NULL, *b = free_list;
		for (; b; prev = b, b = b->next) {
			if (b->magic != MAGIC_FREE) heap_corrupt();
			if (b->size < sz) continue;
			struct block *rest;
			if (b->size - sz >= MIN_BLOCK) {
				rest = (struct block *)((uintptr_t)b + sz);
				rest->size = b->size - sz;
				rest->magic = MAGIC_FREE;
				rest->next = b->next;
				b->size = sz;
			} else {
				rest = b->next;
			}
			if (prev) prev->next = rest; else free_list = rest;
			b->magic = MAGIC_USED;
			b->next = NULL;
			return (char *)b + HDR;
		}
		if (!grow(sz)) return NULL;
	}
}

void free(void *p)
{
	if (!p) return;
	struct block *b = (struct block *)((char *)p - HDR);
	if (b->magic != MAGIC_USED || (uintptr_t)b < heap_start || (uintptr_t)b >= heap_end)
		heap_corrupt();
	insert_free(b);
}

void *calloc(size_t n, size_t sz)
{
	if (sz && n > SIZE_MAX / sz) return NULL;
	void *p = malloc(n * sz);
	if (p) memset(p, 0, n * sz);
	return p;
}

void *realloc(void *p, size_t n)
{
	if (!p) return malloc(n);
	if (!n) { free(p); return NULL; }
	struct block *b = (struct block *)((char *)p - HDR);
	if (b->magic != MAGIC_USED) heap_corrupt();
	size_t sz = block_size_for(n);
	if (!sz) return NULL;
	if (sz > b->size) {
		/* Try to absorb the free block right after this one. */
		struct block *prev = NULL, *f = free_list;
		uintptr_t end = (uintptr_t)b + b->size;
		while (f && (uintptr_t)f < end) { prev = f; f = f->next; }
		if (f && (uintptr_t)f == end && b->size + f->size >= sz) {
			if (prev) prev->next = f->next; else free_list = f->next;
			b->size += f->size;
		} else {
			void *q = malloc(n);
			if (!q) return NULL;
			memcpy(q, p, b->size - HDR);
			free(p);
			return q;
		}
	}
	if (b->size - sz >= MIN_BLOCK) {
		struct block *rest = (struct block *)((uintptr_t)b + sz);
		rest->size = b->size - sz;
		b->size = sz;
		insert_free(rest);
	}
	return p;
}
