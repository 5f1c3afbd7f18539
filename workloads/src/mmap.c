/* mmap: anonymous mappings, protections, unmapping and remapping, with faults
 * caught by a SIGSEGV handler (siglongjmp) that reports si_code and whether
 * si_addr is the address touched.
 *
 * Touch and read back; zero-fill; mprotect to read-only (write faults
 * SEGV_ACCERR, read works), to PROT_NONE (read faults), back to read-write
 * (contents kept); munmap of a middle page (SEGV_MAPERR there, neighbours
 * intact); mremap growing to a fixed place, shrinking in place, refusing to
 * grow in place (ENOMEM) and moving with MREMAP_MAYMOVE when something is in
 * the way, and moving to a chosen address with MREMAP_FIXED, always keeping
 * the contents; MAP_FIXED replacing a mapping with zeros; madvise
 * MADV_DONTNEED zeroing private pages; code written into a mapping,
 * mprotect'ed to read+exec and called; a sparse 64 MiB MAP_NORESERVE
 * mapping; and the EINVAL cases. Addresses are never printed, only
 * relations between them. Where qemu 7.2 departs from Linux (growing in
 * place, MAP_FIXED_NOREPLACE, unknown madvise advice, mremap EINVAL cases),
 * the check is in mm-linux, whose expected output is written by hand.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "cpt.h"
#include "os.h"

#define P PAGE_SIZE

static const char *yn(int b) { return b ? "yes" : "no"; }

static sigjmp_buf env;
static volatile unsigned long fault_addr;
static volatile int fault_code, in_probe;

static void on_segv(int sig, siginfo_t *si, void *uc)
{
	fault_addr = (unsigned long)si->si_addr;
	fault_code = si->si_code;
	if (!in_probe) {
		static const char msg[] = "unexpected SIGSEGV outside a probe\n";
		fflush(stdout);
		sys_write(1, msg, sizeof msg - 1);
		_exit(99);
	}
	in_probe = 0;
	siglongjmp(env, 1);
}

static const char *code_name(int c) { return c == SEGV_MAPERR ? "SEGV_MAPERR" : c == SEGV_ACCERR ? "SEGV_ACCERR" : "?"; }

/* Touch one byte; report "ok" or the fault. */
static void probe(const char *what, volatile char *p, int write)
{
	if (sigsetjmp(env, 1) == 0) {
		in_probe = 1;
		if (write) *p = 1;
		else (void)*p;
		in_probe = 0;
		printf("%-44s ok\n", what);
	} else {
		printf("%-44s fault %s, si_addr exact %s\n", what, code_name(fault_code), yn(fault_addr == (unsigned long)p));
	}
}

static void fill(char *p, size_t n, unsigned seed)
{
	for (size_t i = 0; i < n; i += 97) p[i] = (char)(seed + i * 7);
}

static int same(const char *p, size_t n, unsigned seed)
{
	for (size_t i = 0; i < n; i += 97)
		if (p[i] != (char)(seed + i * 7)) return 0;
	return 1;
}

/* Like same() for base[lo..hi) where base was filled as a whole. */
static int same_range(const char *base, size_t lo, size_t hi, unsigned seed)
{
	for (size_t i = (lo + 96) / 97 * 97; i < hi; i += 97)
		if (base[i] != (char)(seed + i * 7)) return 0;
	return 1;
}

static int zero(const char *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (p[i]) return 0;
	return 1;
}

#define MAP(addr, len, prot, flags) mmap((addr), (len), (prot), (flags), -1, 0)
#define RW (PROT_READ | PROT_WRITE)
#define ANON (MAP_PRIVATE | MAP_ANONYMOUS)

