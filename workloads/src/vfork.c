/* vfork: CLONE_VM|CLONE_VFORK children share the parent's memory and the
 * parent waits for them to exit or exec.
 *
 * EXPECTED OUTPUT WRITTEN BY HAND (manifest "oracle": "hand"): qemu-riscv32
 * 7.2 turns vfork into a plain fork (separate memory, parent not suspended),
 * so none of this shows under it. The expectation follows Linux (vfork(2),
 * kernel/fork.c) and was checked against a native build of the same source on
 * x86-64 Linux 6.18.
 *
 * The child's writes to globals are the parent's; the parent resumes only
 * after the child's _exit (it sees everything the child wrote last), after a
 * failed execve in the child (-ENOENT recorded by the child), and after a
 * clone(CLONE_VM|CLONE_VFORK) child running on its own stack finishes. A
 * signal sent to the waiting parent by its vfork child is handled only after
 * the child has gone (the vfork wait is not interrupted by it).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "cpt.h"
#include "os.h"

/* GCC warns that register variables of the inline syscalls "might be clobbered by vfork". The
 * children here touch only globals and leave through _exit, so nothing they do to the shared
 * stack frame is read back by the parent. */
#pragma GCC diagnostic ignored "-Wclobbered"

static const char *yn(int b) { return b ? "yes" : "no"; }

static volatile int shared_word, steps, exec_result = 1;
static volatile int seen_in_handler = -1, handler_runs;

static void on_usr1(int sig)
{
	handler_runs++;
	seen_in_handler = shared_word;
}

static int clone_child(void *arg)
{
	for (int i = 0; i < 1000; i++) steps++;
	shared_word = 77;
	return 5;
}

static char child_stack[16384] __attribute__((aligned(16)));

int main(void)
{
	cpt_mark("vfork:start");
	/* 1. shared memory, parent suspended until _exit */
	fflush(stdout);
	pid_t c = vfork();
	if (c == 0) {
		for (int i = 0; i < 500; i++) steps++;
		shared_word = 42;
		_exit(3);
	}
	int now = shared_word, nsteps = steps;
	int st = -1;
	pid_t w = waitpid(c, &st, 0);
	printf("vfork: pid > 0 %s; on return the parent sees the child's last writes: word %d, steps %d\n", yn(c > 0), now,
	       nsteps);
	printf("  reaped: %s, exit status %d\n", yn(w == c), WIFEXITED(st) ? WEXITSTATUS(st) : -1);

	/* 2. a failed execve in the child */
	fflush(stdout);
	c = vfork();
	if (c == 0) {
		char *argv[] = { "nonexistent", NULL };
		char *envp[] = { NULL };
		exec_result = (int)sys_execve("/nonexistent/cptbench-vfork", argv, envp);
		_exit(4);
	}
	st = -1;
	w = waitpid(c, &st, 0);
	printf("vfork child's execve of a missing file: %d (-ENOENT = %d), then exit %d\n", exec_result, -ENOENT,
	       WIFEXITED(st) ? WEXITSTATUS(st) : -1);

	/* 3. clone(CLONE_VM|CLONE_VFORK) on its own stack */
	steps = 0;
	shared_word = 0;
	fflush(stdout);
	long r = os_clone(clone_child, child_stack + sizeof child_stack, CLONE_VM | CLONE_VFORK | SIGCHLD, NULL, NULL, NULL, NULL);
	now = shared_word;
	nsteps = steps;
	st = -1;
	w = waitpid((pid_t)r, &st, 0);
	printf("clone(CLONE_VM|CLONE_VFORK) on its own stack: parent saw word %d, steps %d on return; exit status %d\n", now,
	       nsteps, WIFEXITED(st) ? WEXITSTATUS(st) : -1);

	/* 4. a signal to the waiting parent is handled after the child has gone */
	cpt_mark("vfork:signal");
	os_signal(SIGUSR1, on_usr1, 0, NULL);
	shared_word = 0;
	fflush(stdout);
	c = vfork();
	if (c == 0) {
		kill(getppid(), SIGUSR1);
		for (int i = 0; i < 2000; i++) steps++;
		shared_word = 99;
		_exit(6);
	}
	w = waitpid(c, &st, 0);
	printf("SIGUSR1 from the vfork child: handled %d time(s), after the child's last write %s (it saw %d)\n",
	       handler_runs, yn(seen_in_handler == 99), seen_in_handler);
	printf("  child exit status %d\n", WIFEXITED(st) ? WEXITSTATUS(st) : -1);
	cpt_mark("vfork:end");
	return 0;
}
