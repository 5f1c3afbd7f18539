/* pgrp-session: process groups and sessions.
 *
 * Everything is done by children, because the top process's own group and
 * session are not the same under qemu (started by a shell) and cptbench (the
 * first process). Facts are printed as relations:
 *  - a child starts in its parent's group and session;
 *  - setsid() makes a new session and group named after the caller; a second
 *    setsid(), or setpgid from a session leader, is EPERM; a group leader
 *    cannot setsid (EPERM);
 *  - the parent moves a child into a new group (setpgid(c, c)) and another
 *    child into that group (setpgid(d, c)); joining a group that does not
 *    exist, or moving a child that is in another session, is EPERM; a
 *    pid that is gone is ESRCH; a negative pgid is EINVAL;
 *  - kill(-pgid) reaches every member of that group and nobody else;
 *    waitpid(-pgid) reaps only that group's members, then ECHILD while other
 *    children remain; a group outlives its leader while it has members;
 *  - job control: WUNTRACED reports a child stopped by SIGSTOP, WCONTINUED
 *    its SIGCONT; a process group that becomes orphaned while one of its
 *    members is stopped gets SIGHUP and SIGCONT (the member dies of SIGHUP).
 *    This last part runs under the init of a new pid namespace
 *    (unshare(CLONE_NEWPID)), so the orphan's new parent is known and
 *    outside the orphaned group's session.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "cpt.h"
#include "os.h"

static const char *yn(int b) { return b ? "yes" : "no"; }

static void park(void)
{
	sigset_t none;
	sigemptyset(&none);
	for (;;) sigsuspend(&none);
}

/* A "ready" word in shared memory: the child sets it and wakes the parent's futex wait. */
static volatile int *ready;

static void set_ready(void)
{
	__atomic_store_n(ready, 1, __ATOMIC_RELEASE);
	futex(ready, FUTEX_WAKE, 1, NULL, NULL, 0);
}

static void wait_ready(void)
{
	while (__atomic_load_n(ready, __ATOMIC_ACQUIRE) == 0) futex(ready, FUTEX_WAIT, 0, NULL, NULL, 0);
	*ready = 0;
}

static void status_line(const char *what, pid_t want, pid_t w, int st)
{
	printf("%-40s pid ok %s, ", what, yn(w == want && want > 0));
	if (WIFEXITED(st)) printf("exited %d\n", WEXITSTATUS(st));
	else if (WIFSIGNALED(st)) printf("killed by signal %d\n", WTERMSIG(st));
	else if (WIFSTOPPED(st)) printf("stopped by signal %d\n", WSTOPSIG(st));
	else if (WIFCONTINUED(st)) printf("continued\n");
	else printf("status 0x%x\n", st);
}

static int orphaned_group_test(void)
{
	/* We are pid 1 of a new namespace, in the original session. a starts session S; its child
	 * f makes group PG in S and has a child g in PG that stops. When f exits, g goes to us
	 * (outside S): PG loses its last link to another group of S while a member is stopped. */
	pid_t a = fork();
	if (a == 0) {
		setsid();
		pid_t f = fork();
		if (f == 0) {
			setpgid(0, 0);
			pid_t g = fork();
			if (g == 0) {
				raise(SIGSTOP);
				_exit(20);   /* only if continued and not killed */
			}
			int st = -1;
			pid_t w = waitpid(g, &st, WUNTRACED);
			_exit(w == g && WIFSTOPPED(st) && WSTOPSIG(st) == SIGSTOP ? 30 : 31);
		}
		int st = -1;
		pid_t w = waitpid(f, &st, 0);
		_exit(w == f && WIFEXITED(st) ? WEXITSTATUS(st) : 32);
	}
	int st = -1;
	pid_t w = waitpid(a, &st, 0);
	printf("  namespace init: the group's leader saw its child stop, then exited: %s\n",
	       yn(w == a && WIFEXITED(st) && WEXITSTATUS(st) == 30));
	w = waitpid(-1, &st, 0);
	printf("  stopped member of the orphaned group, reaped by init: ");
	if (WIFSIGNALED(st)) printf("killed by signal %d (SIGHUP %d)\n", WTERMSIG(st), SIGHUP);
	else if (WIFEXITED(st)) printf("exited %d\n", WEXITSTATUS(st));
	else printf("status 0x%x\n", st);
	fflush(stdout);
	return 0;
}

