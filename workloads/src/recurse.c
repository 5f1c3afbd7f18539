/* recurse: proves the stack works. A 100,000-frame-deep non-tail recursion with
 * locals in every frame (several MiB of stack, grown on demand), Ackermann
 * A(2,n) and A(3,n), naive Fibonacci, mutual recursion through function
 * pointers (jalr), and calls with more arguments than registers (stack-passed
 * int and double arguments, callee-saved fs registers across calls). Mix:
 * jal/jalr/ret, sw/lw to the stack, c.swsp/c.lwsp, branches. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include "cpt.h"

static uintptr_t deepest_sp;

__attribute__((noinline)) static uint32_t deep(uint32_t n, uint32_t acc)
{
	volatile uint32_t loc[4];
	loc[0] = n * 2654435761u ^ acc;
	loc[1] = acc + n;
	loc[2] = loc[0] >> 3;
	loc[3] = n;
	if (n == 0) {
		deepest_sp = (uintptr_t)__builtin_frame_address(0);
		cpt_mark("recurse:deepest");
		return loc[0];
	}
	uint32_t r = deep(n - 1, loc[1] * 3 + 1);
	return (r ^ (loc[0] + loc[1])) + loc[2] - loc[3];
}

__attribute__((noinline)) static uint32_t ack(uint32_t m, uint32_t n, uint64_t *calls)
{
	++*calls;
	if (m == 0) return n + 1;
	if (n == 0) return ack(m - 1, 1, calls);
	return ack(m - 1, ack(m, n - 1, calls), calls);
}

__attribute__((noinline)) static uint32_t fib(uint32_t n)
{
	return n < 2 ? n : fib(n - 1) + fib(n - 2);
}

typedef int (*parity_fn)(uint32_t);
static int is_even(uint32_t n);
static int is_odd(uint32_t n);
static volatile parity_fn fn_even = is_even, fn_odd = is_odd;
__attribute__((noinline)) static int is_even(uint32_t n) { return n == 0 ? 1 : fn_odd(n - 1); }
__attribute__((noinline)) static int is_odd(uint32_t n) { return n == 0 ? 0 : fn_even(n - 1); }

/* 12 int and 12 double arguments: a0-a7 / fa0-fa7, the rest on the stack. */
__attribute__((noinline)) static double many(int a, int b, int c, int d, int e, int f, int g, int h, int i, int j,
					      int k, int l, double da, double db, double dc, double dd, double de,
					      double df, double dg, double dh, double di, double dj, double dk, double dl)
{
	return (a - b + c - d + e - f + g - h + i - j + k - l) +
	       (da * 1 + db * 2 + dc * 3 + dd * 4 + de * 5 + df * 6 + dg * 7 + dh * 8 + di * 9 + dj * 10 +
		dk * 11 + dl * 12);
}

/* Recursion that keeps doubles live across calls (callee-saved fs0..fs11). */
__attribute__((noinline)) static double harmonic(int n, double acc)
{
	if (n == 0) return acc;
	double term = 1.0 / n;
	double r = harmonic(n - 1, acc + term);
	return r + term * 0.0 + (term > 2.0 ? 1.0 : 0.0);
}

int main(int argc, char **argv)
{
	uint32_t depth = argc > 1 ? (uint32_t)atoi(argv[1]) : 100000u;
	uintptr_t top = (uintptr_t)__builtin_frame_address(0);
	cpt_mark("recurse:start");
	uint32_t r = deep(depth, 12345);
	uintptr_t used = top - deepest_sp;
	printf("deep(%u) = %08x\n", (unsigned)depth, (unsigned)r);
	printf("stack used: %u bytes, %u bytes per frame\n", (unsigned)used, (unsigned)(used / (depth + 1)));
	printf("stack used above 3 MiB: %s\n", used > 3u * 1024 * 1024 ? "yes" : "no");
	/* Again, to reuse the now-mapped stack. */
	uint32_t r2 = deep(depth, 12345);
	printf("deep again equal: %s\n", r == r2 ? "yes" : "no");

	for (uint32_t n = 0; n <= 400; n += 100) {
		uint64_t calls = 0;
		uint32_t a = ack(2, n, &calls);
		printf("A(2,%u) = %u (expected %u) calls %llu\n", (unsigned)n, (unsigned)a, (unsigned)(2 * n + 3), (unsigned long long)calls);
	}
	for (uint32_t n = 1; n <= 5; n += 2) {
		uint64_t calls = 0;
		uint32_t a = ack(3, n, &calls);
		printf("A(3,%u) = %u (expected %u) calls %llu\n", (unsigned)n, (unsigned)a, (1u << (n + 3)) - 3, (unsigned long long)calls);
	}
	cpt_mark("recurse:fib");
	printf("fib(24) = %u\n", (unsigned)fib(24));
	printf("is_even(10001) = %d, is_odd(10001) = %d\n", is_even(10001), is_odd(10001));
	printf("many() = %.6f\n", many(1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 0.5, 1.5, 2.5, 3.5, 4.5, 5.5, 6.5,
					7.5, 8.5, 9.5, 10.5, 11.5));
	printf("harmonic(2000) = %.15f\n", harmonic(2000, 0.0));
	return 0;
}
