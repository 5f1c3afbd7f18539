/* pidns: pid namespaces made with clone(CLONE_NEWPID) and clone3, and child
 * subreapers.
 *
 * EXPECTED OUTPUT WRITTEN BY HAND (manifest "oracle": "hand"): qemu-riscv32
 * 7.2 answers EINVAL to clone(CLONE_NEWPID), ENOSYS to clone3 and EINVAL to
 * PR_SET_CHILD_SUBREAPER, so nothing here can be recorded from it. The
 * expectation follows Linux (pid_namespaces(7), kernel/signal.c,
 * kernel/pid.c, kernel/fork.c, kernel/exit.c), and each fact was checked on
 * a real x86-64 Linux 6.x kernel with an equivalent native program.
 *
 * The namespace's init (pid 1, getppid() 0, its group and session not
 * visible: 0) numbers its children 2, 3, ... ; orphans come to it; signals
 * from inside the namespace with no handler do not reach it, not even
 * SIGKILL, unless it blocks them (blocked signals are never ignored: they
 * queue for sigtimedwait, and are dropped only when delivered to the default
 * action); a signal it has a handler for does reach it; from the parent's
 * namespace, SIGTERM without a handler is dropped too, a handled SIGUSR1
 * arrives with si_pid 0, and SIGKILL kills it; when it dies, everything in
 * the namespace is killed. clone3: exit_signal, CLONE_NEWPID, set_tid
 * choosing the pid inside a namespace (EEXIST if taken), EINVAL for a short
 * struct or a bad exit_signal. Subreapers: the nearest subreaper adopts an
 * orphan before the namespace's init; the flag is not inherited.
 * Pids are printed only where the namespace fixes them.
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

static void describe(const char *what, pid_t want, pid_t w, int st)
{
	printf("  %-46s pid ok %s, ", what, yn(w == want && want > 0));
	if (WIFEXITED(st)) printf("exited %d\n", WEXITSTATUS(st));
	else if (WIFSIGNALED(st)) printf("killed by signal %d\n", WTERMSIG(st));
	else printf("status 0x%x\n", st);
}

/* Shared page: the namespace's init and its parent hand over steps here. */
struct shared {
	volatile int step;          /* futex word */
	volatile int usr1_pid;      /* si_pid seen by init's SIGUSR1 handler */
	volatile int usr1_count;
	volatile int adopted;       /* futex word: the subreaper's grandchild saw its new parent */
};
static struct shared *sh;

static void set_step(int v)
{
	__atomic_store_n(&sh->step, v, __ATOMIC_RELEASE);
	futex(&sh->step, FUTEX_WAKE, 10, NULL, NULL, 0);
}

static void wait_step(int v)
{
	int s;
	while ((s = __atomic_load_n(&sh->step, __ATOMIC_ACQUIRE)) != v) futex(&sh->step, FUTEX_WAIT, s, NULL, NULL, 0);
}

/* The parent's wait: also stops waiting if init is gone (a kernel that let a signal kill it). */
static void wait_step_or_exit(int v, pid_t init)
{
	int s;
	while ((s = __atomic_load_n(&sh->step, __ATOMIC_ACQUIRE)) != v) {
		struct timespec64 to = { 0, 20000000 };
		futex(&sh->step, FUTEX_WAIT, s, &to, NULL, 0);
		siginfo_t si;
		memset(&si, 0, sizeof si);
		if (sys_waitid(P_PID, init, &si, WEXITED | WNOHANG | WNOWAIT, NULL) == 0 && si.si_pid == init) return;
	}
}

static void on_usr1(int sig, siginfo_t *si, void *uc)
{
	sh->usr1_pid = si->si_pid;
	sh->usr1_count++;
}

static pid_t wait_reparent(pid_t from)
{
	for (int i = 0; i < 100000 && getppid() == from; i++) usleep(200);
	return getppid();
}