int main(void)
{
	cpt_mark("pgrp-session:start");
	ready = mmap(NULL, PAGE_SIZE, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	pid_t mypg = (pid_t)getpgid(0), mysid = (pid_t)getsid(0);

	/* 1. setsid in a child */
	pid_t a = fork();
	if (a == 0) {
		int same = getpgid(0) == mypg && getsid(0) == mysid;
		long s = setsid();
		int ok = s == getpid() && getsid(0) == getpid() && getpgid(0) == getpid();
		long again = setsid();
		long pg = setpgid(0, 0);
		_exit((same ? 1 : 0) | (ok ? 2 : 0) | (again == -EPERM ? 4 : 0) | (pg == -EPERM ? 8 : 0));
	}
	int st = -1;
	waitpid(a, &st, 0);
	int x = WEXITSTATUS(st);
	printf("child starts in our group and session: %s\n", yn(x & 1));
	printf("setsid() in it: returns its pid, session and group are its pid: %s\n", yn(x & 2));
	printf("second setsid() EPERM: %s; setpgid(0, 0) as session leader EPERM: %s\n", yn(x & 4), yn(x & 8));

	/* 2. a group leader cannot setsid */
	pid_t b = fork();
	if (b == 0) {
		long r1 = setpgid(0, 0);
		int leader = getpgid(0) == getpid();
		long r2 = setsid();
		_exit((r1 == 0 ? 1 : 0) | (leader ? 2 : 0) | (r2 == -EPERM ? 4 : 0));
	}
	waitpid(b, &st, 0);
	x = WEXITSTATUS(st);
	printf("setpgid(0, 0) = 0 %s, now a group leader %s, then setsid() EPERM %s\n", yn(x & 1), yn(x & 2), yn(x & 4));

	/* 3. groups made by the parent, kill(-pgid), waitpid(-pgid) */
	cpt_mark("pgrp-session:groups");
	pid_t c = fork();
	if (c == 0) park();
	pid_t d = fork();
	if (d == 0) park();
	pid_t e = fork();
	if (e == 0) park();
	printf("setpgid(c, c) = %ld, setpgid(d, c) = %ld\n", setpgid(c, c), setpgid(d, c));
	printf("getpgid: c is its own group %s, d is in c's %s, e still in ours %s\n", yn(getpgid(c) == c),
	       yn(getpgid(d) == c), yn(getpgid(e) == mypg));
	printf("setpgid(e, a group that does not exist) = %ld (-EPERM = %d)\n", setpgid(e, 0x7ffffff0), -EPERM);
	printf("setpgid(e, -1) = %ld, setpgid(a reaped child, 0) = %ld (-ESRCH = %d)\n", setpgid(e, -1),
	       setpgid(a, 0), -ESRCH);
	printf("kill(-c, SIGUSR1) = %ld\n", kill(-c, SIGUSR1));
	pid_t w1 = waitpid(-c, &st, 0);
	int st2 = -1;
	pid_t w2 = waitpid(-c, &st2, 0);
	printf("waitpid(-c) twice: got c and d %s, both killed by SIGUSR1 %s\n",
	       yn((w1 == c && w2 == d) || (w1 == d && w2 == c)),
	       yn(WIFSIGNALED(st) && WTERMSIG(st) == SIGUSR1 && WIFSIGNALED(st2) && WTERMSIG(st2) == SIGUSR1));
	printf("waitpid(-c) again = %d (-ECHILD), e untouched: waitpid(e, WNOHANG) = %d\n", waitpid(-c, &st, 0),
	       waitpid(e, &st, WNOHANG));
	printf("kill(-c, 0) after the group is gone = %ld\n", kill(-c, 0));

	/* A group outlives its leader */
	pid_t l = fork();
	if (l == 0) { setpgid(0, 0); park(); }
	pid_t m = fork();
	if (m == 0) park();
	setpgid(l, l);
	setpgid(m, l);
	kill(l, SIGKILL);
	waitpid(l, &st, 0);
	printf("leader gone: member still in its group %s, setpgid(e, that group) = %ld, kill(-group, 0) = %ld\n",
	       yn(getpgid(m) == l), setpgid(e, l), kill(-l, 0));
	kill(-l, SIGKILL);
	w1 = waitpid(m, &st, 0);
	w2 = waitpid(e, &st2, 0);
	printf("kill(-group, SIGKILL) took both: %s\n",
	       yn(w1 == m && w2 == e && WTERMSIG(st) == SIGKILL && WTERMSIG(st2) == SIGKILL));

	/* 4. another session: the parent cannot move the child */
	cpt_mark("pgrp-session:sessions");
	pid_t s = fork();
	if (s == 0) {
		setsid();
		set_ready();
		park();
	}
	wait_ready();
	printf("child in its own session: getsid(s) == s %s, getpgid(s) == s %s, setpgid(s, s) = %ld, setpgid(s, ours) = %ld\n",
	       yn(getsid(s) == s), yn(getpgid(s) == s), setpgid(s, s), setpgid(s, mypg));
	kill(s, SIGKILL);
	waitpid(s, &st, 0);

	/* 5. job control */
	cpt_mark("pgrp-session:jobs");
	pid_t j = fork();
	if (j == 0) park();
	kill(j, SIGSTOP);
	pid_t w = waitpid(j, &st, WUNTRACED);
	status_line("SIGSTOP, waitpid(WUNTRACED):", j, w, st);
	kill(j, SIGCONT);
	w = waitpid(j, &st, WCONTINUED);
	status_line("SIGCONT, waitpid(WCONTINUED):", j, w, st);
	kill(j, SIGTERM);
	w = waitpid(j, &st, 0);
	status_line("SIGTERM:", j, w, st);

	/* 6. orphaned process group with a stopped member */
	long r = unshare(CLONE_NEWPID);
	pid_t n = fork();
	if (n == 0) exit(orphaned_group_test());
	w = waitpid(n, &st, 0);
	printf("unshare(CLONE_NEWPID) = %ld\n", r);
	status_line("the namespace's init:", n, w, st);
	cpt_mark("pgrp-session:end");
	return 0;
}
