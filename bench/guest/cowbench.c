/* cowbench: touch argv[1] pages, then argv[2] times fork a child that writes every page once
 * (one copy-on-write fault each) and exits. */
#include <stdio.h>
#include <stdlib.h>
#include "syscall.h"
int main(int argc, char **argv) {
	long pages = argc > 1 ? strtol(argv[1], 0, 0) : 256;
	long rounds = argc > 2 ? strtol(argv[2], 0, 0) : 10;
	char *buf = malloc(pages * 4096);
	for (long p = 0; p < pages; p++) buf[p * 4096] = 1;
	for (long r = 0; r < rounds; r++) {
		long pid = __syscall6(220, 17, 0, 0, 0, 0, 0);
		if (pid == 0) {
			for (long p = 0; p < pages; p++) buf[p * 4096] = 2;
			__syscall6(94, 0, 0, 0, 0, 0, 0);
		}
		int info[32];
		__syscall6(95, 1, pid, (long)info, 4, 0, 0);
	}
	printf("cowbench: %ld faults\n", pages * rounds);
	return 0;
}
