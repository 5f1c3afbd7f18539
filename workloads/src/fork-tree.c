/* fork-tree: process trees built with fork(), exit codes and the order
 * children are reaped.
 *
 * Part 1 grows a binary tree of depth 3 depth-first: every process forks its
 * children one at a time and waits for each before the next, so only one
 * process runs at a time and each may print. Part 2 has five children alive at
 * once, finishing after different amounts of work, reaped by specific pids in
 * a fixed order (so the order is ours, not the scheduler's). Part 3 checks
 * WNOHANG on a child that cannot have exited, waitid(WNOWAIT) leaving a zombie
 * waitable, waitpid(-1) taking what is left, then ECHILD.
 * Output: relations only (never a pid). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "cpt.h"
#include "os.h"

static const char *yn(int b) { return b ? "yes" : "no"; }

/* A code only this node of the tree exits with. */
static int node_code(const char *path)
{
	unsigned h = 7;
	for (const char *p = path; *p; p++) h = h * 31 + (unsigned char)*p;
	return (int)(h % 200) + 20;
}

static void node(const char *path, int depth, pid_t parent)
{
	printf("%*snode %s: getppid() == parent: %s\n", depth * 2, "", path, yn(getppid() == parent));
	if (depth < 3) {
		pid_t me = getpid();
		for (int i = 0; i < 2; i++) {
			char sub[32];
			snprintf(sub, sizeof sub, "%s.%d", path, i);
			pid_t c = fork();
			if (c < 0) { printf("fork failed: %d\n", c); exit(1); }
			if (c == 0) {
				node(sub, depth + 1, me);
				exit(node_code(sub));
			}
			int st = -1;
			pid_t w = waitpid(c, &st, 0);
			printf("%*snode %s: reaped %s: pid matches %s, exited %s, code %d (expected %d)\n",
			       depth * 2, "", path, sub, yn(w == c), yn(WIFEXITED(st)), WEXITSTATUS(st), node_code(sub));
		}
	}
	fflush(stdout);
}

static unsigned spin(unsigned n)
{
	volatile unsigned x = 1;
	for (unsigned i = 0; i < n; i++) x = x * 1103515245u + 12345u;
	return x;
}

int main(void)
{
	cpt_mark("fork-tree:start");
	printf("part 1: depth-first tree, one process at a time\n");
	node("0", 0, getppid());

	printf("part 2: five concurrent children, reaped in a fixed order\n");
	cpt_mark("fork-tree:concurrent");
	pid_t me = getpid(), kids[5];
	for (int i = 0; i < 5; i++) {
		kids[i] = fork();
		if (kids[i] == 0) {
			spin((unsigned)(5 - i) * 20000);   /* the first-born works longest */
			int ok = getppid() == me && getpid() != me;
			_exit(ok ? 50 + i : 1);
		}
	}
	printf("all pids distinct and positive: %s\n",
	       yn(kids[0] > 0 && kids[0] != kids[1] && kids[1] != kids[2] && kids[2] != kids[3] &&
		  kids[3] != kids[4] && kids[0] != kids[2] && kids[0] != kids[3] && kids[0] != kids[4] &&
		  kids[1] != kids[3] && kids[1] != kids[4] && kids[2] != kids[4] && kids[1] > 0 &&
		  kids[2] > 0 && kids[3] > 0 && kids[4] > 0));
	static const int order[5] = { 3, 1, 4, 0, 2 };
	for (int k = 0; k < 5; k++) {
		int i = order[k], st = -1;
		pid_t w = waitpid(kids[i], &st, 0);
		printf("reap child %d: pid matches %s, exited %s, code %d\n", i, yn(w == kids[i]), yn(WIFEXITED(st)),
		       WEXITSTATUS(st));
	}

	printf("part 3: WNOHANG, WNOWAIT, waitpid(-1), ECHILD\n");
	int st = -1;
	printf("waitpid(-1, WNOHANG) with no children = %d (-ECHILD = %d)\n", waitpid(-1, &st, WNOHANG), -ECHILD);
	sigset_t usr1;
	sigemptyset(&usr1);
	sigaddset(&usr1, SIGUSR1);
	sigprocmask(SIG_BLOCK, &usr1, NULL);   /* inherited: the child waits for it with sigtimedwait */
	pid_t blocked = fork();
	if (blocked == 0) {
		siginfo_t si;
		long r = sigtimedwait(&usr1, &si, NULL);
		_exit(r == SIGUSR1 && si.si_pid == getppid() && si.si_code == SI_USER ? 61 : 2);
	}
	pid_t quick = fork();
	if (quick == 0) _exit(62);
	printf("waitpid(blocked child, WNOHANG) = %d\n", waitpid(blocked, &st, WNOHANG));
	siginfo_t si;
	memset(&si, 0, sizeof si);
	long r = sys_waitid(P_PID, quick, &si, WEXITED | WNOWAIT, NULL);
	printf("waitid(quick, WNOWAIT) = %ld: si_signo SIGCHLD %s, si_code CLD_EXITED %s, si_pid matches %s, si_status %d, si_uid == getuid() %s\n",
	       r, yn(si.si_signo == SIGCHLD), yn(si.si_code == CLD_EXITED), yn(si.si_pid == quick), si.si_status,
	       yn(si.si_uid == (uid_t)getuid()));
	st = -1;
	pid_t w = waitpid(quick, &st, 0);
	printf("waitpid(quick) after WNOWAIT: pid matches %s, code %d\n", yn(w == quick), WEXITSTATUS(st));
	printf("waitpid(quick) again = %d (-ECHILD)\n", waitpid(quick, &st, 0));
	kill(blocked, SIGUSR1);
	st = -1;
	w = waitpid(-1, &st, 0);
	printf("waitpid(-1): the blocked child %s, code %d\n", yn(w == blocked), WEXITSTATUS(st));
	printf("waitpid(-1) with no children left = %d\n", waitpid(-1, &st, 0));
	printf("waitid(P_PID, 0) = %ld (-EINVAL = %d)\n", sys_waitid(P_PID, 0, &si, WEXITED, NULL), -EINVAL);
	printf("waitid without WEXITED/WSTOPPED/WCONTINUED = %ld\n", sys_waitid(P_ALL, 0, &si, WNOHANG, NULL));
	cpt_mark("fork-tree:end");
	return 0;
}
