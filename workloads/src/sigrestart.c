/* sigrestart: SA_RESTART against -EINTR for blocking calls interrupted by a
 * SIGALRM handler (ITIMER_REAL).
 *
 * The alarm is periodic (2 ms). Without SA_RESTART, waitid and FUTEX_WAIT
 * (no timeout) return -EINTR after a handler run. With SA_RESTART they go on
 * waiting; the third alarm's handler disarms the timer and ends the wait
 * (kills the awaited child / changes the futex word and wakes it, so the
 * restarted FUTEX_WAIT returns -EAGAIN). Calls Linux never restarts after a
 * handler return -EINTR either way: clock_nanosleep (with the time left in
 * *rem), FUTEX_WAIT with a timeout, sigsuspend, sigtimedwait. Signals whose
 * action is to ignore (default or SIG_IGN) interrupt nothing, and a SIGCHLD
 * handler does not turn a waitid that found its child into -EINTR. Only
 * counts that cannot depend on timing are printed: exactly 3 where the third
 * handler disarms the timer (and drops a pending expiry), "at least one"
 * elsewhere (an alarm may come just before the call blocks).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "cpt.h"
#include "os.h"

static const char *yn(int b) { return b ? "yes" : "no"; }

static volatile int alarms, stop_after;
static volatile pid_t victim;
static volatile int fword;
static const struct itimerval disarm = { { 0, 0 }, { 0, 0 } };
static const struct itimerval periodic = { { 0, 2000 }, { 0, 2000 } };

static void on_alarm(int sig)
{
	alarms++;
	if (stop_after && alarms == stop_after) {
		setitimer(ITIMER_REAL, &disarm, NULL);
		/* An expiry that came while we ran is pending (SIGALRM is blocked in here): drop it,
		 * so the count does not depend on how long this handler took. */
		sigset_t alrm;
		sigemptyset(&alrm);
		sigaddset(&alrm, SIGALRM);
		struct timespec64 zero = { 0, 0 };
		siginfo_t si;
		sigtimedwait(&alrm, &si, &zero);
		if (victim) kill(victim, SIGKILL);
		fword = 1;
		futex_wake(&fword, 1);
	}
}

/* Disarm and drop an expiry that may be pending, so the next test starts clean. */
static void stop_timer(void)
{
	sigset_t alrm;
	sigemptyset(&alrm);
	sigaddset(&alrm, SIGALRM);
	sigprocmask(SIG_BLOCK, &alrm, NULL);
	setitimer(ITIMER_REAL, &disarm, NULL);
	struct timespec64 zero = { 0, 0 };
	siginfo_t si;
	sigtimedwait(&alrm, &si, &zero);
	sigprocmask(SIG_UNBLOCK, &alrm, NULL);
}

static void park(void)
{
	sigset_t none;
	sigemptyset(&none);
	for (;;) sigsuspend(&none);
}

/* Without SA_RESTART the first alarm that finds the call blocked ends it; one may also have come
 * just before the call, so only "at least one" is certain. With it, exactly stop_after. */
static const char *runs(int restart)
{
	static char buf[16];
	if (!restart) return alarms > 0 ? ">= 1" : "0";
	snprintf(buf, sizeof buf, "%d", alarms);
	return buf;
}

static void test_waitid(int restart)
{
	os_signal(SIGALRM, on_alarm, restart ? SA_RESTART : 0, NULL);
	alarms = 0;
	stop_after = restart ? 3 : 0;
	pid_t c = fork();
	if (c == 0) park();
	victim = c;
	setitimer(ITIMER_REAL, &periodic, NULL);
	siginfo_t si;
	memset(&si, 0, sizeof si);
	long r = sys_waitid(P_PID, c, &si, WEXITED, NULL);
	stop_timer();
	printf("%s: waitid = %ld, handler runs %s", restart ? "SA_RESTART" : "no SA_RESTART", r, runs(restart));
	if (r == 0) printf(", child killed by signal %d", si.si_status);
	printf("\n");
	if (r != 0) {
		kill(c, SIGKILL);
		waitpid(c, NULL, 0);
	}
	victim = 0;
}

