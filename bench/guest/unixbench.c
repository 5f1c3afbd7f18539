/* unixbench MB: a child writes MB megabytes into an AF_UNIX stream socketpair in 64 KiB
 * writes, the parent reads them until EOF — the unix-socket counterpart of fsbench's pipe mode,
 * so the two throughput figures compare the same traffic. */
#include <stdio.h>
#include <stdlib.h>
#include "syscall.h"

static char buf[65536];

int main(int argc, char **argv) {
	long n = argc > 1 ? strtol(argv[1], 0, 0) : 16;
	int sv[2];
	if (__syscall6(199, 1 /* AF_UNIX */, 1 /* SOCK_STREAM */, 0, (long)sv, 0, 0) != 0) return 1;
	long pid = __syscall6(220, 17, 0, 0, 0, 0, 0);
	if (pid == 0) {
		__syscall6(57, sv[0], 0, 0, 0, 0, 0);
		for (long i = 0; i < n * 16; i++) __syscall6(64, sv[1], (long)buf, sizeof buf, 0, 0, 0);
		__syscall6(94, 0, 0, 0, 0, 0, 0);
	}
	__syscall6(57, sv[1], 0, 0, 0, 0, 0);
	long total = 0, r;
	while ((r = __syscall6(63, sv[0], (long)buf, sizeof buf, 0, 0, 0)) > 0) total += r;
	int info[32];
	__syscall6(95, 1, pid, (long)info, 4, 0, 0);
	printf("unixbench: %ld bytes\n", total);
	return total == n * 1048576 ? 0 : 2;
}
