/* syscall.h - raw Linux riscv32 (asm-generic) system calls.
 *
 * ABI: ecall with a7 = number, a0..a5 = arguments; a0 = result, or -errno in
 * [-4095, -1]. riscv32 has only the 64-bit-time calls (clock_gettime64 etc.)
 * and no wait4/nanosleep/gettimeofday/time: do not add them here.
 */
#ifndef RT_SYSCALL_H
#define RT_SYSCALL_H

#include <stddef.h>
#include <stdint.h>

#define SYS_read              63
#define SYS_write             64
#define SYS_writev            66
#define SYS_exit              93
#define SYS_exit_group        94
#define SYS_waitid            95
#define SYS_set_tid_address   96
#define SYS_unshare           97
#define SYS_getitimer        102
#define SYS_setitimer        103
#define SYS_sched_yield      124
#define SYS_kill             129
#define SYS_tkill            130
#define SYS_tgkill           131
#define SYS_sigaltstack      132
#define SYS_rt_sigsuspend    133
#define SYS_rt_sigaction     134
#define SYS_rt_sigprocmask   135
#define SYS_rt_sigpending    136
#define SYS_rt_sigqueueinfo  138
#define SYS_rt_sigreturn     139
#define SYS_setregid         143
#define SYS_setgid           144
#define SYS_setreuid         145
#define SYS_setuid           146
#define SYS_setresuid        147
#define SYS_getresuid        148
#define SYS_setresgid        149
#define SYS_getresgid        150
#define SYS_setpgid          154
#define SYS_getpgid          155
#define SYS_getsid           156
#define SYS_setsid           157
#define SYS_uname            160
#define SYS_prctl            167
#define SYS_getpid           172
#define SYS_getppid          173
#define SYS_getuid           174
#define SYS_geteuid          175
#define SYS_getgid           176
#define SYS_getegid          177
#define SYS_gettid           178
#define SYS_brk              214
#define SYS_munmap           215
#define SYS_mremap           216
#define SYS_clone            220
#define SYS_execve           221
#define SYS_mmap2            222   /* rv32's __NR_mmap is sys_mmap2: the offset is in 4096-byte pages */
#define SYS_mprotect         226
#define SYS_madvise          233
#define SYS_rt_tgsigqueueinfo 240
#define SYS_clock_gettime64  403
#define SYS_clock_getres_time64 406
#define SYS_clock_nanosleep_time64 407
#define SYS_rt_sigtimedwait_time64 421
#define SYS_futex_time64     422
#define SYS_clone3           435
/* cptbench's C/R calls, numbered outside Linux's table: ENOSYS under qemu-riscv32 and Linux. */
#define SYS_checkpoint       800   /* checkpoint(pid, fd, flags) */
#define SYS_restart          801   /* restart(ctid, fd, flags) -> pid */
#define SYS_cpt_mark         802   /* cpt_mark(label): returns 0, tells the scenario runner */

#define EPERM    1
#define ENOENT   2
#define ESRCH    3
#define EINTR    4
#define E2BIG    7
#define ENOEXEC  8
#define EBADF    9
#define ECHILD  10
#define EAGAIN  11
#define ENOMEM  12
#define EACCES  13
#define EFAULT  14
#define EBUSY   16
#define EEXIST  17
#define EINVAL  22
#define ENOSPC  28
#define ENOSYS  38
#define ETIMEDOUT 110

#define CLOCK_REALTIME  0
#define CLOCK_MONOTONIC 1
#define TIMER_ABSTIME   1

static inline long __syscall0(long n)
{
	register long a7 __asm__("a7") = n;
	register long a0 __asm__("a0");
	__asm__ volatile("ecall" : "=r"(a0) : "r"(a7) : "memory");
	return a0;
}

static inline long __syscall1(long n, long x0)
{
	register long a7 __asm__("a7") = n;
	register long a0 __asm__("a0") = x0;
	__asm__ volatile("ecall" : "+r"(a0) : "r"(a7) : "memory");
	return a0;
}

static inline long __syscall2(long n, long x0, long x1)
{
	register long a7 __asm__("a7") = n;
	register long a0 __asm__("a0") = x0;
	register long a1 __asm__("a1") = x1;
	__asm__ volatile("ecall" : "+r"(a0) : "r"(a7), "r"(a1) : "memory");
	return a0;
}

