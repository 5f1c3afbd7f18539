/* os.h - processes, signals, time, memory mappings and threads for guest programs.
 *
 * Thin wrappers over the riscv32 Linux system calls in syscall.h plus a small
 * libc-like layer (waitpid on waitid, sigsetjmp/siglongjmp, threads with futex
 * mutexes and condition variables). There is no errno: every call returns its
 * result, or -errno (e.g. -EINTR), exactly as the kernel does. Calls returning
 * pointers (mmap, mremap) return the address or a value in [-4095, -1] cast to
 * a pointer; test with os_failed().
 *
 * Output: stdout is buffered in the process. fork() and vfork() flush it first
 * so a child never inherits (and repeats) unwritten output; threads share the
 * buffer, so only one thread should print (after joining the others).
 */
#ifndef RT_OS_H
#define RT_OS_H

#include <stddef.h>
#include <stdint.h>
#include "syscall.h"

typedef int pid_t;
typedef unsigned int uid_t;
typedef unsigned int gid_t;

static inline int os_failed(const void *p) { return (unsigned long)p >= (unsigned long)-4095; }

/* ------------------------------------------------------------------ processes */

#define CSIGNAL              0x000000ff
#define CLONE_VM             0x00000100
#define CLONE_FS             0x00000200
#define CLONE_FILES          0x00000400
#define CLONE_SIGHAND        0x00000800
#define CLONE_PIDFD          0x00001000
#define CLONE_VFORK          0x00004000
#define CLONE_PARENT         0x00008000
#define CLONE_THREAD         0x00010000
#define CLONE_NEWNS          0x00020000
#define CLONE_SYSVSEM        0x00040000
#define CLONE_SETTLS         0x00080000
#define CLONE_PARENT_SETTID  0x00100000
#define CLONE_CHILD_CLEARTID 0x00200000
#define CLONE_CHILD_SETTID   0x01000000
#define CLONE_NEWUTS         0x04000000
#define CLONE_NEWIPC         0x08000000
#define CLONE_NEWUSER        0x10000000
#define CLONE_NEWPID         0x20000000
#define CLONE_NEWNET         0x40000000

/* Raw clone(2), riscv argument order. Without a new stack the child continues
 * on a copy of the caller's stack, so only use it for fork-like flags. */
static inline long sys_clone(unsigned long flags, void *newsp, int *ptid, void *tls, int *ctid)
{ return __syscall5(SYS_clone, (long)flags, (long)newsp, (long)ptid, (long)tls, (long)ctid); }

/* clone(2) running fn(arg) on the given stack (its top, any alignment) in the
 * child, which exits with fn's return value through SYS_exit (that thread
 * only). Returns the child's tid to the parent, or -errno. (runtime/clone.S) */
int os_clone(int (*fn)(void *), void *stack_top, unsigned long flags, void *arg,
	     int *ptid, void *tls, int *ctid);

/* struct clone_args (clone3), version 2 (88 bytes) */
struct clone_args {
	uint64_t flags, pidfd, child_tid, parent_tid, exit_signal, stack, stack_size, tls;
	uint64_t set_tid, set_tid_size, cgroup;
};
/* Raw clone3: fork-like (the child returns 0 on a copy of the stack) unless
 * args->stack is set, in which case do not use this from C. */
static inline long sys_clone3(struct clone_args *a, size_t size)
{ return __syscall2(SYS_clone3, (long)a, (long)size); }

pid_t fork(void);                 /* flushes stdout, then clone(SIGCHLD) */
/* clone(CLONE_VM|CLONE_VFORK|SIGCHLD), written in asm so the child does not
 * disturb the parent's stack frame. The child may only call _exit/execve.
 * Flush stdout yourself before calling it. (runtime/clone.S) */
pid_t vfork(void) __attribute__((returns_twice));

static inline long sys_execve(const char *path, char *const argv[], char *const envp[])
{ return __syscall3(SYS_execve, (long)path, (long)argv, (long)envp); }

