/* cptbench-mktree: the user-space restarter of cptbench's "userspace" creator (after Oren
 * Laadan's mktree for linux-cr). Not a workload: its manifest role is "controller".
 *
 *   cptbench-mktree [--pids eclone|ns_last_pid] [--signals none|block] --log LOG --image IMAGE --flags N [--cpt-flags M]
 *
 * 1. unshare(CLONE_NEWPID) makes the container's pid namespace: this program's next child is
 *    its init. restart(0, fd, RESTART_TREE, NULL, 0) has the kernel read and decode IMAGE (the
 *    only parse of it), put that namespace in its "restarting" state and make the namespaces
 *    nested in it; it returns the number of tasks, and a second call with a buffer gives the
 *    task table: per task its pid in the container, the index of the task that forks it (-1:
 *    this program), and whether it is a thread or a zombie.
 * 2. The tree is forked from here: each task is forked by its creator with its own pid —
 *    clone_with_pid (syscall 803), or, with --pids ns_last_pid, by writing pid - 1 to
 *    /proc/sys/kernel/ns_last_pid and forking, which a concurrent fork can defeat. Each new task
 *    forks its own children and threads, then calls restart(0, 0, RESTART_TASK): the kernel
 *    restores the task over itself, and it never returns. The instructions from fork's return
 *    to that call are the signal-race window; --signals block blocks every blockable signal
 *    from before the first fork (the image's masks replace it) and asks the kernel to hold
 *    signals from outside the container until the restart completes.
 * 3. restart(0, 0, RESTART_WAIT) waits for the container to be whole and returns its init's
 *    pid, logged "restart <pid or -errno>" (exit 111 if it failed); then, like cptbench-ctl,
 *    it waits for the init: "exit <raw status>", and exits with its shell-style status.
 * N is accepted for cptbench-ctl compatibility and must be 0. --cpt-flags M is cptbench-ctl
 * restart's: the restored container can be checkpointed again, each SIGUSR1 writing IMAGE anew
 * with checkpoint(init, fd, M) (ctl-wait.h); the handler is in place from the start, so a
 * SIGUSR1 is never fatal (the tasks forked inherit it only until their restore replaces it).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "os.h"
#include "fsys.h"
#define CTL_NAME "cptbench-mktree"
#include "ctl-wait.h"

#define RESTART_TREE 1
#define RESTART_TASK 2
#define RESTART_WAIT 3
#define KIND_THREAD  1
#define NR_CLONE_WITH_PID 803
#define THREAD_FLAGS (CLONE_VM | CLONE_FS | CLONE_FILES | CLONE_SIGHAND | CLONE_THREAD | CLONE_SYSVSEM)
#define STACK_SIZE 8192

struct entry { int pid, creator; unsigned kind, pad; };

static struct entry *tab;
static int ntask, *first_child, *next_sibling;
static char **stacks;
static int use_eclone = 1, block_signals = 1;

/* mk_clone(fn, stack_top, flags, arg, nr, pid): clone (nr 220) or clone_with_pid (nr 803, pid
 * in a5) with fn(arg) run on the new stack in the child, then exit (a thread). */
long mk_clone(int (*fn)(void *), void *stack_top, unsigned long flags, void *arg, long nr, long pid);
__asm__(
	"	.section .text.mk_clone, \"ax\", @progbits\n"
	"	.globl	mk_clone\n"
	"	.type	mk_clone, @function\n"
	"mk_clone:\n"
	"	andi	a1, a1, -16\n"
	"	addi	a1, a1, -16\n"
	"	sw	a0, 0(a1)\n"
	"	sw	a3, 4(a1)\n"
	"	mv	a7, a4\n"
	"	mv	a0, a2\n"
	"	li	a2, 0\n"
	"	li	a3, 0\n"
	"	li	a4, 0\n"
	"	ecall\n"
	"	beqz	a0, 1f\n"
	"	ret\n"
	"1:	li	ra, 0\n"
	"	li	s0, 0\n"
	"	lw	t0, 0(sp)\n"
	"	lw	a0, 4(sp)\n"
	"	jalr	t0\n"
	"	li	a7, 93\n"
	"	ecall\n"
	"2:	j	2b\n"
	"	.size	mk_clone, . - mk_clone\n");

__attribute__((noreturn)) static void usage(const char *msg, const char *arg)
{
	fprintf(stderr, "cptbench-mktree: %s%s%s\n", msg, arg ? ": " : "", arg ? arg : "");
	fprintf(stderr, "usage: cptbench-mktree [--pids eclone|ns_last_pid] [--signals none|block] --log LOG --image IMAGE --flags 0 [--cpt-flags M]\n");
	exit(2);
}

/* ns_last_pid as this task's pid namespace sees it (the container's, for every task forked). */
static void set_last_pid(int pid)
{
	char buf[16];
	long fd = open("/proc/sys/kernel/ns_last_pid", O_WRONLY | O_CLOEXEC, 0);
	if (fd < 0) return;   /* the fork then takes whatever pid comes: the kernel refuses it */
	int n = snprintf(buf, sizeof buf, "%d", pid - 1);
	(void)write(fd, buf, n);
	close(fd);
}

static void make(int i);

static int thread_main(void *arg)
{
	make((int)(long)arg);
	return 0;
}

