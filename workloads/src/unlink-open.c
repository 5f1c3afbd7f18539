/* unlink-open: a file unlinked while open and mapped MAP_SHARED stays readable and writable
 * through the fd and the mapping, has nlink 0 by fstat (statx AT_EMPTY_PATH), and is gone from
 * the directory (getdents64) and from path lookups. */
#include <stdio.h>
#include <string.h>
#include <stdlib.h>
#include "os.h"
#include "cpt.h"
#include "fsys.h"

#define T(e) printf("%-44s = %s\n", #e, ename(e))
#define PG 4096

static char buf[8192];

static void list(const char *why)
{
	int d = open(".", O_RDONLY | O_DIRECTORY, 0);
	long n = getdents64(d, buf, sizeof buf);
	int found_f = 0, found_g = 0, count = 0;
	for (long off = 0; off < n;) {
		unsigned short reclen = *(unsigned short *)(buf + off + 16);
		const char *name = buf + off + 19;
		count++;
		found_f |= !strcmp(name, "f");
		found_g |= !strcmp(name, "g");
		off += reclen;
	}
	printf("%s: %d entries, f %d, g %d\n", why, count, found_f, found_g);
	close(d);
}

static void nlink(int fd, const char *why)
{
	struct statx sx;
	long r = statx(fd, "", AT_EMPTY_PATH, STATX_BASIC_STATS, &sx);
	printf("%s: statx %s nlink %u size %ld\n", why, ename(r), (unsigned)sx.stx_nlink, (long)sx.stx_size);
}

int main(void)
{
	/* Work in a fresh subdirectory: the emulator's / also holds dev, proc, sys and tmp. */
	mkdir("w", 0755);
	chdir("w");
	int fd, fd2, g;
	T(fd = open("f", O_RDWR | O_CREAT | O_EXCL, 0600));
	T(ftruncate(fd, 2 * PG));
	T(write(fd, "hello", 5));
	char *m = mmap(0, 2 * PG, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	printf("mmap ok %d\n", !os_failed(m));
	T(g = open("g", O_RDWR | O_CREAT, 0600));
	nlink(fd, "before");
	list("before");
	T(fd2 = open("f", O_RDONLY, 0));
	T(unlink("f"));
	nlink(fd, "after unlink");
	list("after unlink");
	T(open("f", O_RDONLY, 0));
	T(access("f", F_OK));
	cpt_mark("unlink-open:unlinked-open-mapped");
	/* /proc/self/fd names it "(deleted)"; linkat cannot bring a file with nlink 0 back. */
	long n = readlink("/proc/self/fd/5", buf, sizeof buf - 1);
	buf[n < 0 ? 0 : n] = 0;
	printf("fd 5 link ends with \"/f (deleted)\": %d\n", n > 12 && !strcmp(buf + n - 12, "/f (deleted)"));
	T(__syscall5(SYS_linkat, fd, (long)"", AT_FDCWD, (long)"revived", AT_EMPTY_PATH));
	T(access("revived", F_OK));
	/* Still usable through everything. */
	printf("map reads \"%.5s\"\n", m);
	memcpy(m + PG, "viamap", 6);
	T(pread64(fd2, buf, 6, PG));
	printf("fd2 reads \"%.6s\"\n", buf);
	T(pwrite64(fd, "VIAFD", 5, 100));
	printf("map sees \"%.5s\"\n", m + 100);
	T(write(fd, "!", 1));
	printf("map byte 5 '%c'\n", m[5]);
	T(ftruncate(fd, 3 * PG));
	nlink(fd2, "after grow");
	cpt_mark("unlink-open:grown");
	/* A new file with the same name is a different file. */
	T(fd = (close(fd), open("f", O_RDWR | O_CREAT | O_EXCL, 0600)));
	nlink(fd, "new f");
	T(read(fd, buf, 10));
	list("new f");
	printf("old map still \"%.5s\"\n", m);
	struct statx a, b;
	statx(fd, "", AT_EMPTY_PATH, STATX_BASIC_STATS, &a);
	statx(fd2, "", AT_EMPTY_PATH, STATX_BASIC_STATS, &b);
	printf("same inode as the unlinked one: %d\n", a.stx_ino == b.stx_ino && a.stx_dev_minor == b.stx_dev_minor);
	T(munmap(m, 2 * PG));
	T(pread64(fd2, buf, 6, PG));
	printf("after munmap fd2 reads \"%.6s\"\n", buf);
	/* Unlinked in a child while the parent has it open. */
	pid_t c = fork();
	if (c == 0) { _exit(unlink("g") == 0 ? 0 : 1); }
	int st;
	waitpid(c, &st, 0);
	printf("child unlink exit %d\n", WEXITSTATUS(st));
	nlink(g, "g after child unlink");
	T(write(g, "abc", 3));
	T(pread64(g, buf, 3, 0));
	list("end");
	T(close(fd2));
	T(close(g));
	T(unlink("f"));
	chdir("..");
	T(rmdir("w"));
	return 0;
}
