/* atomics: the A extension. LR/SC success and every defined failure case
 * (no reservation, other address, reservation consumed), LR/SC retry loops,
 * every AMO (.w: swap add xor and or min max minu maxu) with each of the
 * orderings none/aq/rl/aqrl and rd = x0, on signed/unsigned corner values,
 * GCC __atomic and __sync builtins (amo*, lr/sc CAS loops, fences), and the
 * FENCE variants (fence, fence rw,rw, fence.tso, pause hint, fence.i). */
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include "cpt.h"

/* Two words on different pages, so no reservation set can cover both. */
static volatile uint32_t word_a __attribute__((aligned(4096)));
static volatile uint32_t pad_page[1024] __attribute__((unused));
static volatile uint32_t word_b __attribute__((aligned(4096)));

static int failures;

static void expect(const char *what, uint32_t got, uint32_t want)
{
	int ok = got == want;
	failures += !ok;
	printf("%-44s %08x expect %08x %s\n", what, (unsigned)got, (unsigned)want, ok ? "PASS" : "FAIL");
}

#define AMO(insn, mem, val)                                                                         \
	({                                                                                          \
		uint32_t _old;                                                                      \
		__asm__ volatile(insn " %0, %2, (%1)" : "=&r"(_old) : "r"(mem), "r"(val) : "memory"); \
		_old;                                                                               \
	})

struct amocase { uint32_t mem, val; };

static const struct amocase cases[] = {
	{ 0x00000000u, 0x00000001u }, { 0xffffffffu, 0x00000001u }, { 0x80000000u, 0x7fffffffu },
	{ 0x7fffffffu, 0x80000000u }, { 0x12345678u, 0x9abcdef0u }, { 0xfffffffeu, 0xffffffffu },
	{ 0x00000005u, 0x00000005u }, { 0x80000000u, 0x00000000u },
};

typedef uint32_t (*amofn)(volatile uint32_t *, uint32_t);

#define DEF_AMO(fname, insn)                                                         \
	static uint32_t fname(volatile uint32_t *m, uint32_t v) { return AMO(insn, m, v); }

DEF_AMO(f_swap, "amoswap.w")
DEF_AMO(f_add, "amoadd.w")
DEF_AMO(f_xor, "amoxor.w")
DEF_AMO(f_and, "amoand.w")
DEF_AMO(f_or, "amoor.w")
DEF_AMO(f_min, "amomin.w")
DEF_AMO(f_max, "amomax.w")
DEF_AMO(f_minu, "amominu.w")
DEF_AMO(f_maxu, "amomaxu.w")
DEF_AMO(f_swap_aq, "amoswap.w.aq")
DEF_AMO(f_add_rl, "amoadd.w.rl")
DEF_AMO(f_xor_aqrl, "amoxor.w.aqrl")
DEF_AMO(f_and_aq, "amoand.w.aq")
DEF_AMO(f_or_rl, "amoor.w.rl")
DEF_AMO(f_min_aqrl, "amomin.w.aqrl")
DEF_AMO(f_max_aq, "amomax.w.aq")
DEF_AMO(f_minu_rl, "amominu.w.rl")
DEF_AMO(f_maxu_aqrl, "amomaxu.w.aqrl")

static uint32_t ref(const char *op, uint32_t m, uint32_t v)
{
	if (!strncmp(op, "amoswap", 7)) return v;
	if (!strncmp(op, "amoadd", 6)) return m + v;
	if (!strncmp(op, "amoxor", 6)) return m ^ v;
	if (!strncmp(op, "amoand", 6)) return m & v;
	if (!strncmp(op, "amoor", 5)) return m | v;
	if (!strncmp(op, "amominu", 7)) return m < v ? m : v;
	if (!strncmp(op, "amomaxu", 7)) return m > v ? m : v;
	if (!strncmp(op, "amomin", 6)) return (int32_t)m < (int32_t)v ? m : v;
	if (!strncmp(op, "amomax", 6)) return (int32_t)m > (int32_t)v ? m : v;
	return 0xdeadbeef;
}

static const struct { const char *name; amofn fn; } amos[] = {
	{ "amoswap.w", f_swap }, { "amoadd.w", f_add }, { "amoxor.w", f_xor },
	{ "amoand.w", f_and }, { "amoor.w", f_or }, { "amomin.w", f_min },
	{ "amomax.w", f_max }, { "amominu.w", f_minu }, { "amomaxu.w", f_maxu },
	{ "amoswap.w.aq", f_swap_aq }, { "amoadd.w.rl", f_add_rl }, { "amoxor.w.aqrl", f_xor_aqrl },
	{ "amoand.w.aq", f_and_aq }, { "amoor.w.rl", f_or_rl }, { "amomin.w.aqrl", f_min_aqrl },
	{ "amomax.w.aq", f_max_aq }, { "amominu.w.rl", f_minu_rl }, { "amomaxu.w.aqrl", f_maxu_aqrl },
};

