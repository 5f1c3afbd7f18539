/* fork-files: what qemu-user cannot show (it runs a fork-like clone as a host fork and cannot
 * execve a guest binary): clone(CLONE_FILES) and clone(CLONE_FS) without CLONE_VM, unshare in
 * such a child, and execve closing only the close-on-exec fds. Its expected output is Linux's
 * documented behaviour, written in test/core/fs/guest.test.ts and expected/fork-files.* (a
 * hand oracle). Run it with /proc/self/exe bound to this ELF (the manifest's "files" says so). */
#include <stdio.h>
#include <string.h>
#include <stdlib.h>
#include "os.h"
#include "cpt.h"
#include "fsys.h"

#define T(e) printf("%-40s = %s\n", #e, ename(e))

static char buf[256];

int main(int argc, char **argv)
{
	if (argc == 4) {
		printf("after execve: fd %s: %s, close-on-exec fd %s: %s\n", argv[2], ename(fcntl(atoi(argv[2]), F_GETFD, 0)),
		       argv[3], ename(fcntl(atoi(argv[3]), F_GETFD, 0)));
		return 0;
	}
	static uint32_t sfs[32];
	T(statfs64("/", 88, sfs));
	printf("f_type %x, f_namelen %u\n", (unsigned)sfs[0], (unsigned)sfs[14]);
	T(statfs64("/proc", 84, sfs));
	/* A subdirectory of wherever it runs (a container's own directory under cptbench). */
	mkdir("w", 0755);
	chdir("w");
	long x = open(".", O_RDONLY, 0);
	pid_t c = sys_clone(CLONE_FILES | SIGCHLD, 0, 0, 0, 0);
	if (c == 0) {
		close(x);
		_exit(0);
	}
	int st;
	waitpid(c, &st, 0);
	T(fcntl(x, F_GETFD, 0));
	x = open(".", O_RDONLY, 0);
	c = sys_clone(CLONE_FILES | SIGCHLD, 0, 0, 0, 0);
	if (c == 0) {
		unshare(CLONE_FILES);
		close(x);
		_exit(0);
	}
	waitpid(c, &st, 0);
	cpt_mark("fork-files:clone-files");
	T(fcntl(x, F_GETFD, 0));
	mkdir("sub", 0755);
	c = sys_clone(CLONE_FS | SIGCHLD, 0, 0, 0, 0);
	if (c == 0) {
		chdir("sub");
		umask(0);
		_exit(0);
	}
	waitpid(c, &st, 0);
	getcwd(buf, sizeof buf);
	size_t cl = strlen(buf);
	printf("after a CLONE_FS child's chdir: cwd ends in /w/sub: %s, umask %03lo\n",
	       cl >= 6 && !strcmp(buf + cl - 6, "/w/sub") ? "yes" : "no", umask(022));
	long keep = open(".", O_RDONLY, 0);
	long gone = open(".", O_RDONLY | O_CLOEXEC, 0);
	cpt_mark("fork-files:cloexec-open");
	fflush(stdout);
	c = fork();
	if (c == 0) {
		char a[16], b[16];
		snprintf(a, sizeof a, "%ld", keep);
		snprintf(b, sizeof b, "%ld", gone);
		char *args[] = { "fork-files", "exec", a, b, NULL };
		char *env[] = { NULL };
		long r = sys_execve("/proc/self/exe", args, env);
		printf("execve: %s\n", ename(r));
		fflush(stdout);
		_exit(1);
	}
	waitpid(c, &st, 0);
	printf("exec child exit %d\n", WEXITSTATUS(st));
	return 0;
}
