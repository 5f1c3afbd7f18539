/* pipe-tree: data through a pipeline parent -> child -> grandchild; EOF only when the last
 * writer closes; EPIPE and SIGPIPE (default action kills, seen by waitid) when the last reader
 * closes; a nonblocking pipe gives EAGAIN when empty and when full. */
#include <stdio.h>
#include <string.h>
#include <stdlib.h>
#include "os.h"
#include "cpt.h"
#include "fsys.h"

#define T(e) printf("%-44s = %s\n", #e, ename(e))

static char buf[70000];

static void wait_report(pid_t c, const char *who)
{
	siginfo_t si;
	memset(&si, 0, sizeof si);
	long r = sys_waitid(P_PID, c, &si, WEXITED, 0);
	printf("%s: waitid %s code %s status %d\n", who, r == 0 ? "ok" : ename(r),
	       si.si_code == CLD_EXITED ? "EXITED" : si.si_code == CLD_KILLED ? "KILLED" : si.si_code == CLD_DUMPED ? "DUMPED" : "?",
	       si.si_status);
}

int main(void)
{
	int a[2], b[2], c2[2];
	/* parent -a-> child (uppercases) -b-> grandchild (counts) -c2-> parent */
	pipe2(a, 0); pipe2(b, 0); pipe2(c2, 0);
	pid_t child = fork();
	if (child == 0) {
		close(a[1]); close(c2[0]);
		pid_t gc = fork();
		if (gc == 0) {
			close(a[0]); close(b[1]);
			long n, total = 0, lines = 0;
			while ((n = read(b[0], buf, sizeof buf)) > 0) {
				for (long i = 0; i < n; i++) lines += buf[i] == '\n';
				total += n;
				write(c2[1], buf, n);
			}
			char msg[64];
			int len = snprintf(msg, sizeof msg, "grandchild: %ld bytes %ld lines eof %s\n", total, lines, ename(n));
			write(c2[1], msg, len);
			_exit(0);
		}
		close(b[0]); close(c2[1]);
		long n;
		while ((n = read(a[0], buf, sizeof buf)) > 0) {
			for (long i = 0; i < n; i++) if (buf[i] >= 'a' && buf[i] <= 'z') buf[i] -= 32;
			write(b[1], buf, n);
		}
		close(b[1]);
		int st;
		waitpid(gc, &st, 0);
		_exit(WEXITSTATUS(st) + 10);
	}
	close(a[0]); close(b[0]); close(b[1]); close(c2[1]);
	write(a[1], "one\n", 4);
	write(a[1], "two\nthree\n", 10);
	cpt_mark("pipe-tree:pipeline");
	T(close(a[1]));
	long n, total = 0;
	while ((n = read(c2[0], buf + total, sizeof buf - total)) > 0) total += n;
	buf[total] = 0;
	printf("parent got %ld bytes, then %s:\n%s", total, ename(n), buf);
	close(c2[0]);
	wait_report(child, "child");

	/* EOF only once every writer (including a forked copy) has closed. */
	pipe2(a, O_NONBLOCK);
	child = fork();
	if (child == 0) { close(a[0]); _exit(0); }
	wait_report(child, "writer copy exited");
	T(read(a[0], buf, 10));
	T(close(a[1]));
	T(read(a[0], buf, 10));
	close(a[0]);

	/* Last reader closes: the writer gets SIGPIPE (default: killed) or, ignoring it, EPIPE. */
	int s[2];
	pipe2(a, 0);
	pipe2(s, 0);
	child = fork();
	if (child == 0) {
		char x;
		close(a[0]);
		close(s[1]);
		read(s[0], &x, 1); /* EOF once the parent has closed its read end */
		write(a[1], "x", 1);
		_exit(7);
	}
	close(a[0]);
	close(a[1]);
	close(s[0]);
	close(s[1]);
	wait_report(child, "writer after readers closed");
	/* Same handshake as above: without it the child may write while the parent still holds
	 * the read end, and the write succeeds (Linux under qemu did that now and then). */
	pipe2(a, 0);
	pipe2(s, 0);
	child = fork();
	if (child == 0) {
		char x;
		os_signal(SIGPIPE, SIG_IGN, 0, NULL);
		close(a[0]);
		close(s[1]);
		read(s[0], &x, 1);
		long r = write(a[1], "x", 1);
		_exit(r == -EPIPE ? 32 : 1);
	}
	close(a[0]);
	close(a[1]);
	close(s[0]);
	close(s[1]);
	wait_report(child, "writer ignoring SIGPIPE");

	/* Nonblocking. */
	T(pipe2(a, O_NONBLOCK));
	T(read(a[0], buf, 1));
	long full = 0, r;
	while ((r = write(a[1], buf, 4096)) > 0) full += r;
	printf("full after %ld bytes, then %s\n", full, ename(r));
	cpt_mark("pipe-tree:pipe-full");
	T(write(a[1], "x", 1));
	T(read(a[0], buf, 100));
	T(write(a[1], buf, 4096));
	T(write(a[1], buf, 4096));
	T(fcntl(a[0], F_GETFL, 0) & O_NONBLOCK);
	T(fcntl(a[1], F_SETFL, 0));
	T(fcntl(a[1], F_GETFL, 0) & O_NONBLOCK);
	T(fcntl(a[0], F_GETFL, 0) & O_NONBLOCK);
	while (read(a[0], buf, sizeof buf) > 0) {}
	T(read(a[0], buf, 1));
	close(a[0]); close(a[1]);
	return 0;
}