static inline long __syscall3(long n, long x0, long x1, long x2)
{
	register long a7 __asm__("a7") = n;
	register long a0 __asm__("a0") = x0;
	register long a1 __asm__("a1") = x1;
	register long a2 __asm__("a2") = x2;
	__asm__ volatile("ecall" : "+r"(a0) : "r"(a7), "r"(a1), "r"(a2) : "memory");
	return a0;
}

static inline long __syscall4(long n, long x0, long x1, long x2, long x3)
{
	register long a7 __asm__("a7") = n;
	register long a0 __asm__("a0") = x0;
	register long a1 __asm__("a1") = x1;
	register long a2 __asm__("a2") = x2;
	register long a3 __asm__("a3") = x3;
	__asm__ volatile("ecall" : "+r"(a0) : "r"(a7), "r"(a1), "r"(a2), "r"(a3) : "memory");
	return a0;
}

static inline long __syscall5(long n, long x0, long x1, long x2, long x3, long x4)
{
	register long a7 __asm__("a7") = n;
	register long a0 __asm__("a0") = x0;
	register long a1 __asm__("a1") = x1;
	register long a2 __asm__("a2") = x2;
	register long a3 __asm__("a3") = x3;
	register long a4 __asm__("a4") = x4;
	__asm__ volatile("ecall" : "+r"(a0) : "r"(a7), "r"(a1), "r"(a2), "r"(a3), "r"(a4) : "memory");
	return a0;
}

static inline long __syscall6(long n, long x0, long x1, long x2, long x3, long x4, long x5)
{
	register long a7 __asm__("a7") = n;
	register long a0 __asm__("a0") = x0;
	register long a1 __asm__("a1") = x1;
	register long a2 __asm__("a2") = x2;
	register long a3 __asm__("a3") = x3;
	register long a4 __asm__("a4") = x4;
	register long a5 __asm__("a5") = x5;
	__asm__ volatile("ecall"
			 : "+r"(a0)
			 : "r"(a7), "r"(a1), "r"(a2), "r"(a3), "r"(a4), "r"(a5)
			 : "memory");
	return a0;
}

struct iovec {
	void *iov_base;
	size_t iov_len;
};

/* struct __kernel_timespec: 64-bit seconds and nanoseconds even on rv32. */
struct timespec64 {
	int64_t tv_sec;
	int64_t tv_nsec;
};

/* struct new_utsname */
struct utsname {
	char sysname[65];
	char nodename[65];
	char release[65];
	char version[65];
	char machine[65];
	char domainname[65];
};

static inline long sys_read(int fd, void *buf, size_t n)
{ return __syscall3(SYS_read, fd, (long)buf, (long)n); }
static inline long sys_write(int fd, const void *buf, size_t n)
{ return __syscall3(SYS_write, fd, (long)buf, (long)n); }
static inline long sys_writev(int fd, const struct iovec *iov, int cnt)
{ return __syscall3(SYS_writev, fd, (long)iov, cnt); }
static inline long sys_set_tid_address(int *tidptr)
{ return __syscall1(SYS_set_tid_address, (long)tidptr); }
static inline long sys_uname(struct utsname *u)
{ return __syscall1(SYS_uname, (long)u); }
static inline long sys_getpid(void) { return __syscall0(SYS_getpid); }
static inline long sys_getppid(void) { return __syscall0(SYS_getppid); }
static inline long sys_gettid(void) { return __syscall0(SYS_gettid); }
/* Returns the new break, or the old one on failure (the raw kernel semantics). */
static inline long sys_brk(void *addr) { return __syscall1(SYS_brk, (long)addr); }
static inline long sys_clock_gettime64(int clk, struct timespec64 *ts)
{ return __syscall2(SYS_clock_gettime64, clk, (long)ts); }

__attribute__((noreturn)) static inline void sys_exit_group(int code)
{
	__syscall1(SYS_exit_group, code);
	__builtin_unreachable();
}

__attribute__((noreturn)) static inline void sys_exit(int code)
{
	__syscall1(SYS_exit, code);
	__builtin_unreachable();
}

#endif
