/* sigmask: signal dispositions and masks.
 *
 * A blocked signal stays pending (sigpending shows it, the handler has not
 * run) and is delivered when unblocked, before sigprocmask returns; the
 * handler's sa_mask and the signal itself are blocked while it runs (a signal
 * in sa_mask raised inside stays pending until it returns; the ucontext holds the mask
 * from before delivery); SA_NODEFER lets the handler nest; SA_RESETHAND
 * restores SIG_DFL after one delivery; sigsuspend swaps the mask atomically
 * and returns -EINTR; SIG_IGN discards a pending signal; SIGKILL and SIGSTOP
 * cannot be caught, ignored or blocked; sigaction reads back what was set;
 * bad signal numbers are EINVAL; a mask set in the parent is inherited by a
 * fork child, pending signals are not.
 * Handler masks always hold a signal s together with s + 32: qemu 7.2 reads a
 * riscv sigaction with the mask 4 bytes further on than Linux, and only such
 * masks mean the same to both (see os.h); `sigaction-abi` covers the rest.
 * Handlers only record into globals (no system calls that could change the
 * order), and different signals are unblocked one at a time: the order in
 * which several pending signals are delivered at once is not the same under
 * qemu as under Linux.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "cpt.h"
#include "os.h"

static const char *yn(int b) { return b ? "yes" : "no"; }

static volatile int log_[64], nlog;
static void record(int v) { if (nlog < 64) log_[nlog++] = v; }

static void show_log(const char *what)
{
	printf("%s:", what);
	for (int i = 0; i < nlog; i++) printf(" %d", log_[i]);
	printf("\n");
	nlog = 0;
}

static void h_plain(int sig) { record(sig); }

static sigset_t seen_in_handler, seen_uc;
static void h_inner(int sig, siginfo_t *si, void *ucv)
{
	ucontext_t *uc = ucv;
	record(sig);
	if (sig == SIGUSR1) {
		sigprocmask(SIG_BLOCK, NULL, &seen_in_handler);
		seen_uc = uc->uc_sigmask;
		raise(SIGUSR2);   /* blocked by sa_mask: stays pending until we return */
		sigset_t p;
		sigpending(&p);
		record(sigismember(&p, SIGUSR2) ? 1000 : 2000);
	}
}

static volatile int depth, max_depth, calls;
static void h_nodefer(int sig)
{
	depth++;
	calls++;
	if (depth > max_depth) max_depth = depth;
	if (calls < 3) raise(sig);   /* with SA_NODEFER this nests right away */
	depth--;
}

static void bits(const char *what, const sigset_t *s)
{
	printf("%s: %08lx %08lx\n", what, (unsigned long)s->bits[1], (unsigned long)s->bits[0]);
}

