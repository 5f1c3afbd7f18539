/* cptbench-ctl: the controller of cptbench's checkpoint/restart scenarios (not a workload: its
 * manifest role is "controller" and it has no oracle; it cannot run under qemu-riscv32, where
 * clone(CLONE_NEWPID) is EINVAL and the C/R calls are ENOSYS).
 *
 *   cptbench-ctl run [--self] --log LOG --image IMAGE --flags N --workdir DIR --cgroup NAME [--init-creds UID:GID[:G,...]] -- PATH [ARGS...]
 *   cptbench-ctl restart --log LOG --image IMAGE --flags N [--cpt-flags M]
 *
 * run: mkdir DIR (EEXIST ok) and chdir into it; make the freezer cgroup NAME and join it, so the
 * container's tasks inherit it; clone(CLONE_NEWPID) a container init ("cinit", pid 1 inside),
 * then move back to the root group. cinit calls setsid, forks the workload (execve PATH with
 * argv = PATH ARGS..., the controller's environment) and reaps every child until ECHILD, then
 * exits with the workload's shell-style status. The controller waits for cinit; each SIGUSR1
 * (installed without SA_RESTART, so the wait returns EINTR) checkpoints the container:
 * IMAGE opened O_WRONLY|O_CREAT|O_TRUNC 0600 (relative to DIR), checkpoint(cinit, fd, N),
 * logged "checkpoint <rc>". With N & CPT_KILL (1) a successful checkpoint kills the container
 * and the controller keeps waiting. At cinit's end it logs "exit <raw wait status>" and exits
 * with cinit's shell-style status (the exit code, or 128 + the signal).
 *
 * run --init-creds UID:GID[:G,...]: once the workload is forked, cinit takes these credentials
 * (setgroups, setgid, setuid: as root that sets every id and drops every capability). For a
 * workload that drops privileges itself (ZDTM's tests switch to zdtm.py's unprivileged ids) and
 * checkpoints itself (--self): a task may only checkpoint tasks whose credentials it could have
 * set, so its container's init must not be more privileged than it.
 *
 * run --self: the container checkpoints itself (the "self" initiator): the workload's
 * environment gets CPTBENCH_CKPT=IMAGE (IMAGE must be absolute) and its runtime calls
 * checkpoint(0, fd, flags) at the point the scenario runner picks, with the flags the runner
 * gives there (N is not used); the controller only waits, and SIGUSR1 does nothing.
 *
 * restart: restart(0, fd of IMAGE, N), logged "restart <pid or -errno>" (exit 111 if it
 * failed), then waits for that pid like run does: "exit <raw status>", same exit status. With
 * --cpt-flags M the restored container can be checkpointed again, as run's is: each SIGUSR1
 * writes IMAGE anew with checkpoint(pid, fd, M) (zdtm.py --iters: dump, restore, dump again).
 * The handler is in place before the restart, so a SIGUSR1 sent as soon as the container
 * exists is never fatal; without the option SIGUSR1 keeps its default action.
 *
 * The log is opened O_WRONLY|O_CREAT|O_APPEND|O_CLOEXEC before anything else, one write() per
 * line, and is not inherited by the container. Nothing is written to stdout (it belongs to the
 * workload); usage errors go to stderr with exit status 2.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "os.h"
#include "fsys.h"
#define CTL_NAME "cptbench-ctl"
#include "ctl-wait.h"

#define CPT_KILL 1
#define FREEZER "/sys/fs/cgroup/freezer"

__attribute__((noreturn)) static void usage(const char *msg, const char *arg)
{
	fprintf(stderr, "cptbench-ctl: %s%s%s\n", msg, arg ? ": " : "", arg ? arg : "");
	fprintf(stderr,
		"usage: cptbench-ctl run [--self] --log LOG --image IMAGE --flags N --workdir DIR --cgroup NAME [--init-creds UID:GID[:G,...]] -- PATH [ARGS...]\n"
		"       cptbench-ctl restart --log LOG --image IMAGE --flags N [--cpt-flags M]\n");
	exit(2);
}

__attribute__((noreturn)) static void fail(const char *what, const char *arg, long err)
{
	fprintf(stderr, "cptbench-ctl: %s %s: %s\n", what, arg, ename(err));
	exit(1);
}

/* Writes "<pid>\n" to a cgroup's tasks file. */
static long join_cgroup(const char *tasks, long pid)
{
	char buf[16];
	long fd = open(tasks, O_WRONLY | O_CLOEXEC, 0);
	if (fd < 0) return fd;
	int n = snprintf(buf, sizeof buf, "%ld\n", pid);
	long r = write(fd, buf, n);
	close(fd);
	return r < 0 ? r : 0;
}

