/* os.c - the libc-like part of os.h: fork, waitpid, signal helpers, sleeps. */
#include <stdio.h>
#include <string.h>
#include "os.h"

_Static_assert(sizeof(siginfo_t) == 128, "siginfo_t is 128 bytes");
_Static_assert(__builtin_offsetof(ucontext_t, uc_regs) == 160, "uc_mcontext at 160 on riscv32");
_Static_assert(sizeof(struct sigaction) == 16, "riscv's kernel sigaction: handler, flags, mask");
_Static_assert(sizeof(struct clone_args) == 88, "clone_args v2");

pid_t fork(void)
{
	fflush(stdout);   /* otherwise the child would write the parent's pending output again */
	return (pid_t)sys_clone(SIGCHLD, NULL, NULL, NULL, NULL);
}

pid_t waitpid(pid_t pid, int *status, int options)
{
	int which, id;
	if (pid > 0) { which = P_PID; id = pid; }
	else if (pid == -1) { which = P_ALL; id = 0; }
	else if (pid == 0) { which = P_PGID; id = 0; }   /* the caller's group (Linux >= 5.4) */
	else { which = P_PGID; id = -pid; }
	int wopts = WEXITED | (options & (WNOHANG | WCONTINUED | __WALL | __WCLONE | __WNOTHREAD));
	if (options & WUNTRACED) wopts |= WSTOPPED;
	siginfo_t si;
	memset(&si, 0, sizeof si);
	long r = sys_waitid(which, id, &si, wopts, NULL);
	if (r < 0) return (pid_t)r;
	if (si.si_pid == 0) return 0;   /* WNOHANG and nobody ready */
	int st = 0;
	switch (si.si_code) {
	case CLD_EXITED: st = (si.si_status & 0xff) << 8; break;
	case CLD_KILLED: st = si.si_status & 0x7f; break;
	case CLD_DUMPED: st = (si.si_status & 0x7f) | 0x80; break;
	case CLD_STOPPED:
	case CLD_TRAPPED: st = ((si.si_status & 0xff) << 8) | 0x7f; break;
	case CLD_CONTINUED: st = 0xffff; break;
	}
	if (status) *status = st;
	return si.si_pid;
}

long sigaction(int sig, const struct sigaction *act, struct sigaction *old)
{
	unsigned long k[5], o[5];
	if (act) {
		k[0] = (unsigned long)act->sa_handler;
		k[1] = act->sa_flags;
		k[2] = act->sa_mask.bits[0];
		k[3] = act->sa_mask.bits[1];
		k[4] = act->sa_mask.bits[1];   /* qemu 7.2 reads the mask from k[3..4] */
	}
	memset(o, 0, sizeof o);
	long r = sys_rt_sigaction(sig, act ? k : NULL, old ? o : NULL, sizeof(sigset_t));
	if (r == 0 && old) {
		old->sa_handler = (void (*)(int))o[0];
		old->sa_flags = o[1];
		old->sa_mask.bits[0] = o[2];
		old->sa_mask.bits[1] = o[3];
	}
	return r;
}

long os_signal(int sig, void (*handler)(int), unsigned long flags, const sigset_t *mask)
{
	struct sigaction sa;
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = handler;
	sa.sa_flags = flags;
	if (mask) sa.sa_mask = *mask;
	return sigaction(sig, &sa, NULL);
}

long os_sigaction(int sig, void (*action)(int, siginfo_t *, void *), unsigned long flags, const sigset_t *mask)
{
	struct sigaction sa;
	memset(&sa, 0, sizeof sa);
	sa.sa_sigaction = action;
	sa.sa_flags = flags | SA_SIGINFO;
	if (mask) sa.sa_mask = *mask;
	return sigaction(sig, &sa, NULL);
}

long sigqueue(pid_t pid, int sig, int value)
{
	siginfo_t si;
	memset(&si, 0, sizeof si);
	si.si_signo = sig;
	si.si_code = SI_QUEUE;
	si.u.rt.pid = getpid();
	si.u.rt.uid = (uid_t)getuid();
	si.si_value = value;
	return rt_sigqueueinfo(pid, sig, &si);
}

long nanosleep(const struct timespec64 *req, struct timespec64 *rem)
{
	return clock_nanosleep(CLOCK_MONOTONIC, 0, req, rem);
}

long usleep(unsigned long usec)
{
	struct timespec64 ts = { usec / 1000000, (usec % 1000000) * 1000 };
	return nanosleep(&ts, NULL);
}

int64_t monotonic_ns(void)
{
	struct timespec64 ts;
	sys_clock_gettime64(CLOCK_MONOTONIC, &ts);
	return ts_ns(&ts);
}