/* ---- part 1: the init of a namespace made by clone(CLONE_NEWPID) ---- */

static int ns_init(void *arg)
{
	printf("init: getpid() %d, getppid() %d, getpgid(0) %ld, getsid(0) %ld\n", getpid(), getppid(), getpgid(0),
	       getsid(0));
	pid_t kids[3];
	for (int i = 0; i < 3; i++) {
		kids[i] = fork();
		if (kids[i] == 0) _exit(getppid() == 1 ? 10 + i : 99);
	}
	printf("init: children numbered %d %d %d\n", kids[0], kids[1], kids[2]);
	for (int i = 0; i < 3; i++) {
		int st = -1;
		pid_t w = waitpid(kids[i], &st, 0);
		describe("init reaped a child:", kids[i], w, st);
	}

	/* An orphan comes to init. */
	pid_t c = fork();
	if (c == 0) {
		pid_t me = getpid();
		if (fork() == 0) _exit(wait_reparent(me) == 1 ? 21 : 22);
		_exit(20);
	}
	int st = -1;
	pid_t w = waitpid(c, &st, 0);
	describe("init reaped the middle child:", c, w, st);
	w = waitpid(-1, &st, 0);
	printf("  orphan adopted by init and reaped: %s, it saw getppid() == 1: %s\n", yn(w > c),
	       yn(WIFEXITED(st) && WEXITSTATUS(st) == 21));

	/* Signals to init from inside the namespace. */
	c = fork();
	if (c == 0) {
		long a = kill(1, SIGTERM);
		long b = kill(1, SIGKILL);
		long d = kill(1, SIGUSR2);   /* default action would terminate */
		_exit(a == 0 && b == 0 && d == 0 ? 30 : 31);
	}
	w = waitpid(c, &st, 0);
	printf("init: SIGTERM, SIGKILL and SIGUSR2 from a child (no handlers) sent: %s, init still here\n",
	       yn(WIFEXITED(st) && WEXITSTATUS(st) == 30));
	raise(SIGTERM);
	printf("init: raise(SIGTERM) without a handler: still here\n");

	/* Blocked signals are never ignored, even by init: they queue, and sigtimedwait takes them. */
	sigset_t u2;
	sigemptyset(&u2);
	sigaddset(&u2, SIGUSR2);
	sigaddset(&u2, SIGTERM);
	sigprocmask(SIG_BLOCK, &u2, NULL);
	c = fork();
	if (c == 0) _exit(kill(1, SIGUSR2) == 0 && kill(1, SIGTERM) == 0 ? 0 : 1);
	waitpid(c, &st, 0);
	sigset_t pend;
	sigpending(&pend);
	printf("init: SIGUSR2 and SIGTERM (no handlers) from a child while blocked: pending %s %s\n",
	       yn(sigismember(&pend, SIGUSR2)), yn(sigismember(&pend, SIGTERM)));
	siginfo_t wi;
	memset(&wi, 0, sizeof wi);
	struct timespec64 zero = { 0, 0 };
	sigset_t only2;
	sigemptyset(&only2);
	sigaddset(&only2, SIGUSR2);
	long got = sigtimedwait(&only2, &wi, &zero);
	printf("  sigtimedwait(SIGUSR2) = %ld, si_pid is the child %s\n", got, yn(wi.si_pid == c));
	sigprocmask(SIG_UNBLOCK, &u2, NULL);
	printf("  SIGTERM unblocked without a handler: dropped, init still here\n");
	os_sigaction(SIGUSR1, on_usr1, SA_RESTART, NULL);   /* our waitpid below must not see EINTR */
	sh->usr1_count = 0;
	c = fork();
	if (c == 0) _exit(kill(1, SIGUSR1) == 0 ? 0 : 1);
	waitpid(c, &st, 0);
	printf("init: SIGUSR1 from a child with a handler: delivered %s, si_pid %d (the child %s)\n",
	       yn(sh->usr1_count == 1), sh->usr1_pid, yn(sh->usr1_pid == c));

	/* subreaper inside the namespace */
	cpt_mark("pidns:subreaper");
	c = fork();
	if (c == 0) {
		long r = prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0);
		pid_t s = getpid();
		pid_t t = fork();
		if (t == 0) {
			int inh = -1;
			prctl(PR_GET_CHILD_SUBREAPER, (unsigned long)&inh, 0, 0, 0);
			pid_t tme = getpid();
			if (fork() == 0) _exit(wait_reparent(tme) == s ? 41 : 42);
			_exit(inh == 0 ? 40 : 49);
		}
		int ts = -1, us = -1;
		pid_t w1 = waitpid(t, &ts, 0);
		pid_t w2 = waitpid(-1, &us, 0);
		_exit((r == 0 ? 1 : 0) | (w1 == t && WEXITSTATUS(ts) == 40 ? 2 : 0) |
		      (w2 > 0 && w2 != t && WEXITSTATUS(us) == 41 ? 4 : 0));
	}
	w = waitpid(c, &st, 0);
	int x = WEXITSTATUS(st);
	printf("subreaper: PR_SET_CHILD_SUBREAPER = 0 %s, flag not inherited %s, it adopted its grandchild %s\n",
	       yn(x & 1), yn(x & 2), yn(x & 4));
	printf("  nothing came to init: waitpid(-1, WNOHANG) = %d\n", waitpid(-1, &st, WNOHANG));
	c = fork();
	if (c == 0) {
		prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0);
		pid_t s = getpid();
		if (fork() == 0) {
			pid_t t = getpid();
			if (fork() == 0) {
				pid_t p1 = wait_reparent(t);   /* to the subreaper */
				__atomic_store_n(&sh->adopted, 1, __ATOMIC_RELEASE);
				futex(&sh->adopted, FUTEX_WAKE, 1, NULL, NULL, 0);
				pid_t p2 = wait_reparent(p1);  /* then, the subreaper gone, to init */
				_exit(p1 == s && p2 == 1 ? 50 : 51);
			}
			_exit(0);
		}
		int tst;
		waitpid(-1, &tst, 0);   /* t */
		while (__atomic_load_n(&sh->adopted, __ATOMIC_ACQUIRE) == 0) futex(&sh->adopted, FUTEX_WAIT, 0, NULL, NULL, 0);
		_exit(0);               /* the orphan is ours now; leave it to init */
	}
	waitpid(c, &st, 0);
	w = waitpid(-1, &st, 0);
	printf("  orphan of a dead subreaper went on to init: %s\n", yn(w > 0 && WIFEXITED(st) && WEXITSTATUS(st) == 50));

	/* Tell the parent we are ready for signals from outside. */
	os_signal(SIGTERM, SIG_DFL, 0, NULL);
	sh->usr1_count = 0;
	for (int i = 0; i < 2; i++)
		if (fork() == 0) park();   /* these die with init */
	fflush(stdout);
	set_step(1);
	wait_step(2);
	for (int i = 0; i < 1000 && sh->usr1_count == 0; i++) usleep(200);   /* delivery may trail the futex wake */
	printf("init: SIGTERM from the parent namespace without a handler: still here\n");
	printf("init: SIGUSR1 from the parent namespace: delivered %s, si_pid %d\n", yn(sh->usr1_count == 1), sh->usr1_pid);
	fflush(stdout);
	set_step(3);
	park();   /* SIGKILL from the parent ends us */
	return 0;
}

