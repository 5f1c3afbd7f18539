/* fdshare: open files and fd tables. dup and fork share a file (and its offset); separate opens
 * do not. dup3, F_DUPFD, O_PATH, the 1024-fd limit, close_range, and the sharing threads have:
 * one fd table (CLONE_FILES) and one cwd and umask (CLONE_FS), until unshare. Finally, what a
 * non-root user may do with root's files. (qemu-user runs a fork-like clone as a host fork,
 * dropping CLONE_FILES and CLONE_FS, and cannot execve a guest binary: fork-files.c covers
 * those, checked by the fs tests against Linux's documented semantics.) */
#include <stdio.h>
#include <string.h>
#include <stdlib.h>
#include "os.h"
#include "cpt.h"
#include "fsys.h"

#define T(e) printf("%-48s = %s\n", #e, ename(e))

static char buf[256];

static long cur(int fd) { return (long)lseek(fd, 0, SEEK_CUR); }

static long x;
static int close_x(void *a) { (void)a; return (int)close(x); }
static int unshare_close_x(void *a) { (void)a; long r = unshare(CLONE_FILES); close(x); return (int)r; }
static int chdir_sub(void *a) { (void)a; umask(0); return (int)chdir("sub"); }
static int unshare_chdir_up(void *a) { (void)a; long r = unshare(CLONE_FS); chdir(".."); return (int)r; }

int main(void)
{
	chmod(".", 0755);
	mkdir("w", 0755);
	T(chdir("w"));

	/* dup shares the offset; a second open has its own. */
	long fd = open("f", O_CREAT | O_RDWR | O_TRUNC, 0644);
	long d = dup(fd);
	T(write(fd, "abcdef", 6));
	T(cur(d));
	long o = open("f", O_RDONLY, 0);
	cpt_mark("fdshare:dup-and-open");
	T(cur(o));
	T(read(d, buf, 2));
	T(read(o, buf, 2));
	T(cur(fd));
	T(fcntl(d, F_GETFD, 0));
	T(fcntl(d, F_SETFL, O_APPEND));
	T(fcntl(fd, F_GETFL, 0));
	T(fcntl(o, F_GETFL, 0));
	T(fcntl(fd, F_SETFL, 0));

	/* fork: parent and child share the open file, so the offset moves for both. */
	lseek(fd, 0, SEEK_SET);
	pid_t c = fork();
	if (c == 0) {
		read(fd, buf, 4);
		_exit(0);
	}
	int st;
	waitpid(c, &st, 0);
	T(cur(fd));

	/* dup3 and F_DUPFD. */
	T(dup3(fd, fd, 0));
	T(dup3(fd, 20, O_CLOEXEC));
	T(fcntl(20, F_GETFD, 0));
	T(dup3(fd, 20, 0));
	T(fcntl(20, F_GETFD, 0));
	T(dup3(fd, 21, O_NONBLOCK));
	T(dup3(fd, 1024, 0));
	T(dup3(99, 21, 0));
	T(dup3(o, 20, 0));
	T(cur(20));
	T(fcntl(fd, F_DUPFD, 30));
	T(fcntl(fd, F_DUPFD_CLOEXEC, 30));
	T(fcntl(31, F_GETFD, 0));
	T(fcntl(fd, F_DUPFD, 1024));
	T(fcntl(fd, 999, 0));
	T(fcntl(77, F_GETFD, 0));
	T(close(30));
	T(close(31));
	T(close(20));
	T(dup(77));

	/* O_PATH: a location, no I/O. */
	long pth = open("f", O_PATH, 0);
	T(read(pth, buf, 1));
	T(fcntl(pth, F_GETFL, 0));
	T(fcntl(pth, F_SETFL, 0));
	T(close(pth));

	/* Threads share one fd table (CLONE_FILES) and one cwd and umask (CLONE_FS)... */
	x = open("f", O_RDONLY, 0);
	thread_t th;
	thread_create(&th, close_x, NULL, NULL, 0);
	thread_join(&th);
	T(fcntl(x, F_GETFD, 0));
	/* ... until one unshares them. */
	x = open("f", O_RDONLY, 0);
	thread_create(&th, unshare_close_x, NULL, NULL, 0);
	cpt_mark("fdshare:thread-running");
	thread_join(&th);
	printf("thread's unshare(CLONE_FILES): %s\n", ename(th.result));
	T(fcntl(x, F_GETFD, 0));
	mkdir("sub", 0755);
	thread_create(&th, chdir_sub, NULL, NULL, 0);
	thread_join(&th);
	getcwd(buf, sizeof buf);
	printf("after a thread's chdir: cwd ends in /sub: %d, umask %03lo\n", strcmp(strrchr(buf, '/'), "/sub") == 0, umask(022));
	thread_create(&th, unshare_chdir_up, NULL, NULL, 0);
	thread_join(&th);
	printf("thread's unshare(CLONE_FS): %s\n", ename(th.result));
	getcwd(buf, sizeof buf);
	printf("after an unshared thread's chdir: cwd ends in /sub: %d\n", strcmp(strrchr(buf, '/'), "/sub") == 0);
	chdir("..");
	/* A forked child has copies: its chdir and close stay its own. */
	c = fork();
	if (c == 0) {
		chdir("sub");
		close(x);
		_exit(0);
	}
	waitpid(c, &st, 0);
	getcwd(buf, sizeof buf);
	printf("after a forked child's chdir: cwd ends in /w: %d\n", strcmp(strrchr(buf, '/'), "/w") == 0);
	T(fcntl(x, F_GETFD, 0));
	close(x);

	/* The fd limit. */
	long first = -1, last = -1, r;
	while ((r = open(".", O_RDONLY, 0)) >= 0) {
		if (first < 0) first = r;
		last = r;
	}
	printf("opened fds %ld..%ld, then %s\n", first, last, ename(r));
	T(dup(0));
	T(pipe2((int *)buf, 0));
	T(__syscall3(SYS_close_range, first, ~0u, 0));
	T(fcntl(first, F_GETFD, 0));
	T(fcntl(last, F_GETFD, 0));
	T(__syscall3(SYS_close_range, 5, 4, 0));
	T(__syscall3(SYS_close_range, 0, 1, 8));

	/* A non-root user and root's files. */
	close(open("secret", O_CREAT | O_WRONLY, 0600));
	close(open("public", O_CREAT | O_WRONLY, 0644));
	mkdir("shared", 01777);
	mkdir("locked", 0700);
	close(open("shared/roots", O_CREAT | O_WRONLY, 0666));
	fflush(stdout);
	c = fork();
	if (c == 0) {
		T(setresuid(1000, 1000, 1000));
		T(open("secret", O_RDONLY, 0));
		T(open("public", O_RDONLY, 0) >= 0);
		T(open("public", O_WRONLY, 0));
		T(open("public", O_RDONLY | O_TRUNC, 0));
		T(access("public", R_OK));
		T(access("public", W_OK));
		T(access("secret", F_OK));
		T(open("new", O_CREAT | O_WRONLY, 0644));
		T(mkdir("newdir", 0755));
		T(unlink("public"));
		T(chmod("public", 0777));
		T(open("locked/x", O_RDONLY, 0));
		T(chdir("locked"));
		T(open("shared/mine", O_CREAT | O_WRONLY, 0644) >= 0);
		T(unlink("shared/mine"));
		T(unlink("shared/roots"));
		T(rename("shared/roots", "shared/x"));
		fflush(stdout);
		_exit(0);
	}
	waitpid(c, &st, 0);
	return 0;
}
