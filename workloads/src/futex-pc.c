/* futex-pc: a bounded producer/consumer queue on a futex mutex and condition
 * variables, and the futex system call's own answers.
 *
 * Two producers push 1..N and 100001..100000+N into an 8-slot ring, three
 * consumers pop until they see a stop marker; the main thread joins everyone
 * and prints only totals (count, sum, xor, per-producer order kept). Thread
 * stacks come from malloc here (the threads workload covers mmap'ed stacks), so
 * this one depends on brk only.
 *
 * Then the raw futex: FUTEX_WAIT on a changed value gives EAGAIN, a relative
 * timeout gives ETIMEDOUT, FUTEX_WAKE with nobody waiting wakes 0, a bad op is
 * ENOSYS, an unaligned address EINVAL; three threads wait on one word and
 * FUTEX_WAKE(1) calls are repeated until all three have been woken (each
 * call's count is added, so the total is 3 whatever the timing); a
 * FUTEX_WAIT_BITSET with an absolute CLOCK_MONOTONIC deadline in the past
 * times out at once; FUTEX_CMP_REQUEUE with a wrong expected value is EAGAIN.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "cpt.h"
#include "os.h"

#define RING 8
#define PER_PRODUCER 3000
#define NPROD 2
#define NCONS 3
#define STOP (-1)

static mutex_t m = MUTEX_INIT;
static cond_t not_full = COND_INIT, not_empty = COND_INIT;
static int ring[RING], head, count;

static void push(int v)
{
	mutex_lock(&m);
	while (count == RING) cond_wait(&not_full, &m);
	ring[(head + count) % RING] = v;
	count++;
	cond_signal(&not_empty);
	mutex_unlock(&m);
}

static int pop(void)
{
	mutex_lock(&m);
	while (count == 0) cond_wait(&not_empty, &m);
	int v = ring[head];
	head = (head + 1) % RING;
	count--;
	cond_signal(&not_full);
	mutex_unlock(&m);
	return v;
}

static int producer(void *arg)
{
	int base = (int)(long)arg;
	for (int i = 1; i <= PER_PRODUCER; i++) push(base + i);
	return 0;
}

struct cons { long long sum; unsigned x; int n; int order_ok; };
static struct cons cons[NCONS];

static int consumer(void *arg)
{
	struct cons *c = arg;
	int last[NPROD] = { 0, 100000 };
	c->order_ok = 1;
	for (;;) {
		int v = pop();
		if (v == STOP) break;
		c->sum += v;
		c->x ^= (unsigned)v * 2654435761u;
		c->n++;
		int p = v > 100000;
		if (v <= last[p]) c->order_ok = 0;   /* a FIFO keeps each producer's order for each consumer */
		last[p] = v;
	}
	return c->n;
}

static volatile int word;
static volatile int woken;

static int waiter(void *arg)
{
	while (__atomic_load_n(&word, __ATOMIC_ACQUIRE) == 0) futex_wait(&word, 0, NULL);
	__atomic_fetch_add(&woken, 1, __ATOMIC_RELAXED);
	return 0;
}

static void *stack(size_t n) { return malloc(n); }

