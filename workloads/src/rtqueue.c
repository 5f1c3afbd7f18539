/* rtqueue: real-time signals queue, standard signals coalesce.
 *
 * While blocked, eight sigqueue()s of one rt signal with values 1..8 and
 * three kill()s of SIGUSR1 are all pending; unblocking SIGUSR1 runs its
 * handler once, unblocking the rt signal runs its handler eight times with
 * the values in order (si_code SI_QUEUE, si_pid our pid). sigtimedwait
 * dequeues signals of the set lowest number first and each rt signal's
 * instances in the order sent, then gives -EAGAIN on a zero timeout. A child
 * queues five values and five SIGUSR2s to its blocked parent before exiting;
 * the parent finds all five values and a single SIGUSR2, both with the
 * child's pid. rt_tgsigqueueinfo targets one thread; si_code SI_USER for
 * another process is EPERM. Signals sent while blocked are pending even with
 * the default action (blocked signals are never ignored), and waiting for
 * them with sigtimedwait takes them without running anything.
 * Different signals are never unblocked together (see sigmask.c: qemu does
 * not deliver simultaneously pending signals in Linux's order).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "cpt.h"
#include "os.h"

static const char *yn(int b) { return b ? "yes" : "no"; }

#define RT1 (SIGRTMIN + 8)    /* 40 */
#define RT2 (SIGRTMIN + 9)    /* 41 */
#define RT3 (SIGRTMIN + 10)   /* 42 */

static volatile int got[32], ngot, codes_ok = 1, pids_ok = 1;
static pid_t me;

static void on_sig(int sig, siginfo_t *si, void *uc)
{
	if (ngot < 32) got[ngot++] = sig >= SIGRTMIN ? si->si_value : -sig;
	if (sig >= SIGRTMIN && si->si_code != SI_QUEUE) codes_ok = 0;
	if (si->si_pid != me) pids_ok = 0;
}

static void show(const char *what)
{
	printf("%s:", what);
	for (int i = 0; i < ngot; i++) printf(" %d", got[i]);
	printf("\n");
	ngot = 0;
}

static sigset_t one(int sig)
{
	sigset_t s;
	sigemptyset(&s);
	sigaddset(&s, sig);
	return s;
}

