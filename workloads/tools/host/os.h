/* tools/host/os.h - a glibc stand-in for runtime/os.h, to run hand-oracle workloads natively on
 * a real (x86-64) Linux kernel: the same names, returning -errno like the raw calls do.
 * Only what pidns, mm-linux and vfork use is here; riscv-specific things (the sigaction layout,
 * ucontext registers) have no equivalent. Used by tools/host-run.sh. */
#pragma once
#define _GNU_SOURCE
#include <errno.h>
#include <sched.h>
#include <setjmp.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <linux/futex.h>
#include <linux/sched.h>

#define RR(x) ({ long _r = (long)(x); _r == -1 ? -errno : _r; })
#define fork() ((pid_t)RR(fork()))
#define waitpid(a, b, c) ((pid_t)RR(waitpid(a, b, c)))
#define kill(a, b) RR(kill(a, b))
#define setpgid(a, b) RR(setpgid(a, b))
#define getpgid(a) RR(getpgid(a))
#define getsid(a) RR(getsid(a))
#define setsid() RR(setsid())
#define prctl(a, b, c, d, e) RR(prctl(a, b, c, d, e))
#define raise(s) RR(syscall(SYS_tgkill, getpid(), gettid(), s))
#define sigsuspend(m) RR(sigsuspend(m))
#define sigpending(m) RR(sigpending(m))
#define sigprocmask(a, b, c) RR(sigprocmask(a, b, c))
#define sigtimedwait(a, b, c) RR(sigtimedwait(a, b, c))
#define usleep(u) RR(usleep(u))
#define munmap(a, b) RR(munmap(a, b))
#define mprotect(a, b, c) RR(mprotect(a, b, c))
#define madvise(a, b, c) RR(madvise(a, b, c))
#define mmap(a, b, c, d, e, f) ((void *)RR(mmap(a, b, c, d, e, f)))
#define mremap(a, b, c, d, e) ((void *)RR(mremap(a, b, c, d, e)))
#define sys_execve(p, a, e) RR(execve(p, a, e))
#define sys_write write
#define sys_brk(a) syscall(SYS_brk, a)
#define timespec64 timespec
#define PAGE_SIZE 4096

static inline int os_failed(const void *p) { return (unsigned long)p >= (unsigned long)-4095; }
static inline long futex(volatile int *u, int op, int v, const struct timespec *t, volatile int *u2, int v3)
{ return RR(syscall(SYS_futex, u, op, v, t, u2, v3)); }
static inline long futex_wait(volatile int *u, int v, const struct timespec *t)
{ return futex(u, FUTEX_WAIT_PRIVATE, v, t, NULL, 0); }
static inline long sys_clone3(struct clone_args *a, size_t n) { return RR(syscall(SYS_clone3, a, n)); }
static inline long sys_waitid(int which, pid_t id, siginfo_t *si, int opt, void *ru)
{ return RR(syscall(SYS_waitid, which, id, si, opt, ru)); }
static inline long os_clone(int (*fn)(void *), void *top, unsigned long flags, void *arg, int *pt, void *tls, int *ct)
{ return RR(clone(fn, top, (int)flags, arg, pt, tls, ct)); }
static inline long os_sigaction(int sig, void (*fn)(int, siginfo_t *, void *), unsigned long flags, const sigset_t *mask)
{
	struct sigaction sa;
	memset(&sa, 0, sizeof sa);
	sa.sa_sigaction = fn;
	sa.sa_flags = (int)(flags | SA_SIGINFO);
	if (mask) sa.sa_mask = *mask; else sigemptyset(&sa.sa_mask);
	return RR(sigaction(sig, &sa, NULL));
}
static inline long os_signal(int sig, void (*fn)(int), unsigned long flags, const sigset_t *mask)
{
	struct sigaction sa;
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = fn;
	sa.sa_flags = (int)flags;
	if (mask) sa.sa_mask = *mask; else sigemptyset(&sa.sa_mask);
	return RR(sigaction(sig, &sa, NULL));
}
