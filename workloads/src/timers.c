/* timers: sleeping and interval timers on CLOCK_MONOTONIC / ITIMER_REAL.
 *
 * clock_nanosleep relative and TIMER_ABSTIME (at least the time asked has
 * passed; an absolute time in the past returns at once; *rem is written only
 * when a relative sleep is interrupted); CLOCK_REALTIME sleeps; EINVAL for
 * bad timespecs and clocks; clock_getres. setitimer(ITIMER_REAL) periodic
 * every 2 ms counted 5 times through sigsuspend, getitimer while armed and
 * after disarming, the old value returned by setitimer, EINVAL cases; a
 * one-shot SIGALRM taken with sigtimedwait (si_code SI_KERNEL); sigtimedwait
 * timing out with EAGAIN after its timeout; ITIMER_VIRTUAL and ITIMER_PROF
 * firing after some CPU time. Sleeps are a few ms; only relations between
 * times are printed.
 */
#include <stdio.h>
#include <string.h>
#include "cpt.h"
#include "os.h"

static const char *yn(int b) { return b ? "yes" : "no"; }

#define MS 1000000LL

static volatile int alarms, vtalrms, profs;
static void on_alarm(int sig)
{
	if (sig == SIGALRM) alarms++;
	else if (sig == SIGVTALRM) vtalrms++;
	else if (sig == SIGPROF) profs++;
}

static int64_t now_ns(int clk)
{
	struct timespec64 t;
	clock_gettime(clk, &t);
	return ts_ns(&t);
}

static void show_itimer(const char *what, const struct itimerval *v)
{
	/* 0 is possible: Linux reports 0 when the timer expires while it is being read. */
	printf("%s: interval %ld.%06ld s, value in [0, 2 ms]: %s\n", what, v->it_interval.tv_sec, v->it_interval.tv_usec,
	       yn(v->it_value.tv_sec == 0 && v->it_value.tv_usec >= 0 && v->it_value.tv_usec <= 2000));
}

