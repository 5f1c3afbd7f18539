/* fmmap: mmap of regular files. MAP_SHARED pages are the file's: coherent with read/write and
 * between processes; MAP_PRIVATE copies on write; a page past EOF is SIGBUS and truncate makes
 * pages go; an unlinked file stays mapped; EACCES and ENODEV; /proc/self/maps names the file
 * with the device and inode statx gives. Runs in an empty directory (tmpfs /, or a temporary
 * directory under qemu-riscv32), so only names relative to it are printed. */
#include <stdio.h>
#include <string.h>
#include <stdlib.h>
#include "os.h"
#include "cpt.h"
#include "fsys.h"

#define PG 4096
static const char *E_(long r)
{
	return r == -19 ? "ENODEV" : ename(r);
}
#define E(p) E_((long)(p))

static sigjmp_buf jb;
static volatile long bus_off = -1;
static char *bus_base;

static void on_bus(int sig, siginfo_t *si, void *uc)
{
	(void)uc;
	bus_off = sig == SIGBUS ? (char *)si->si_addr - bus_base : -2;
	siglongjmp(jb, 1);
}

/* Read one byte of p[off], or report SIGBUS. */
static void probe(const char *what, char *base, long off)
{
	bus_base = base;
	bus_off = -1;
	if (sigsetjmp(jb, 1) == 0) {
		char c = ((volatile char *)base)[off];
		printf("%s: byte %ld = %d\n", what, off, c);
	} else {
		printf("%s: byte %ld: %s\n", what, off, bus_off >= 0 ? "SIGBUS" : "another signal");
	}
}

static char mapsbuf[16384];

/* The maps lines of name: perms, offset, whether dev and inode match statx, and the name. */
static struct statx sx;

/* The maps lines of name: perms, offset, whether dev and inode match sx (the file's statx), and
 * the name. */
static void maps(const char *name)
{
	long fd = open("/proc/self/maps", O_RDONLY, 0), n = 0, r;
	while ((r = read(fd, mapsbuf + n, sizeof mapsbuf - 1 - n)) > 0) n += r;
	mapsbuf[n] = 0;
	close(fd);
	long have = 1;
	char dev[16];
	sprintf(dev, "%02lx:%02lx", (unsigned long)sx.stx_dev_major, (unsigned long)sx.stx_dev_minor);
	for (char *line = mapsbuf; *line;) {
		char *nl = strchr(line, '\n');
		*nl = 0;
		char *slash = strrchr(line, '/');
		if (slash != NULL && memcmp(slash + 1, name, strlen(name)) == 0) {
			char perms[8], mdev[16];
			unsigned long off, ino;
			char *p = strchr(line, ' ') + 1;
			memcpy(perms, p, 4);
			perms[4] = 0;
			p += 5;
			off = strtoul(p, &p, 16);
			p++;
			memcpy(mdev, p, 5);
			mdev[5] = 0;
			p += 6;
			ino = strtoul(p, &p, 10);
			printf("maps: %s %08lx dev %s ino %s %s\n", perms, off,
			       have ? (strcmp(mdev, dev) == 0 ? "=" : "!=") : "?",
			       have ? (ino == sx.stx_ino ? "=" : "!=") : "?", slash + 1);
		}
		line = nl + 1;
	}
}

