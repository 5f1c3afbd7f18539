/* cow: copy-on-write after fork, without mmap (data, bss, heap, stack).
 *
 * The parent fills pages in .data, .bss, the malloc heap (brk) and its stack,
 * then forks. The child checks it sees the parent's values, overwrites the
 * same pages with its own pattern, verifies them, touches a bss page the
 * parent never wrote (zero until written), grows the heap, and forks a
 * grandchild that does the same one level down. Meanwhile the parent writes
 * its own second pattern into the same pages. Each process checks only its
 * own view and reports mismatches through its exit code; the parent prints
 * after reaping, so output does not depend on who ran first.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "cpt.h"
#include "os.h"

#define NPAGES 8
#define WORDS (NPAGES * PAGE_SIZE / 4)

static unsigned data_arr[WORDS] = { 1 };     /* .data (first word initialised) */
static unsigned bss_arr[WORDS];               /* .bss */
static unsigned untouched[WORDS];             /* .bss the parent never writes */
static unsigned *heap;

static unsigned pat(unsigned gen, unsigned region, unsigned i) { return gen * 0x9e3779b9u ^ region * 0x85ebca6bu ^ i * 2654435761u; }

static void fill(unsigned *a, unsigned region, unsigned gen)
{
	for (unsigned i = 0; i < WORDS; i += 64) a[i] = pat(gen, region, i);   /* every page, a few words each */
}

static int check(const unsigned *a, unsigned region, unsigned gen)
{
	int bad = 0;
	for (unsigned i = 0; i < WORDS; i += 64) bad += a[i] != pat(gen, region, i);
	return bad;
}

static int check_zero(const unsigned *a)
{
	int bad = 0;
	for (unsigned i = 0; i < WORDS; i += 64) bad += a[i] != 0;
	return bad;
}

/* Run in a freshly forked child of generation gen-1: see the parent's values, write our own. */
static int child_body(unsigned *stack_arr, unsigned gen, int depth, int first)
{
	int bad = 0;
	bad += check(data_arr, 1, gen - 1);
	bad += check(bss_arr, 2, gen - 1);
	bad += check(heap, 3, gen - 1);
	bad += check(stack_arr, 4, gen - 1);
	/* The top parent never writes `untouched`: zero for its child, the child's pattern below. */
	bad += first ? check_zero(untouched) : check(untouched, 5, gen - 1);
	fill(data_arr, 1, gen);
	fill(bss_arr, 2, gen);
	fill(heap, 3, gen);
	fill(stack_arr, 4, gen);
	fill(untouched, 5, gen);
	unsigned *more = malloc(PAGE_SIZE * 4);   /* may grow brk in the child only */
	for (unsigned i = 0; i < PAGE_SIZE; i++) more[i] = i ^ gen;
	for (unsigned i = 0; i < PAGE_SIZE; i++) bad += more[i] != (i ^ gen);
	if (depth > 0) {
		pid_t g = fork();
		if (g == 0) _exit(child_body(stack_arr, gen + 1, depth - 1, 0));
		int st = -1;
		if (waitpid(g, &st, 0) != g || !WIFEXITED(st)) bad += 100;
		else bad += WEXITSTATUS(st);
	}
	bad += check(data_arr, 1, gen);
	bad += check(bss_arr, 2, gen);
	bad += check(heap, 3, gen);
	bad += check(stack_arr, 4, gen);
	bad += check(untouched, 5, gen);
	return bad > 99 ? 99 : bad;
}

int main(void)
{
	cpt_mark("cow:start");
	unsigned stack_arr[WORDS];
	heap = malloc(sizeof(unsigned) * WORDS);
	fill(data_arr, 1, 0);
	fill(bss_arr, 2, 0);
	fill(heap, 3, 0);
	fill(stack_arr, 4, 0);

	for (int round = 0; round < 3; round++) {
		pid_t c = fork();
		if (c == 0) _exit(child_body(stack_arr, (unsigned)round + 1, 2, 1));
		/* Parent: write pattern 50+round over the same pages while the child runs. */
		fill(data_arr, 1, 50 + round);
		fill(bss_arr, 2, 50 + round);
		fill(heap, 3, 50 + round);
		fill(stack_arr, 4, 50 + round);
		int st = -1;
		pid_t w = waitpid(c, &st, 0);
		int pbad = check(data_arr, 1, 50 + round) + check(bss_arr, 2, 50 + round) + check(heap, 3, 50 + round) +
			   check(stack_arr, 4, 50 + round) + check_zero(untouched);
		printf("round %d: child reaped %s, child+grandchildren mismatches %d, parent mismatches %d\n", round,
		       w == c && WIFEXITED(st) ? "yes" : "no", WEXITSTATUS(st), pbad);
		/* Back to generation round+1's input for the next child. */
		fill(data_arr, 1, (unsigned)round + 1);
		fill(bss_arr, 2, (unsigned)round + 1);
		fill(heap, 3, (unsigned)round + 1);
		fill(stack_arr, 4, (unsigned)round + 1);
	}

	/* Writes before fork are visible to the child; writes after are not, in either direction. */
	volatile unsigned flag = 1;
	pid_t c = fork();
	if (c == 0) {
		int ok = flag == 1;
		flag = 2;
		_exit(ok && flag == 2 ? 10 : 11);
	}
	int st = -1;
	waitpid(c, &st, 0);
	printf("child saw the pre-fork value and its own write: %s; parent still sees %u\n",
	       WEXITSTATUS(st) == 10 ? "yes" : "no", flag);
	cpt_mark("cow:end");
	return 0;
}