static inline pid_t getpid(void) { return (pid_t)__syscall0(SYS_getpid); }
static inline pid_t getppid(void) { return (pid_t)__syscall0(SYS_getppid); }
static inline pid_t gettid(void) { return (pid_t)__syscall0(SYS_gettid); }
static inline long setpgid(pid_t pid, pid_t pgid) { return __syscall2(SYS_setpgid, pid, pgid); }
static inline long getpgid(pid_t pid) { return __syscall1(SYS_getpgid, pid); }
static inline long setsid(void) { return __syscall0(SYS_setsid); }
static inline long getsid(pid_t pid) { return __syscall1(SYS_getsid, pid); }
static inline long sched_yield(void) { return __syscall0(SYS_sched_yield); }
static inline long unshare(unsigned long flags) { return __syscall1(SYS_unshare, (long)flags); }
static inline long prctl(int op, unsigned long a2, unsigned long a3, unsigned long a4, unsigned long a5)
{ return __syscall5(SYS_prctl, op, (long)a2, (long)a3, (long)a4, (long)a5); }

#define PR_SET_PDEATHSIG        1
#define PR_GET_PDEATHSIG        2
#define PR_SET_NAME            15
#define PR_GET_NAME            16
#define PR_SET_CHILD_SUBREAPER 36
#define PR_GET_CHILD_SUBREAPER 37

static inline long getuid(void) { return __syscall0(SYS_getuid); }
static inline long geteuid(void) { return __syscall0(SYS_geteuid); }
static inline long getgid(void) { return __syscall0(SYS_getgid); }
static inline long getegid(void) { return __syscall0(SYS_getegid); }
static inline long setuid(uid_t u) { return __syscall1(SYS_setuid, (long)u); }
static inline long setgid(gid_t g) { return __syscall1(SYS_setgid, (long)g); }
static inline long setreuid(uid_t r, uid_t e) { return __syscall2(SYS_setreuid, (long)r, (long)e); }
static inline long setregid(gid_t r, gid_t e) { return __syscall2(SYS_setregid, (long)r, (long)e); }
static inline long setresuid(uid_t r, uid_t e, uid_t s) { return __syscall3(SYS_setresuid, (long)r, (long)e, (long)s); }
static inline long setresgid(gid_t r, gid_t e, gid_t s) { return __syscall3(SYS_setresgid, (long)r, (long)e, (long)s); }
static inline long getresuid(uid_t *r, uid_t *e, uid_t *s) { return __syscall3(SYS_getresuid, (long)r, (long)e, (long)s); }
static inline long getresgid(gid_t *r, gid_t *e, gid_t *s) { return __syscall3(SYS_getresgid, (long)r, (long)e, (long)s); }

/* ------------------------------------------------------------------ waiting */

#define P_ALL   0
#define P_PID   1
#define P_PGID  2

#define WNOHANG     0x00000001
#define WUNTRACED   0x00000002
#define WSTOPPED    0x00000002
#define WEXITED     0x00000004
#define WCONTINUED  0x00000008
#define WNOWAIT     0x01000000
#define __WNOTHREAD 0x20000000
#define __WALL      0x40000000
#define __WCLONE    0x80000000

#define CLD_EXITED    1
#define CLD_KILLED    2
#define CLD_DUMPED    3
#define CLD_TRAPPED   4
#define CLD_STOPPED   5
#define CLD_CONTINUED 6

/* siginfo_t, 128 bytes; the union starts at offset 12 on 32-bit. */
typedef struct {
	int si_signo;
	int si_errno;
	int si_code;
	union {
		int _pad[29];
		struct { int pid; uid_t uid; int status; } chld;      /* also kill: pid, uid */
		struct { int pid; uid_t uid; int value; } rt;         /* sigqueue: si_value.sival_int */
		struct { int tid; int overrun; int value; } timer;
		struct { void *addr; } fault;
	} u;
} siginfo_t;
#define si_pid    u.chld.pid
#define si_uid    u.chld.uid
#define si_status u.chld.status
#define si_value  u.rt.value
#define si_addr   u.fault.addr

