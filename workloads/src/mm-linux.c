/* mm-linux: memory-management behaviour where qemu-riscv32 7.2 departs from
 * Linux.
 *
 * EXPECTED OUTPUT WRITTEN BY HAND (manifest "oracle": "hand"). Under qemu 7.2:
 * mremap cannot grow a mapping in place (ENOMEM) and, with MREMAP_MAYMOVE,
 * always moves; a shrinking mremap unmaps the pages after the *old* end
 * instead of the tail; a failed MREMAP_MAYMOVE unmaps the old range; size 0
 * is ENOMEM instead of EINVAL; MREMAP_DONTUNMAP is refused;
 * MAP_FIXED_NOREPLACE is only a hint; madvise accepts any advice; mprotect
 * over a hole succeeds; brk shrinking leaves the pages mapped. The
 * expectation follows Linux (mm/mremap.c, mm/mmap.c, mm/mprotect.c,
 * mm/madvise.c) and was checked against a native build of the same source on
 * x86-64 Linux 6.18.
 *
 * Faults are caught by a SIGSEGV handler that longjmps back; only relations
 * between addresses are printed.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "cpt.h"
#include "os.h"

#define P PAGE_SIZE
#define RW (PROT_READ | PROT_WRITE)
#define ANON (MAP_PRIVATE | MAP_ANONYMOUS)

static const char *yn(int b) { return b ? "yes" : "no"; }

static sigjmp_buf env;
static volatile int in_probe;

static void on_segv(int sig, siginfo_t *si, void *uc)
{
	if (!in_probe) {
		static const char msg[] = "unexpected SIGSEGV\n";
		fflush(stdout);
		sys_write(1, msg, sizeof msg - 1);
		_exit(99);
	}
	in_probe = 0;
	siglongjmp(env, 1);
}

/* 1 if the access faults. */
static int faults(volatile char *p, int write)
{
	if (sigsetjmp(env, 1) == 0) {
		in_probe = 1;
		if (write) *p = 7;
		else (void)*p;
		in_probe = 0;
		return 0;
	}
	return 1;
}

static void fill(char *p, size_t n, int seed)
{
	for (size_t i = 0; i < n; i += 64) p[i] = (char)(seed + i / 64);
}

static int same(const char *p, size_t n, int seed)
{
	for (size_t i = 0; i < n; i += 64)
		if (p[i] != (char)(seed + i / 64)) return 0;
	return 1;
}

static int zero(const char *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (p[i]) return 0;
	return 1;
}

