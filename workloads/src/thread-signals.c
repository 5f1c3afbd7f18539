/* thread-signals: signals in a multi-threaded process.
 *
 * Two worker threads wait on futex words. tgkill() runs the handler in the
 * thread named (it records gettid()); a process-directed kill() goes to the
 * one thread that has the signal unblocked (each thread's sigprocmask is its
 * own); a handler installed by a thread is the process's;
 * sigpending() in a thread shows its own pending signals and the process's;
 * a thread blocked in sigtimedwait takes a process-directed signal blocked
 * everywhere; a thread-directed signal interrupts that thread's FUTEX_WAIT
 * with -EINTR. In child processes: tgkill(SIGKILL) or a fatal default
 * signal to one thread kills the whole process; exit_group from a thread
 * ends every thread. Workers report into their own slots; the main thread
 * prints after each step has been acknowledged.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "cpt.h"
#include "os.h"

static const char *yn(int b) { return b ? "yes" : "no"; }

enum { CMD_NONE, CMD_BLOCK_USR1, CMD_UNBLOCK_USR1, CMD_PENDING, CMD_SIGWAIT, CMD_FUTEX, CMD_INSTALL, CMD_EXIT };

struct worker {
	thread_t t;
	volatile int cmd;     /* futex word: the command to run */
	volatile int done;    /* futex word: commands completed */
	volatile pid_t tid;
	volatile long result;
	sigset_t pending;
	char stack[16384] __attribute__((aligned(16)));
};
static struct worker w[2];

static volatile pid_t handled_by[64];
static volatile int handled_count[64];

static void handler(int sig)
{
	handled_by[sig] = gettid();
	handled_count[sig]++;
}

static void post(volatile int *word, int v)
{
	__atomic_store_n(word, v, __ATOMIC_RELEASE);
	futex(word, FUTEX_WAKE, 1, NULL, NULL, 0);
}

static void wait_change(volatile int *word, int from)
{
	int v;
	while ((v = __atomic_load_n(word, __ATOMIC_ACQUIRE)) == from) futex(word, FUTEX_WAIT, v, NULL, NULL, 0);
}

static volatile int futex_word;

static int worker_main(void *arg)
{
	struct worker *me = arg;
	me->tid = gettid();
	int seen = 0;
	for (;;) {
		wait_change(&me->cmd, CMD_NONE);
		int c = me->cmd;
		me->cmd = CMD_NONE;
		sigset_t s;
		sigemptyset(&s);
		sigaddset(&s, SIGUSR1);
		switch (c) {
		case CMD_BLOCK_USR1: me->result = sigprocmask(SIG_BLOCK, &s, NULL); break;
		case CMD_UNBLOCK_USR1: me->result = sigprocmask(SIG_UNBLOCK, &s, NULL); break;
		case CMD_PENDING: me->result = sigpending(&me->pending); break;
		case CMD_SIGWAIT: {
			sigset_t ws;
			sigemptyset(&ws);
			sigaddset(&ws, SIGUSR2);
			siginfo_t si;
			post(&me->done, ++seen);   /* ack before blocking */
			me->result = sigtimedwait(&ws, &si, NULL);
			break;
		}
		case CMD_FUTEX:
			post(&me->done, ++seen);
			me->result = futex_wait(&futex_word, 0, NULL);
			break;
		case CMD_INSTALL: me->result = os_signal(SIGHUP, handler, 0, NULL); break;
		case CMD_EXIT: post(&me->done, ++seen); return 0;
		}
		post(&me->done, ++seen);
	}
}

static int acks[2];
/* Run a command in worker i and wait for it to finish (SIGWAIT/FUTEX: until it blocks, then
 * again until it returns). */
static void run(int i, int cmd)
{
	int base = w[i].done;
	post(&w[i].cmd, cmd);
	wait_change(&w[i].done, base);
	acks[i] = w[i].done;
}
static void wait_done(int i)
{
	wait_change(&w[i].done, acks[i]);
	acks[i] = w[i].done;
}

static void park(void)
{
	sigset_t none;
	sigemptyset(&none);
	for (;;) sigsuspend(&none);
}

static int exit_group_thread(void *arg) { sys_exit_group(33); }
static int fault_thread(void *arg)
{
	tgkill(getpid(), gettid(), (int)(long)arg);
	for (;;) sched_yield();
	return 0;
}
static char tstack[16384] __attribute__((aligned(16)));

