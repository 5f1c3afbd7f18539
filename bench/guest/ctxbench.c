/* ctxbench: two tasks sharing memory (CLONE_VM) ping-pong argv[1] times through a futex word:
 * every round trip is two sleeps, two wake-ups and two context switches. */
#include <stdio.h>
#include <stdlib.h>
#include "syscall.h"
static volatile int turn;
static char stack[8192] __attribute__((aligned(16)));
static long rounds;
static void play(int me) {
	for (long i = 0; i < rounds; i++) {
		while (turn != me) __syscall6(422, (long)&turn, 128 /* WAIT|PRIVATE */, 1 - me, 0, 0, 0);
		turn = 1 - me;
		__syscall6(422, (long)&turn, 129 /* WAKE|PRIVATE */, 1, 0, 0, 0);
	}
}
int main(int argc, char **argv) {
	rounds = argc > 1 ? strtol(argv[1], 0, 0) : 1000;
	long pid = __syscall6(220, 0x100 | 17, (long)(stack + sizeof stack), 0, 0, 0, 0);
	if (pid == 0) { play(1); __syscall6(93, 0, 0, 0, 0, 0, 0); }
	play(0);
	int info[32];
	__syscall6(95, 1, pid, (long)info, 4, 0, 0);
	printf("ctxbench: %ld rounds\n", rounds);
	return 0;
}
