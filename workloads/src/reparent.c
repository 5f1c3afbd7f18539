/* reparent: zombies, orphans and the init of a pid namespace as their reaper.
 *
 * Orphans go to the nearest child subreaper or to the init of their pid
 * namespace. PR_SET_CHILD_SUBREAPER is EINVAL under qemu 7.2 (a "TODO" in its
 * prctl), and the top process's own reaper differs between qemu (a shell or
 * the host's init) and cptbench, so this workload makes the reaper itself:
 * unshare(CLONE_NEWPID), then the first child is pid 1 of the new namespace
 * and every orphan below it comes to it. (pidns checks subreapers and
 * clone(CLONE_NEWPID) against a hand-written expectation.)
 * In the new namespace's init:
 *  - it is pid 1, getppid() 0, and its process group and session, which
 *    belong to the parent namespace, read as 0;
 *  - a zombie still exists for kill(pid, 0) and getpgid until it is reaped;
 *    waitid(WNOWAIT) leaves it; after waitpid, kill(pid, 0) is ESRCH;
 *  - an orphaned grandchild sees getppid() change from its dead parent to
 *    1, and init reaps it with its exit code;
 *  - a grandchild that is already a zombie when its parent dies is
 *    reparented and reaped by init;
 *  - PR_SET_PDEATHSIG: a grandchild asks for SIGUSR1 when its parent dies and
 *    is killed by it (default action) when the parent exits;
 *  - when init exits, the processes left in the namespace are killed
 *    (SIGKILL), and the process that unshared can no longer fork (ENOMEM),
 *    also when init had no children left.
 * The unsharing process's own pid does not change. Pids other than 1 and 0
 * are never printed (under qemu every fork also costs a pid for qemu's
 * helper thread); descendants report through exit codes and only one
 * process prints at a time.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "cpt.h"
#include "os.h"

static const char *yn(int b) { return b ? "yes" : "no"; }

static void describe(const char *what, pid_t want, pid_t w, int st)
{
	printf("%-48s pid ok %s, ", what, yn(w == want && want > 0));
	if (WIFEXITED(st)) printf("exited %d\n", WEXITSTATUS(st));
	else if (WIFSIGNALED(st)) printf("killed by signal %d\n", WTERMSIG(st));
	else printf("status 0x%x\n", st);
}

/* Waits until getppid() is no longer `from` (bounded), returns the new parent. */
static pid_t wait_reparent(pid_t from)
{
	pid_t p;
	for (int i = 0; i < 100000 && (p = getppid()) == from; i++) usleep(200);
	return getppid();
}

/* Shared word: the grandchild has looked at its first parent (so that parent may now exit). */
static volatile int *checked;

static void park(void)
{
	sigset_t none;
	sigemptyset(&none);
	for (;;) sigsuspend(&none);
}