static char init_stack[65536] __attribute__((aligned(16)));

/* ---- part 2: clone3 ---- */

static void clone3_tests(void)
{
	struct clone_args a;
	memset(&a, 0, sizeof a);
	a.flags = CLONE_NEWPID;
	a.exit_signal = SIGCHLD;
	fflush(stdout);
	long c = sys_clone3(&a, sizeof a);
	if (c == 0) {
		/* pid 1 of another namespace: make a child with a chosen pid, then one that collides */
		printf("clone3 child: getpid() %d, getppid() %d\n", getpid(), getppid());
		pid_t tid[1] = { 50 };
		struct clone_args b;
		memset(&b, 0, sizeof b);
		b.exit_signal = SIGCHLD;
		b.set_tid = (uint64_t)(uintptr_t)tid;
		b.set_tid_size = 1;
		fflush(stdout);
		long g = sys_clone3(&b, sizeof b);
		if (g == 0) {
			sigset_t none;
			sigemptyset(&none);
			for (;;) sigsuspend(&none);
		}
		printf("clone3 with set_tid {50} = %ld\n", g);
		printf("clone3 with set_tid {50} again = %ld (-EEXIST = %d)\n", sys_clone3(&b, sizeof b), -EEXIST);
		tid[0] = 0;
		printf("clone3 with set_tid {0} = %ld\n", sys_clone3(&b, sizeof b));
		pid_t tid2[3] = { 60, 61, 62 };
		b.set_tid = (uint64_t)(uintptr_t)tid2;
		b.set_tid_size = 3;
		/* Inside a container the nesting is one level deeper and this may succeed: the child
		 * leaves at once, so the output does not depend on who runs first. */
		long deep = sys_clone3(&b, sizeof b);
		if (deep == 0) _exit(0);
		printf("clone3 with set_tid deeper than the nesting = %ld\n", deep);
		kill(50, SIGKILL);
		int st = -1;
		pid_t w = waitpid(50, &st, 0);
		printf("pid 50 reaped: %s, killed by %d\n", yn(w == 50), WTERMSIG(st));
		fflush(stdout);
		_exit(7);
	}
	int st = -1;
	pid_t w = waitpid((pid_t)c, &st, 0);
	describe("clone3(CLONE_NEWPID) child:", (pid_t)c, w, st);
	memset(&a, 0, sizeof a);
	a.exit_signal = SIGCHLD;
	printf("clone3 with size 63 = %ld, exit_signal 65 = ", sys_clone3(&a, 63));
	a.exit_signal = 65;
	printf("%ld, CLONE_THREAD|CLONE_NEWPID = ", sys_clone3(&a, sizeof a));
	a.exit_signal = 0;
	a.flags = CLONE_NEWPID | CLONE_THREAD | CLONE_SIGHAND | CLONE_VM;
	printf("%ld\n", sys_clone3(&a, sizeof a));
}