static uint32_t lr(volatile uint32_t *p)
{
	uint32_t v;
	__asm__ volatile("lr.w %0, (%1)" : "=r"(v) : "r"(p) : "memory");
	return v;
}

static uint32_t sc(volatile uint32_t *p, uint32_t v)
{
	uint32_t r;
	__asm__ volatile("sc.w %0, %2, (%1)" : "=&r"(r) : "r"(p), "r"(v) : "memory");
	return r;
}

/* lr.w; sc.w with nothing in between, in one asm so no other code runs between them. */
static uint32_t lr_sc_pair(volatile uint32_t *p, uint32_t nv, uint32_t *loaded)
{
	uint32_t v, r;
	__asm__ volatile("lr.w.aq %0, (%2)\n\tsc.w.rl %1, %3, (%2)"
			 : "=&r"(v), "=&r"(r)
			 : "r"(p), "r"(nv)
			 : "memory");
	*loaded = v;
	return r;
}

static uint32_t lr_sc_increment_loop(volatile uint32_t *p, int n)
{
	for (int i = 0; i < n; i++) {
		uint32_t tmp, fail;
		__asm__ volatile("1: lr.w %0, (%2)\n\t"
				 "addi %0, %0, 3\n\t"
				 "sc.w %1, %0, (%2)\n\t"
				 "bnez %1, 1b"
				 : "=&r"(tmp), "=&r"(fail)
				 : "r"(p)
				 : "memory");
	}
	return *p;
}