int main(void)
{
	cpt_mark("thread-signals:start");
	pid_t me = getpid();
	os_signal(SIGUSR1, handler, 0, NULL);
	os_signal(SIGUSR2, handler, 0, NULL);
	/* SIGHUP and SIGUSR2 blocked in every thread (the workers inherit this mask). */
	sigset_t hup, usr2;
	sigemptyset(&hup);
	sigaddset(&hup, SIGHUP);
	sigemptyset(&usr2);
	sigaddset(&usr2, SIGUSR2);
	sigprocmask(SIG_BLOCK, &hup, NULL);
	sigprocmask(SIG_BLOCK, &usr2, NULL);
	for (int i = 0; i < 2; i++) thread_create(&w[i].t, worker_main, &w[i], w[i].stack, sizeof w[i].stack);
	while (w[0].tid == 0 || w[1].tid == 0) sched_yield();

	/* 1. tgkill picks the thread */
	for (int i = 0; i < 2; i++) {
		handled_by[SIGUSR1] = 0;
		int base = w[i].done;
		tgkill(me, w[i].tid, SIGUSR1);
		post(&w[i].cmd, CMD_PENDING);   /* wake it: the handler runs before the command */
		wait_change(&w[i].done, base);
		printf("tgkill(worker %d, SIGUSR1): handled by that worker %s\n", i, yn(handled_by[SIGUSR1] == w[i].tid));
	}
	handled_by[SIGUSR1] = 0;
	tgkill(me, gettid(), SIGUSR1);
	printf("tgkill(main thread): handled by the main thread %s\n", yn(handled_by[SIGUSR1] == gettid()));

	/* 2. a process-directed signal goes to the only thread that has it unblocked */
	cpt_mark("thread-signals:process");
	sigset_t usr1;
	sigemptyset(&usr1);
	sigaddset(&usr1, SIGUSR1);
	sigprocmask(SIG_BLOCK, &usr1, NULL);
	run(0, CMD_BLOCK_USR1);
	handled_by[SIGUSR1] = 0;
	handled_count[SIGUSR1] = 0;
	kill(me, SIGUSR1);
	run(1, CMD_PENDING);   /* worker 1 runs the handler on its way */
	while (handled_count[SIGUSR1] == 0) sched_yield();
	printf("kill(process, SIGUSR1) with only worker 1 unblocked: handled by worker 1 %s, once %s\n",
	       yn(handled_by[SIGUSR1] == w[1].tid), yn(handled_count[SIGUSR1] == 1));

	/* 3. sigpending in a thread: its own plus the process's */
	run(1, CMD_BLOCK_USR1);
	tgkill(me, w[0].tid, SIGUSR1);   /* pending on worker 0 only */
	run(0, CMD_PENDING);
	run(1, CMD_PENDING);
	printf("SIGUSR1 sent to worker 0 while blocked: pending there %s, in worker 1 %s\n",
	       yn(sigismember(&w[0].pending, SIGUSR1)), yn(sigismember(&w[1].pending, SIGUSR1)));
	run(0, CMD_INSTALL);   /* SIGHUP handler installed by a worker */
	kill(me, SIGHUP);      /* blocked in every thread: process-pending */
	run(0, CMD_PENDING);
	run(1, CMD_PENDING);
	sigset_t mp;
	sigpending(&mp);
	printf("process-directed SIGHUP blocked everywhere: pending in worker 0 %s, worker 1 %s, main %s\n",
	       yn(sigismember(&w[0].pending, SIGHUP)), yn(sigismember(&w[1].pending, SIGHUP)), yn(sigismember(&mp, SIGHUP)));
	handled_count[SIGHUP] = 0;
	sigprocmask(SIG_UNBLOCK, &hup, NULL);   /* main takes SIGHUP now, with the worker's handler */
	printf("handler installed by worker 0 ran in the main thread: %s\n",
	       yn(handled_count[SIGHUP] == 1 && handled_by[SIGHUP] == gettid()));
	run(0, CMD_UNBLOCK_USR1);   /* worker 0 takes its pending SIGUSR1 */
	printf("worker 0's own SIGUSR1 delivered on unblocking: %s\n", yn(handled_by[SIGUSR1] == w[0].tid));

	/* 4. sigtimedwait in a thread takes a process-directed signal */
	cpt_mark("thread-signals:sigwait");
	run(1, CMD_SIGWAIT);   /* worker 1 now waits in sigtimedwait(SIGUSR2), blocked everywhere */
	handled_count[SIGUSR2] = 0;
	kill(me, SIGUSR2);
	wait_done(1);
	printf("sigtimedwait(SIGUSR2) in worker 1 = %ld, the handler did not run %s\n", w[1].result,
	       yn(handled_count[SIGUSR2] == 0));

	/* 5. a thread-directed signal interrupts that thread's FUTEX_WAIT */
	run(1, CMD_UNBLOCK_USR1);
	run(1, CMD_FUTEX);
	handled_by[SIGUSR1] = 0;
	/* The worker may not be asleep yet: signal until its FUTEX_WAIT returns (the word never
	 * changes, so only a signal can end it). */
	while (__atomic_load_n(&w[1].done, __ATOMIC_ACQUIRE) == acks[1]) {
		tgkill(me, w[1].tid, SIGUSR1);
		usleep(500);
	}
	wait_done(1);
	printf("FUTEX_WAIT in worker 1 interrupted by its SIGUSR1: %ld (-EINTR), handled there %s\n", w[1].result,
	       yn(handled_by[SIGUSR1] == w[1].tid));

	for (int i = 0; i < 2; i++) {
		post(&w[i].cmd, CMD_EXIT);
		thread_join(&w[i].t);
	}
	printf("workers joined\n");

	/* 6. whole-process effects, in children */
	cpt_mark("thread-signals:fatal");
	static const struct { const char *what; int sig; } cases[] = {
		{ "a thread sends itself SIGKILL:", SIGKILL },
		{ "a thread sends itself SIGTERM (default):", SIGTERM },
	};
	for (int k = 0; k < 2; k++) {
		pid_t c = fork();
		if (c == 0) {
			os_signal(SIGTERM, SIG_DFL, 0, NULL);
			static thread_t t;
			thread_create(&t, fault_thread, (void *)(long)cases[k].sig, tstack, sizeof tstack);
			park();
		}
		int st = -1;
		waitpid(c, &st, 0);
		printf("%-44s process killed by signal %d\n", cases[k].what, WIFSIGNALED(st) ? WTERMSIG(st) : -1);
	}
	pid_t c = fork();
	if (c == 0) {
		static thread_t t;
		thread_create(&t, exit_group_thread, NULL, tstack, sizeof tstack);
		park();
	}
	int st = -1;
	waitpid(c, &st, 0);
	printf("%-44s exit status %d\n", "a thread calls exit_group(33):", WIFEXITED(st) ? WEXITSTATUS(st) : -1);
	cpt_mark("thread-signals:end");
	return 0;
}