int main(void)
{
	cpt_mark("mm-linux:start");
	os_sigaction(SIGSEGV, on_segv, 0, NULL);
	printf("mm-linux\n");

	/* 1. grow in place into a free range, with and without MREMAP_MAYMOVE */
	char *a = mmap(NULL, 32 * P, RW, ANON, -1, 0);
	munmap(a + 4 * P, 28 * P);
	fill(a, 4 * P, 1);
	char *g = mremap(a, 4 * P, 10 * P, 0, NULL);
	printf("mremap grow 4 -> 10 pages in place, no MAYMOVE: same address %s, contents kept %s, new pages zero %s\n",
	       yn(g == a), yn(!os_failed(g) && same(g, 4 * P, 1)), yn(!os_failed(g) && zero(g + 4 * P, 6 * P)));
	char *g2 = mremap(a, 10 * P, 16 * P, MREMAP_MAYMOVE, NULL);
	printf("mremap grow 10 -> 16 pages with MAYMOVE and room after it: stays in place %s, contents kept %s\n",
	       yn(g2 == a), yn(!os_failed(g2) && same(g2, 4 * P, 1)));

	/* 2. shrink: the tail goes, the mapping right after the old end stays */
	cpt_mark("mm-linux:shrink");
	char *b = mmap(a + 16 * P, 4 * P, RW, ANON | MAP_FIXED, -1, 0);
	fill(b, 4 * P, 9);
	char *s = mremap(a, 16 * P, 2 * P, 0, NULL);
	printf("mremap shrink 16 -> 2 pages: same address %s, kept %s, page 2 gone %s, page 15 gone %s, next mapping intact %s\n",
	       yn(s == a), yn(same(a, 2 * P, 1)), yn(faults(a + 2 * P, 0)), yn(faults(a + 15 * P, 0)),
	       yn(!faults(b, 0) && same(b, 4 * P, 9)));

	/* 3. EINVAL cases, and a failed mremap leaves the mapping alone */
	printf("mremap(new size 0) = %ld, mremap(unaligned, MAYMOVE) = %ld\n", (long)mremap(a, 2 * P, 0, MREMAP_MAYMOVE, NULL),
	       (long)mremap(a + 1, P, 4 * P, MREMAP_MAYMOVE, NULL));
	printf("after the failed calls: still mapped with its contents %s\n", yn(!faults(a, 0) && same(a, 2 * P, 1)));

	/* 4. MREMAP_DONTUNMAP: the pages move, the old range stays mapped and reads zero */
	cpt_mark("mm-linux:dontunmap");
	char *m = mmap(NULL, 2 * P, RW, ANON, -1, 0);
	fill(m, 2 * P, 5);
	char *d = mremap(m, 2 * P, 2 * P, MREMAP_MAYMOVE | MREMAP_DONTUNMAP, NULL);
	printf("MREMAP_DONTUNMAP: moved %s, contents at the new place %s, old range still mapped and zero %s\n",
	       yn(!os_failed(d) && d != m), yn(!os_failed(d) && same(d, 2 * P, 5)), yn(!faults(m, 0) && zero(m, 2 * P)));
	printf("MREMAP_DONTUNMAP with a size change = %ld\n", (long)mremap(d, 2 * P, 3 * P, MREMAP_MAYMOVE | MREMAP_DONTUNMAP, NULL));

	/* 5. MAP_FIXED_NOREPLACE */
	void *nr = mmap(b, P, RW, ANON | MAP_FIXED_NOREPLACE, -1, 0);
	printf("MAP_FIXED_NOREPLACE over a mapping = %ld (-EEXIST = %d), the mapping untouched %s\n", (long)nr, -EEXIST,
	       yn(same(b, 4 * P, 9)));
	munmap(b + 3 * P, P);
	void *nr2 = mmap(b + 3 * P, P, RW, ANON | MAP_FIXED_NOREPLACE, -1, 0);
	printf("MAP_FIXED_NOREPLACE on a free page: at that address %s\n", yn(nr2 == b + 3 * P));

	/* 6. madvise */
	printf("madvise(advice 999) = %ld, madvise(MADV_DONTNEED) = %ld\n", madvise(b, P, 999), madvise(b, P, MADV_DONTNEED));

	/* 7. mprotect over a hole: ENOMEM, after changing the part before the hole */
	cpt_mark("mm-linux:mprotect");
	char *h = mmap(NULL, 3 * P, RW, ANON, -1, 0);
	munmap(h + P, P);
	long r = mprotect(h, 3 * P, PROT_READ);
	printf("mprotect over a hole = %ld (-ENOMEM = %d): page before the hole now read-only %s, page after still writable %s\n",
	       r, -ENOMEM, yn(faults(h, 1)), yn(!faults(h + 2 * P, 1)));
	printf("munmap over the hole = %ld\n", munmap(h, 3 * P));

	/* 8. brk: shrinking unmaps, growing again gives zeros */
	cpt_mark("mm-linux:brk");
	unsigned long cur = (unsigned long)sys_brk(0);
	unsigned long base = (cur + P - 1) & ~(unsigned long)(P - 1);
	unsigned long top = (unsigned long)sys_brk((void *)(base + 3 * P));
	printf("brk grown by 3 pages: %s\n", yn(top == base + 3 * P));
	memset((char *)base, 0x5a, 3 * P);
	unsigned long low = (unsigned long)sys_brk((void *)(base + P));
	printf("brk shrunk to 1 page: %s; released page faults %s, kept page intact %s\n", yn(low == base + P),
	       yn(faults((char *)base + P, 0)), yn(((char *)base)[P - 1] == 0x5a));
	sys_brk((void *)(base + 3 * P));
	printf("brk grown again: released pages read zero %s\n", yn(zero((char *)base + P, 2 * P)));
	sys_brk((void *)cur);
	cpt_mark("mm-linux:end");
	return 0;
}