int main(void)
{
	os_sigaction(SIGBUS, on_bus, SA_SIGINFO, NULL);
	char b[32] = {0};
	long fd = open("fmmap-file", O_RDWR | O_CREAT | O_TRUNC, 0644);
	write(fd, "hello, world", 12);
	char *p = mmap(NULL, 2 * PG, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	printf("shared map: %s, reads \"%.12s\"\n", (long)p < 0 ? E(p) : "ok", p);
	memcpy(p, "HELLO", 5);
	pread64(fd, b, 12, 0);
	printf("pread after a store: \"%s\"\n", b);
	pwrite64(fd, "W", 1, 7);
	printf("store after pwrite: \"%.12s\"\n", p);
	cpt_mark("fmmap:shared-mapped");

	fflush(stdout);
	pid_t pid = fork();
	if (pid == 0) {
		long cfd = open("fmmap-file", O_RDWR, 0);
		char *c = mmap(NULL, PG, PROT_READ | PROT_WRITE, MAP_SHARED, cfd, 0);
		c[0] = 'j';
		p[1] = 'E';
		_exit(0);
	}
	int st;
	waitpid(pid, &st, 0);
	printf("after the child's stores: \"%.12s\"\n", p);

	char *q = mmap(NULL, PG, PROT_READ | PROT_WRITE, MAP_PRIVATE, fd, 0);
	printf("private map reads \"%.12s\"\n", q);
	q[0] = 'X';
	memset(b, 0, sizeof b);
	pread64(fd, b, 12, 0);
	printf("private store: private \"%.12s\", shared \"%.12s\", file \"%s\"\n", q, p, b);
	pwrite64(fd, "Z", 1, 11);
	printf("pwrite after the private copy: private \"%.12s\", shared \"%.12s\"\n", q, p);
	cpt_mark("fmmap:private-cow");

	statx(fd, "", AT_EMPTY_PATH, 0x7ff, &sx);
	maps("fmmap-file");
	probe("12-byte file", p, 11);
	probe("12-byte file", p, 100);
	probe("12-byte file", p, PG);
	printf("ftruncate 8192: %s\n", E(ftruncate(fd, 2 * PG)));
	probe("8192-byte file", p, PG);
	p[PG] = 'n';
	pread64(fd, b, 1, PG);
	printf("store in the grown page, pread: %c\n", b[0]);
	printf("ftruncate 5: %s\n", E(ftruncate(fd, 5)));
	probe("5-byte file", p, 4);
	probe("5-byte file", p, 5);
	probe("5-byte file", p, PG);
	probe("5-byte file, private", q, 4);

	close(fd);
	printf("unlink while mapped: %s\n", E(unlink("fmmap-file")));
	printf("still mapped: \"%.5s\"\n", p);
	maps("fmmap-file");
	printf("munmap: %s %s\n", E(munmap(p, 2 * PG)), E(munmap(q, PG)));

	long w = open("fmmap-ro", O_RDWR | O_CREAT | O_TRUNC, 0644);
	write(w, "read only", 9);
	close(w);
	long ro = open("fmmap-ro", O_RDONLY, 0);
	long wo = open("fmmap-ro", O_WRONLY, 0);
	printf("shared writable, read-only fd: %s\n", E(mmap(NULL, PG, PROT_READ | PROT_WRITE, MAP_SHARED, ro, 0)));
	printf("private writable, read-only fd: %s\n", (long)mmap(NULL, PG, PROT_READ | PROT_WRITE, MAP_PRIVATE, ro, 0) > 0 ? "ok" : "error");
	printf("shared, write-only fd: %s\n", E(mmap(NULL, PG, PROT_READ, MAP_SHARED, wo, 0)));
	char *r = mmap(NULL, PG, PROT_READ, MAP_SHARED, ro, 0);
	printf("shared read-only: \"%.9s\", mprotect writable: %s\n", r, E(mprotect(r, PG, PROT_READ | PROT_WRITE)));
	int fds[2];
	pipe2(fds, 0);
	printf("pipe: %s\n", E(mmap(NULL, PG, PROT_READ, MAP_SHARED, fds[0], 0)));
	long dn = open("/dev/null", O_RDWR, 0);
	printf("/dev/null: %s\n", E(mmap(NULL, PG, PROT_READ, MAP_SHARED, dn, 0)));
	long dir = open(".", O_RDONLY | O_DIRECTORY, 0);
	printf("directory: %s\n", E(mmap(NULL, PG, PROT_READ, MAP_PRIVATE, dir, 0)));
	unlink("fmmap-ro");
	return 0;
}
