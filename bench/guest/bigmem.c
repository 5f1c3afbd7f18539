/* bigmem: the C/R throughput guest. Map argv[1] MiB (default 256) of anonymous private memory,
 * fill every word of every page with a pattern distinct per page and never zero (so no page can
 * be skipped as a zero page or shared with another), cpt_mark("bigmem:touched"), then check every
 * word after the mark. Prints "ok" (exit 0) or the first bad page (exit 1). */
#include <stdio.h>
#include <stdlib.h>
#include "cpt.h"
#include "syscall.h"

#define PAGE 4096u
#define WORDS (PAGE / 4u)

/* Word w of page p: distinct per page (the page number is in it), never zero (bit 0 set). */
static inline unsigned pattern(unsigned p, unsigned w) { return (p * 0x9E3779B1u) ^ (w << 12) ^ 0x5a5a0001u ^ (p << 1); }

int main(int argc, char **argv) {
	long mib = argc > 1 ? strtol(argv[1], 0, 0) : 256;
	unsigned pages = (unsigned)mib * (1024u * 1024u / PAGE);
	long a = __syscall6(SYS_mmap2, 0, (long)(pages * PAGE), 3 /* PROT_READ|PROT_WRITE */, 0x22 /* MAP_PRIVATE|MAP_ANONYMOUS */, -1, 0);
	if ((unsigned long)a >= (unsigned long)-4095) {
		printf("mmap of %ld MiB failed: %ld\n", mib, a);
		return 1;
	}
	unsigned *mem = (unsigned *)a;
	for (unsigned p = 0; p < pages; p++) {
		unsigned *pg = mem + (unsigned long)p * WORDS;
		unsigned base = pattern(p, 0);
		for (unsigned w = 0; w < WORDS; w++) pg[w] = base ^ (w << 12);
	}
	cpt_mark("bigmem:touched");
	for (unsigned p = 0; p < pages; p++) {
		unsigned *pg = mem + (unsigned long)p * WORDS;
		unsigned base = pattern(p, 0);
		for (unsigned w = 0; w < WORDS; w++) {
			if (pg[w] != (base ^ (w << 12))) {
				printf("bad page %u word %u: %08x, want %08x\n", p, w, pg[w], base ^ (w << 12));
				return 1;
			}
		}
	}
	printf("ok\n");
	return 0;
}
