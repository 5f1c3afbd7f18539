/* exit-status: how a child's end is reported to its parent.
 *
 * Children end by exit() with 0, 1, 255, 256 (truncated to 0) and -1 (255),
 * by returning from a function through exit, by signals sent by the parent
 * (SIGKILL, SIGTERM, SIGUSR1, SIGINT) while blocked, by a signal raised by
 * itself, by SIGALRM from its own setitimer, and by exit_group from a second
 * thread. Each is reaped with waitpid (status macros) or waitid (siginfo).
 * SIGCHLD is blocked in the parent and collected with sigtimedwait for one
 * child, showing the siginfo the kernel queues. Only signals that do not dump
 * core are used (a core dump depends on RLIMIT_CORE, and qemu writes a core
 * file). Only one child exists at a time, so the output order is fixed.
 * Finally execve's ENOENT/EFAULT failures, which return to the caller.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "cpt.h"
#include "os.h"

static const char *yn(int b) { return b ? "yes" : "no"; }

static void describe(const char *what, pid_t c, pid_t w, int st)
{
	printf("%-34s pid ok %s, ", what, yn(w == c && c > 0));
	if (WIFEXITED(st)) printf("exited, status %d\n", WEXITSTATUS(st));
	else if (WIFSIGNALED(st)) printf("killed by signal %d%s\n", WTERMSIG(st), WCOREDUMP(st) ? " (core)" : "");
	else printf("raw status 0x%x\n", st);
}

static void park(void)
{
	sigset_t none;
	sigemptyset(&none);
	for (;;) sigsuspend(&none);
}

static int exit_code_child(int code)
{
	pid_t c = fork();
	if (c == 0) exit(code);
	int st = -1;
	pid_t w = waitpid(c, &st, 0);
	char what[40];
	snprintf(what, sizeof what, "exit(%d):", code);
	describe(what, c, w, st);
	return st;
}

static void killed_child(int sig)
{
	pid_t c = fork();
	if (c == 0) park();
	long r = kill(c, sig);
	int st = -1;
	pid_t w = waitpid(c, &st, 0);
	char what[40];
	snprintf(what, sizeof what, "kill(child, %d) = %ld:", sig, r);
	describe(what, c, w, st);
}

static int thread_exit_group(void *arg)
{
	sys_exit_group((int)(long)arg);
}

static char thread_stack[16384] __attribute__((aligned(16)));

int main(void)
{
	cpt_mark("exit-status:start");
	exit_code_child(0);
	exit_code_child(1);
	exit_code_child(255);
	exit_code_child(256);
	exit_code_child(-1);
	exit_code_child(300);

	killed_child(SIGKILL);
	killed_child(SIGTERM);
	killed_child(SIGUSR1);
	killed_child(SIGINT);
	killed_child(SIGHUP);

	/* The child kills itself with its own default-action signal. */
	pid_t c = fork();
	if (c == 0) {
		raise(SIGUSR2);
		_exit(99);   /* not reached */
	}
	int st = -1;
	pid_t w = waitpid(c, &st, 0);
	describe("raise(SIGUSR2) in the child:", c, w, st);

	/* SIGALRM from the child's own one-shot ITIMER_REAL (default action: terminate). */
	c = fork();
	if (c == 0) {
		struct itimerval it = { { 0, 0 }, { 0, 1000 } };
		setitimer(ITIMER_REAL, &it, NULL);
		park();
	}
	w = waitpid(c, &st, 0);
	describe("its own ITIMER_REAL:", c, w, st);

	/* A second thread calls exit_group: the whole process ends with its code. */
	c = fork();
	if (c == 0) {
		static thread_t t;
		thread_create(&t, thread_exit_group, (void *)77L, thread_stack, sizeof thread_stack);
		park();
	}
	w = waitpid(c, &st, 0);
	describe("exit_group(77) from a thread:", c, w, st);

	/* The same statuses through waitid's siginfo. */
	c = fork();
	if (c == 0) _exit(42);
	siginfo_t si;
	memset(&si, 0, sizeof si);
	long r = sys_waitid(P_PID, c, &si, WEXITED, NULL);
	printf("waitid after _exit(42) = %ld: si_code %d (CLD_EXITED %d), si_status %d, si_pid ok %s\n", r,
	       si.si_code, CLD_EXITED, si.si_status, yn(si.si_pid == c));
	c = fork();
	if (c == 0) park();
	kill(c, SIGTERM);
	memset(&si, 0, sizeof si);
	r = sys_waitid(P_PID, c, &si, WEXITED, NULL);
	printf("waitid after SIGTERM = %ld: si_code %d (CLD_KILLED %d), si_status %d, si_pid ok %s\n", r,
	       si.si_code, CLD_KILLED, si.si_status, yn(si.si_pid == c));

	/* SIGCHLD, blocked, collected with sigtimedwait: the child's pid, code and status. */
	sigset_t chld;
	sigemptyset(&chld);
	sigaddset(&chld, SIGCHLD);
	sigprocmask(SIG_BLOCK, &chld, NULL);
	c = fork();
	if (c == 0) _exit(9);
	memset(&si, 0, sizeof si);
	r = sigtimedwait(&chld, &si, NULL);
	printf("sigtimedwait(SIGCHLD) = %ld: si_code %d, si_status %d, si_pid ok %s, si_uid == getuid() %s\n", r,
	       si.si_code, si.si_status, yn(si.si_pid == c), yn(si.si_uid == (uid_t)getuid()));
	w = waitpid(c, &st, 0);
	describe("then waitpid:", c, w, st);
	sigprocmask(SIG_UNBLOCK, &chld, NULL);

	/* SIGCHLD set to SIG_IGN: children are reaped at exit, wait finds none (ECHILD). */
	os_signal(SIGCHLD, SIG_IGN, 0, NULL);
	c = fork();
	if (c == 0) _exit(5);
	w = waitpid(c, &st, 0);
	printf("SIGCHLD ignored: waitpid = %d (-ECHILD = %d)\n", w, -ECHILD);
	os_signal(SIGCHLD, SIG_DFL, 0, NULL);

	/* execve failures leave the caller running. */
	char *argv[] = { "x", NULL };
	char *envp[] = { NULL };
	printf("execve(missing file) = %ld, execve(\"\") = %ld, execve(bad path pointer) = %ld\n",
	       sys_execve("/nonexistent/cptbench", argv, envp), sys_execve("", argv, envp),
	       sys_execve((const char *)8, argv, envp));

	cpt_mark("exit-status:end");
	printf("main returns 3\n");
	return 3;
}