/* The environment plus one entry, for run --self (the workload's runtime reads it). */
static char **with_env(char **envp, const char *entry)
{
	int n = 0;
	while (envp[n]) n++;
	char **e = malloc((n + 2) * sizeof *e);
	if (!e) return envp;
	for (int i = 0; i < n; i++) e[i] = envp[i];
	e[n] = (char *)entry;
	e[n + 1] = NULL;
	return e;
}

/* run's --init-creds, outside struct opts for the reason cpt_flags_opt is (see there). */
static const char *init_creds_opt;

#define SYS_setgroups 159
#define MAX_GROUPS 32

/* --init-creds UID:GID[:G,...]: setgroups, setgid, setuid, in the order that still has the rights. */
static void take_creds(const char *spec)
{
	char *p;
	unsigned long uid = strtoul(spec, &p, 10);
	if (*p != ':') usage("--init-creds wants UID:GID[:G,...]", spec);
	unsigned long gid = strtoul(p + 1, &p, 10);
	unsigned int groups[MAX_GROUPS];
	long n = 0;
	if (*p == ':') {
		do {
			if (n == MAX_GROUPS) usage("--init-creds: too many groups", spec);
			groups[n++] = (unsigned int)strtoul(p + 1, &p, 10);
		} while (*p == ',');
	}
	if (*p != 0) usage("--init-creds wants UID:GID[:G,...]", spec);
	long r = __syscall2(SYS_setgroups, n, (long)groups);
	if (r == 0) r = setgid((gid_t)gid);
	if (r == 0) r = setuid((uid_t)uid);
	if (r < 0) {
		fprintf(stderr, "cptbench-ctl: --init-creds %s: %s\n", spec, ename(r));
		_exit(125);
	}
}

/* The container's init: pid 1 of the new namespace. Never returns. */
__attribute__((noreturn)) static void cinit(char *path, char **argv, char **envp)
{
	close(logfd);
	os_signal(SIGUSR1, SIG_DFL, 0, NULL);
	setsid();
	pid_t w = fork();
	if (w == 0) {
		long r = sys_execve(path, argv, envp);
		fprintf(stderr, "cptbench-ctl: execve %s: %s\n", path, ename(r));
		_exit(127);
	}
	if (w < 0) {
		fprintf(stderr, "cptbench-ctl: fork: %s\n", ename(w));
		_exit(126);
	}
	if (init_creds_opt) take_creds(init_creds_opt);
	int wst = 0, st;
	for (;;) {
		pid_t r = waitpid(-1, &st, 0);
		if (r == -EINTR) continue;
		if (r < 0) break;   /* ECHILD: the workload and every orphan it left are reaped */
		if (r == w) wst = st;
	}
	_exit(shell_status(wst));
}

struct opts {
	const char *log, *image, *flags, *workdir, *cgroup;
	int self;
};

/* restart's --cpt-flags, outside struct opts: run's start-up executes (within an instruction) what
 * it did before the option existed, and a random checkpoint point counts the controller's too. */
static const char *cpt_flags_opt;

/* Always inlined: as a call it would add instructions to run's start-up (see cpt_flags_opt). */
static inline __attribute__((always_inline)) unsigned long parse_flags(const char *s)
{
	char *end;
	if (*s < '0' || *s > '9') usage("--flags wants a number", s);
	unsigned long v = strtoul(s, &end, 0);
	if (*end != 0) usage("--flags wants a number", s);
	return v;
}

