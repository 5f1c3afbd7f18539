/* clock: time and identity system calls, printing only facts that hold on
 * every run and every kernel: clock_gettime64 REALTIME is after 2020 with
 * tv_nsec in range, MONOTONIC never goes backwards over 2000 calls, an invalid
 * clock id gives -EINVAL, set_tid_address returns the tid, gettid() ==
 * getpid() for the only thread, getppid() differs from getpid(). */
#include <stdint.h>
#include <stdio.h>
#include "cpt.h"
#include "syscall.h"

static const char *yn(int b) { return b ? "yes" : "no"; }

int main(void)
{
	struct timespec64 rt, m0, m1;
	cpt_mark("clock:start");
	long r = sys_clock_gettime64(CLOCK_REALTIME, &rt);
	printf("clock_gettime64(REALTIME) returns 0: %s\n", yn(r == 0));
	printf("realtime after 2020-01-01: %s\n", yn(rt.tv_sec > 1577836800));
	printf("realtime tv_nsec in [0, 1e9): %s\n", yn(rt.tv_nsec >= 0 && rt.tv_nsec < 1000000000));
	r = sys_clock_gettime64(CLOCK_MONOTONIC, &m0);
	printf("clock_gettime64(MONOTONIC) returns 0: %s\n", yn(r == 0));
	printf("monotonic tv_sec >= 0: %s\n", yn(m0.tv_sec >= 0));
	int nondecreasing = 1, nsec_ok = 1;
	for (int i = 0; i < 2000; i++) {
		sys_clock_gettime64(CLOCK_MONOTONIC, &m1);
		if (m1.tv_sec < m0.tv_sec || (m1.tv_sec == m0.tv_sec && m1.tv_nsec < m0.tv_nsec)) nondecreasing = 0;
		if (m1.tv_nsec < 0 || m1.tv_nsec >= 1000000000) nsec_ok = 0;
		m0 = m1;
	}
	printf("monotonic non-decreasing over 2000 calls: %s\n", yn(nondecreasing));
	printf("monotonic tv_nsec always in range: %s\n", yn(nsec_ok));
	struct timespec64 rt2;
	sys_clock_gettime64(CLOCK_REALTIME, &rt2);
	printf("realtime not before the first reading: %s\n",
	       yn(rt2.tv_sec > rt.tv_sec || (rt2.tv_sec == rt.tv_sec && rt2.tv_nsec >= rt.tv_nsec)));
	printf("clock_gettime64(12345) = %ld (-EINVAL = %d)\n", sys_clock_gettime64(12345, &m1), -EINVAL);

	static int tid_word;
	long tid = sys_set_tid_address(&tid_word);
	long gtid = sys_gettid(), pid = sys_getpid(), ppid = sys_getppid();
	printf("set_tid_address() == gettid(): %s\n", yn(tid == gtid));
	printf("gettid() == getpid() (single thread): %s\n", yn(gtid == pid));
	printf("getpid() > 0: %s\n", yn(pid > 0));
	printf("getppid() >= 0: %s\n", yn(ppid >= 0));
	printf("getppid() != getpid(): %s\n", yn(ppid != pid));
	printf("getpid() stable: %s\n", yn(sys_getpid() == pid));
	return 0;
}