int main(void)
{
	cpt_mark("rtqueue:start");
	me = getpid();
	sigset_t full;
	sigfillset(&full);
	os_sigaction(RT1, on_sig, 0, &full);
	os_sigaction(SIGUSR1, on_sig, 0, &full);
	sigset_t b_rt = one(RT1), b_usr1 = one(SIGUSR1);
	sigprocmask(SIG_BLOCK, &b_rt, NULL);
	sigprocmask(SIG_BLOCK, &b_usr1, NULL);
	for (int v = 1; v <= 8; v++) sigqueue(me, RT1, v);
	for (int i = 0; i < 3; i++) kill(me, SIGUSR1);
	sigset_t p;
	sigpending(&p);
	printf("pending: SIGUSR1 %s, rt %d %s\n", yn(sigismember(&p, SIGUSR1)), RT1, yn(sigismember(&p, RT1)));
	show("handlers run while blocked");
	sigprocmask(SIG_UNBLOCK, &b_usr1, NULL);
	show("unblock SIGUSR1 (three sent)");
	sigprocmask(SIG_UNBLOCK, &b_rt, NULL);
	show("unblock rt signal (values 1..8 sent)");
	printf("si_code SI_QUEUE for each rt delivery %s, si_pid ours %s\n", yn(codes_ok), yn(pids_ok));
	sigpending(&p);
	printf("nothing pending afterwards: %s\n", yn(p.bits[0] == 0 && p.bits[1] == 0));

	/* sigtimedwait: lowest signal first, each rt signal's instances in order. Default actions. */
	cpt_mark("rtqueue:sigtimedwait");
	sigset_t set;
	sigemptyset(&set);
	sigaddset(&set, RT2);
	sigaddset(&set, RT3);
	sigaddset(&set, SIGUSR2);
	sigaddset(&set, SIGHUP);
	sigprocmask(SIG_BLOCK, &set, NULL);
	sigqueue(me, RT3, 31);
	sigqueue(me, RT2, 21);
	sigqueue(me, RT3, 32);
	kill(me, SIGUSR2);
	sigqueue(me, RT2, 22);
	kill(me, SIGUSR2);
	kill(me, SIGHUP);
	sigqueue(me, RT3, 33);
	sigpending(&p);
	printf("pending with default actions: SIGHUP %s, SIGUSR2 %s, %d %s, %d %s\n", yn(sigismember(&p, SIGHUP)),
	       yn(sigismember(&p, SIGUSR2)), RT2, yn(sigismember(&p, RT2)), RT3, yn(sigismember(&p, RT3)));
	struct timespec64 zero = { 0, 0 };
	printf("sigtimedwait order:");
	for (int i = 0; i < 9; i++) {
		siginfo_t si;
		memset(&si, 0, sizeof si);
		long r = sigtimedwait(&set, &si, &zero);
		if (r > 0 && r >= SIGRTMIN) printf(" %ld:%d", r, si.si_value);
		else printf(" %ld", r);
	}
	printf("\n");

	/* From a child: five queued values and five coalescing SIGUSR2s. */
	cpt_mark("rtqueue:child");
	pid_t c = fork();
	if (c == 0) {
		for (int v = 101; v <= 105; v++) sigqueue(getppid(), RT2, v);
		for (int i = 0; i < 5; i++) kill(getppid(), SIGUSR2);
		_exit(0);
	}
	waitpid(c, NULL, 0);
	int vals = 0, usr2 = 0, from_child = 1, inorder = 1, last = 100;
	for (;;) {
		siginfo_t si;
		long r = sigtimedwait(&set, &si, &zero);
		if (r < 0) break;
		if (si.si_pid != c) from_child = 0;
		if (r == RT2) { vals++; if (si.si_value != last + 1) inorder = 0; last = si.si_value; }
		if (r == SIGUSR2) { usr2++; if (si.si_code != SI_USER) from_child = 0; }
	}
	printf("from the child: %d queued values (in order %s), %d SIGUSR2, all with the child's pid %s\n", vals,
	       yn(inorder), usr2, yn(from_child));

	/* rt_tgsigqueueinfo to our own thread; a faked si_code for another process. */
	siginfo_t qi;
	memset(&qi, 0, sizeof qi);
	qi.si_signo = RT2;
	qi.si_code = SI_QUEUE;
	qi.u.rt.pid = me;
	qi.si_value = 77;
	printf("rt_tgsigqueueinfo(me, me) = %ld\n", rt_tgsigqueueinfo(me, gettid(), RT2, &qi));
	siginfo_t si;
	long r = sigtimedwait(&set, &si, &zero);
	printf("  taken: %ld value %d\n", r, si.si_value);
	c = fork();
	if (c == 0) {
		sigset_t none;
		sigemptyset(&none);
		for (;;) sigsuspend(&none);
	}
	qi.si_code = SI_USER;
	printf("rt_sigqueueinfo(child, si_code SI_USER) = %ld (-EPERM = %d)\n", rt_sigqueueinfo(c, RT2, &qi), -EPERM);
	qi.si_code = SI_KERNEL;
	printf("rt_sigqueueinfo(child, si_code SI_KERNEL) = %ld\n", rt_sigqueueinfo(c, RT2, &qi));
	kill(c, SIGKILL);
	waitpid(c, NULL, 0);
	qi.si_code = SI_USER;
	printf("rt_sigqueueinfo(self, si_code SI_USER) = %ld\n", rt_sigqueueinfo(me, RT2, &qi));
	r = sigtimedwait(&set, &si, &zero);
	printf("  taken: %ld, si_code %d\n", r, si.si_code);
	printf("rt_sigqueueinfo(self, signal 0) = %ld, signal 65 = %ld\n", rt_sigqueueinfo(me, 0, &qi),
	       rt_sigqueueinfo(me, 65, &qi));
	cpt_mark("rtqueue:end");
	return 0;
}