#define SI_USER    0
#define SI_KERNEL  0x80
#define SI_QUEUE   (-1)
#define SI_TIMER   (-2)
#define SI_TKILL   (-6)
#define ILL_ILLOPC  1
#define SEGV_MAPERR 1
#define SEGV_ACCERR 2
#define BUS_ADRALN  1
#define TRAP_BRKPT  1

static inline long sys_waitid(int which, pid_t id, siginfo_t *info, int options, void *rusage)
{ return __syscall5(SYS_waitid, which, id, (long)info, options, (long)rusage); }

/* waitpid(2) built on waitid (riscv32 has no wait4): pid > 0, -1 (any),
 * 0 (own group) or < -1 (group -pid); options WNOHANG|WUNTRACED|WCONTINUED|__WALL|__WCLONE.
 * Fills *status like wait4 would; returns the pid, 0 (WNOHANG, none ready) or -errno. */
pid_t waitpid(pid_t pid, int *status, int options);

#define WEXITSTATUS(s) (((s) & 0xff00) >> 8)
#define WTERMSIG(s)    ((s) & 0x7f)
#define WSTOPSIG(s)    WEXITSTATUS(s)
#define WCOREDUMP(s)   ((s) & 0x80)
#define WIFEXITED(s)   (!WTERMSIG(s))
#define WIFSTOPPED(s)  (((s) & 0xff) == 0x7f)
#define WIFSIGNALED(s) (((s) & 0xffff) - 1U < 0xffu)
#define WIFCONTINUED(s) ((s) == 0xffff)

/* ------------------------------------------------------------------ signals */

#define SIGHUP     1
#define SIGINT     2
#define SIGQUIT    3
#define SIGILL     4
#define SIGTRAP    5
#define SIGABRT    6
#define SIGBUS     7
#define SIGFPE     8
#define SIGKILL    9
#define SIGUSR1   10
#define SIGSEGV   11
#define SIGUSR2   12
#define SIGPIPE   13
#define SIGALRM   14
#define SIGTERM   15
#define SIGSTKFLT 16
#define SIGCHLD   17
#define SIGCONT   18
#define SIGSTOP   19
#define SIGTSTP   20
#define SIGTTIN   21
#define SIGTTOU   22
#define SIGURG    23
#define SIGXCPU   24
#define SIGXFSZ   25
#define SIGVTALRM 26
#define SIGPROF   27
#define SIGWINCH  28
#define SIGIO     29
#define SIGPWR    30
#define SIGSYS    31
#define SIGRTMIN  32   /* the kernel's; glibc reserves 32..34 for itself, we do not */
#define SIGRTMAX  64
#define NSIG      65

#define SA_NOCLDSTOP 0x00000001
#define SA_NOCLDWAIT 0x00000002
#define SA_SIGINFO   0x00000004
#define SA_ONSTACK   0x08000000
#define SA_RESTART   0x10000000
#define SA_NODEFER   0x40000000
#define SA_RESETHAND 0x80000000u

#define SIG_BLOCK   0
#define SIG_UNBLOCK 1
#define SIG_SETMASK 2

#define SIG_DFL ((void (*)(int))0)
#define SIG_IGN ((void (*)(int))1)

typedef struct { uint32_t bits[2]; } sigset_t;   /* the kernel's 64-bit sigset */

static inline void sigemptyset(sigset_t *s) { s->bits[0] = s->bits[1] = 0; }
static inline void sigfillset(sigset_t *s) { s->bits[0] = s->bits[1] = 0xffffffffu; }
static inline void sigaddset(sigset_t *s, int sig) { s->bits[(sig - 1) / 32] |= 1u << ((sig - 1) % 32); }
static inline void sigdelset(sigset_t *s, int sig) { s->bits[(sig - 1) / 32] &= ~(1u << ((sig - 1) % 32)); }
static inline int sigismember(const sigset_t *s, int sig) { return (s->bits[(sig - 1) / 32] >> ((sig - 1) % 32)) & 1; }

