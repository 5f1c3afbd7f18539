#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "syscall.h"

char **environ;

void __stdio_flush_all(void);

void exit(int code)
{
	__stdio_flush_all();
	sys_exit_group(code);
}

void _exit(int code)
{
	sys_exit_group(code);
}

void abort(void)
{
	__stdio_flush_all();
	static const char msg[] = "abort()\n";
	sys_write(2, msg, sizeof msg - 1);
	sys_exit_group(134);
}

char *getenv(const char *name)
{
	size_t n = strlen(name);
	if (!environ) return NULL;
	for (char **e = environ; *e; e++)
		if (!strncmp(*e, name, n) && (*e)[n] == '=')
			return *e + n + 1;
	return NULL;
}

int abs(int x) { return x < 0 ? -x : x; }
long labs(long x) { return x < 0 ? -x : x; }
long long llabs(long long x) { return x < 0 ? -x : x; }

static int digitval(int c)
{
	if (c >= '0' && c <= '9') return c - '0';
	if (c >= 'a' && c <= 'z') return c - 'a' + 10;
	if (c >= 'A' && c <= 'Z') return c - 'A' + 10;
	return 99;
}

/* Parses like C's strtoull, also reports the sign and whether it overflowed. */
static unsigned long long parse(const char *s, char **end, int base, int *neg, int *ovf)
{
	const char *p = s;
	unsigned long long v = 0;
	int any = 0;
	*neg = 0; *ovf = 0;
	while (*p == ' ' || (*p >= '\t' && *p <= '\r')) p++;
	if (*p == '+' || *p == '-') { *neg = (*p == '-'); p++; }
	if ((base == 0 || base == 16) && p[0] == '0' && (p[1] == 'x' || p[1] == 'X') && digitval(p[2]) < 16) {
		p += 2; base = 16;
	} else if (base == 0) {
		base = (p[0] == '0') ? 8 : 10;
	}
	for (;; p++) {
		int d = digitval(*p);
		if (d >= base) break;
		any = 1;
		if (v > (ULLONG_MAX - (unsigned)d) / (unsigned)base) *ovf = 1;
		v = v * (unsigned)base + (unsigned)d;
	}
	if (end) *end = (char *)(any ? p : s);
	return v;
}

unsigned long long strtoull(const char *s, char **end, int base)
{
	int neg, ovf;
	unsigned long long v = parse(s, end, base, &neg, &ovf);
	if (ovf) return ULLONG_MAX;
	return neg ? -v : v;
}

long long strtoll(const char *s, char **end, int base)
{
	int neg, ovf;
	unsigned long long v = parse(s, end, base, &neg, &ovf);
	if (neg) {
		if (ovf || v > (unsigned long long)LLONG_MAX + 1) return LLONG_MIN;
		return (long long)-v;
	}
	if (ovf || v > LLONG_MAX) return LLONG_MAX;
	return (long long)v;
}

unsigned long strtoul(const char *s, char **end, int base)
{
	int neg, ovf;
	unsigned long long v = parse(s, end, base, &neg, &ovf);
	if (ovf || v > ULONG_MAX) return ULONG_MAX;
	return neg ? -(unsigned long)v : (unsigned long)v;
}

long strtol(const char *s, char **end, int base)
{
	long long v = strtoll(s, end, base);
	if (v > LONG_MAX) return LONG_MAX;
	if (v < LONG_MIN) return LONG_MIN;
	return (long)v;
}

int atoi(const char *s) { return (int)strtol(s, NULL, 10); }
long atol(const char *s) { return strtol(s, NULL, 10); }

/* ---- qsort: median-of-three quicksort, insertion sort below 8, recursion on the smaller side ---- */

static void swapbytes(char *a, char *b, size_t sz)
{
	if (a == b) return;
	if (((((uintptr_t)a) | ((uintptr_t)b) | sz) & 3) == 0) {
		for (; sz; sz -= 4, a += 4, b += 4) {
			uint32_t t = *(uint32_t *)a;
			*(uint32_t *)a = *(uint32_t *)b;
			*(uint32_t *)b = t;
		}
		return;
	}
	for (; sz; sz--, a++, b++) { char t = *a; *a = *b; *b = t; }
}

typedef int (*cmpfn)(const void *, const void *);

static void qsort_r0(char *lo, size_t n, size_t sz, cmpfn cmp)
{
	while (n > 8) {
		char *mid = lo + (n / 2) * sz, *hi = lo + (n - 1) * sz;
		if (cmp(mid, lo) < 0) swapbytes(mid, lo, sz);
		if (cmp(hi, mid) < 0) {
			swapbytes(hi, mid, sz);
			if (cmp(mid, lo) < 0) swapbytes(mid, lo, sz);
		}
		/* pivot to lo+sz; partition [lo+sz, hi) around it (lo <= pivot <= hi already) */
		swapbytes(mid, lo + sz, sz);
		char *pv = lo + sz;
		char *i = lo + sz, *j = hi;
		for (;;) {
			do i += sz; while (cmp(i, pv) < 0);
			do j -= sz; while (cmp(pv, j) < 0);
			if (i >= j) break;
			swapbytes(i, j, sz);
		}
		swapbytes(pv, j, sz);
		size_t nl = (size_t)(j - lo) / sz;           /* elements before the pivot */
		size_t nr = n - nl - 1;                      /* elements after it */
		if (nl < nr) {
			qsort_r0(lo, nl, sz, cmp);
			lo = j + sz; n = nr;
		} else {
			qsort_r0(j + sz, nr, sz, cmp);
			n = nl;
		}
	}
	for (size_t a = 1; a < n; a++)
		for (char *p = lo + a * sz; p > lo && cmp(p - sz, p) > 0; p -= sz)
			swapbytes(p - sz, p, sz);
}

void qsort(void *base, size_t n, size_t sz, cmpfn cmp)
{
	if (n > 1 && sz)
		qsort_r0(base, n, sz, cmp);
}
