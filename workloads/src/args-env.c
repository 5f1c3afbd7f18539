/* args-env: the process entry state and exit paths. Prints argc and every
 * argv[] string, the environment count and selected variables (through envp
 * and through getenv/environ), checks the initial-stack layout (argv and envp
 * NULL-terminated, envp right after argv's NULL, sp alignment), calls uname
 * (prints only sysname and the machine prefix: the rest is the host's), writes
 * with writev, writes a line to stderr, and exits with status 3. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "cpt.h"
#include "syscall.h"

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

int main(int argc, char **argv, char **envp)
{
	cpt_mark("args-env:start");
	printf("argc = %d\n", argc);
	for (int i = 0; i < argc; i++)
		printf("argv[%d] = \"%s\" (%u bytes)\n", i, argv[i], (unsigned)strlen(argv[i]));
	printf("argv[argc] is NULL: %s\n", argv[argc] == NULL ? "yes" : "no");
	printf("envp follows argv's NULL: %s\n", envp == argv + argc + 1 ? "yes" : "no");
	printf("environ == envp: %s\n", environ == envp ? "yes" : "no");
	int n = 0;
	for (char **e = envp; *e; e++) n++;
	printf("env count = %d\n", n);
	/* Printed sorted: qemu-user hands the guest its environment in reverse order, Linux in order. */
	char **sorted = malloc((size_t)(n + 1) * sizeof *sorted);
	for (int i = 0; i < n; i++) sorted[i] = envp[i];
	qsort(sorted, (size_t)n, sizeof *sorted, cmp_str);
	for (int i = 0; i < n; i++)
		printf("env (sorted) %d: \"%s\"\n", i, sorted[i]);
	free(sorted);
	const char *probe[] = { "CPTBENCH_MODE", "HOME", "LANG", "EMPTY", "NOT_SET" };
	for (unsigned i = 0; i < sizeof probe / sizeof *probe; i++) {
		const char *v = getenv(probe[i]);
		printf("getenv(%s) = %s%s%s\n", probe[i], v ? "\"" : "", v ? v : "(null)", v ? "\"" : "");
	}
	/* Strings live above the pointer arrays, as the kernel lays them out. */
	int above = 1;
	for (int i = 0; i < argc; i++) above &= (uintptr_t)argv[i] > (uintptr_t)(envp + n);
	for (int i = 0; i < n; i++) above &= (uintptr_t)envp[i] > (uintptr_t)(envp + n);
	printf("strings above the pointer arrays: %s\n", above ? "yes" : "no");
	/* The crt0 passed argv = sp + 4 with sp at argc: argv[-1] holds argc. */
	printf("argv[-1] == argc: %s\n", ((int *)argv)[-1] == argc ? "yes" : "no");
	printf("initial sp (argv - 4) 16-byte aligned: %s\n", (((uintptr_t)argv - 4) & 15) == 0 ? "yes" : "no");

	struct utsname u;
	memset(&u, 0, sizeof u);
	long r = sys_uname(&u);
	printf("uname() = %ld, sysname \"%s\", machine starts with riscv: %s\n", r, u.sysname,
	       strncmp(u.machine, "riscv", 5) == 0 ? "yes" : "no");

	fflush(stdout);
	static const char p1[] = "writev: part one, ";
	static const char p2[] = "";
	static const char p3[] = "part three\n";
	struct iovec iov[3] = { { (void *)p1, sizeof p1 - 1 }, { (void *)p2, 0 }, { (void *)p3, sizeof p3 - 1 } };
	long w = sys_writev(1, iov, 3);
	printf("writev returned %ld\n", w);
	printf("write to fd -1: %ld, read from fd -1: %ld\n", sys_write(-1, "x", 1), sys_read(-1, (void *)p1, 0));

	fprintf(stderr, "args-env: this line goes to stderr (argc=%d)\n", argc);
	printf("exiting with status 3\n");
	return 3;
}