/* The kernel's struct sigaction on riscv: handler, flags, mask (16 bytes), no
 * sa_restorer (the kernel returns through the vDSO's sigreturn trampoline).
 *
 * qemu-riscv32 7.2 deviates: it reads {handler, flags, restorer, mask}, i.e.
 * the mask at offset 12, and writes 20 bytes of old action. sigaction() below
 * therefore passes the kernel a 20-byte struct whose last word repeats
 * sa_mask.bits[1] and reads the old action into a 20-byte buffer: a mask with
 * bits[0] == bits[1] (empty, full, or each signal s together with s + 32) then
 * means the same under qemu as under Linux, and the old action reads back the
 * same words except that Linux drops SIGKILL/SIGSTOP from the mask. Workloads
 * recorded from qemu use only such masks; `sigaction-abi` checks the real
 * layout against a hand-written expectation. */
struct sigaction {
	union {
		void (*sa_handler)(int);
		void (*sa_sigaction)(int, siginfo_t *, void *);
	};
	unsigned long sa_flags;
	sigset_t sa_mask;
};

/* The raw call: act/old point at the kernel's layout (see above). */
static inline long sys_rt_sigaction(int sig, const void *act, void *old, size_t sigsetsize)
{ return __syscall4(SYS_rt_sigaction, sig, (long)act, (long)old, (long)sigsetsize); }
long sigaction(int sig, const struct sigaction *act, struct sigaction *old);
/* A mask both layouts agree on: sig and sig + 32 (or sig - 32) together. */
static inline void sigaddset2(sigset_t *s, int sig)
{
	int lo = (sig - 1) % 32;
	s->bits[0] |= 1u << lo;
	s->bits[1] |= 1u << lo;
}
/* Installs handler with the given flags and mask (NULL: empty); returns 0 or -errno. */
long os_signal(int sig, void (*handler)(int), unsigned long flags, const sigset_t *mask);
long os_sigaction(int sig, void (*action)(int, siginfo_t *, void *), unsigned long flags, const sigset_t *mask);

static inline long sigprocmask(int how, const sigset_t *set, sigset_t *old)
{ return __syscall4(SYS_rt_sigprocmask, how, (long)set, (long)old, sizeof(sigset_t)); }
static inline long sigpending(sigset_t *set)
{ return __syscall2(SYS_rt_sigpending, (long)set, sizeof(sigset_t)); }
static inline long sigsuspend(const sigset_t *mask)
{ return __syscall2(SYS_rt_sigsuspend, (long)mask, sizeof(sigset_t)); }
static inline long sigtimedwait(const sigset_t *set, siginfo_t *info, const struct timespec64 *timeout)
{ return __syscall4(SYS_rt_sigtimedwait_time64, (long)set, (long)info, (long)timeout, sizeof(sigset_t)); }
static inline long kill(pid_t pid, int sig) { return __syscall2(SYS_kill, pid, sig); }
static inline long tkill(pid_t tid, int sig) { return __syscall2(SYS_tkill, tid, sig); }
static inline long tgkill(pid_t tgid, pid_t tid, int sig) { return __syscall3(SYS_tgkill, tgid, tid, sig); }
static inline long raise(int sig) { return tgkill(getpid(), gettid(), sig); }
static inline long rt_sigqueueinfo(pid_t pid, int sig, siginfo_t *info)
{ return __syscall3(SYS_rt_sigqueueinfo, pid, sig, (long)info); }
static inline long rt_tgsigqueueinfo(pid_t tgid, pid_t tid, int sig, siginfo_t *info)
{ return __syscall4(SYS_rt_tgsigqueueinfo, tgid, tid, sig, (long)info); }
/* sigqueue(3): si_code SI_QUEUE, si_pid/si_uid of the caller, si_value = value. */
long sigqueue(pid_t pid, int sig, int value);

#define SS_ONSTACK     1
#define SS_DISABLE     2
#define SS_AUTODISARM  (1u << 31)
#define MINSIGSTKSZ 2048
#define SIGSTKSZ    8192
typedef struct { void *ss_sp; int ss_flags; size_t ss_size; } stack_t;
static inline long sigaltstack(const stack_t *ss, stack_t *old)
{ return __syscall2(SYS_sigaltstack, (long)ss, (long)old); }