/* Parses options from argv[i]; returns the index after "--" (run) or after the last option. */
static int parse(int argc, char **argv, int i, struct opts *o, int run)
{
	for (; i < argc; i++) {
		const char *a = argv[i];
		if (run && strcmp(a, "--") == 0) return i + 1;
		if (run && strcmp(a, "--self") == 0) {
			o->self = 1;
			continue;
		}
		const char **slot = NULL;
		if (strcmp(a, "--log") == 0) slot = &o->log;
		else if (strcmp(a, "--image") == 0) slot = &o->image;
		else if (strcmp(a, "--flags") == 0) slot = &o->flags;
		else if (run && strcmp(a, "--workdir") == 0) slot = &o->workdir;
		else if (run && strcmp(a, "--cgroup") == 0) slot = &o->cgroup;
		else if (!run && strcmp(a, "--cpt-flags") == 0) slot = &cpt_flags_opt;
		else if (run && strcmp(a, "--init-creds") == 0) slot = &init_creds_opt;
		else usage("unknown option", a);
		if (i + 1 >= argc) usage("missing value for", a);
		*slot = argv[++i];
	}
	if (run) usage("missing -- PATH", NULL);
	return i;
}

int main(int argc, char **argv, char **envp)
{
	struct opts o = { 0 };
	if (argc < 2) usage("missing command", NULL);
	int run = strcmp(argv[1], "run") == 0;
	if (!run && strcmp(argv[1], "restart") != 0) usage("unknown command", argv[1]);
	int i = parse(argc, argv, 2, &o, run);
	if (!o.log) usage("missing --log", NULL);
	if (!o.image) usage("missing --image", NULL);
	if (!o.flags) usage("missing --flags", NULL);
	unsigned long flags = parse_flags(o.flags);
	if (run) {
		if (!o.workdir) usage("missing --workdir", NULL);
		if (!o.cgroup) usage("missing --cgroup", NULL);
		if (i >= argc) usage("missing PATH after --", NULL);
		if (o.self && o.image[0] != '/') usage("--self needs an absolute --image", o.image);
	}

	long fd = open(o.log, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
	if (fd < 0) fail("open", o.log, fd);
	logfd = (int)fd;

	if (!run) {
		unsigned long cpt_flags = cpt_flags_opt ? parse_flags(cpt_flags_opt) : 0;
		if (cpt_flags_opt) os_signal(SIGUSR1, on_usr1, 0 /* no SA_RESTART: the wait returns EINTR */, NULL);
		fd = open(o.image, O_RDONLY | O_CLOEXEC, 0);
		long pid = fd < 0 ? fd : __syscall3(SYS_restart, 0, fd, (long)flags);
		if (fd >= 0) close(fd);
		logline("restart", pid);
		if (pid < 0) exit(111);
		wait_for((pid_t)pid, o.image, cpt_flags, cpt_flags_opt != NULL);
	}

	long r = mkdir(o.workdir, 0755);
	if (r < 0 && r != -EEXIST) fail("mkdir", o.workdir, r);
	r = chdir(o.workdir);
	if (r < 0) fail("chdir", o.workdir, r);

	char group[256], tasks[300];
	if (snprintf(group, sizeof group, FREEZER "/%s", o.cgroup) >= (int)sizeof group) usage("cgroup name too long", o.cgroup);
	snprintf(tasks, sizeof tasks, "%s/tasks", group);
	r = mkdir(group, 0755);
	if (r < 0 && r != -EEXIST) fail("mkdir", group, r);
	long self = getpid();
	r = join_cgroup(tasks, self);
	if (r < 0) fail("join", tasks, r);

	/* The handler may run before the container exists: the flag waits for the loop below. */
	os_signal(SIGUSR1, on_usr1, 0 /* no SA_RESTART: the wait returns EINTR */, NULL);

	static char ckpt_env[300];
	if (o.self) {
		if (snprintf(ckpt_env, sizeof ckpt_env, "CPTBENCH_CKPT=%s", o.image) >= (int)sizeof ckpt_env) usage("image path too long", o.image);
		envp = with_env(envp, ckpt_env);
	}
	long child = sys_clone(CLONE_NEWPID | SIGCHLD, NULL, NULL, NULL, NULL);
	if (child == 0) cinit(argv[i], &argv[i], envp);
	if (child < 0) fail("clone(CLONE_NEWPID)", "", child);
	r = join_cgroup(FREEZER "/tasks", self);
	if (r < 0) fail("join", FREEZER "/tasks", r);
	wait_for((pid_t)child, o.image, flags, !o.self);
}