int main(void)
{
	cpt_mark("mmap:start");
	os_sigaction(SIGSEGV, on_segv, 0, NULL);

	/* 1. touch */
	char *a = MAP(NULL, 16 * P, RW, ANON);
	printf("mmap 16 pages: ok %s, page aligned %s\n", yn(!os_failed(a)), yn(((unsigned long)a & (P - 1)) == 0));
	printf("fresh pages read zero: %s\n", yn(zero(a, 16 * P)));
	fill(a, 16 * P, 1);
	printf("pattern written and read back: %s\n", yn(same(a, 16 * P, 1)));

	/* 2. mprotect */
	cpt_mark("mmap:mprotect");
	printf("mprotect(pages 4..5, PROT_READ) = %ld\n", mprotect(a + 4 * P, 2 * P, PROT_READ));
	probe("write to a read-only page:", a + 4 * P + 123, 1);
	probe("read from it:", a + 4 * P + 123, 0);
	probe("write to the page before it:", a + 3 * P + 5, 1);
	printf("mprotect(page 6, PROT_NONE) = %ld\n", mprotect(a + 6 * P, P, PROT_NONE));
	probe("read from a PROT_NONE page:", a + 6 * P + 8, 0);
	printf("mprotect(pages 4..6, read-write) = %ld\n", mprotect(a + 4 * P, 3 * P, RW));
	printf("contents kept through the protections: %s\n", yn(same(a, 16 * P, 1)));
	printf("mprotect(unaligned) = %ld, mprotect(bad prot 0x100) = %ld\n", mprotect(a + 1, P, PROT_READ),
	       mprotect(a, P, 0x100));

	/* 3. munmap a middle page */
	cpt_mark("mmap:munmap");
	printf("munmap(page 8) = %ld\n", munmap(a + 8 * P, P));
	probe("read from the unmapped page:", a + 8 * P + 40, 0);
	probe("read from page 7:", a + 7 * P, 0);
	probe("read from page 9:", a + 9 * P, 0);
	printf("munmap(unaligned) = %ld, munmap(len 0) = %ld, munmap of a hole = %ld\n", munmap(a + 1, P), munmap(a, 0),
	       munmap(a + 8 * P, P));

	/* 4. mremap: grow, shrink, move. Everything happens inside a PROT_NONE reservation of our
	 * own: qemu 7.2 mishandles a shrink (it unmaps the pages *after* the old end instead of the
	 * tail) and grows in place only by moving, so the ranges it would damage are ours.
	 * mm-linux covers growing in place. */
	cpt_mark("mmap:mremap");
	char *z = MAP(NULL, 32 * P, PROT_NONE, ANON);
	char *r = MAP(NULL, 4 * P, RW, ANON);
	fill(r, 4 * P, 2);
	char *g = mremap(r, 4 * P, 10 * P, MREMAP_MAYMOVE | MREMAP_FIXED, z);
	if (os_failed(g)) { printf("mremap grow failed: %ld\n", (long)g); return 1; }
	printf("mremap grow 4 -> 10 pages to a fixed place: there %s, contents kept %s, new pages zero %s\n",
	       yn(g == z), yn(same(g, 4 * P, 2)), yn(zero(g + 4 * P, 6 * P)));
	probe("read at the old address:", r, 0);
	g[9 * P] = 1;
	char *s = mremap(g, 10 * P, 3 * P, 0, NULL);
	if (os_failed(s)) { printf("mremap shrink failed: %ld\n", (long)s); return 1; }
	printf("mremap shrink 10 -> 3 pages: same address %s, contents kept %s\n", yn(s == g), yn(same(s, 3 * P, 2)));
	probe("read past the shrunk end:", s + 3 * P, 0);
	char *blocker = MAP(s + 3 * P, P, PROT_READ, ANON | MAP_FIXED);
	printf("blocker mapped right after it: %s\n", yn(blocker == s + 3 * P));
	void *nm = mremap(s, 3 * P, 6 * P, 0, NULL);
	printf("mremap grow without MREMAP_MAYMOVE = %ld (-ENOMEM = %d)\n", (long)nm, -ENOMEM);
	char *m = mremap(s, 3 * P, 6 * P, MREMAP_MAYMOVE, NULL);
	printf("with MREMAP_MAYMOVE: moved %s, contents kept %s, new pages zero %s\n", yn(!os_failed(m) && m != s),
	       yn(same(m, 3 * P, 2)), yn(zero(m + 3 * P, 3 * P)));
	probe("read at the old address:", s, 0);
	probe("read from the blocker:", blocker, 0);
	char *dst = MAP(NULL, 8 * P, PROT_READ, ANON);
	char *f = mremap(m, 6 * P, 6 * P, MREMAP_MAYMOVE | MREMAP_FIXED, dst + P);
	printf("MREMAP_FIXED into a reserved range: at the address asked %s, contents kept %s\n", yn(f == dst + P),
	       yn(same(f, 3 * P, 2)));
	probe("write to the moved pages (read-write):", f + 5 * P, 1);
	probe("write to the reserved page before (read-only):", dst, 1);
	/* Not here: mremap of an unaligned address or to size 0 (EINVAL on Linux). qemu 7.2 answers
	 * ENOMEM to size 0, and after a failed MREMAP_MAYMOVE it unmaps the old range behind the
	 * guest's back (the next access hangs qemu). mm-linux checks them. */
	printf("MREMAP_FIXED without MREMAP_MAYMOVE = %ld\n", (long)mremap(f, P, P, MREMAP_FIXED, dst));

	/* 5. MAP_FIXED replaces, MAP_FIXED_NOREPLACE refuses */
	cpt_mark("mmap:fixed");
	fill(a, 4 * P, 3);
	char *fx = MAP(a + P, 2 * P, RW, ANON | MAP_FIXED);
	printf("MAP_FIXED over pages 1..2: same address %s, now zero %s, page 0 and 3 kept %s\n", yn(fx == a + P),
	       yn(zero(a + P, 2 * P)), yn(same_range(a, 0, P, 3) && same_range(a, 3 * P, 4 * P, 3)));
	/* MAP_FIXED_NOREPLACE (EEXIST here) is in mm-linux: qemu 7.2 treats it as a mere hint. */
	printf("MAP_FIXED at an unaligned address = %ld\n", (long)MAP(a + 1, P, RW, ANON | MAP_FIXED));

	/* 6. madvise */
	fill(a + 10 * P, 4 * P, 4);
	printf("madvise(MADV_DONTNEED) = %ld: pages read zero again %s\n", madvise(a + 10 * P, 4 * P, MADV_DONTNEED),
	       yn(zero(a + 10 * P, 4 * P)));
	/* madvise(advice 999) is EINVAL on Linux, 0 under qemu 7.2: in mm-linux. */
	printf("madvise(unaligned) = %ld\n", madvise(a + 1, P, MADV_NORMAL));

	/* 7. code in a mapping */
	cpt_mark("mmap:exec");
	uint32_t *code = MAP(NULL, P, RW, ANON);
	code[0] = 0x02a00513;   /* li a0, 42 */
	code[1] = 0x00b50533;   /* add a0, a0, a1 */
	code[2] = 0x00008067;   /* ret */
	printf("mprotect(code, read+exec) = %ld\n", mprotect(code, P, PROT_READ | PROT_EXEC));
	__asm__ volatile(".option push\n\t.option arch, +zifencei\n\tfence.i\n\t.option pop" ::: "memory");
	int (*fn)(int, int) = (int (*)(int, int))(void *)code;
	printf("calling the generated code: %d (42 + 100)\n", fn(0, 100));
	probe("write to the read+exec page:", (char *)code, 1);

	/* 8. sparse big mapping */
	char *big = MAP(NULL, 64u << 20, RW, ANON | MAP_NORESERVE);
	int bad = os_failed(big);
	for (unsigned i = 0; !bad && i < 64; i++) big[(size_t)i << 20] = (char)i;
	for (unsigned i = 0; !bad && i < 64; i++) bad |= big[((size_t)i << 20) + 1] != 0 || big[(size_t)i << 20] != (char)i;
	printf("64 MiB MAP_NORESERVE, one byte per MiB written and read: %s, munmap = %ld\n", yn(!bad), munmap(big, 64u << 20));

	/* 9. errors */
	printf("mmap(len 0) = %ld\n", (long)MAP(NULL, 0, RW, ANON));
	printf("mmap(neither shared nor private) = %ld\n", (long)MAP(NULL, P, RW, MAP_ANONYMOUS));
	printf("mmap(bad fd, not anonymous) = %ld (-EBADF = %d)\n", (long)mmap(NULL, P, RW, MAP_PRIVATE, -1, 0), -EBADF);
	printf("munmap all: %ld %ld %ld %ld\n", munmap(a, 16 * P), munmap(dst, 8 * P), munmap(code, P), munmap(z, 32 * P));
	probe("read after munmap:", a, 0);
	cpt_mark("mmap:end");
	return 0;
}