static void test_futex(int restart)
{
	os_signal(SIGALRM, on_alarm, restart ? SA_RESTART : 0, NULL);
	alarms = 0;
	fword = 0;
	stop_after = restart ? 3 : 0;
	setitimer(ITIMER_REAL, &periodic, NULL);
	long r = futex_wait(&fword, 0, NULL);
	stop_timer();
	printf("%s: FUTEX_WAIT (no timeout) = %ld, handler runs %s\n", restart ? "SA_RESTART" : "no SA_RESTART", r,
	       runs(restart));
}

static void test_never_restarted(int restart)
{
	const char *how = restart ? "SA_RESTART" : "no SA_RESTART";
	os_signal(SIGALRM, on_alarm, restart ? SA_RESTART : 0, NULL);
	stop_after = 0;

	alarms = 0;
	struct timespec64 req = { 1, 0 }, rem = { -1, -1 };
	setitimer(ITIMER_REAL, &periodic, NULL);
	long r = nanosleep(&req, &rem);
	stop_timer();
	printf("%s: clock_nanosleep(1 s) = %ld, handler ran %s, 0 < rem < 1 s: %s\n", how, r, yn(alarms > 0),
	       yn(ts_ns(&rem) > 0 && ts_ns(&rem) < 1000000000LL && rem.tv_nsec < 1000000000LL));

	alarms = 0;
	fword = 0;
	struct timespec64 to = { 1, 0 };
	setitimer(ITIMER_REAL, &periodic, NULL);
	r = futex_wait(&fword, 0, &to);
	stop_timer();
	printf("%s: FUTEX_WAIT (1 s timeout) = %ld, handler ran %s\n", how, r, yn(alarms > 0));

	alarms = 0;
	sigset_t none;
	sigemptyset(&none);
	setitimer(ITIMER_REAL, &periodic, NULL);
	r = sigsuspend(&none);
	stop_timer();
	printf("%s: sigsuspend = %ld, handler ran %s\n", how, r, yn(alarms > 0));

	alarms = 0;
	sigset_t usr2;
	sigemptyset(&usr2);
	sigaddset(&usr2, SIGUSR2);
	sigprocmask(SIG_BLOCK, &usr2, NULL);
	siginfo_t si;
	setitimer(ITIMER_REAL, &periodic, NULL);
	r = sigtimedwait(&usr2, &si, &to);
	stop_timer();
	printf("%s: sigtimedwait(SIGUSR2, 1 s) = %ld, handler ran %s\n", how, r, yn(alarms > 0));
	sigprocmask(SIG_UNBLOCK, &usr2, NULL);
}

static void chld_handler(int sig) { alarms++; }

int main(void)
{
	cpt_mark("sigrestart:start");
	test_waitid(0);
	test_waitid(1);
	test_futex(0);
	test_futex(1);
	test_never_restarted(0);
	test_never_restarted(1);

	/* Ignored signals interrupt nothing: the child sends the waiting parent SIGWINCH
	 * (default action: ignore) and SIGUSR1 (SIG_IGN) several times, then exits. */
	cpt_mark("sigrestart:ignored");
	os_signal(SIGUSR1, SIG_IGN, 0, NULL);
	pid_t parent = getpid();
	pid_t c = fork();
	if (c == 0) {
		for (int i = 0; i < 5; i++) {
			kill(parent, SIGWINCH);
			kill(parent, SIGUSR1);
			usleep(1000);
		}
		_exit(7);
	}
	int st = -1;
	pid_t w = waitpid(c, &st, 0);
	printf("waitpid across ignored signals: pid ok %s, status %d\n", yn(w == c), WEXITSTATUS(st));

	/* A SIGCHLD handler without SA_RESTART: waitid still reports the child it was waiting for. */
	alarms = 0;
	os_signal(SIGCHLD, chld_handler, 0, NULL);
	c = fork();
	if (c == 0) {
		usleep(2000);
		_exit(8);
	}
	siginfo_t si;
	memset(&si, 0, sizeof si);
	long r = sys_waitid(P_PID, c, &si, WEXITED, NULL);
	printf("waitid with a SIGCHLD handler = %ld, status %d, SIGCHLD handler ran %d time(s)\n", r, si.si_status, alarms);
	os_signal(SIGCHLD, SIG_DFL, 0, NULL);
	cpt_mark("sigrestart:end");
	return 0;
}