/* The riscv32 ucontext a SA_SIGINFO handler gets as its third argument:
 * uc_mcontext at offset 160 holds pc, then x1..x31, then the FP state. */
typedef struct {
	unsigned long uc_flags;
	void *uc_link;
	stack_t uc_stack;
	sigset_t uc_sigmask;
	uint8_t __unused[120];
	unsigned long uc_regs[32] __attribute__((aligned(16)));   /* [0] = pc, [i] = xi */
	/* FP state follows: f0..f31 as 64-bit values, then fcsr */
	uint64_t uc_fpregs[32];
	uint32_t uc_fcsr;
} ucontext_t;
#define REG_PC 0

/* sigsetjmp/siglongjmp (runtime/setjmp.S): ra, sp, s0..s11, fs0..fs11 and,
 * when savemask, the signal mask. longjmp = siglongjmp on a buffer set with
 * savemask 0. Safe to leave a signal handler with. */
typedef struct {
	unsigned long regs[14];   /* ra, sp, s0..s11 */
	double fregs[12];         /* fs0..fs11 */
	unsigned long savemask;
	sigset_t mask;
} sigjmp_buf[1];
typedef sigjmp_buf jmp_buf;
int sigsetjmp(sigjmp_buf env, int savemask) __attribute__((returns_twice));
__attribute__((noreturn)) void siglongjmp(sigjmp_buf env, int val);
#define setjmp(env) sigsetjmp(env, 0)
#define longjmp(env, val) siglongjmp(env, val)

/* ------------------------------------------------------------------ time */

/* struct itimerval on riscv32: four 32-bit longs (old timeval) */
struct timeval32 { long tv_sec; long tv_usec; };
struct itimerval { struct timeval32 it_interval; struct timeval32 it_value; };
#define ITIMER_REAL    0
#define ITIMER_VIRTUAL 1
#define ITIMER_PROF    2
static inline long setitimer(int which, const struct itimerval *v, struct itimerval *old)
{ return __syscall3(SYS_setitimer, which, (long)v, (long)old); }
static inline long getitimer(int which, struct itimerval *v)
{ return __syscall2(SYS_getitimer, which, (long)v); }

static inline long clock_nanosleep(int clk, int flags, const struct timespec64 *req, struct timespec64 *rem)
{ return __syscall4(SYS_clock_nanosleep_time64, clk, flags, (long)req, (long)rem); }
static inline long clock_gettime(int clk, struct timespec64 *ts) { return sys_clock_gettime64(clk, ts); }
static inline long clock_getres(int clk, struct timespec64 *ts)
{ return __syscall2(SYS_clock_getres_time64, clk, (long)ts); }
/* Relative CLOCK_MONOTONIC sleeps; return 0 or -errno (-EINTR if a handler ran). */
long nanosleep(const struct timespec64 *req, struct timespec64 *rem);
long usleep(unsigned long usec);
/* Nanoseconds of CLOCK_MONOTONIC. */
int64_t monotonic_ns(void);
static inline int64_t ts_ns(const struct timespec64 *t) { return t->tv_sec * 1000000000LL + t->tv_nsec; }

/* ------------------------------------------------------------------ memory */

#define PROT_NONE  0
#define PROT_READ  1
#define PROT_WRITE 2
#define PROT_EXEC  4
#define MAP_SHARED          0x01
#define MAP_PRIVATE         0x02
#define MAP_FIXED           0x10
#define MAP_ANONYMOUS       0x20
#define MAP_GROWSDOWN       0x0100
#define MAP_NORESERVE       0x4000
#define MAP_POPULATE        0x8000
#define MAP_STACK           0x20000
#define MAP_FIXED_NOREPLACE 0x100000
#define MAP_FAILED ((void *)-1)
#define MREMAP_MAYMOVE   1
#define MREMAP_FIXED     2
#define MREMAP_DONTUNMAP 4
#define MADV_NORMAL    0
#define MADV_DONTNEED  4
#define PAGE_SIZE 4096