int main(void)
{
	uint32_t loaded, r;

	cpt_mark("atomics:start");
	/* ---- LR/SC ---- */
	word_a = 0x11111111u;
	r = lr_sc_pair(&word_a, 0x22222222u, &loaded);
	expect("lr.w/sc.w pair: sc result (0 = success)", r, 0);
	expect("lr.w/sc.w pair: value loaded", loaded, 0x11111111u);
	expect("lr.w/sc.w pair: memory after", word_a, 0x22222222u);
	r = sc(&word_a, 0x33333333u);
	expect("sc.w after a successful sc.w: fails", r != 0, 1);
	expect("sc.w failed: memory unchanged", word_a, 0x22222222u);
	word_b = 0x44444444u;
	(void)lr(&word_a);
	r = sc(&word_b, 0x55555555u);
	expect("lr.w A; sc.w B (other page): fails", r != 0, 1);
	expect("sc.w to B failed: B unchanged", word_b, 0x44444444u);
	r = sc(&word_a, 0x66666666u);
	expect("then sc.w A: fails (reservation gone)", r != 0, 1);
	/* Two calls, so a preemption can come between them: Linux clears the reservation on every
	 * return from a trap, and the ISA lets an sc fail spuriously. Retry, as real code does. */
	int tries = 0;
	do {
		(void)lr(&word_a);
		r = sc(&word_a, 0x77777777u);
	} while (r != 0 && ++tries < 8);
	expect("lr.w A; sc.w A: succeeds (within 8 tries)", r, 0);
	expect("memory after", word_a, 0x77777777u);
	word_a = 0;
	expect("lr/sc increment loop x1000 (+3)", lr_sc_increment_loop(&word_a, 1000), 3000);

	/* ---- AMOs ---- */
	cpt_mark("atomics:amo");
	for (unsigned i = 0; i < sizeof amos / sizeof *amos; i++) {
		for (unsigned c = 0; c < sizeof cases / sizeof *cases; c++) {
			word_a = cases[c].mem;
			uint32_t old = amos[i].fn(&word_a, cases[c].val);
			uint32_t now = word_a;
			uint32_t want = ref(amos[i].name, cases[c].mem, cases[c].val);
			int ok = old == cases[c].mem && now == want;
			failures += !ok;
			printf("%-15s mem %08x rs2 %08x -> rd %08x mem %08x %s\n", amos[i].name,
			       (unsigned)cases[c].mem, (unsigned)cases[c].val, (unsigned)old, (unsigned)now,
			       ok ? "PASS" : "FAIL");
		}
	}
	/* rd = x0: memory still updated */
	word_a = 40;
	__asm__ volatile("amoadd.w x0, %1, (%0)" : : "r"(&word_a), "r"(2) : "memory");
	expect("amoadd.w x0, 2 -> memory", word_a, 42);
	/* rs2 == rd: the old value must win */
	{
		uint32_t v = 5;
		word_a = 100;
		__asm__ volatile("amoadd.w %0, %0, (%1)" : "+r"(v) : "r"(&word_a) : "memory");
		expect("amoadd.w rd=rs2: rd gets old", v, 100);
		expect("amoadd.w rd=rs2: memory", word_a, 105);
	}

	/* ---- GCC builtins ---- */
	cpt_mark("atomics:builtins");
	uint32_t x = 10;
	expect("__atomic_fetch_add", __atomic_fetch_add(&x, 5, __ATOMIC_SEQ_CST), 10);
	expect("__atomic_add_fetch", __atomic_add_fetch(&x, 5, __ATOMIC_RELAXED), 20);
	expect("__atomic_fetch_sub", __atomic_fetch_sub(&x, 21, __ATOMIC_ACQ_REL), 20);
	expect("  value", x, 0xffffffffu);
	expect("__atomic_fetch_and", __atomic_fetch_and(&x, 0xf0f0f0f0u, __ATOMIC_ACQUIRE), 0xffffffffu);
	expect("__atomic_fetch_or", __atomic_fetch_or(&x, 0x0000000fu, __ATOMIC_RELEASE), 0xf0f0f0f0u);
	expect("__atomic_fetch_xor", __atomic_fetch_xor(&x, 0xffffffffu, __ATOMIC_SEQ_CST), 0xf0f0f0ffu);
	expect("__atomic_fetch_nand (lr/sc loop)", __atomic_fetch_nand(&x, 0x0f0f0f00u, __ATOMIC_SEQ_CST), 0x0f0f0f00u);
	expect("  value", x, 0xf0f0f0ffu);
	expect("__atomic_exchange_n", __atomic_exchange_n(&x, 77, __ATOMIC_SEQ_CST), 0xf0f0f0ffu);
	uint32_t exp = 77;
	expect("__atomic_compare_exchange_n hit", __atomic_compare_exchange_n(&x, &exp, 88, 0, __ATOMIC_SEQ_CST, __ATOMIC_SEQ_CST), 1);
	exp = 1;
	expect("__atomic_compare_exchange_n miss", __atomic_compare_exchange_n(&x, &exp, 99, 0, __ATOMIC_SEQ_CST, __ATOMIC_RELAXED), 0);
	expect("  expected updated", exp, 88);
	/* weak CAS may fail spuriously: loop until it succeeds */
	exp = 88;
	while (!__atomic_compare_exchange_n(&x, &exp, 123, 1, __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE)) {}
	expect("weak CAS loop", x, 123);
	__atomic_store_n(&x, 5, __ATOMIC_SEQ_CST);
	expect("__atomic_load_n after store", __atomic_load_n(&x, __ATOMIC_SEQ_CST), 5);
	expect("__sync_fetch_and_add", __sync_fetch_and_add(&x, 1), 5);
	expect("__sync_val_compare_and_swap", __sync_val_compare_and_swap(&x, 6, 60), 6);
	expect("__sync_bool_compare_and_swap", __sync_bool_compare_and_swap(&x, 6, 61), 0);
	expect("__sync_lock_test_and_set", __sync_lock_test_and_set(&x, 7), 60);
	__sync_lock_release(&x);
	expect("__sync_lock_release", x, 0);
	int32_t sx = -5;
	expect("__atomic_fetch_add signed", (uint32_t)__atomic_fetch_add(&sx, -10, __ATOMIC_SEQ_CST), (uint32_t)-5);
	expect("  value", (uint32_t)sx, (uint32_t)-15);

	/* A spin-lock protected counter, as a lock would be written. */
	static uint32_t lock, counter;
	for (int i = 0; i < 500; i++) {
		while (__atomic_exchange_n(&lock, 1, __ATOMIC_ACQUIRE)) {}
		counter += 2;
		__atomic_store_n(&lock, 0, __ATOMIC_RELEASE);
	}
	expect("spinlock counter", counter, 1000);

	/* ---- fences ---- */
	__asm__ volatile("fence" ::: "memory");
	__asm__ volatile("fence rw, rw" ::: "memory");
	__asm__ volatile("fence r, r" ::: "memory");
	__asm__ volatile("fence w, w" ::: "memory");
	__asm__ volatile("fence iorw, iorw" ::: "memory");
	__asm__ volatile("fence.tso" ::: "memory");
	__asm__ volatile(".word 0x0100000f /* pause (Zihintpause: fence w,0) */" ::: "memory");
	__asm__ volatile(".option push\n\t.option arch, +zifencei\n\tfence.i\n\t.option pop" ::: "memory");
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	printf("fences executed: yes\n");

	printf("failures: %d\n", failures);
	return failures;
}
