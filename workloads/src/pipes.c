/* pipes: pipe2, EOF, EPIPE and SIGPIPE, O_NONBLOCK, the 64 KiB buffer and how writes fill it,
 * PIPE_BUF atomicity between concurrent writers, and a blocking writer larger than the buffer. */
#include <stdio.h>
#include <string.h>
#include <stdlib.h>
#include "os.h"
#include "cpt.h"
#include "fsys.h"

#define T(e) printf("%-44s = %s\n", #e, ename(e))

static char buf[200000];
static volatile int got;
static void on_pipe(int s) { got = s; }

/* Fill a nonblocking pipe with writes of n bytes until EAGAIN; returns the bytes taken. */
static long fill(int fd, long n)
{
	static char chunk[70000];
	long total = 0, r;
	while ((r = write(fd, chunk, n)) > 0) total += r;
	printf("fill with %ld-byte writes: %ld bytes, then %s\n", n, total, ename(r));
	return total;
}

static void drain(int fd)
{
	while (read(fd, buf, sizeof buf) > 0) {}
}

int main(void)
{
	int p[2];
	T(pipe2(p, 0));
	T(write(p[1], "hello", 5));
	cpt_mark("pipes:unread");
	long n = 0;
	T(ioctl(p[0], 0x541B, &n));
	printf("FIONREAD: %ld\n", n);
	T(read(p[0], buf, 3));
	T(read(p[0], buf, 100));
	T(fcntl(p[0], 1032, 0));
	T(lseek(p[0], 0, SEEK_CUR));
	T(pread64(p[0], buf, 1, 0));
	T(write(p[0], "x", 1));
	T(read(p[1], buf, 1));
	T(close(p[1]));
	T(read(p[0], buf, 100));
	T(close(p[0]));
	T(pipe2(p, 0x1234));
	T(pipe2((int *)1, 0));

	/* No reader: EPIPE, and SIGPIPE (ignored, then caught, then fatal in a child). */
	pipe2(p, 0);
	close(p[0]);
	os_signal(SIGPIPE, SIG_IGN, 0, NULL);
	T(write(p[1], "x", 1));
	os_signal(SIGPIPE, on_pipe, 0, NULL);
	T(write(p[1], "x", 1));
	printf("handler got signal %d\n", got);
	cpt_mark("pipes:handler");
	os_signal(SIGPIPE, SIG_DFL, 0, NULL);
	pid_t c = fork();
	if (c == 0) {
		write(p[1], "x", 1);
		_exit(0);
	}
	int status = 0;
	waitpid(c, &status, 0);
	printf("child writing to a readerless pipe: signaled %d sig %d\n", WIFSIGNALED(status), WTERMSIG(status));
	close(p[1]);

	/* Nonblocking, and how writes fill the 16 pages. */
	T(pipe2(p, O_NONBLOCK | O_CLOEXEC));
	T(fcntl(p[0], F_GETFL, 0));
	T(fcntl(p[0], F_GETFD, 0));
	T(read(p[0], buf, 10));
	fill(p[1], 1);
	drain(p[0]);
	fill(p[1], 4096);
	drain(p[0]);
	fill(p[1], 1000);
	drain(p[0]);
	fill(p[1], 5000);
	drain(p[0]);
	T(write(p[1], buf, 70000));
	drain(p[0]);
	T(write(p[1], buf, 100));
	T(write(p[1], buf, 65536));
	T(write(p[1], buf, 4096));
	T(write(p[1], buf, 1));
	T(read(p[0], buf, 100));
	T(write(p[1], buf, 4096));
	T(read(p[0], buf, 4096));
	T(write(p[1], buf, 4096));
	T(write(p[1], buf, 1));
	close(p[0]);
	close(p[1]);

	/* A blocking writer larger than the buffer: it sleeps until the reader makes room. */
	pipe2(p, 0);
	c = fork();
	if (c == 0) {
		close(p[0]);
		for (int i = 0; i < (int)sizeof buf; i++) buf[i] = (char)(i * 7);
		long w = write(p[1], buf, sizeof buf);
		_exit(w == (long)sizeof buf ? 0 : 1);
	}
	close(p[1]);
	long total = 0, r;
	unsigned sum = 0;
	cpt_mark("pipes:blocked-writer");
	static char rb[3000];
	while ((r = read(p[0], rb, sizeof rb)) > 0) {
		for (long i = 0; i < r; i++) sum += (unsigned char)rb[i] * (unsigned)((total + i) % 251 + 1);
		total += r;
	}
	waitpid(c, &status, 0);
	printf("big blocking write: read %ld bytes, sum %u, writer exit %d\n", total, sum, WEXITSTATUS(status));
	close(p[0]);

	/* PIPE_BUF atomicity: writes of 4096 bytes from four writers never interleave. */
	pipe2(p, 0);
	for (int w = 0; w < 4; w++) {
		if (fork() == 0) {
			close(p[0]);
			static char chunk[4096];
			memset(chunk, 'A' + w, sizeof chunk);
			for (int i = 0; i < 40; i++) write(p[1], chunk, sizeof chunk);
			_exit(0);
		}
	}
	close(p[1]);
	static char all[4 * 40 * 4096];
	total = 0;
	while ((r = read(p[0], all + total, 1500)) > 0) total += r;
	int intact = 1, count[4] = {0};
	for (long b = 0; b < total; b += 4096) {
		for (long i = 1; i < 4096; i++) if (all[b + i] != all[b]) intact = 0;
		count[all[b] - 'A']++;
	}
	for (int w = 0; w < 4; w++) waitpid(-1, &status, 0);
	printf("atomic writes: %ld bytes, intact %d, per writer %d %d %d %d\n", total, intact, count[0], count[1], count[2], count[3]);
	return 0;
}
