/* procfs: /proc/self, status and stat fields, fd links (paths, deleted files, pipes) and
 * reopening through them, comm, maps, thread-self, and ns_last_pid. Recorded under qemu-riscv32
 * in a new pid namespace (unshare -p -f --mount-proc), so the program is pid 1 there as here.
 * Prints only what the two agree on: qemu-user's own threads and fds show in the host's /proc. */
#include <stdio.h>
#include <string.h>
#include <stdlib.h>
#include "os.h"
#include "cpt.h"
#include "fsys.h"

#define T(e) printf("%-48s = %s\n", #e, ename(e))

static char buf[8192];

/* The whole of a small file, NUL-terminated. */
static const char *slurp(const char *path)
{
	long fd = open(path, O_RDONLY, 0), n, total = 0;
	if (fd < 0) return ename(fd);
	while ((n = read(fd, buf + total, sizeof buf - 1 - total)) > 0) total += n;
	close(fd);
	buf[total] = 0;
	return buf;
}

/* The value of "Key:\t..." in status text. */
static const char *field(const char *text, const char *key)
{
	static char v[64];
	const char *p = strstr(text, key);
	if (!p) return "(none)";
	p += strlen(key);
	int i = 0;
	while (*p && *p != '\n' && i < 63) v[i++] = *p++;
	v[i] = 0;
	return v;
}

static const char *rdlink(const char *path)
{
	static char l[512];
	long n = readlink(path, l, sizeof l - 1);
	if (n < 0) return ename(n);
	l[n] = 0;
	return l;
}

static int ends(const char *s, const char *suffix)
{
	size_t a = strlen(s), b = strlen(suffix);
	return a >= b && strcmp(s + a - b, suffix) == 0;
}

static long perm(const char *path, int flags)
{
	struct statx sx;
	long r = statx(AT_FDCWD, path, flags, STATX_BASIC_STATS, &sx);
	return r < 0 ? r : (long)(sx.stx_mode & 0177777);
}

static int thread_fn(void *a)
{
	char want[64];
	snprintf(want, sizeof want, "%d/task/%d", getpid(), gettid());
	return strcmp(rdlink("/proc/thread-self"), want) == 0 && gettid() != getpid();
}

