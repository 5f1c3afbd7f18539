/* dirs-links: mkdir/rmdir (ENOTEMPTY), a getdents64 listing sorted here, renameat2 with and
 * without RENAME_NOREPLACE, linkat and nlink, symlinkat/readlinkat, ELOOP on a symlink loop. */
#include <stdio.h>
#include <string.h>
#include <stdlib.h>
#include "os.h"
#include "cpt.h"
#include "fsys.h"

#define T(e) printf("%-52s = %s\n", #e, ename(e))

static char buf[8192];

static void ls(const char *dir)
{
	char *names[64];
	int n = 0;
	int d = open(dir, O_RDONLY | O_DIRECTORY, 0);
	long r;
	while ((r = getdents64(d, buf, sizeof buf)) > 0)
		for (long off = 0; off < r && n < 64;) {
			unsigned short reclen = *(unsigned short *)(buf + off + 16);
			unsigned char type = *(unsigned char *)(buf + off + 18);
			char *s = malloc(strlen(buf + off + 19) + 4);
			strcpy(s, buf + off + 19);
			strcat(s, type == 4 ? "/" : type == 10 ? "@" : type == 8 ? "" : "?");
			names[n++] = s;
			off += reclen;
		}
	for (int i = 1; i < n; i++)
		for (int j = i; j > 0 && strcmp(names[j - 1], names[j]) > 0; j--) {
			char *t = names[j]; names[j] = names[j - 1]; names[j - 1] = t;
		}
	printf("ls %s:", dir);
	for (int i = 0; i < n; i++) { printf(" %s", names[i]); free(names[i]); }
	printf("\n");
	close(d);
}

static void stat1(const char *p, int flags)
{
	struct statx sx;
	long r = statx(AT_FDCWD, p, flags, STATX_BASIC_STATS, &sx);
	if (r < 0) { printf("statx %s: %s\n", p, ename(r)); return; }
	/* A directory's size depends on the file system (tmpfs or the host's): not printed. */
	if ((sx.stx_mode & S_IFMT) == S_IFDIR) printf("statx %s: type %o nlink %u\n", p, sx.stx_mode & S_IFMT, (unsigned)sx.stx_nlink);
	else printf("statx %s: type %o nlink %u size %ld\n", p, sx.stx_mode & S_IFMT, (unsigned)sx.stx_nlink, (long)sx.stx_size);
}

