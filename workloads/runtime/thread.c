/* thread.c - threads on clone(2), a futex mutex and condition variable (os.h). */
#include "os.h"

#define THREAD_FLAGS (CLONE_VM | CLONE_FS | CLONE_FILES | CLONE_SIGHAND | CLONE_THREAD | \
		      CLONE_SYSVSEM | CLONE_SETTLS | CLONE_PARENT_SETTID | CLONE_CHILD_CLEARTID)

static int thread_start(void *p)
{
	thread_t *t = p;
	t->result = t->fn(t->arg);
	return 0;
}

long thread_create(thread_t *t, int (*fn)(void *), void *arg, void *stack, size_t size)
{
	t->fn = fn;
	t->arg = arg;
	t->result = 0;
	t->stack = NULL;
	t->stack_size = 0;
	if (stack == NULL) {
		if (size == 0) size = THREAD_STACK_SIZE;
		stack = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_STACK, -1, 0);
		if (os_failed(stack)) return (long)stack;
		t->stack = stack;
		t->stack_size = size;
	}
	/* The kernel stores the tid in t->tid (CLONE_PARENT_SETTID) before either side runs on,
	 * and clears it and wakes a futex waiter on it when the thread exits. */
	long r = os_clone(thread_start, (char *)stack + size, THREAD_FLAGS, t, (int *)&t->tid, t, (int *)&t->tid);
	if (r < 0 && t->stack) {
		munmap(t->stack, t->stack_size);
		t->stack = NULL;
	}
	return r;
}

int thread_join(thread_t *t)
{
	int tid;
	/* Not FUTEX_PRIVATE: the kernel's wake at thread exit is a plain FUTEX_WAKE. */
	while ((tid = __atomic_load_n(&t->tid, __ATOMIC_ACQUIRE)) != 0)
		futex((volatile int *)&t->tid, FUTEX_WAIT, tid, NULL, NULL, 0);
	if (t->stack) {
		munmap(t->stack, t->stack_size);
		t->stack = NULL;
	}
	return t->result;
}

static int cas(volatile int *p, int expect, int want)
{
	__atomic_compare_exchange_n(p, &expect, want, 0, __ATOMIC_ACQUIRE, __ATOMIC_RELAXED);
	return expect;   /* the value seen */
}

/* Drepper, "Futexes Are Tricky", mutex #2: 0 free, 1 locked, 2 locked and contended. */
void mutex_lock(mutex_t *m)
{
	int c = cas(&m->state, 0, 1);
	if (c == 0) return;
	if (c != 2) c = __atomic_exchange_n(&m->state, 2, __ATOMIC_ACQUIRE);
	while (c != 0) {
		futex_wait(&m->state, 2, NULL);
		c = __atomic_exchange_n(&m->state, 2, __ATOMIC_ACQUIRE);
	}
}

int mutex_trylock(mutex_t *m)
{
	return cas(&m->state, 0, 1) == 0 ? 0 : -EBUSY;
}

void mutex_unlock(mutex_t *m)
{
	if (__atomic_fetch_sub(&m->state, 1, __ATOMIC_RELEASE) != 1) {
		__atomic_store_n(&m->state, 0, __ATOMIC_RELEASE);
		futex_wake(&m->state, 1);
	}
}

/* Sequence-counter condition variable: a waiter sleeps until the counter moves. */
void cond_wait(cond_t *c, mutex_t *m)
{
	int seq = __atomic_load_n(&c->seq, __ATOMIC_RELAXED);
	mutex_unlock(m);
	futex_wait(&c->seq, seq, NULL);
	mutex_lock(m);
}

void cond_signal(cond_t *c)
{
	__atomic_fetch_add(&c->seq, 1, __ATOMIC_RELEASE);
	futex_wake(&c->seq, 1);
}

void cond_broadcast(cond_t *c)
{
	__atomic_fetch_add(&c->seq, 1, __ATOMIC_RELEASE);
	futex_wake(&c->seq, 0x7fffffff);
}
