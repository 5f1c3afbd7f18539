/* creds: user and group ids, and what they allow.
 *
 * The program runs as root (uid 0) under both qemu (we record as root) and
 * cptbench; every change happens in a child. setuid as root sets all three
 * uids; setresuid/setresgid set them one by one and getres*id read them back;
 * setreuid's rule for the saved uid; an unprivileged process may only move
 * between its real, effective and saved ids (EPERM otherwise); a saved uid of
 * 0 lets the effective uid go back to 0 until setuid drops it. kill()
 * permission follows the uids (EPERM for another user's process, allowed for
 * the same real uid), and the siginfo of a signal and of waitid carry the
 * sender's / child's real uid. prctl(PR_SET_NAME) truncates to 15 bytes.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "cpt.h"
#include "os.h"

static const char *yn(int b) { return b ? "yes" : "no"; }

static void ids(const char *what)
{
	uid_t r, e, s;
	gid_t gr, ge, gs;
	getresuid(&r, &e, &s);
	getresgid(&gr, &ge, &gs);
	printf("  %-40s uid %u/%u/%u gid %u/%u/%u\n", what, r, e, s, gr, ge, gs);
}

static void in_child(void (*fn)(void))
{
	pid_t c = fork();
	if (c == 0) {
		fn();
		exit(0);
	}
	int st = -1;
	waitpid(c, &st, 0);
	if (!WIFEXITED(st) || WEXITSTATUS(st) != 0) printf("  child status 0x%x\n", st);
}

static void root_setuid(void)
{
	printf("root: setuid(1000) = %ld\n", setuid(1000));
	ids("after setuid(1000):");
	printf("  setuid(0) = %ld, setresuid(-1, 0, -1) = %ld\n", setuid(0), setresuid(-1, 0, -1));
	printf("  setgid(5) = %ld (no CAP_SETGID any more), setgid(0) = %ld (the real gid)\n", setgid(5), setgid(0));
}

static void saved_uid(void)
{
	printf("saved uid: setresgid(50, 60, 70) = %ld, setresuid(1000, 1000, 0) = %ld\n", setresgid(50, 60, 70),
	       setresuid(1000, 1000, 0));
	ids("after both:");
	printf("  setresuid(-1, 0, -1) = %ld (the saved uid is 0)\n", setresuid(-1, 0, -1));
	ids("effective root again:");
	printf("  setresgid(70, 50, 60) = %ld (privileged again)\n", setresgid(70, 50, 60));
	printf("  setuid(1000) = %ld\n", setuid(1000));
	ids("after setuid(1000) with euid 0:");
	printf("  setresuid(-1, 0, -1) = %ld, setresuid(2000, -1, -1) = %ld, setresuid(-1, -1, 1000) = %ld\n",
	       setresuid(-1, 0, -1), setresuid(2000, -1, -1), setresuid(-1, -1, 1000));
	printf("  getuid %ld geteuid %ld getgid %ld getegid %ld\n", getuid(), geteuid(), getgid(), getegid());
}

static void reuid(void)
{
	printf("setreuid(1000, 2000) as root = %ld\n", setreuid(1000, 2000));
	ids("saved uid follows the new euid:");
	printf("  setreuid(2000, 1000) = %ld (swap real and effective)\n", setreuid(2000, 1000));
	ids("after the swap:");
	printf("  setreuid(-1, 3000) = %ld, setreuid(3000, -1) = %ld\n", setreuid(-1, 3000), setreuid(3000, -1));
	printf("  setregid(5, 6) = %ld (unprivileged)\n", setregid(5, 6));
}

static volatile int *ready;

static void killperm(void)
{
	/* We are root; the three children get their uids before they act. */
	pid_t parent = getpid();
	*ready = 0;
	pid_t a = fork();
	if (a == 0) {
		setresuid(1000, 1000, 1000);
		__atomic_store_n(ready, 1, __ATOMIC_RELEASE);
		futex(ready, FUTEX_WAKE, 1, NULL, NULL, 0);
		sigset_t none;
		sigemptyset(&none);
		for (;;) sigsuspend(&none);
	}
	while (__atomic_load_n(ready, __ATOMIC_ACQUIRE) == 0) futex(ready, FUTEX_WAIT, 0, NULL, NULL, 0);
	pid_t b = fork();
	if (b == 0) {
		setresuid(1001, 1001, 1001);
		_exit(kill(a, SIGTERM) == -EPERM ? 0 : 1);
	}
	int st = -1;
	waitpid(b, &st, 0);
	printf("kill permission: uid 1001 kill(uid 1000 process) refused: %s\n", yn(WIFEXITED(st) && WEXITSTATUS(st) == 0));
	pid_t c = fork();
	if (c == 0) {
		setresuid(1000, 1000, 1000);
		long up = kill(parent, 0);
		_exit((kill(a, SIGUSR1) == 0 ? 1 : 0) | (up == -EPERM ? 2 : 0));
	}
	waitpid(c, &st, 0);
	int st2 = -1;
	waitpid(a, &st2, 0);
	printf("  uid 1000 kill(root parent, 0) refused: %s\n", yn(WEXITSTATUS(st) & 2));
	printf("  uid 1000 kill(uid 1000 process) allowed: %s, it died of signal %d\n", yn(WEXITSTATUS(st) & 1),
	       WIFSIGNALED(st2) ? WTERMSIG(st2) : -1);
}

static volatile uid_t sig_uid = 12345;
static volatile int sig_code = -1;
static void on_usr1(int sig, siginfo_t *si, void *uc) { sig_uid = si->si_uid; sig_code = si->si_code; }

int main(void)
{
	cpt_mark("creds:start");
	ready = mmap(NULL, PAGE_SIZE, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	ids("initially:");
	in_child(root_setuid);
	in_child(saved_uid);
	in_child(reuid);
	in_child(killperm);

	/* si_uid of a signal and of waitid */
	cpt_mark("creds:siginfo");
	os_sigaction(SIGUSR1, on_usr1, 0, NULL);
	sigset_t usr1;
	sigemptyset(&usr1);
	sigaddset(&usr1, SIGUSR1);
	sigprocmask(SIG_BLOCK, &usr1, NULL);
	pid_t c = fork();
	if (c == 0) {
		setresuid(1234, 0, 0);   /* real uid 1234, still privileged */
		kill(getppid(), SIGUSR1);
		setresuid(4321, 4321, 4321);
		_exit(0);
	}
	siginfo_t si;
	memset(&si, 0, sizeof si);
	sys_waitid(P_PID, c, &si, WEXITED, NULL);
	sigprocmask(SIG_UNBLOCK, &usr1, NULL);
	printf("signal from a child with real uid 1234: si_uid %u, si_code %d\n", sig_uid, sig_code);
	printf("waitid for a child that ended with uid 4321: si_uid %u\n", si.si_uid);

	char name[32];
	memset(name, 0, sizeof name);
	printf("PR_SET_NAME = %ld\n", prctl(PR_SET_NAME, (unsigned long)"a-rather-long-thread-name", 0, 0, 0));
	printf("PR_GET_NAME = %ld: \"%s\"\n", prctl(PR_GET_NAME, (unsigned long)name, 0, 0, 0), name);
	cpt_mark("creds:end");
	return 0;
}