/* mmap with a byte offset (must be page-aligned), via mmap2. */
static inline void *mmap(void *addr, size_t len, int prot, int flags, int fd, long off)
{ return (void *)__syscall6(SYS_mmap2, (long)addr, (long)len, prot, flags, fd, off / 4096); }
static inline long munmap(void *addr, size_t len) { return __syscall2(SYS_munmap, (long)addr, (long)len); }
static inline long mprotect(void *addr, size_t len, int prot) { return __syscall3(SYS_mprotect, (long)addr, (long)len, prot); }
static inline long madvise(void *addr, size_t len, int advice) { return __syscall3(SYS_madvise, (long)addr, (long)len, advice); }
static inline void *mremap(void *old, size_t oldlen, size_t newlen, int flags, void *newaddr)
{ return (void *)__syscall5(SYS_mremap, (long)old, (long)oldlen, (long)newlen, flags, (long)newaddr); }

/* ------------------------------------------------------------------ futexes, threads */

#define FUTEX_WAIT          0
#define FUTEX_WAKE          1
#define FUTEX_REQUEUE       3
#define FUTEX_CMP_REQUEUE   4
#define FUTEX_WAKE_OP       5
#define FUTEX_WAIT_BITSET   9
#define FUTEX_WAKE_BITSET  10
#define FUTEX_PRIVATE_FLAG 128
#define FUTEX_CLOCK_REALTIME 256
#define FUTEX_BITSET_MATCH_ANY 0xffffffffu

static inline long futex(volatile int *uaddr, int op, int val, const struct timespec64 *timeout,
			 volatile int *uaddr2, int val3)
{ return __syscall6(SYS_futex_time64, (long)uaddr, op, val, (long)timeout, (long)uaddr2, val3); }
static inline long futex_wait(volatile int *uaddr, int val, const struct timespec64 *timeout)
{ return futex(uaddr, FUTEX_WAIT | FUTEX_PRIVATE_FLAG, val, timeout, NULL, 0); }
static inline long futex_wake(volatile int *uaddr, int n)
{ return futex(uaddr, FUTEX_WAKE | FUTEX_PRIVATE_FLAG, n, NULL, NULL, 0); }

/* Threads: clone(CLONE_VM|CLONE_FS|CLONE_FILES|CLONE_SIGHAND|CLONE_THREAD|
 * CLONE_SYSVSEM|CLONE_SETTLS|CLONE_PARENT_SETTID|CLONE_CHILD_CLEARTID) on a
 * stack from mmap (or the caller's), joined by futex-waiting on the tid word
 * the kernel clears (and wakes) when the thread exits. tp (x4) points at the
 * thread's struct. Exiting a thread (returning from fn) does not unmap its
 * stack; thread_join does. */
typedef struct thread {
	volatile int tid;          /* set by the kernel at creation, cleared at exit */
	int (*fn)(void *);
	void *arg;
	int result;
	void *stack;               /* mmap'ed by thread_create, or NULL */
	size_t stack_size;
} thread_t;

#define THREAD_STACK_SIZE (64 * 1024)
/* Stack: stack/size given by the caller, or stack == NULL to mmap one. Returns tid or -errno. */
long thread_create(thread_t *t, int (*fn)(void *), void *arg, void *stack, size_t size);
/* Waits until the thread has exited; returns its fn's result. */
int thread_join(thread_t *t);
/* The calling thread's thread_t (NULL in the main thread). */
static inline thread_t *thread_self(void) { thread_t *p; __asm__("mv %0, tp" : "=r"(p)); return p; }

/* A futex mutex (0 unlocked, 1 locked, 2 locked with waiters) and condition variable. */
typedef struct { volatile int state; } mutex_t;
typedef struct { volatile int seq; } cond_t;
#define MUTEX_INIT {0}
#define COND_INIT {0}
void mutex_lock(mutex_t *m);
void mutex_unlock(mutex_t *m);
int mutex_trylock(mutex_t *m);   /* 0 if taken */
void cond_wait(cond_t *c, mutex_t *m);
void cond_signal(cond_t *c);
void cond_broadcast(cond_t *c);

#endif