int main(void)
{
	/* Work in a fresh subdirectory: the emulator's / also holds dev, proc, sys and tmp. */
	mkdir("w", 0755);
	chdir("w");
	T(mkdir("d", 0755));
	T(mkdir("d", 0755));
	T(mkdir("d/sub", 0755));
	T(mkdir("nope/x", 0755));
	stat1("d", 0);
	int fd;
	T(fd = open("d/b", O_WRONLY | O_CREAT, 0644));
	T(write(fd, "data", 4));
	close(fd);
	T(close(open("d/a", O_WRONLY | O_CREAT, 0644)));
	T(close(open("d/c", O_WRONLY | O_CREAT, 0644)));
	ls("d");
	T(rmdir("d"));
	T(rmdir("d/b"));
	T(unlink("d/sub"));
	T(rmdir("d/sub"));
	T(rmdir("d/sub"));
	/* Hard links. */
	T(link("d/b", "d/b2"));
	stat1("d/b", 0);
	T(link("d/b", "d/b2"));
	T(link("d", "d2"));
	/* Renames. */
	T(rename("d/a", "d/z"));
	T(renameat2(AT_FDCWD, "d/z", AT_FDCWD, "d/c", RENAME_NOREPLACE));
	T(renameat2(AT_FDCWD, "d/z", AT_FDCWD, "d/y", RENAME_NOREPLACE));
	T(rename("d/y", "d/c"));
	T(renameat2(AT_FDCWD, "d/b", AT_FDCWD, "d/c", RENAME_EXCHANGE));
	stat1("d/c", 0);
	T(rename("d/b2", "d/c"));
	stat1("d/c", 0);
	T(mkdir("e", 0755));
	T(rename("d", "e"));
	T(rmdir("e"));
	T(rename("d", "e"));
	T(rename("e", "e/inside"));
	ls("e");
	ls(".");
	cpt_mark("dirs-links:tree");
	/* Renames between kinds, and flags. */
	T(mkdir("e/full", 0755));
	T(mkdir("e/full/x", 0755));
	T(mkdir("e/empty", 0755));
	T(rename("e/empty", "e/full"));
	T(rename("e/b", "e/empty"));
	T(rename("e/empty", "e/b"));
	T(renameat2(AT_FDCWD, "e/b", AT_FDCWD, "e/c", RENAME_NOREPLACE | RENAME_EXCHANGE));
	T(renameat2(AT_FDCWD, "e/b", AT_FDCWD, "e/nonexistent", RENAME_EXCHANGE));
	T(renameat2(AT_FDCWD, "e/empty", AT_FDCWD, "e/b", RENAME_EXCHANGE));
	stat1("e/empty", 0);
	T(renameat2(AT_FDCWD, "e/empty", AT_FDCWD, "e/b", RENAME_EXCHANGE));
	stat1("e/full", 0);
	T(rmdir("e/full/x/.."));
	T(rmdir("e/full/x/."));
	T(rmdir("e/full/x"));
	T(rmdir("e/full"));
	T(rmdir("e/empty/"));
	T(mkdir("e/slash/", 0755));
	T(rmdir("e/slash"));
	/* Symlinks. */
	T(symlink("e/c", "s"));
	T(symlink("e/c", "s"));
	T(readlink("s", buf, sizeof buf));
	printf("readlink: %.*s\n", 3, buf);
	T(readlink("s", buf, 2));
	T(readlink("e/c", buf, sizeof buf));
	stat1("s", 0);
	stat1("s", AT_SYMLINK_NOFOLLOW);
	T(fd = open("s", O_RDONLY, 0));
	T(read(fd, buf, 10));
	close(fd);
	T(open("s", O_RDONLY | O_NOFOLLOW, 0));
	T(symlink("dangling-target", "dang"));
	T(open("dang", O_RDONLY, 0));
	T(symlink("loop2", "loop1"));
	T(symlink("loop1", "loop2"));
	T(open("loop1", O_RDONLY, 0));
	stat1("loop1", 0);
	stat1("loop1/x", 0);
	T(symlink("self", "self"));
	T(access("self", F_OK));
	T(__syscall5(SYS_linkat, AT_FDCWD, (long)"s", AT_FDCWD, (long)"s_hard", 0));
	stat1("s_hard", AT_SYMLINK_NOFOLLOW);
	T(__syscall5(SYS_linkat, AT_FDCWD, (long)"s", AT_FDCWD, (long)"s_follow", AT_SYMLINK_FOLLOW));
	stat1("s_follow", AT_SYMLINK_NOFOLLOW);
	T(unlink("s_hard"));
	T(unlink("s_follow"));
	T(symlink("e", "edir"));
	T(rmdir("edir"));
	T(open("edir/", O_RDONLY | O_DIRECTORY | O_NOFOLLOW, 0) >= 0);
	T(open("edir", O_RDONLY | O_DIRECTORY | O_NOFOLLOW, 0));
	T(mkdir("edir/new", 0755));
	stat1("e/new", 0);
	ls(".");
	T(unlink("loop1"));
	T(unlink("loop2"));
	T(unlink("self"));
	T(unlink("dang"));
	T(unlink("s"));
	T(unlink("edir"));
	T(rmdir("e/new"));
	T(unlink("e/b"));
	T(unlink("e/b2"));
	T(unlink("e/c"));
	T(rmdir("e"));
	ls(".");
	chdir("..");
	T(rmdir("w"));
	return 0;
}
