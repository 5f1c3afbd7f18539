/* threadbench: 4 threads (CLONE_THREAD) each run an integer loop of argv[1] iterations; the
 * main thread joins them by futex-waiting on their tid words (CLONE_CHILD_CLEARTID). */
#include <stdio.h>
#include <stdlib.h>
#include <stdint.h>
#include "syscall.h"
#define NT 4
static char stacks[NT][16384] __attribute__((aligned(16)));
static volatile int tids[NT];
static uint32_t results[NT];
static long iters;
static void worker(int id) {
	uint32_t x = 2463534242u + id, s = 0;
	for (long i = 0; i < iters; i++) { x ^= x << 13; x ^= x >> 17; x ^= x << 5; s += x; }
	results[id] = s;
}
int main(int argc, char **argv) {
	iters = argc > 1 ? strtol(argv[1], 0, 0) : 1000000;
	const long flags = 0x100 | 0x200 | 0x400 | 0x800 | 0x10000 | 0x40000 | 0x100000 | 0x200000;
	for (int i = 0; i < NT; i++) {
		long r = __syscall6(220, flags, (long)(stacks[i] + sizeof stacks[i]), (long)&tids[i], 0, (long)&tids[i], 0);
		if (r == 0) { worker(i); __syscall6(93, 0, 0, 0, 0, 0, 0); }
	}
	for (int i = 0; i < NT; i++) {
		int t;
		while ((t = tids[i]) != 0) __syscall6(422, (long)&tids[i], 0, t, 0, 0, 0);
	}
	uint32_t all = 0;
	for (int i = 0; i < NT; i++) all ^= results[i];
	printf("threadbench: %d threads, checksum %08x\n", NT, (unsigned)all);
	return 0;
}