/* Fork task j from the calling task. In a process child this does not return (make). */
static void create(int j)
{
	long r;
	long nr = use_eclone ? NR_CLONE_WITH_PID : 220;
	if (!use_eclone) set_last_pid(tab[j].pid);
	if (tab[j].kind & KIND_THREAD) {
		r = mk_clone(thread_main, stacks[j], THREAD_FLAGS, (void *)(long)j, nr, tab[j].pid);
	} else {
		r = __syscall6(nr, SIGCHLD, 0, 0, 0, 0, tab[j].pid);
		if (r == 0) make(j);
	}
	/* A task that cannot be made ends its creator: the kernel sees it die and fails the restart. */
	if (r < 0) _exit(121);
}

/* Task i: fork its children and threads, then restore itself. */
static void make(int i)
{
	for (int j = first_child[i]; j >= 0; j = next_sibling[j]) create(j);
	(void)__syscall5(SYS_restart, 0, 0, RESTART_TASK, 0, 0);
	_exit(120);   /* only if the restart failed (the kernel kills us then anyway) */
}

int main(int argc, char **argv)
{
	const char *log = NULL, *image = NULL, *flags = NULL, *cpt_flags = NULL;
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		if (i + 1 >= argc) usage("missing value for", a);
		const char *v = argv[++i];
		if (strcmp(a, "--log") == 0) log = v;
		else if (strcmp(a, "--image") == 0) image = v;
		else if (strcmp(a, "--flags") == 0) flags = v;
		else if (strcmp(a, "--pids") == 0) {
			if (strcmp(v, "eclone") == 0) use_eclone = 1;
			else if (strcmp(v, "ns_last_pid") == 0) use_eclone = 0;
			else usage("--pids wants eclone or ns_last_pid", v);
		} else if (strcmp(a, "--signals") == 0) {
			if (strcmp(v, "block") == 0) block_signals = 1;
			else if (strcmp(v, "none") == 0) block_signals = 0;
			else usage("--signals wants none or block", v);
		} else if (strcmp(a, "--cpt-flags") == 0) cpt_flags = v;   /* last: the usual options parse as before */
		else usage("unknown option", a);
	}
	if (!log) usage("missing --log", NULL);
	if (!image) usage("missing --image", NULL);
	if (!flags || strcmp(flags, "0") != 0) usage("--flags must be 0", flags);
	unsigned long cflags = 0;
	if (cpt_flags) {
		char *end;
		if (*cpt_flags < '0' || *cpt_flags > '9') usage("--cpt-flags wants a number", cpt_flags);
		cflags = strtoul(cpt_flags, &end, 0);
		if (*end != 0) usage("--cpt-flags wants a number", cpt_flags);
		os_signal(SIGUSR1, on_usr1, 0 /* no SA_RESTART: the wait returns EINTR */, NULL);
	}

	long fd = open(log, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
	if (fd < 0) {
		fprintf(stderr, "cptbench-mktree: open %s: %s\n", log, ename(fd));
		return 1;
	}
	logfd = (int)fd;
	long img = open(image, O_RDONLY | O_CLOEXEC, 0);
	long n = img < 0 ? img : __syscall1(SYS_unshare, CLONE_NEWPID);
	if (n == 0) n = __syscall5(SYS_restart, 0, img, RESTART_TREE, 0, 0);
	if (n > 0) {
		ntask = (int)n;
		tab = malloc(ntask * sizeof *tab);
		first_child = malloc((ntask + 1) * sizeof(int));
		next_sibling = malloc(ntask * sizeof(int));
		stacks = malloc(ntask * sizeof(char *));
		if (!tab || !first_child || !next_sibling || !stacks) n = -ENOMEM;
		else n = __syscall5(SYS_restart, 0, img, RESTART_TREE, (long)tab, ntask * (long)sizeof *tab);
	}
	if (n > 0) {
		/* Children lists, in table order; index ntask stands for this program (creator -1). */
		for (int i = 0; i <= ntask; i++) first_child[i] = -1;
		for (int i = ntask - 1; i >= 0; i--) {
			int c = tab[i].creator < 0 ? ntask : tab[i].creator;
			next_sibling[i] = first_child[c];
			first_child[c] = i;
			stacks[i] = NULL;
			if (tab[i].kind & KIND_THREAD) {
				char *s = malloc(STACK_SIZE);
				if (s) stacks[i] = s + STACK_SIZE;
				else n = -ENOMEM;
			}
		}
	}
	if (n > 0) {
		sigset_t all, old;
		sigfillset(&all);
		if (block_signals) sigprocmask(SIG_BLOCK, &all, &old);
		for (int j = first_child[ntask]; j >= 0; j = next_sibling[j]) create(j);
		n = __syscall5(SYS_restart, 0, 0, RESTART_WAIT, 0, 0);
		if (block_signals) sigprocmask(SIG_SETMASK, &old, NULL);
	}
	if (img >= 0) close(img);
	logline("restart", n);
	if (n < 0) return 111;
	if (cpt_flags) wait_for((pid_t)n, image, cflags, 1);
	int st = 0;
	for (;;) {
		pid_t r = waitpid((pid_t)n, &st, 0);
		if (r == -EINTR) continue;
		if (r < 0) {
			fprintf(stderr, "cptbench-mktree: wait for %ld: %s\n", n, ename(r));
			return 1;
		}
		break;
	}
	logline("exit", st);
	return shell_status(st);
}
