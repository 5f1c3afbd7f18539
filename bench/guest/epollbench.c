/* epollbench N: epoll_wait wake-ups. A child and the parent play ping-pong over two pipes N
 * times; the parent waits for each ping in epoll_pwait on a set holding the ping pipe, so every
 * round is one sleep in epoll_wait and one wake-up through the item's callback, then a read and
 * the pong write the child sleeps on. */
#include <stdio.h>
#include <stdlib.h>
#include "syscall.h"

int main(int argc, char **argv) {
	long n = argc > 1 ? strtol(argv[1], 0, 0) : 10000;
	int ping[2], pong[2];
	char c = 'x';
	__syscall6(59, (long)ping, 0, 0, 0, 0, 0);
	__syscall6(59, (long)pong, 0, 0, 0, 0, 0);
	long pid = __syscall6(220, 17, 0, 0, 0, 0, 0);
	if (pid == 0) {
		for (long i = 0; i < n; i++) {
			__syscall6(64, ping[1], (long)&c, 1, 0, 0, 0);
			__syscall6(63, pong[0], (long)&c, 1, 0, 0, 0);
		}
		__syscall6(94, 0, 0, 0, 0, 0, 0);
	}
	long ep = __syscall6(20, 0, 0, 0, 0, 0, 0);
	unsigned ev[4] = {1 /* EPOLLIN */, 0, 7, 0};
	__syscall6(21, ep, 1, ping[0], (long)ev, 0, 0);
	long woken = 0;
	for (long i = 0; i < n; i++) {
		if (__syscall6(22, ep, (long)ev, 1, -1, 0, 8) == 1) woken++;
		__syscall6(63, ping[0], (long)&c, 1, 0, 0, 0);
		__syscall6(64, pong[1], (long)&c, 1, 0, 0, 0);
	}
	int info[32];
	__syscall6(95, 1, pid, (long)info, 4, 0, 0);
	printf("epollbench: %ld events\n", woken);
	return woken == n ? 0 : 1;
}