int main(void)
{
	cpt_mark("futex-pc:start");
	thread_t prod[NPROD], con[NCONS];
	for (int i = 0; i < NCONS; i++) thread_create(&con[i], consumer, &cons[i], stack(16384), 16384);
	for (int i = 0; i < NPROD; i++) thread_create(&prod[i], producer, (void *)(long)(i * 100000), stack(16384), 16384);
	for (int i = 0; i < NPROD; i++) thread_join(&prod[i]);
	for (int i = 0; i < NCONS; i++) push(STOP);
	int total = 0;
	for (int i = 0; i < NCONS; i++) total += thread_join(&con[i]);
	long long sum = 0;
	unsigned x = 0;
	int order_ok = 1;
	for (int i = 0; i < NCONS; i++) { sum += cons[i].sum; x ^= cons[i].x; order_ok &= cons[i].order_ok; }
	long long want = 0;
	unsigned wx = 0;
	for (int p = 0; p < NPROD; p++)
		for (int i = 1; i <= PER_PRODUCER; i++) { want += p * 100000 + i; wx ^= (unsigned)(p * 100000 + i) * 2654435761u; }
	printf("consumed %d items (expected %d)\n", total, NPROD * PER_PRODUCER);
	printf("sum %lld (expected %lld), xor-hash matches %s\n", sum, want, wx == x ? "yes" : "no");
	printf("each consumer saw each producer's items in order: %s\n", order_ok ? "yes" : "no");
	printf("queue empty, mutex free: %s\n", count == 0 && m.state == 0 ? "yes" : "no");

	cpt_mark("futex-pc:raw");
	volatile int w = 5;
	struct timespec64 short_to = { 0, 2000000 };
	printf("FUTEX_WAIT, value changed: %ld (-EAGAIN = %d)\n", futex_wait(&w, 4, NULL), -EAGAIN);
	printf("FUTEX_WAIT, 2 ms timeout: %ld (-ETIMEDOUT = %d)\n", futex_wait(&w, 5, &short_to), -ETIMEDOUT);
	printf("FUTEX_WAKE, nobody waiting: %ld\n", futex_wake(&w, 10));
	printf("futex op 99: %ld (-ENOSYS = %d)\n", futex(&w, 99, 0, NULL, NULL, 0), -ENOSYS);
	printf("FUTEX_WAIT, unaligned address: %ld (-EINVAL = %d)\n",
	       futex((volatile int *)((char *)&w + 1), FUTEX_WAIT, 0, NULL, NULL, 0), -EINVAL);
	struct timespec64 bad = { 0, 1000000000 };
	printf("FUTEX_WAIT, tv_nsec = 1e9: %ld\n", futex_wait(&w, 5, &bad));
	struct timespec64 past;
	clock_gettime(CLOCK_MONOTONIC, &past);
	past.tv_sec -= 1;
	printf("FUTEX_WAIT_BITSET, absolute deadline in the past: %ld\n",
	       futex(&w, FUTEX_WAIT_BITSET | FUTEX_PRIVATE_FLAG, 5, &past, NULL, (int)FUTEX_BITSET_MATCH_ANY));
	printf("FUTEX_WAIT_BITSET, bitset 0: %ld\n", futex(&w, FUTEX_WAIT_BITSET | FUTEX_PRIVATE_FLAG, 5, &past, NULL, 0));
	volatile int w2 = 0;
	printf("FUTEX_CMP_REQUEUE, wrong expected value: %ld\n",
	       futex(&w, FUTEX_CMP_REQUEUE | FUTEX_PRIVATE_FLAG, 1, (void *)1L, &w2, 4));

	thread_t wt[3];
	for (int i = 0; i < 3; i++) thread_create(&wt[i], waiter, NULL, stack(8192), 8192);
	/* Wake one at a time: a call may find fewer sleepers than exist (some not yet asleep),
	 * so set the word only after the count adds up or a thread would never sleep. */
	long wakes = 0;
	int calls = 0;
	while (wakes < 3 && calls < 100000) {
		long r = futex_wake(&word, 1);
		if (r < 0) { printf("FUTEX_WAKE failed: %ld\n", r); break; }
		wakes += r;
		calls++;
		if (r == 0) sched_yield();
	}
	/* Each woken waiter finds word still 0 and sleeps again: release them for good. */
	__atomic_store_n(&word, 1, __ATOMIC_RELEASE);
	futex_wake(&word, 3);
	for (int i = 0; i < 3; i++) thread_join(&wt[i]);
	printf("three sleepers woken one per FUTEX_WAKE: total woken %ld, all joined %s\n", wakes, woken == 3 ? "yes" : "no");
	cpt_mark("futex-pc:end");
	return 0;
}
