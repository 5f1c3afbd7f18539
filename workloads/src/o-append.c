/* o-append: O_APPEND writes always land at the end of the file, whatever the offset; the file
 * offset (and O_APPEND) is shared across fork and dup, while a second open() has its own. */
#include <stdio.h>
#include <string.h>
#include <stdlib.h>
#include "os.h"
#include "cpt.h"
#include "fsys.h"

#define T(e) printf("%-44s = %s\n", #e, ename(e))

static char buf[256];

static void show(const char *path)
{
	int fd = open(path, O_RDONLY, 0);
	long n = read(fd, buf, sizeof buf - 1);
	buf[n < 0 ? 0 : n] = 0;
	printf("%s: %ld bytes \"%s\"\n", path, n, buf);
	close(fd);
}

int main(void)
{
	int a, b, d, st;
	T(a = open("log", O_WRONLY | O_CREAT | O_APPEND, 0644));
	T(write(a, "AAAA", 4));
	T(lseek(a, 0, SEEK_CUR));
	T(lseek(a, 1, SEEK_SET));
	T(write(a, "BB", 2));
	T(lseek(a, 0, SEEK_CUR));
	T(fcntl(a, F_GETFL, 0) & O_APPEND);
	/* A second, independent open without O_APPEND: its own offset, overwrites. */
	T(b = open("log", O_WRONLY, 0));
	T(write(b, "xy", 2));
	T(lseek(b, 0, SEEK_CUR));
	T(write(a, "C", 1));
	T(lseek(b, 0, SEEK_CUR));
	show("log");
	cpt_mark("o-append:offsets");
	/* dup shares offset and flags. */
	T(d = dup(a));
	T(fcntl(d, F_GETFL, 0) & O_APPEND);
	T(write(d, "DD", 2));
	T(lseek(a, 0, SEEK_CUR));
	/* Clearing O_APPEND through one fd clears it for the shared description. */
	T(fcntl(d, F_SETFL, O_WRONLY));
	T(fcntl(a, F_GETFL, 0) & O_APPEND);
	T(lseek(a, 0, SEEK_SET));
	T(write(d, "e", 1));
	T(lseek(a, 0, SEEK_CUR));
	T(fcntl(a, F_SETFL, O_APPEND));
	show("log");
	/* fork: parent and child share the description, each write appends. */
	pid_t c = fork();
	if (c == 0) {
		for (int i = 0; i < 3; i++) write(a, "k", 1);
		lseek(a, 0, SEEK_SET);
		_exit(0);
	}
	cpt_mark("o-append:child-appending");
	waitpid(c, &st, 0);
	printf("after child: shared offset %ld\n", (long)lseek(a, 0, SEEK_CUR));
	T(write(a, "P", 1));
	T(lseek(a, 0, SEEK_CUR));
	show("log");
	/* Not shared: the child opens the file itself with O_APPEND; the parent's offset stays. */
	T(lseek(a, 2, SEEK_SET));
	c = fork();
	if (c == 0) {
		int f = open("log", O_WRONLY | O_APPEND, 0);
		write(f, "QQQ", 3);
		long off = lseek(f, 0, SEEK_CUR);
		close(f);
		_exit((int)off);
	}
	waitpid(c, &st, 0);
	printf("child own fd offset %d\n", WEXITSTATUS(st));
	printf("parent offset after child's own open: %ld\n", (long)lseek(a, 0, SEEK_CUR));
	T(write(a, "R", 1));
	T(lseek(a, 0, SEEK_CUR));
	/* Interleaved writes from both processes on a shared fd all land, none overwritten. */
	c = fork();
	for (int i = 0; i < 20; i++) write(a, c == 0 ? "c" : "p", 1);
	if (c == 0) _exit(0);
	waitpid(c, &st, 0);
	struct statx sx;
	T(statx(AT_FDCWD, "log", 0, STATX_BASIC_STATS, &sx));
	printf("size %ld\n", (long)sx.stx_size);
	int fd = open("log", O_RDONLY, 0);
	long n = read(fd, buf, sizeof buf), np = 0, nc = 0;
	for (long i = 0; i < n; i++) { np += buf[i] == 'p'; nc += buf[i] == 'c'; }
	printf("p %ld c %ld\n", np, nc);
	close(fd);
	/* pwrite on an O_APPEND fd: Linux appends anyway and ignores the offset. */
	T(pwrite64(a, "Z", 1, 0));
	T(statx(AT_FDCWD, "log", 0, STATX_BASIC_STATS, &sx));
	printf("size %ld\n", (long)sx.stx_size);
	T(pread64(open("log", O_RDONLY, 0), buf, 1, 0));
	printf("byte 0 %c\n", buf[0]);
	/* Shrink the file under the shared offset: the next append lands at the new end. */
	T(ftruncate(a, 3));
	T(lseek(a, 0, SEEK_CUR));
	T(write(a, "T", 1));
	T(lseek(a, 0, SEEK_CUR));
	T(lseek(a, 100, SEEK_SET));
	T(write(d, "U", 1));
	T(lseek(a, 0, SEEK_CUR));
	/* O_APPEND | O_RDONLY reads from the offset; O_TRUNC with O_APPEND. */
	T(pread64(b, buf, 1, 0));
	int t = open("log", O_RDWR | O_APPEND | O_TRUNC, 0);
	T(lseek(t, 0, SEEK_CUR));
	T(write(t, "VW", 2));
	T(lseek(t, 0, SEEK_SET));
	T(read(t, buf, 10));
	T(write(t, "X", 1));
	T(lseek(t, 0, SEEK_CUR));
	close(t);
	show("log");
	close(a); close(b); close(d);
	T(unlink("log"));
	return 0;
}