int main(void)
{
	cpt_mark("pidns:start");
	sh = mmap(NULL, PAGE_SIZE, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	fflush(stdout);
	long c = os_clone(ns_init, init_stack + sizeof init_stack, CLONE_NEWPID | SIGCHLD, NULL, NULL, NULL, NULL);
	printf("clone(CLONE_NEWPID) in the parent: returned a pid > 1 %s\n", yn(c > 1));
	fflush(stdout);
	wait_step_or_exit(1, (pid_t)c);
	printf("parent: kill(init, SIGTERM) = %ld, kill(init, SIGUSR1) = %ld\n", kill((pid_t)c, SIGTERM),
	       kill((pid_t)c, SIGUSR1));
	fflush(stdout);
	set_step(2);
	wait_step_or_exit(3, (pid_t)c);
	printf("parent: kill(init, SIGKILL) = %ld\n", kill((pid_t)c, SIGKILL));
	int st = -1;
	pid_t w = waitpid((pid_t)c, &st, 0);
	describe("the namespace's init:", (pid_t)c, w, st);
	printf("  its children went with it: waitpid(-1, WNOHANG) = %d (-ECHILD)\n", waitpid(-1, &st, WNOHANG));

	cpt_mark("pidns:clone3");
	clone3_tests();
	cpt_mark("pidns:end");
	return 0;
}
