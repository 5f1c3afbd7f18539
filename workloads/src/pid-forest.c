/* pid-forest: two processes each with children of their own, alive at one cpt_mark — the tree a
 * user-space restarter forks from two tasks at once. Main forks P and Q; P and Q fork three
 * children each; every child says it is ready on one pipe, then blocks reading another whose write
 * end only main keeps (P and Q close theirs once their children exist). After the
 * mark main closes it: the children read EOF and exit with their index, P and Q reap theirs and
 * exit with the sum, main reaps P and Q. Output: relations and exit codes only (never a pid). */
#include <stdio.h>
#include <stdlib.h>
#include "os.h"
#include "cpt.h"
#include "fsys.h"

#define KIDS 3

static int gate[2], ready[2];

static int leaf(int i)
{
	char c = 'r';
	close(gate[1]);
	(void)write(ready[1], &c, 1);
	long n;
	while ((n = read(gate[0], &c, 1)) == -EINTR) {}
	return n == 0 ? 10 + i : 99;
}

static int subtree(int base)
{
	pid_t kids[KIDS];
	for (int i = 0; i < KIDS; i++) {
		kids[i] = fork();
		if (kids[i] == 0) _exit(leaf(base + i));
		if (kids[i] < 0) return 98;
	}
	close(gate[1]);
	int sum = 0;
	for (int i = 0; i < KIDS; i++) {
		int st = 0;
		if (waitpid(kids[i], &st, 0) != kids[i] || !WIFEXITED(st)) return 97;
		sum += WEXITSTATUS(st);
	}
	return sum;
}

int main(void)
{
	if (pipe2(gate, 0) != 0 || pipe2(ready, 0) != 0) { printf("pipe2 failed\n"); return 1; }
	pid_t p = fork();
	if (p == 0) _exit(subtree(0));
	pid_t q = fork();
	if (q == 0) _exit(subtree(KIDS));
	/* Wait until the six leaves exist (each writes one byte to the ready pipe). */
	char buf[2 * KIDS];
	int got = 0;
	while (got < 2 * KIDS) {
		long n = read(ready[0], buf, sizeof buf - got);
		if (n == -EINTR) continue;
		if (n <= 0) { printf("ready pipe: %ld\n", n); return 1; }
		got += (int)n;
	}
	cpt_mark("pid-forest:forest");
	close(gate[1]);
	int sp = 0, sq = 0;
	waitpid(p, &sp, 0);
	waitpid(q, &sq, 0);
	printf("P reaped its %d children: exit sum %d (expected %d)\n", KIDS, WEXITSTATUS(sp), 10 * KIDS + 0 + 1 + 2);
	printf("Q reaped its %d children: exit sum %d (expected %d)\n", KIDS, WEXITSTATUS(sq), 10 * KIDS + 3 + 4 + 5);
	printf("P and Q distinct: %s\n", p != q ? "yes" : "no");
	return 0;
}