int main(void)
{
	cpt_mark("sigmask:start");
	sigset_t empty, set, old, pend;
	sigemptyset(&empty);
	sigprocmask(SIG_SETMASK, &empty, NULL);

	/* 1. blocked -> pending -> delivered on unblock */
	os_signal(SIGUSR1, h_plain, 0, NULL);
	sigemptyset(&set);
	sigaddset(&set, SIGUSR1);
	sigprocmask(SIG_BLOCK, &set, &old);
	bits("old mask", &old);
	raise(SIGUSR1);
	raise(SIGUSR1);
	sigpending(&pend);
	bits("pending after two raise(SIGUSR1) while blocked", &pend);
	show_log("handler ran while blocked");
	sigprocmask(SIG_UNBLOCK, &set, NULL);
	show_log("after unblock (standard signals coalesce: once)");
	sigpending(&pend);
	bits("pending now", &pend);

	/* 2. sa_mask and the running signal are blocked inside the handler */
	sigemptyset(&set);
	sigaddset2(&set, SIGUSR2);   /* also 44: see os.h on qemu's sigaction layout */
	sigaddset2(&set, SIGTERM);
	os_sigaction(SIGUSR1, h_inner, 0, &set);
	os_sigaction(SIGUSR2, h_inner, 0, NULL);
	raise(SIGUSR1);
	show_log("handler SIGUSR1 raising SIGUSR2 inside (1000 = pending there)");
	bits("mask inside the SIGUSR1 handler", &seen_in_handler);
	bits("uc_sigmask (mask before delivery)", &seen_uc);
	sigprocmask(SIG_BLOCK, NULL, &old);
	bits("mask after the handlers", &old);

	/* 3. SA_NODEFER: the handler nests */
	os_signal(SIGUSR2, h_nodefer, SA_NODEFER, NULL);
	raise(SIGUSR2);
	printf("SA_NODEFER: %d calls, nesting depth reached %d\n", calls, max_depth);
	max_depth = calls = 0;
	os_signal(SIGUSR2, h_nodefer, 0, NULL);
	raise(SIGUSR2);
	printf("without SA_NODEFER: %d calls, depth reached %d (each re-raise ran after return)\n", calls, max_depth);

	/* 4. SA_RESETHAND: one delivery, then SIG_DFL */
	os_signal(SIGWINCH, h_plain, SA_RESETHAND, NULL);
	raise(SIGWINCH);
	struct sigaction sa;
	sigaction(SIGWINCH, NULL, &sa);
	show_log("SA_RESETHAND delivery");
	printf("handler after SA_RESETHAND is SIG_DFL: %s\n", yn(sa.sa_handler == SIG_DFL));
	raise(SIGWINCH);   /* default action: ignore */
	show_log("second SIGWINCH (default: ignored)");

	/* 5. sigsuspend: atomic unblock, -EINTR, mask restored */
	os_signal(SIGUSR1, h_plain, 0, NULL);
	sigemptyset(&set);
	sigaddset(&set, SIGUSR1);
	sigprocmask(SIG_BLOCK, &set, NULL);
	raise(SIGUSR1);
	long r = sigsuspend(&empty);
	show_log("sigsuspend with SIGUSR1 pending");
	printf("sigsuspend returned %ld (-EINTR = %d)\n", r, -EINTR);
	sigprocmask(SIG_BLOCK, NULL, &old);
	printf("SIGUSR1 blocked again after sigsuspend: %s\n", yn(sigismember(&old, SIGUSR1)));

	/* 6. SIG_IGN discards a pending signal */
	raise(SIGUSR1);
	os_signal(SIGUSR1, SIG_IGN, 0, NULL);
	sigpending(&pend);
	printf("pending SIGUSR1 discarded by SIG_IGN: %s\n", yn(!sigismember(&pend, SIGUSR1)));
	os_signal(SIGUSR1, h_plain, 0, NULL);
	sigprocmask(SIG_UNBLOCK, &set, NULL);
	show_log("after unblocking");
	raise(SIGUSR1);
	show_log("ignored then handled again");

	/* 7. SIGKILL/SIGSTOP */
	printf("sigaction(SIGKILL, handler) = %ld\n", os_signal(SIGKILL, h_plain, 0, NULL));
	printf("sigaction(SIGSTOP, SIG_IGN) = %ld\n", os_signal(SIGSTOP, SIG_IGN, 0, NULL));
	printf("sigaction(SIGKILL, NULL, &old) = %ld\n", sigaction(SIGKILL, NULL, &sa));
	sigfillset(&set);
	sigprocmask(SIG_SETMASK, &set, NULL);
	sigprocmask(SIG_SETMASK, &empty, &old);
	/* Signals 63 and 64 are left out: qemu cannot block them (it keeps host signals for itself). */
	old.bits[1] &= 0x3fffffff;
	bits("mask after blocking everything (1..62 shown)", &old);
	printf("sigaction(0) = %ld, sigaction(65) = %ld\n", os_signal(0, h_plain, 0, NULL), os_signal(65, h_plain, 0, NULL));
	printf("sigprocmask(how = 7) = %ld\n", sigprocmask(7, &set, NULL));
	printf("rt_sigprocmask with sigsetsize 4 = %ld\n", __syscall4(SYS_rt_sigprocmask, SIG_BLOCK, (long)&set, 0, 4));
	printf("kill(getpid(), 0) = %ld, kill(getpid(), 65) = %ld\n", kill(getpid(), 0), kill(getpid(), 65));

	/* 8. read back an action: handler, flags, mask */
	sigemptyset(&set);
	sigaddset2(&set, SIGALRM);
	sigaddset2(&set, SIGCHLD);
	os_signal(SIGHUP, h_plain, SA_RESTART | SA_NODEFER, &set);
	sigaction(SIGHUP, NULL, &sa);
	printf("SIGHUP action: handler ok %s, flags %08lx\n", yn(sa.sa_handler == h_plain), sa.sa_flags);
	bits("SIGHUP sa_mask read back", &sa.sa_mask);
	sigaction(SIGINT, NULL, &sa);
	printf("SIGINT untouched: SIG_DFL %s, flags %lx\n", yn(sa.sa_handler == SIG_DFL), sa.sa_flags);

	/* 9. fork: the mask is inherited, pending signals are not */
	sigemptyset(&set);
	sigaddset(&set, SIGUSR2);
	sigprocmask(SIG_BLOCK, &set, NULL);
	raise(SIGUSR2);
	pid_t c = fork();
	if (c == 0) {
		sigset_t m, p;
		sigprocmask(SIG_BLOCK, NULL, &m);
		sigpending(&p);
		_exit((sigismember(&m, SIGUSR2) ? 1 : 0) | (sigismember(&p, SIGUSR2) ? 2 : 0));
	}
	int st = 0;
	waitpid(c, &st, 0);
	printf("child: SIGUSR2 blocked %s, pending %s\n", yn(WEXITSTATUS(st) & 1), yn(WEXITSTATUS(st) & 2));
	sigpending(&pend);
	printf("parent still has it pending: %s\n", yn(sigismember(&pend, SIGUSR2)));
	os_signal(SIGUSR2, SIG_IGN, 0, NULL);
	cpt_mark("sigmask:end");
	return 0;
}
