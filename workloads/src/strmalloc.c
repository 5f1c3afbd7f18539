/* strmalloc: the runtime's string functions checked against expectations,
 * qsort of records by several keys (function-pointer comparators), and heavy
 * malloc/free/realloc/calloc churn (10000 rounds, argv[1]) driven by an LCG over 256 slots, with every
 * block filled and verified, ending in a checksum. Mix: byte loops, word
 * copies (memcpy/memset fast paths), pointer chasing in the free list, brk
 * growth. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "cpt.h"
#include "syscall.h"

static int failures;

static void expect_int(const char *what, long got, long want)
{
	int ok = got == want;
	failures += !ok;
	printf("%-40s %ld %s\n", what, got, ok ? "PASS" : "FAIL");
}

static void expect_str(const char *what, const char *got, const char *want)
{
	int ok = got && want ? !strcmp(got, want) : got == want;
	failures += !ok;
	printf("%-40s \"%s\" %s\n", what, got ? got : "(null)", ok ? "PASS" : "FAIL");
}

static int sign(int x) { return (x > 0) - (x < 0); }

static void string_tests(void)
{
	char buf[64], buf2[64];
	expect_int("strlen(\"hello\")", (long)strlen("hello"), 5);
	expect_int("strlen(\"\")", (long)strlen(""), 0);
	expect_int("strcmp(abc, abd) < 0", sign(strcmp("abc", "abd")), -1);
	expect_int("strcmp(abc, abc)", strcmp("abc", "abc"), 0);
	expect_int("strcmp(b, abc) > 0", sign(strcmp("b", "abc")), 1);
	expect_int("strcmp unsigned bytes (\\xff > a)", sign(strcmp("\xff", "a")), 1);
	expect_int("strncmp(abcdef, abcxyz, 3)", strncmp("abcdef", "abcxyz", 3), 0);
	expect_int("strncmp(abcdef, abcxyz, 4) < 0", sign(strncmp("abcdef", "abcxyz", 4)), -1);
	strcpy(buf, "foo");
	strcat(buf, "bar");
	strcat(buf, "");
	expect_str("strcpy+strcat", buf, "foobar");
	memset(buf2, 'x', sizeof buf2);
	strncpy(buf2, "ab", 5);
	expect_int("strncpy pads with NULs", buf2[2] == 0 && buf2[4] == 0 && buf2[5] == 'x', 1);
	strncpy(buf2, "abcdefgh", 3);
	expect_int("strncpy truncates without NUL", buf2[3] == 0 && buf2[2] == 'c', 1);
	expect_str("strchr(hello, l)", strchr("hello", 'l'), "llo");
	expect_str("strrchr(hello, l)", strrchr("hello", 'l'), "lo");
	expect_str("strchr(hello, 0) is the end", strchr("hello", 0), "");
	expect_str("strchr(hello, z)", strchr("hello", 'z'), NULL);
	expect_str("strstr(haystack, st)", strstr("haystack", "st"), "stack");
	expect_str("strstr(haystack, \"\")", strstr("haystack", ""), "haystack");
	expect_str("strstr(haystack, needle)", strstr("haystack", "needle"), NULL);
	expect_int("memcmp equal", memcmp("abcd", "abcd", 4), 0);
	expect_int("memcmp bytes unsigned", sign(memcmp("\x80", "\x01", 1)), 1);
	/* memmove overlapping both ways, memcpy at odd alignments */
	for (int i = 0; i < 64; i++) buf[i] = (char)i;
	memmove(buf + 3, buf, 40);
	expect_int("memmove forward overlap", buf[3] == 0 && buf[42] == 39, 1);
	memmove(buf, buf + 5, 40);
	expect_int("memmove backward overlap", buf[0] == 2 && buf[39] == 44, 1);
	uint32_t sum = 0;
	for (int off = 0; off < 4; off++)
		for (int len = 0; len < 40; len += 7) {
			char src[64], dst[64];
			for (int i = 0; i < 64; i++) { src[i] = (char)(i * 7 + off); dst[i] = 0; }
			memcpy(dst + off, src + (3 - off), (size_t)len);
			memset(dst + off + len, 0x5a, 3);
			for (int i = 0; i < 64; i++) sum = sum * 33 + (unsigned char)dst[i];
		}
	printf("memcpy/memset alignment sweep checksum %08x\n", (unsigned)sum);
	expect_int("atoi(\"  -42xyz\")", atoi("  -42xyz"), -42);
	expect_int("strtol(\"0x7fffffff\", 0)", strtol("0x7fffffff", NULL, 0), 0x7fffffff);
	expect_int("strtol(\"-0755\", 0) octal", strtol("-0755", NULL, 0), -493);
	expect_int("strtol(\"99999999999\") saturates", strtol("99999999999", NULL, 10), 0x7fffffff);
	char *end;
	strtol("123abc", &end, 10);
	expect_str("strtol end pointer", end, "abc");
	expect_int("strtoul(\"ff\", 16)", (long)strtoul("ff", NULL, 16), 255);
	expect_int("strtol(\"z\", 36)", strtol("z", NULL, 36), 35);
	expect_int("abs(-7)", abs(-7), 7);
	char *d = strdup("duplicate me");
	expect_str("strdup", d, "duplicate me");
	free(d);
}

