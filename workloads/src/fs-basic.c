/* fs-basic: files, directories, links and names on the root file system (tmpfs here; the host's
 * under qemu-riscv32, run in an empty temporary directory). Prints only what both agree on:
 * results and errnos, sizes of regular files, link counts, names. */
#include <stdio.h>
#include <string.h>
#include "cpt.h"
#include "fsys.h"

#define T(e) printf("%-52s = %s\n", #e, ename(e))

static char buf[8192];

static void names(const char *dir)
{
	char *list[64];
	int n = 0;
	long fd = open(dir, O_RDONLY | O_DIRECTORY, 0);
	char *p = buf;
	long r;
	static char store[4096];
	char *s = store;
	while ((r = getdents64(fd, p, 256)) > 0) {
		for (long off = 0; off < r;) {
			unsigned short len = *(unsigned short *)(p + off + 16);
			strcpy(s, p + off + 19);
			list[n++] = s;
			s += strlen(s) + 1;
			off += len;
		}
	}
	close(fd);
	for (int i = 0; i < n; i++)
		for (int j = i + 1; j < n; j++)
			if (strcmp(list[j], list[i]) < 0) { char *x = list[i]; list[i] = list[j]; list[j] = x; }
	printf("%s:", dir);
	for (int i = 0; i < n; i++) printf(" %s", list[i]);
	printf("\n");
}

static void st(const char *label, int dfd, const char *path, int flags)
{
	struct statx sx;
	memset(&sx, 0, sizeof sx);
	long r = statx(dfd, path, flags, STATX_BASIC_STATS, &sx);
	if (r < 0) { printf("statx %s: %s\n", label, ename(r)); return; }
	/* Directory sizes differ between file systems: only regular files and symlinks show theirs. */
	if ((sx.stx_mode & S_IFMT) == S_IFDIR)
		printf("statx %s: type %o perm %o nlink %u\n", label, sx.stx_mode & S_IFMT, sx.stx_mode & 07777, (unsigned)sx.stx_nlink);
	else
		printf("statx %s: type %o perm %o nlink %u size %lld\n", label, sx.stx_mode & S_IFMT, sx.stx_mode & 07777,
		       (unsigned)sx.stx_nlink, (long long)sx.stx_size);
}

