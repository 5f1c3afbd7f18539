/* share-unshare: "A creates B sharing files, B creates C sharing files, B unshares, then
 * checkpoint" (REVIEW-CASES.md #10). A is the main thread; B is a thread of A and C a thread B
 * creates (clone with CLONE_FILES among the thread flags: qemu-user turns a fork-like clone into
 * a host fork and drops CLONE_FILES, so threads are the sharing both kernels give). B then
 * unshares its fd table: A and C still share one, B has its own copy. Each task checks which fds
 * it sees, before the unshare and after it (the cpt_mark sits between), and A prints all of it
 * once the others are joined: the output is the same whatever the schedule. */
#include <stdio.h>
#include "os.h"
#include "cpt.h"
#include "fsys.h"

enum { A, B, C, NTASK };
static const char *const names[NTASK] = {"A", "B", "C"};

/* Handshake: a stage counter every task waits on. */
static volatile int stage;
static void set_stage(int s) { __atomic_store_n(&stage, s, __ATOMIC_RELEASE); futex_wake(&stage, 8); }
static void wait_stage(int s)
{
	int v;
	while ((v = __atomic_load_n(&stage, __ATOMIC_ACQUIRE)) < s) futex_wait(&stage, v, NULL);
}

/* fds opened along the way, and what each task sees of each. */
enum { FD_BEFORE, FD_B_BEFORE, FD_A_AFTER, FD_B_AFTER, NFD };
static const char *const fdnames[NFD] = {
	"fd A opened before B existed", "fd B opened before its unshare",
	"fd A opened after B's unshare", "fd B opened after its unshare",
};
static volatile long fds[NFD];
static int seen[NTASK][NFD];
static long unshare_result = 1;
static thread_t tb, tc;

/* Each file gets its own fd number (10, 20, 30, 40), so that seeing a number means seeing that
 * file: B's own table would otherwise hand out the same low numbers as A's. */
static long open_at(const char *path, int which)
{
	long fd = open(path, O_CREAT | O_RDWR, 0644);
	if (fd < 0) return fd;
	long d = fcntl((int)fd, F_DUPFD, 10 * (which + 1));
	close((int)fd);
	return d;
}

static int visible(long fd) { return fd >= 0 && fcntl((int)fd, F_GETFD, 0) >= 0; }
static void look(int who, int which) { seen[who][which] = visible(fds[which]) ? 1 : 2; }
static void look_all(int who, int from, int to) { for (int i = from; i < to; i++) look(who, i); }

static int task_c(void *arg)
{
	(void)arg;
	set_stage(2);                      /* C exists */
	wait_stage(3);
	look_all(C, FD_BEFORE, FD_B_BEFORE + 1);
	set_stage(4);
	wait_stage(7);                     /* after the unshare and the new opens */
	look_all(C, FD_A_AFTER, NFD);
	set_stage(8);
	return 0;
}

static int task_b(void *arg)
{
	(void)arg;
	if (thread_create(&tc, task_c, NULL, NULL, 0) <= 0) return 1;
	wait_stage(2);
	fds[FD_B_BEFORE] = open_at("b-before", FD_B_BEFORE);
	look_all(B, FD_BEFORE, FD_B_BEFORE + 1);
	set_stage(3);
	wait_stage(4);
	unshare_result = unshare(CLONE_FILES);
	fds[FD_B_AFTER] = open_at("b-after", FD_B_AFTER);
	set_stage(5);                      /* B unshared: A takes the checkpoint mark */
	wait_stage(6);
	look_all(B, FD_A_AFTER, NFD);
	set_stage(7);
	wait_stage(9);
	return 0;
}

static const char *word(int s) { return s == 1 ? "sees it" : s == 2 ? "does not see it" : "did not look"; }

int main(void)
{
	fds[FD_BEFORE] = open_at("a-before", FD_BEFORE);
	fds[FD_B_BEFORE] = fds[FD_A_AFTER] = fds[FD_B_AFTER] = -1;
	look(A, FD_BEFORE);
	set_stage(1);
	if (thread_create(&tb, task_b, NULL, NULL, 0) <= 0) { printf("thread_create B failed\n"); return 1; }
	wait_stage(3);
	look(A, FD_B_BEFORE);
	wait_stage(5);
	cpt_mark("share-unshare:after-unshare");
	fds[FD_A_AFTER] = open_at("a-after", FD_A_AFTER);
	look_all(A, FD_A_AFTER, NFD);
	set_stage(6);
	wait_stage(8);
	set_stage(9);
	int rb = thread_join(&tb);
	int rc = thread_join(&tc);
	printf("A, B (a thread of A) and C (a thread of B) share one fd table; then B unshares it\n");
	printf("B's unshare(CLONE_FILES) = %s, threads' results %d %d\n", ename(unshare_result), rb, rc);
	for (int f = 0; f < NFD; f++) {
		printf("%s:", fdnames[f]);
		for (int t = 0; t < NTASK; t++) printf(" %s %s%s", names[t], word(seen[t][f]), t + 1 < NTASK ? "," : "\n");
	}
	int ok = seen[A][FD_A_AFTER] == 1 && seen[C][FD_A_AFTER] == 1 && seen[B][FD_A_AFTER] == 2 &&
		 seen[B][FD_B_AFTER] == 1 && seen[A][FD_B_AFTER] == 2 && seen[C][FD_B_AFTER] == 2;
	printf("after the unshare A and C share files, B does not: %s\n", ok ? "yes" : "no");
	return ok ? 0 : 1;
}