struct rec {
	uint32_t key;
	int16_t score;
	char name[10];
};

static int by_key(const void *a, const void *b)
{
	const struct rec *x = a, *y = b;
	return x->key < y->key ? -1 : x->key > y->key;
}

static int by_score_then_name(const void *a, const void *b)
{
	const struct rec *x = a, *y = b;
	if (x->score != y->score) return x->score < y->score ? 1 : -1; /* descending */
	return strcmp(x->name, y->name);
}

static int by_int(const void *a, const void *b)
{
	int x = *(const int *)a, y = *(const int *)b;
	return (x > y) - (x < y);
}

static uint32_t lcg_state = 1;
static uint32_t lcg(void)
{
	lcg_state = lcg_state * 1664525u + 1013904223u;
	return lcg_state;
}

static void sort_tests(void)
{
	enum { NR = 3000 };
	struct rec *r = malloc(NR * sizeof *r);
	for (int i = 0; i < NR; i++) {
		uint32_t v = lcg();
		r[i].key = v;
		r[i].score = (int16_t)((v >> 8) % 100);
		snprintf(r[i].name, sizeof r[i].name, "n%05u", (unsigned)(lcg() % 100000));
	}
	qsort(r, NR, sizeof *r, by_key);
	int ok = 1;
	for (int i = 1; i < NR; i++) ok &= r[i - 1].key <= r[i].key;
	expect_int("qsort 3000 records by key: sorted", ok, 1);
	printf("  first key %08x last key %08x median name %s\n", (unsigned)r[0].key, (unsigned)r[NR - 1].key, r[NR / 2].name);
	qsort(r, NR, sizeof *r, by_score_then_name);
	ok = 1;
	for (int i = 1; i < NR; i++) ok &= by_score_then_name(&r[i - 1], &r[i]) <= 0;
	expect_int("qsort by score desc, name: sorted", ok, 1);
	uint32_t h = 0;
	for (int i = 0; i < NR; i++) h = h * 131 + r[i].key + (uint32_t)r[i].score;
	printf("  order hash %08x top %s/%d bottom %s/%d\n", (unsigned)h, r[0].name, r[0].score, r[NR - 1].name, r[NR - 1].score);
	free(r);
	/* degenerate inputs: sorted, reversed, all equal, few distinct */
	int *a = malloc(4000 * sizeof *a);
	static const char *kinds[] = { "sorted", "reversed", "equal", "few distinct" };
	for (int k = 0; k < 4; k++) {
		for (int i = 0; i < 4000; i++)
			a[i] = k == 0 ? i : k == 1 ? 4000 - i : k == 2 ? 7 : (int)(lcg() % 3);
		qsort(a, 4000, sizeof *a, by_int);
		ok = 1;
		for (int i = 1; i < 4000; i++) ok &= a[i - 1] <= a[i];
		char what[48];
		snprintf(what, sizeof what, "qsort ints, %s input", kinds[k]);
		expect_int(what, ok, 1);
	}
	free(a);
}

#define SLOTS 256

