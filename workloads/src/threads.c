/* threads: clone(CLONE_VM|CLONE_THREAD|...) threads on mmap'ed stacks, a futex
 * mutex and atomics.
 *
 * Four threads each add to a counter under the mutex, to a second counter with
 * __atomic_fetch_add (amoadd.w), and to a third with an LR/SC compare-and-swap
 * loop; each also records facts about itself (its tid differs from the
 * process's pid, getpid() is the process's, tp points at its thread_t, its
 * stack address lies in its own mmap'ed stack). The main thread joins them
 * all through the CLONE_CHILD_CLEARTID futex before printing totals, so
 * nothing printed depends on the interleaving. A second round creates and joins
 * threads repeatedly (tid words reused) and checks set_tid_address/gettid.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "cpt.h"
#include "os.h"

#define NTHREADS 4
#define ITERS 20000

static mutex_t lock = MUTEX_INIT;
static long locked_counter;
static volatile int atomic_counter;
static volatile int cas_counter;
static int max_inside;
static volatile int inside;

struct facts {
	int tid_ne_pid, pid_same, tp_ok, stack_ok, index;
	pid_t tid;
};
static struct facts facts[NTHREADS];
static pid_t main_pid;
static thread_t threads[NTHREADS];

static int worker(void *arg)
{
	struct facts *f = arg;
	int local;
	thread_t *self = thread_self();
	f->tid = gettid();
	f->tid_ne_pid = f->tid != main_pid;
	f->pid_same = getpid() == main_pid;
	f->tp_ok = self == &threads[f->index];
	f->stack_ok = (char *)&local > (char *)self->stack && (char *)&local < (char *)self->stack + self->stack_size;
	for (int i = 0; i < ITERS; i++) {
		mutex_lock(&lock);
		int n = __atomic_add_fetch(&inside, 1, __ATOMIC_RELAXED);
		if (n > max_inside) max_inside = n;
		locked_counter += 1;
		__atomic_sub_fetch(&inside, 1, __ATOMIC_RELAXED);
		mutex_unlock(&lock);
		__atomic_fetch_add(&atomic_counter, 2, __ATOMIC_RELAXED);
		int old = cas_counter;
		while (!__atomic_compare_exchange_n(&cas_counter, &old, old + 3, 1, __ATOMIC_ACQ_REL, __ATOMIC_RELAXED))
			;
		if ((i & 1023) == 0) sched_yield();
	}
	return 100 + f->index;
}

static int small(void *arg) { return (int)(long)arg * 2; }

static const char *yn(int b) { return b ? "yes" : "no"; }

int main(void)
{
	cpt_mark("threads:start");
	main_pid = getpid();
	for (int i = 0; i < NTHREADS; i++) {
		facts[i].index = i;
		long r = thread_create(&threads[i], worker, &facts[i], NULL, 0);
		if (r <= 0) { printf("thread_create %d failed: %ld\n", i, r); return 1; }
	}
	cpt_mark("threads:running");
	int results = 0;
	for (int i = 0; i < NTHREADS; i++) results += thread_join(&threads[i]) - 100 - i;
	printf("threads joined: %d, result mismatches %d\n", NTHREADS, results);
	printf("mutex counter %ld (expected %d)\n", locked_counter, NTHREADS * ITERS);
	printf("atomic counter %d (expected %d)\n", atomic_counter, 2 * NTHREADS * ITERS);
	printf("cas counter %d (expected %d)\n", cas_counter, 3 * NTHREADS * ITERS);
	printf("at most one thread inside the mutex: %s\n", yn(max_inside == 1));
	printf("mutex free at the end: %s\n", yn(lock.state == 0));
	int distinct = 1;
	for (int i = 0; i < NTHREADS; i++)
		for (int j = i + 1; j < NTHREADS; j++) distinct &= facts[i].tid != facts[j].tid;
	for (int i = 0; i < NTHREADS; i++)
		printf("thread %d: tid != pid %s, getpid() same %s, tp -> its thread_t %s, on its own stack %s, tid word cleared %s\n",
		       i, yn(facts[i].tid_ne_pid), yn(facts[i].pid_same), yn(facts[i].tp_ok), yn(facts[i].stack_ok),
		       yn(threads[i].tid == 0));
	printf("thread ids distinct: %s\n", yn(distinct));

	/* Many short threads, two at a time, their stacks mmap'ed and unmapped again. */
	int sum = 0;
	for (int i = 0; i < 40; i++) {
		thread_t a, b;
		long ra = thread_create(&a, small, (void *)(long)i, NULL, 16384);
		long rb = thread_create(&b, small, (void *)(long)(i + 1000), NULL, 16384);
		if (ra <= 0 || rb <= 0) { printf("short thread %d failed: %ld %ld\n", i, ra, rb); return 1; }
		sum += thread_join(&b) + thread_join(&a);
	}
	printf("40 pairs of short threads: sum of results %d (expected %d)\n", sum, 2 * (40 * 39 / 2) + 2 * (40 * 39 / 2 + 40 * 1000));
	printf("main thread: gettid() == getpid() %s\n", yn(gettid() == getpid()));
	cpt_mark("threads:end");
	return 0;
}
