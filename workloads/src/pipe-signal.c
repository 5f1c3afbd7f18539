/* pipe-signal: a blocking write larger than the pipe's room is interrupted by a signal after
 * part of it went in. Linux returns the partial count, with SA_RESTART and without it, and the
 * reader gets exactly those bytes (checked natively on the host: 65536 with SA_RESTART; without
 * it, a timing-dependent partial count). Under qemu-user the write returns all 100000 bytes, so
 * qemu cannot be the oracle here; the expected output is in test/core/fs/guest.test.ts and
 * expected/pipe-signal.* (a hand oracle). */
#include <stdio.h>
#include <string.h>
#include <stdlib.h>
#include "os.h"
#include "cpt.h"
#include "fsys.h"

static char buf[100000];
static volatile int got;
static void on_usr1(int s) { got = s; }

static void run(unsigned long flags, const char *label)
{
	int p[2], r[2];
	pipe2(p, 0);
	pipe2(r, 0);
	fflush(stdout);
	pid_t c = fork();
	if (c == 0) {
		close(p[0]);
		os_signal(SIGUSR1, on_usr1, flags, NULL);
		long w = write(p[1], buf, sizeof buf);
		/* Report through a second pipe: the parent prints, so output order is fixed. */
		write(r[1], &w, sizeof w);
		_exit(got);
	}
	close(p[1]);
	close(r[1]);
	struct timespec64 ts = { 0, 200000000 };
	nanosleep(&ts, NULL);
	cpt_mark("pipe-signal:writer-blocked");
	kill(c, SIGUSR1);
	long total = 0, n;
	static char rb[4096];
	while ((n = read(p[0], rb, sizeof rb)) > 0) total += n;
	long w = 0;
	read(r[0], &w, sizeof w);
	int st;
	waitpid(c, &st, 0);
	printf("%s: write returned %s, reader got %ld, handler ran %d\n", label, ename(w), total, WEXITSTATUS(st) == SIGUSR1);
	close(p[0]);
	close(r[0]);
}

int main(void)
{
	run(SA_RESTART, "SA_RESTART");
	run(0, "no SA_RESTART");
	return 0;
}