static void malloc_churn(int rounds)
{
	static unsigned char *ptr[SLOTS];
	static uint32_t len[SLOTS], tag[SLOTS];
	uint32_t ops[4] = { 0 }, corrupt = 0;
	uint64_t bytes = 0;
	uintptr_t brk0 = (uintptr_t)sys_brk(0);
	for (int i = 0; i < rounds; i++) {
		uint32_t v = lcg();
		int s = (int)((v >> 8) % SLOTS);
		uint32_t kind = v >> 30;
		if (ptr[s]) {
			for (uint32_t k = 0; k < len[s]; k += 61)
				corrupt += ptr[s][k] != (unsigned char)(tag[s] + k);
		}
		uint32_t n = (v & 0xff) < 8 ? 2000 + (lcg() % 8000) : 1 + (lcg() % 300);
		if (kind == 0 && ptr[s]) {
			free(ptr[s]);
			ptr[s] = NULL;
			ops[0]++;
			continue;
		}
		if (kind == 1 && ptr[s]) {
			unsigned char *q = realloc(ptr[s], n);
			uint32_t keep = n < len[s] ? n : len[s];
			for (uint32_t k = 0; k < keep; k += 61)
				corrupt += q[k] != (unsigned char)(tag[s] + k);
			ptr[s] = q;
			ops[1]++;
		} else {
			free(ptr[s]);
			if (kind == 2) {
				ptr[s] = calloc(n, 1);
				for (uint32_t k = 0; k < n; k += 97) corrupt += ptr[s][k] != 0;
				ops[2]++;
			} else {
				ptr[s] = malloc(n);
				ops[3]++;
			}
		}
		len[s] = n;
		tag[s] = v >> 16;
		for (uint32_t k = 0; k < n; k++) ptr[s][k] = (unsigned char)(tag[s] + k);
		bytes += n;
		if (i == rounds / 2) cpt_mark("strmalloc:churn-half");
	}
	uint32_t sum = 0, live = 0;
	for (int s = 0; s < SLOTS; s++) {
		if (!ptr[s]) continue;
		live++;
		for (uint32_t k = 0; k < len[s]; k++) sum = sum * 31 + ptr[s][k];
		free(ptr[s]);
		ptr[s] = NULL;
	}
	uintptr_t brk1 = (uintptr_t)sys_brk(0);
	printf("churn: %d rounds, free %u realloc %u calloc %u malloc %u, %llu bytes written\n", rounds,
	       (unsigned)ops[0], (unsigned)ops[1], (unsigned)ops[2], (unsigned)ops[3], (unsigned long long)bytes);
	printf("churn: %u live blocks at end, content checksum %08x\n", (unsigned)live, (unsigned)sum);
	expect_int("churn: corrupted bytes", (long)corrupt, 0);
	expect_int("heap grew through brk", brk1 > brk0, 1);
	/* After freeing everything the heap coalesces: a block nearly as big as the growth fits. */
	void *big = malloc((size_t)(brk1 - brk0) - 64);
	uintptr_t brk2 = (uintptr_t)sys_brk(0);
	expect_int("coalesced heap holds one block of the growth", big != NULL && brk2 == brk1, 1);
	free(big);
}

static void brk_tests(void)
{
	uintptr_t b0 = (uintptr_t)sys_brk(0);
	uintptr_t want = b0 + 3 * 4096 + 100;
	uintptr_t b1 = (uintptr_t)sys_brk((void *)want);
	expect_int("brk(cur + 12388) returns the request", b1 == want, 1);
	/* Work on whole pages above the initial break, whose alignment is the kernel's business. */
	uintptr_t a = (b0 + 4095) & ~(uintptr_t)4095;
	volatile unsigned char *p = (volatile unsigned char *)a;
	expect_int("new brk memory reads zero", p[0] == 0 && p[4096] == 0 && p[8191] == 0, 1);
	p[0] = 1;
	p[4096] = 2;
	p[8191] = 3;
	expect_int("new brk memory is writable", p[0] + p[4096] + p[8191], 6);
	uintptr_t b2 = (uintptr_t)sys_brk((void *)a);
	expect_int("brk shrink returns the request", b2 == a, 1);
	uintptr_t b3 = (uintptr_t)sys_brk((void *)(a + 8192));
	expect_int("brk grow again returns the request", b3 == a + 8192, 1);
	expect_int("regrown brk pages read zero", p[0] == 0 && p[4096] == 0 && p[8191] == 0, 1);
	b2 = (uintptr_t)sys_brk((void *)b0);
	expect_int("brk back to the start", b2 == b0, 1);
}

int main(int argc, char **argv)
{
	int rounds = argc > 1 ? atoi(argv[1]) : 10000;
	cpt_mark("strmalloc:start");
	/* brk first, before malloc owns the break */
	brk_tests();
	string_tests();
	sort_tests();
	cpt_mark("strmalloc:churn");
	malloc_churn(rounds);
	printf("failures: %d\n", failures);
	return failures;
}
