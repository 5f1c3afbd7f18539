/* cloexec: the close-on-exec flag per fd — O_CLOEXEC on open and pipe2, FD_CLOEXEC through
 * F_SETFD, dup (clears it), dup3(O_CLOEXEC), F_DUPFD_CLOEXEC, and that fork keeps each fd's
 * flag; then /proc/self/maps read back and checked against regions this program mapped. */
#include <stdio.h>
#include <string.h>
#include <stdlib.h>
#include "os.h"
#include "cpt.h"
#include "fsys.h"

#define T(e) printf("%-44s = %s\n", #e, ename(e))
#define PG 4096

static char maps[65536];

/* Finds the maps line starting at address a; prints its span and permissions relative to len. */
static void find_map(unsigned long a, unsigned long len, const char *what)
{
	int fd = open("/proc/self/maps", O_RDONLY, 0);
	long n = 0, r;
	while ((r = read(fd, maps + n, sizeof maps - 1 - n)) > 0) n += r;
	maps[n] = 0;
	close(fd);
	for (char *l = maps; *l;) {
		char *e = strchr(l, '\n');
		if (!e) break;
		*e = 0;
		unsigned long lo = strtoul(l, 0, 16);
		char *dash = strchr(l, '-');
		unsigned long hi = strtoul(dash + 1, 0, 16);
		char *perm = strchr(dash, ' ') + 1;
		unsigned long off = strtoul(perm + 5, 0, 16);
		char *name = strrchr(l, ' ') + 1;
		if (lo <= a && a < hi) {
			printf("%s: starts at map %d, %lu pages (asked %lu), perms %.4s, offset %lx, name %s\n", what,
			       lo == a, (hi - lo) / PG, len / PG, perm, off,
			       !*name ? "none" : strlen(name) >= 2 && !strcmp(name + strlen(name) - 2, "/f") ? ".../f" : name);
			*e = '\n';
			return;
		}
		*e = '\n';
		l = e + 1;
	}
	printf("%s: not in /proc/self/maps\n", what);
}

int main(void)
{
	int a, b, p[2], d;
	T(a = open("f", O_RDWR | O_CREAT, 0600));
	T(b = open("f", O_RDONLY | O_CLOEXEC, 0));
	T(fcntl(a, F_GETFD, 0));
	T(fcntl(b, F_GETFD, 0));
	T(pipe2(p, O_CLOEXEC));
	T(fcntl(p[0], F_GETFD, 0));
	T(fcntl(p[1], F_GETFD, 0));
	T(d = dup(b));
	T(fcntl(d, F_GETFD, 0));
	T(dup3(a, d, O_CLOEXEC));
	T(fcntl(d, F_GETFD, 0));
	T(dup3(b, d, 0));
	T(fcntl(d, F_GETFD, 0));
	T(dup3(d, d, O_CLOEXEC));
	T(dup3(a, 100, 0x40));
	T(fcntl(a, F_DUPFD_CLOEXEC, 50));
	T(fcntl(50, F_GETFD, 0));
	T(fcntl(a, F_DUPFD, 50));
	T(fcntl(51, F_GETFD, 0));
	T(fcntl(a, F_SETFD, FD_CLOEXEC));
	T(fcntl(a, F_GETFD, 0));
	T(fcntl(51, F_GETFD, 0));
	T(fcntl(b, F_SETFD, 0));
	T(fcntl(b, F_GETFD, 0));
	T(fcntl(a, F_GETFL, 0) & O_CLOEXEC);
	cpt_mark("cloexec:cloexec-fds");
	/* fork keeps the per-fd flags (the child reports them as a bitmask in its exit status). */
	pid_t c = fork();
	if (c == 0) {
		int fds[6] = { a, b, p[0], d, 50, 51 }, bits = 0;
		for (int i = 0; i < 6; i++) bits |= (fcntl(fds[i], F_GETFD, 0) == FD_CLOEXEC) << i;
		fcntl(b, F_SETFD, FD_CLOEXEC);   /* does not reach the parent */
		_exit(bits);
	}
	int st;
	waitpid(c, &st, 0);
	printf("child flags a b p0 d 50 51: %d%d%d%d%d%d\n", WEXITSTATUS(st) & 1, WEXITSTATUS(st) >> 1 & 1,
	       WEXITSTATUS(st) >> 2 & 1, WEXITSTATUS(st) >> 3 & 1, WEXITSTATUS(st) >> 4 & 1, WEXITSTATUS(st) >> 5 & 1);
	T(fcntl(b, F_GETFD, 0));
	/* The flag is per fd, not per description: the dup of a cloexec fd shares the offset only. */
	T(lseek(d, 3, SEEK_SET));
	T(lseek(b, 0, SEEK_CUR));
	T(fcntl(d, F_GETFD, 0));

	/* /proc/self/maps against our own mappings. */
	T(write(a, "0123456789", 10));
	T(ftruncate(a, 3 * PG));
	char *r3 = mmap(0, 3 * PG, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	find_map((unsigned long)r3, 3 * PG, "anon 3 pages r");
	char *rw5 = mmap(0, 5 * PG, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	T(mprotect(rw5 + PG, PG, PROT_NONE));
	find_map((unsigned long)rw5, PG, "anon rw page 0");
	find_map((unsigned long)rw5 + PG, PG, "anon page 1 after PROT_NONE");
	find_map((unsigned long)rw5 + 2 * PG, 3 * PG, "anon pages 2-4");
	char *fs = mmap(0, 2 * PG, PROT_READ | PROT_WRITE, MAP_SHARED, a, 0);
	find_map((unsigned long)fs, 2 * PG, "file shared rw");
	char *fr = mmap(0, 3 * PG, PROT_READ, MAP_PRIVATE, b, 0);
	find_map((unsigned long)fr, 3 * PG, "file private r");
	printf("file map reads \"%.4s\"\n", fr);
	char *fo = mmap(0, PG, PROT_READ | PROT_EXEC, MAP_PRIVATE, a, 2 * PG);
	find_map((unsigned long)fo, PG, "file r-x at page 2");
	char *as = mmap(0, 2 * PG, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	find_map((unsigned long)as, 2 * PG, "anon shared");
	cpt_mark("cloexec:mapped");
	char *g = mremap(fs, 2 * PG, 3 * PG, MREMAP_MAYMOVE, 0);
	find_map((unsigned long)g, 3 * PG, "file shared grown by mremap");
	T(munmap(r3, 3 * PG));
	find_map((unsigned long)r3, 3 * PG, "after munmap");
	T(munmap(rw5 + 2 * PG, PG));
	find_map((unsigned long)rw5 + 3 * PG, PG, "after punching page 2, page 3");
	close(a); close(b); close(d); close(50); close(51); close(p[0]); close(p[1]);
	T(unlink("f"));
	return 0;
}