int main(void)
{
	cpt_mark("timers:start");
	struct timespec64 res = { -1, -1 };
	long r = clock_getres(CLOCK_MONOTONIC, &res);
	printf("clock_getres(MONOTONIC) = %ld: 0 < resolution <= 1 ms %s\n", r,
	       yn(res.tv_sec == 0 && res.tv_nsec > 0 && res.tv_nsec <= 1000000));

	/* relative */
	int64_t t0 = now_ns(CLOCK_MONOTONIC);
	struct timespec64 req = { 0, 3 * MS }, rem = { 77, 77 };
	r = clock_nanosleep(CLOCK_MONOTONIC, 0, &req, &rem);
	int64_t t1 = now_ns(CLOCK_MONOTONIC);
	printf("relative 3 ms sleep = %ld: >= 3 ms passed %s, rem untouched %s\n", r, yn(t1 - t0 >= 3 * MS),
	       yn(rem.tv_sec == 77 && rem.tv_nsec == 77));

	/* absolute */
	struct timespec64 dl;
	clock_gettime(CLOCK_MONOTONIC, &dl);
	dl.tv_nsec += 4 * MS;
	if (dl.tv_nsec >= 1000000000) { dl.tv_sec++; dl.tv_nsec -= 1000000000; }
	r = clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &dl, NULL);
	int64_t t2 = now_ns(CLOCK_MONOTONIC);
	printf("TIMER_ABSTIME 4 ms ahead = %ld: woke at or after the deadline %s\n", r, yn(t2 >= ts_ns(&dl)));
	struct timespec64 past = { 0, 1 };
	t0 = now_ns(CLOCK_MONOTONIC);
	r = clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &past, NULL);
	t1 = now_ns(CLOCK_MONOTONIC);
	printf("TIMER_ABSTIME in the past = %ld: returned within 1 s %s\n", r, yn(t1 - t0 < 1000 * MS));
	t0 = now_ns(CLOCK_REALTIME);
	req.tv_nsec = 2 * MS;
	r = clock_nanosleep(CLOCK_REALTIME, 0, &req, NULL);
	t1 = now_ns(CLOCK_REALTIME);
	printf("CLOCK_REALTIME relative 2 ms = %ld: >= 2 ms of realtime passed %s\n", r, yn(t1 - t0 >= 2 * MS));
	req.tv_sec = 0;
	req.tv_nsec = 0;
	printf("zero-length sleep = %ld\n", nanosleep(&req, NULL));

	struct timespec64 bad1 = { 0, 1000000000 }, bad2 = { -1, 0 }, bad3 = { 0, -1 };
	printf("EINVAL: tv_nsec 1e9 %ld, tv_sec -1 %ld, tv_nsec -1 %ld, clock 99 %ld, CLOCK_THREAD_CPUTIME_ID %ld\n",
	       clock_nanosleep(CLOCK_MONOTONIC, 0, &bad1, NULL), clock_nanosleep(CLOCK_MONOTONIC, 0, &bad2, NULL),
	       clock_nanosleep(CLOCK_MONOTONIC, 0, &bad3, NULL), clock_nanosleep(99, 0, &req, NULL),
	       clock_nanosleep(3, 0, &req, NULL));

	/* interrupted: relative writes *rem, absolute does not */
	cpt_mark("timers:interrupted");
	os_signal(SIGALRM, on_alarm, 0, NULL);
	/* 100 ms: under load qemu-user can take more than a few ms to reach the sleep, and a signal
	 * that came before it would leave a 5 s sleep uncut. */
	struct itimerval shot = { { 0, 0 }, { 0, 100000 } };
	setitimer(ITIMER_REAL, &shot, NULL);
	req.tv_sec = 5;
	req.tv_nsec = 0;
	rem.tv_sec = rem.tv_nsec = 77;
	r = clock_nanosleep(CLOCK_MONOTONIC, 0, &req, &rem);
	printf("relative 5 s sleep cut by SIGALRM = %ld, rem in (0, 5 s) %s\n", r,
	       yn(ts_ns(&rem) > 0 && ts_ns(&rem) < 5000 * MS && rem.tv_nsec < 1000000000));
	setitimer(ITIMER_REAL, &shot, NULL);
	clock_gettime(CLOCK_MONOTONIC, &dl);
	dl.tv_sec += 5;
	rem.tv_sec = rem.tv_nsec = 77;
	r = clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &dl, &rem);
	printf("absolute sleep cut by SIGALRM = %ld, rem untouched %s\n", r, yn(rem.tv_sec == 77 && rem.tv_nsec == 77));

	/* periodic ITIMER_REAL */
	cpt_mark("timers:itimer");
	alarms = 0;
	struct itimerval per = { { 0, 2000 }, { 0, 2000 } }, cur, old;
	t0 = now_ns(CLOCK_MONOTONIC);
	printf("setitimer(periodic 2 ms) = %ld\n", setitimer(ITIMER_REAL, &per, NULL));
	getitimer(ITIMER_REAL, &cur);
	show_itimer("getitimer while armed", &cur);
	/* SIGALRM is unblocked only inside sigsuspend, so the count stops at exactly 5; an expiry
	 * after that stays pending and is dropped once the timer is disarmed. */
	sigset_t none, alrm1;
	sigemptyset(&none);
	sigemptyset(&alrm1);
	sigaddset(&alrm1, SIGALRM);
	sigprocmask(SIG_BLOCK, &alrm1, NULL);
	while (alarms < 5) sigsuspend(&none);
	t1 = now_ns(CLOCK_MONOTONIC);
	memset(&old, 0, sizeof old);
	struct itimerval off = { { 0, 0 }, { 0, 0 } };
	r = setitimer(ITIMER_REAL, &off, &old);
	struct timespec64 zero = { 0, 0 };
	siginfo_t drop;
	sigtimedwait(&alrm1, &drop, &zero);
	sigprocmask(SIG_UNBLOCK, &alrm1, NULL);
	printf("5 SIGALRMs counted: %s, at least 10 ms passed %s\n", yn(alarms == 5), yn(t1 - t0 >= 10 * MS));
	show_itimer("setitimer(disarm) returned the old value", &old);
	getitimer(ITIMER_REAL, &cur);
	printf("getitimer after disarming: all zero %s\n",
	       yn(cur.it_interval.tv_sec == 0 && cur.it_interval.tv_usec == 0 && cur.it_value.tv_sec == 0 && cur.it_value.tv_usec == 0));
	struct itimerval badv = { { 0, 0 }, { 0, 1000000 } };
	printf("setitimer: tv_usec 1e6 = %ld, which 7 = %ld, getitimer(7) = %ld\n", setitimer(ITIMER_REAL, &badv, NULL),
	       setitimer(7, &per, NULL), getitimer(7, &cur));

	/* one-shot SIGALRM, blocked, taken with sigtimedwait */
	sigset_t alrm;
	sigemptyset(&alrm);
	sigaddset(&alrm, SIGALRM);
	sigprocmask(SIG_BLOCK, &alrm, NULL);
	setitimer(ITIMER_REAL, &shot, NULL);
	siginfo_t si;
	memset(&si, 0, sizeof si);
	r = sigtimedwait(&alrm, &si, NULL);
	printf("sigtimedwait(SIGALRM) = %ld, si_code %d (SI_KERNEL %d)\n", r, si.si_code, SI_KERNEL);
	struct timespec64 to = { 0, 3 * MS };
	t0 = now_ns(CLOCK_MONOTONIC);
	r = sigtimedwait(&alrm, &si, &to);
	t1 = now_ns(CLOCK_MONOTONIC);
	printf("sigtimedwait with 3 ms timeout = %ld (-EAGAIN %d), >= 3 ms passed %s\n", r, -EAGAIN, yn(t1 - t0 >= 3 * MS));
	sigprocmask(SIG_UNBLOCK, &alrm, NULL);

	/* CPU-time timers */
	cpt_mark("timers:cputime");
	os_signal(SIGVTALRM, on_alarm, 0, NULL);
	os_signal(SIGPROF, on_alarm, 0, NULL);
	struct itimerval cpu = { { 0, 0 }, { 0, 1000 } };
	long rv = setitimer(ITIMER_VIRTUAL, &cpu, NULL);
	long rp = setitimer(ITIMER_PROF, &cpu, NULL);
	printf("setitimer(ITIMER_VIRTUAL) = %ld, setitimer(ITIMER_PROF) = %ld\n", rv, rp);
	int64_t start = now_ns(CLOCK_MONOTONIC);
	volatile unsigned spin = 0;
	while ((vtalrms == 0 || profs == 0) && now_ns(CLOCK_MONOTONIC) - start < 3000 * MS)
		for (int i = 0; i < 1000; i++) spin += (unsigned)i;
	printf("SIGVTALRM arrived %s, SIGPROF arrived %s\n", yn(vtalrms == 1), yn(profs == 1));
	cpt_mark("timers:end");
	return 0;
}
