/* fsbench: file system costs. argv[1] selects:
 *   pipe MB   - a child writes MB megabytes into a pipe in 64 KiB writes, the parent reads them
 *   open N    - open and close a tmpfs file N times
 *   stat N    - statx a path N times
 *   lock N    - take and release a write lock on one byte of a tmpfs file N times (fcntl64
 *               F_SETLK64 with F_WRLCK, then F_UNLCK) */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "syscall.h"

static char buf[65536];

int main(int argc, char **argv) {
	const char *mode = argc > 1 ? argv[1] : "pipe";
	long n = argc > 2 ? strtol(argv[2], 0, 0) : 16;
	if (strcmp(mode, "pipe") == 0) {
		int fds[2];
		__syscall6(59, (long)fds, 0, 0, 0, 0, 0);
		long pid = __syscall6(220, 17, 0, 0, 0, 0, 0);
		if (pid == 0) {
			__syscall6(57, fds[0], 0, 0, 0, 0, 0);
			for (long i = 0; i < n * 16; i++) __syscall6(64, fds[1], (long)buf, sizeof buf, 0, 0, 0);
			__syscall6(94, 0, 0, 0, 0, 0, 0);
		}
		__syscall6(57, fds[1], 0, 0, 0, 0, 0);
		long total = 0, r;
		while ((r = __syscall6(63, fds[0], (long)buf, sizeof buf, 0, 0, 0)) > 0) total += r;
		int info[32];
		__syscall6(95, 1, pid, (long)info, 4, 0, 0);
		printf("fsbench pipe: %ld bytes\n", total);
	} else if (strcmp(mode, "open") == 0) {
		long fd = __syscall6(56, -100, (long)"/tmp-bench", 0x40 | 2, 0644, 0, 0);
		__syscall6(57, fd, 0, 0, 0, 0, 0);
		for (long i = 0; i < n; i++) {
			fd = __syscall6(56, -100, (long)"/tmp-bench", 0, 0, 0, 0);
			__syscall6(57, fd, 0, 0, 0, 0, 0);
		}
		printf("fsbench open: %ld\n", n);
	} else if (strcmp(mode, "lock") == 0) {
		long fd = __syscall6(56, -100, (long)"/tmp-bench", 0x40 | 2, 0644, 0, 0);
		/* struct flock64: short l_type, l_whence; (pad) s64 l_start, l_len; int l_pid; (pad) */
		static long long fl[4];
		short *type = (short *)fl;
		fl[1] = 0;
		fl[2] = 1;
		for (long i = 0; i < n; i++) {
			type[0] = 1; /* F_WRLCK */
			if (__syscall6(25, fd, 13, (long)fl, 0, 0, 0) != 0) return 1;
			type[0] = 2; /* F_UNLCK */
			__syscall6(25, fd, 13, (long)fl, 0, 0, 0);
		}
		printf("fsbench lock: %ld\n", n);
	} else {
		static char stx[256];
		for (long i = 0; i < n; i++) __syscall6(291, -100, (long)"/", 0, 0x7ff, (long)stx, 0);
		printf("fsbench stat: %ld\n", n);
	}
	return 0;
}
