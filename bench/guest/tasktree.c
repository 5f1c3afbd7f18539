/* tasktree: the per-task C/R cost guest. argv[1] = N tasks in all (default 100): the parent forks
 * N-1 children in a flat tree (one level: the cheapest to create, and every child is the
 * parent's, so one waitid loop reaps them). Each child blocks in read() on a pipe whose write end
 * only the parent keeps; after cpt_mark("tasktree:all-alive") the parent closes it, every child
 * reads end-of-file and exits 0, and the parent reaps them all and prints "ok N" (exit 0), or
 * what went wrong (exit 1). Each child costs a task, a copy-on-write mm of the parent's few
 * pages and a file table; nothing is printed before the forks, so no child inherits output. */
#include <stdio.h>
#include <stdlib.h>
#include "cpt.h"
#include "syscall.h"

#define SYS_close 57
#define SYS_pipe2 59
#define SIGCHLD 17
#define P_ALL 0
#define WEXITED 4

int main(int argc, char **argv) {
	long n = argc > 1 ? strtol(argv[1], 0, 0) : 100;
	int fds[2];
	long r = __syscall2(SYS_pipe2, (long)fds, 0);
	if (r < 0) {
		printf("pipe2 failed: %ld\n", r);
		return 1;
	}
	for (long i = 1; i < n; i++) {
		long pid = __syscall5(SYS_clone, SIGCHLD, 0, 0, 0, 0);
		if (pid < 0) {
			printf("fork %ld of %ld failed: %ld\n", i, n - 1, pid);
			return 1;
		}
		if (pid == 0) {
			char c;
			__syscall1(SYS_close, fds[1]);
			long got = __syscall3(SYS_read, fds[0], (long)&c, 1);
			__syscall1(SYS_exit_group, got == 0 ? 0 : 1);
		}
	}
	cpt_mark("tasktree:all-alive");
	__syscall1(SYS_close, fds[1]);
	long reaped = 0, bad = 0;
	for (;;) {
		int info[32];
		info[5] = -1; /* siginfo: signo, errno, code, pid, uid, status */
		long w = __syscall5(SYS_waitid, P_ALL, 0, (long)info, WEXITED, 0);
		if (w < 0) break;
		reaped++;
		if (info[5] != 0) bad++;
	}
	if (reaped != n - 1 || bad != 0) {
		printf("reaped %ld of %ld children, %ld exited non-zero\n", reaped, n - 1, bad);
		return 1;
	}
	printf("ok %ld\n", n);
	return 0;
}
