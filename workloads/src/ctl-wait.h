/* ctl-wait.h - the wait of cptbench's scenario programs (cptbench-ctl, cptbench-mktree) for the
 * container init they started or restored, checkpointing that container on each SIGUSR1.
 * Header-only: each program is one translation unit (build.sh compiles src/<name>.c alone).
 *
 * The log is one write() per line, "<verb> <number>\n", opened by the program into logfd.
 * wait_for(pid, image, flags, checkpoints) returns only through exit(): it logs "exit <raw wait
 * status>" and exits with the init's shell-style status. With `checkpoints`, each SIGUSR1 opens
 * IMAGE O_WRONLY|O_CREAT|O_TRUNC 0600, calls checkpoint(pid, fd, flags) and logs "checkpoint
 * <rc>"; with flags & CPT_KILL a successful checkpoint kills the container and the wait goes on.
 * The SIGUSR1 handler (on_usr1) is the caller's to install, before anyone may send one: the
 * default action would end the program. */
#ifndef CTL_WAIT_H
#define CTL_WAIT_H

#ifndef CTL_NAME
#error "define CTL_NAME (the program's name, for its messages) before including ctl-wait.h"
#endif

#include <stdio.h>
#include <stdlib.h>
#include "os.h"
#include "fsys.h"

static int logfd = -1;
static volatile int want_checkpoint;

static void on_usr1(int sig)
{
	(void)sig;
	want_checkpoint = 1;
}

static void on_chld(int sig)
{
	(void)sig;
}

static void logline(const char *what, long value)
{
	char line[64];
	int n = snprintf(line, sizeof line, "%s %ld\n", what, value);
	(void)write(logfd, line, n);
}

/* The status a shell reports for a wait status: the exit code, or 128 + the signal. */
static int shell_status(int st)
{
	return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
}

/* SIGUSR1 and SIGCHLD stay blocked except inside sigsuspend, so a SIGUSR1 that comes between the
 * check of want_checkpoint and the wait cannot be lost (a blocking waitpid there would sleep
 * through it). */
__attribute__((noreturn)) static void wait_for(pid_t pid, const char *image, unsigned long flags, int checkpoints)
{
	int st = 0;
	sigset_t both, old;
	sigemptyset(&both);
	sigaddset(&both, SIGUSR1);
	sigaddset(&both, SIGCHLD);
	sigprocmask(SIG_BLOCK, &both, &old);
	/* Installed only now: a container init forked before does not inherit it. */
	os_signal(SIGCHLD, on_chld, 0, NULL);
	sigset_t during = old;
	sigdelset(&during, SIGUSR1);
	sigdelset(&during, SIGCHLD);
	for (;;) {
		if (checkpoints && want_checkpoint) {
			want_checkpoint = 0;
			long fd = open(image, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
			long rc = fd < 0 ? fd : __syscall3(SYS_checkpoint, pid, fd, (long)flags);
			if (fd >= 0) close(fd);
			logline("checkpoint", rc);
			/* With CPT_KILL and rc == 0 the kernel is killing the container: keep waiting. */
		}
		pid_t r = waitpid(pid, &st, WNOHANG);
		if (r == pid) break;
		if (r < 0 && r != -EINTR) {
			fprintf(stderr, CTL_NAME ": wait for %d: %s\n", pid, ename(r));
			exit(1);
		}
		sigsuspend(&during);   /* returns once a SIGUSR1 or SIGCHLD handler has run */
	}
	logline("exit", st);
	exit(shell_status(st));
}

#endif