int main(void)
{
	umask(022);
	/* Work in a fresh directory: "/" here, an empty temporary directory under qemu. */
	mkdir("w", 0755);
	T(chdir("w"));
	/* Regular files: create, write, read back, offsets. */
	long fd = open("a", O_CREAT | O_RDWR | O_EXCL, 0666);
	T(fd);
	T(write(fd, "hello, world\n", 13));
	T(lseek(fd, 0, SEEK_CUR));
	T(lseek(fd, 0, SEEK_SET));
	memset(buf, 0, 64);
	T(read(fd, buf, 5));
	printf("read: %s\n", buf);
	T(read(fd, buf, 100));
	T(read(fd, buf, 100));
	T(lseek(fd, 100, SEEK_END));
	T(write(fd, "X", 1));
	st("a after hole", AT_FDCWD, "a", 0);
	T(pread64(fd, buf, 4, 50));
	printf("hole bytes: %d %d %d %d\n", buf[0], buf[1], buf[2], buf[3]);
	T(pwrite64(fd, "HE", 2, 0));
	T(lseek(fd, 0, SEEK_CUR));
	T(pread64(fd, buf, 5, 0));
	printf("pread: %.5s\n", buf);
	T(lseek(fd, -1, SEEK_SET));
	T(pread64(fd, buf, 1, -1));
	T(ftruncate(fd, 5));
	st("a truncated", AT_FDCWD, "a", 0);
	T(ftruncate(fd, -1));
	T(close(fd));
	T(close(fd));
	T(open("a", O_CREAT | O_EXCL | O_WRONLY, 0600));
	T(open("missing", O_RDONLY, 0));
	T(open("a/", O_RDONLY, 0));
	T(open("a/x", O_RDONLY, 0));
	T(open("", O_RDONLY, 0));
	T(open((char *)1, O_RDONLY, 0));

	/* O_APPEND and O_TRUNC. */
	fd = open("a", O_WRONLY | O_APPEND, 0);
	T(write(fd, "12", 2));
	T(pwrite64(fd, "34", 2, 0));
	T(lseek(fd, 0, SEEK_CUR));
	T(fcntl(fd, F_GETFL, 0));
	T(fcntl(fd, F_SETFL, O_NONBLOCK));
	T(fcntl(fd, F_GETFL, 0));
	close(fd);
	fd = open("a", O_RDONLY, 0);
	memset(buf, 0, 64);
	T(read(fd, buf, 64));
	printf("a: %s\n", buf);
	T(write(fd, "x", 1));
	close(fd);
	fd = open("a", O_RDWR | O_TRUNC, 0);
	st("a after O_TRUNC", AT_FDCWD, "a", 0);
	close(fd);

	/* umask and modes. */
	fd = open("m", O_CREAT | O_WRONLY, 0777);
	close(fd);
	st("m (umask 022)", AT_FDCWD, "m", 0);
	T(umask(077));
	fd = open("m2", O_CREAT | O_WRONLY, 0777);
	close(fd);
	st("m2 (umask 077)", AT_FDCWD, "m2", 0);
	T(umask(022));
	T(chmod("m2", 04755));
	st("m2 after chmod", AT_FDCWD, "m2", 0);

	/* Directories. */
	T(mkdir("d", 0755));
	T(mkdir("d", 0755));
	T(mkdir("d/e", 0700));
	T(mkdir("d/e/", 0700));
	T(mkdir("d/f/", 0700));
	T(mkdir("nope/x", 0700));
	T(mkdir("a/x", 0700));
	st("d", AT_FDCWD, "d", 0);
	T(open("d", O_WRONLY, 0));
	T(open("d", O_RDONLY | O_CREAT, 0644));
	T(open("a", O_RDONLY | O_DIRECTORY, 0));
	fd = open("d", O_RDONLY, 0);
	T(read(fd, buf, 10));
	T(openat(fd, "g", O_CREAT | O_WRONLY, 0644) >= 0);
	T(mkdirat(fd, "h", 0755));
	T(unlinkat(fd, "h", 0));
	T(unlinkat(fd, "h", AT_REMOVEDIR));
	T(unlinkat(fd, "g", AT_REMOVEDIR));
	T(unlinkat(fd, "g", 0x400));
	T(fchdir(fd));
	T(getcwd(buf, sizeof buf) > 0);
	printf("cwd ends with /d: %d\n", strcmp(strrchr(buf, '/'), "/d") == 0);
	T(getcwd(buf, 2));
	T(chdir(".."));
	T(chdir("a"));
	T(chdir("missing"));
	close(fd);
	T(rmdir("d"));
	T(rmdir("d/e"));
	T(rmdir("d/."));
	T(rmdir("d/.."));
	T(rmdir("a"));
	T(unlink("d"));
	T(unlink("a/"));
	T(unlink("d/f"));
	names("d");
	names(".");
	cpt_mark("fs-basic:tree");

	/* Hard links, symlinks, renames. */
	T(link("a", "b"));
	st("a linked", AT_FDCWD, "a", 0);
	T(link("a", "b"));
	T(link("d", "dd"));
	T(symlink("a", "s"));
	T(symlink("nowhere", "dangling"));
	T(symlink("loop2", "loop1"));
	T(symlink("loop1", "loop2"));
	T(symlink("", "empty"));
	T(readlink("s", buf, sizeof buf));
	printf("readlink s: %.*s\n", 1, buf);
	T(readlink("s", buf, 0));
	T(readlink("a", buf, 10));
	T(readlink("missing", buf, 10));
	st("s follow", AT_FDCWD, "s", 0);
	st("s nofollow", AT_FDCWD, "s", AT_SYMLINK_NOFOLLOW);
	st("dangling", AT_FDCWD, "dangling", 0);
	st("loop1", AT_FDCWD, "loop1", 0);
	T(open("s", O_RDONLY | O_NOFOLLOW, 0));
	T(open("dangling", O_CREAT | O_WRONLY, 0644) >= 0);
	st("nowhere (made through dangling)", AT_FDCWD, "nowhere", 0);
	T(open("s", O_CREAT | O_EXCL | O_WRONLY, 0644));
	T(rename("b", "c"));
	T(rename("b", "c"));
	T(rename("c", "d/e/c"));
	T(rename("d", "d/f/x"));
	T(rename("d/f", "d/f/x"));
	T(rename("d/e", "."));
	T(rename("a", "d"));
	T(rename("d", "a"));
	T(mkdir("z", 0755));
	T(rename("z", "d/e"));
	T(rename("d/e", "z"));
	T(renameat2(AT_FDCWD, "a", AT_FDCWD, "s", RENAME_NOREPLACE));
	T(renameat2(AT_FDCWD, "a", AT_FDCWD, "m", RENAME_EXCHANGE));
	T(renameat2(AT_FDCWD, "a", AT_FDCWD, "q", RENAME_EXCHANGE));
	T(renameat2(AT_FDCWD, "a", AT_FDCWD, "q", 3));
	st("a (was m)", AT_FDCWD, "a", 0);
	st("m (was a)", AT_FDCWD, "m", 0);
	names(".");
	names("z");

	/* A file unlinked while open stays usable until the last close. */
	fd = open("u", O_CREAT | O_RDWR, 0644);
	T(write(fd, "still here", 10));
	T(unlink("u"));
	T(open("u", O_RDONLY, 0));
	T(pread64(fd, buf, 10, 0));
	printf("unlinked: %.10s\n", buf);
	st("unlinked fd", fd, "", AT_EMPTY_PATH);
	cpt_mark("fs-basic:unlinked-open");
	T(close(fd));

	/* Bad names. */
	memset(buf, 'n', 300);
	buf[300] = 0;
	T(open(buf, O_RDONLY, 0));
	T(mkdir(buf, 0755));
	buf[255] = 0;
	T(open(buf, O_CREAT | O_WRONLY, 0644) >= 0);
	T(unlink(buf));
	for (int i = 0; i < 4200; i++) buf[i] = (i % 2) ? '/' : 'x';
	buf[4200] = 0;
	T(open(buf, O_RDONLY, 0));
	buf[4095] = 0;
	T(open(buf, O_RDONLY, 0));
	T(access("a", F_OK));
	T(access("a", R_OK | W_OK));
	T(access("a", X_OK));
	T(access("d", X_OK));
	T(access("a", 8));
	T(access("missing", F_OK));

	/* Timestamps set explicitly read back exactly; hints are checked, then ignored. */
	struct timespec64 ts[2] = { { 1, UTIME_OMIT }, { 1000000000, 5 } };
	T(utimensat(AT_FDCWD, "a", ts, 0));
	struct statx sx;
	statx(AT_FDCWD, "a", 0, STATX_BASIC_STATS, &sx);
	printf("mtime %lld.%09u\n", (long long)sx.stx_mtime.tv_sec, (unsigned)sx.stx_mtime.tv_nsec);
	ts[1].tv_nsec = 1000000000;
	T(utimensat(AT_FDCWD, "a", ts, 0));
	T(utimensat(AT_FDCWD, "a", NULL, 0));
	T(utimensat(AT_FDCWD, "a", NULL, 0x8000));
	fd = open("a", O_RDONLY, 0);
	T(fadvise(fd, 0, 100, 2));
	T(fadvise(fd, 0, 100, 99));
	T(fadvise(fd, 0, -1, 0));
	T(utimensat(fd, NULL, NULL, 0));
	close(fd);
	int pp[2];
	pipe2(pp, 0);
	T(fadvise(pp[0], 0, 0, 0));
	T(fadvise(77, 0, 0, 0));
	return 0;
}