int main(void)
{
	mkdir("w", 0755);
	chdir("w");
	printf("getpid %d, /proc/self -> %s\n", getpid(), rdlink("/proc/self"));
	const char *st = slurp("/proc/self/status");
	printf("status: Pid %s", field(st, "\nPid:\t"));
	printf(", Tgid %s", field(st, "\nTgid:\t"));
	printf(", PPid %s", field(st, "\nPPid:\t"));
	printf(", Uid %s\n", field(st, "\nUid:\t"));
	slurp("/proc/self/stat");
	printf("stat starts with \"1 (\": %d\n", strncmp(buf, "1 (", 3) == 0);
	printf("/proc/self/cwd ends in /w: %d\n", ends(rdlink("/proc/self/cwd"), "/w"));
	printf("maps has [stack]: %d\n", strstr(slurp("/proc/self/maps"), "[stack]") != NULL);
	T(perm("/proc/self/status", 0));
	T(perm("/proc/self", 0));
	T(perm("/proc/self", AT_SYMLINK_NOFOLLOW));
	T(perm("/proc/self/fd", 0));
	T(open("/proc/999999/status", O_RDONLY, 0));
	T(open("/proc/self/nope", O_RDONLY, 0));
	T(open("/proc/newfile", O_CREAT | O_WRONLY, 0644));
	long sfd = open("/proc/self/status", O_WRONLY, 0);
	T(sfd >= 0);
	T(write(sfd, "x", 1));
	close(sfd);

	/* comm is writable by the process itself. */
	long cfd = open("/proc/self/comm", O_WRONLY, 0);
	T(write(cfd, "renamed", 7));
	close(cfd);
	printf("comm: %s", slurp("/proc/self/comm"));
	printf("status Name: %s\n", field(slurp("/proc/self/status"), "Name:\t"));

	/* fd links: the path, " (deleted)" once unlinked, pipe:[N]; and their modes. */
	long fd = open("f", O_CREAT | O_RDWR, 0644);
	write(fd, "0123456789", 10);
	char p[64];
	snprintf(p, sizeof p, "/proc/self/fd/%ld", fd);
	printf("fd link ends in /w/f: %d\n", ends(rdlink(p), "/w/f"));
	cpt_mark("procfs:fd-open");
	T(perm(p, AT_SYMLINK_NOFOLLOW));
	long ro = open("f", O_RDONLY, 0), wo = open("f", O_WRONLY, 0);
	char q[64];
	snprintf(q, sizeof q, "/proc/self/fd/%ld", ro);
	T(perm(q, AT_SYMLINK_NOFOLLOW));
	snprintf(q, sizeof q, "/proc/self/fd/%ld", wo);
	T(perm(q, AT_SYMLINK_NOFOLLOW));
	close(ro);
	close(wo);
	/* Opening the link opens the file itself, with a new offset. */
	lseek(fd, 3, SEEK_SET);
	long again = open(p, O_RDONLY, 0);
	T(again >= 0);
	T(read(again, buf, 4));
	printf("reopened reads: %.4s\n", buf);
	close(again);
	T(unlink("f"));
	printf("after unlink, link ends in /w/f (deleted): %d\n", ends(rdlink(p), "/w/f (deleted)"));
	again = open(p, O_RDONLY, 0);
	T(read(again, buf, 4));
	close(again);
	close(fd);
	T(readlink(p, buf, 10));
	int pp[2];
	pipe2(pp, 0);
	snprintf(p, sizeof p, "/proc/self/fd/%d", pp[1]);
	const char *pl = rdlink(p);
	printf("pipe link starts with pipe:[ and ends with ]: %d\n", strncmp(pl, "pipe:[", 6) == 0 && ends(pl, "]"));
	cpt_mark("procfs:pipe-open");
	long wend = open(p, O_WRONLY, 0);
	T(write(wend, "via proc", 8));
	close(wend);
	T(read(pp[0], buf, 100));
	close(pp[0]);
	close(pp[1]);
	snprintf(p, sizeof p, "%d", pp[1]);
	long dfd = open("/proc/self/fd", O_RDONLY | O_DIRECTORY, 0);
	T(dfd >= 0);
	long n = getdents64(dfd, buf, sizeof buf);
	int seen0 = 0, seenpipe = 0;
	for (long off = 0; off < n; off += *(unsigned short *)(buf + off + 16)) {
		if (strcmp(buf + off + 19, "0") == 0) seen0 = 1;
		if (strcmp(buf + off + 19, p) == 0) seenpipe = 1;
	}
	printf("fd dir lists 0: %d, the closed pipe fd: %d\n", seen0, seenpipe);
	close(dfd);

	/* A thread's /proc/thread-self. */
	thread_t th;
	thread_create(&th, thread_fn, NULL, NULL, 0);
	printf("thread-self is pid/task/tid in a thread: %d\n", thread_join(&th));

	/* ns_last_pid: the next fork gets the pid after the one written. */
	long nfd = open("/proc/sys/kernel/ns_last_pid", O_RDWR, 0);
	T(pwrite64(nfd, "100\n", 4, 0));
	n = pread64(nfd, buf, 100, 0);
	printf("ns_last_pid reads %.*s", (int)n, buf);
	fflush(stdout);
	pid_t c = fork();
	if (c == 0) _exit(0);
	int status;
	waitpid(c, &status, 0);
	printf("forked child pid %d\n", c);
	T(pwrite64(nfd, "abc", 3, 0));
	T(pwrite64(nfd, "99999999", 8, 0));
	T(pwrite64(nfd, "-1", 2, 0));
	fflush(stdout);
	c = fork();
	if (c == 0) {
		setresuid(1000, 1000, 1000);
		long u = open("/proc/sys/kernel/ns_last_pid", O_WRONLY, 0);
		printf("non-root open for write: %s, write: %s\n", ename(u >= 0 ? 0 : u), ename(write(u, "200", 3)));
		fflush(stdout);
		_exit(0);
	}
	waitpid(c, &status, 0);
	return 0;
}