static int init_main(void)
{
	pid_t me = getpid();
	printf("in the namespace: getpid() %d, getppid() %d, getpgid(0) %ld, getsid(0) %ld\n", me, getppid(),
	       getpgid(0), getsid(0));

	/* 1. a zombie */
	pid_t z = fork();
	if (z == 0) _exit(getppid() == 1 ? 4 : 44);
	siginfo_t si;
	memset(&si, 0, sizeof si);
	sys_waitid(P_PID, z, &si, WEXITED | WNOWAIT, NULL);
	printf("zombie: pid > 1 %s, kill(z, 0) = %ld, getpgid(z) == ours %s\n", yn(z > 1), kill(z, 0),
	       yn(getpgid(z) == getpgid(0)));
	int st = -1;
	pid_t w = waitpid(z, &st, 0);
	describe("zombie reaped:", z, w, st);
	printf("after reaping: kill(z, 0) = %ld (-ESRCH = %d), getpgid(z) = %ld\n", kill(z, 0), -ESRCH, getpgid(z));

	/* 2. an orphan comes to init */
	cpt_mark("reparent:orphan");
	pid_t c = fork();
	if (c == 0) {
		pid_t cme = getpid();
		pid_t g = fork();
		if (g == 0) {
			int first = getppid() == cme;
			__atomic_store_n(checked, 1, __ATOMIC_RELEASE);
			futex(checked, FUTEX_WAKE, 1, NULL, NULL, 0);
			pid_t now = wait_reparent(cme);
			_exit((first ? 1 : 0) | (now == 1 ? 2 : 0) | 40);
		}
		while (__atomic_load_n(checked, __ATOMIC_ACQUIRE) == 0) futex(checked, FUTEX_WAIT, 0, NULL, NULL, 0);
		_exit(3);   /* leaves g behind */
	}
	w = waitpid(c, &st, 0);
	describe("the middle child:", c, w, st);
	w = waitpid(-1, &st, 0);
	printf("orphan reaped by init: %s; it saw its parent first %s, then pid 1 %s\n",
	       yn(w > 0 && w != c && WIFEXITED(st) && (WEXITSTATUS(st) & ~3) == 40), yn(WEXITSTATUS(st) & 1),
	       yn(WEXITSTATUS(st) & 2));

	/* 3. a zombie grandchild when its parent dies */
	c = fork();
	if (c == 0) {
		pid_t g = fork();
		if (g == 0) _exit(5);
		siginfo_t gi;
		sys_waitid(P_PID, g, &gi, WEXITED | WNOWAIT, NULL);   /* g is a zombie now */
		_exit(6);
	}
	w = waitpid(c, &st, 0);
	describe("parent of a zombie:", c, w, st);
	w = waitpid(-1, &st, 0);
	printf("the zombie grandchild reaped by init: %s, exit %d\n", yn(w > 0 && w != c), WEXITSTATUS(st));
	printf("no more children: %d\n", waitpid(-1, &st, WNOHANG));

	/* 4. PR_SET_PDEATHSIG */
	cpt_mark("reparent:pdeathsig");
	sigset_t usr2;
	sigemptyset(&usr2);
	sigaddset(&usr2, SIGUSR2);
	sigprocmask(SIG_BLOCK, &usr2, NULL);   /* inherited: the middle child waits for SIGUSR2 */
	c = fork();
	if (c == 0) {
		pid_t g = fork();
		if (g == 0) {
			sigset_t none;
			sigemptyset(&none);
			sigprocmask(SIG_SETMASK, &none, NULL);
			prctl(PR_SET_PDEATHSIG, SIGUSR1, 0, 0, 0);
			int got = -1;
			prctl(PR_GET_PDEATHSIG, (unsigned long)&got, 0, 0, 0);
			if (got != SIGUSR1) _exit(90);
			kill(getppid(), SIGUSR2);   /* "ready" */
			park();
		}
		siginfo_t ri;
		sigtimedwait(&usr2, &ri, NULL);
		_exit(9);   /* our death sends g SIGUSR1 */
	}
	w = waitpid(c, &st, 0);
	describe("parent of the PDEATHSIG child:", c, w, st);
	w = waitpid(-1, &st, 0);
	describe("PDEATHSIG child (reaped by init):", w, w, st);
	sigprocmask(SIG_UNBLOCK, &usr2, NULL);

	/* 5. leave two processes behind: they die with us. */
	for (int i = 0; i < 2; i++)
		if (fork() == 0) park();
	fflush(stdout);
	return 12;
}

int main(void)
{
	cpt_mark("reparent:start");
	/* First, in a child: a namespace whose init dies without children is closed too. */
	pid_t u = fork();
	if (u == 0) {
		long ur = unshare(CLONE_NEWPID);
		pid_t lone = fork();
		if (lone == 0) _exit(getpid() == 1 ? 0 : 1);
		int lst = -1;
		pid_t lw = waitpid(lone, &lst, 0);
		pid_t again = fork();
		if (again == 0) _exit(0);
		_exit((ur == 0 ? 1 : 0) | (lw == lone && WIFEXITED(lst) && WEXITSTATUS(lst) == 0 ? 2 : 0) |
		      (again == -ENOMEM ? 4 : 0));
	}
	int st = -1;
	waitpid(u, &st, 0);
	printf("a childless init: unshare ok %s, it was pid 1 %s, then fork = -ENOMEM %s\n", yn(WEXITSTATUS(st) & 1),
	       yn(WEXITSTATUS(st) & 2), yn(WEXITSTATUS(st) & 4));
	checked = mmap(NULL, PAGE_SIZE, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	pid_t before = getpid();
	long r = unshare(CLONE_NEWPID);
	printf("unshare(CLONE_NEWPID) = %ld, own pid unchanged %s\n", r, yn(getpid() == before));
	pid_t n = fork();
	if (n == 0) exit(init_main());
	st = -1;
	pid_t w = waitpid(n, &st, 0);
	describe("the namespace's init:", n, w, st);
	printf("its two children were killed with it: waitpid(-1) = %d (-ECHILD = %d)\n", waitpid(-1, &st, WNOHANG),
	       -ECHILD);
	printf("fork into the dead namespace = %d (-ENOMEM = %d)\n", fork(), -ENOMEM);
	cpt_mark("reparent:end");
	return 0;
}
