/* fmt: the runtime's printf family against a table of formats and values.
 * Integer, string and float conversions with flags, widths and precisions; the
 * float conversions are exact (bignum) so this is also a long mix of 32x32->64
 * multiplies, 64-bit divisions (libgcc) and FP<->integer moves. The same file
 * compiles on a glibc host and must print the same bytes. */
#include <stdio.h>
#include <string.h>
#include <stdint.h>
#include <limits.h>
#ifdef __riscv
#include "cpt.h"
#else
#define cpt_mark(x) ((void)0)
#endif

static double from_bits(uint64_t u) { double d; memcpy(&d, &u, 8); return d; }

int main(void)
{
	static const char *ifmts[] = {
		"%d", "%i", "%5d", "%-5d|", "%05d", "%+d", "% d", "%.3d", "%8.3d", "%-8.3d|", "%+.0d", "%.0d",
		"%x", "%X", "%#x", "%#X", "%08x", "%#010x", "%o", "%#o", "%#.0o", "%u", "%10u", "%-10u|",
		"%hhd", "%hd", "%hhu", "%hu", "%+05d", "% 05d", "%-+6d|", "%#8.4x",
	};
	static const int ivals[] = { 0, 1, -1, 42, -42, 127, 128, 255, 256, -129, 32767, -32768, 65535,
				     INT_MAX, INT_MIN, 123456789, -987654 };
	cpt_mark("fmt:start");
	for (unsigned f = 0; f < sizeof ifmts / sizeof *ifmts; f++) {
		printf("[%s]", ifmts[f]);
		for (unsigned v = 0; v < sizeof ivals / sizeof *ivals; v++) {
			putchar(' ');
			printf(ifmts[f], ivals[v]);
		}
		putchar('\n');
	}
	static const long long llv[] = { 0, 1, -1, LLONG_MAX, LLONG_MIN, 1234567890123456789ll,
					 -9876543210ll, 4294967296ll, 4294967295ll };
	for (unsigned v = 0; v < sizeof llv / sizeof *llv; v++)
		printf("ll: %lld %llu %llx %llX %#llo %20lld|%-20lld|%.25lld\n", llv[v],
		       (unsigned long long)llv[v], (unsigned long long)llv[v], (unsigned long long)llv[v],
		       (unsigned long long)llv[v], llv[v], llv[v], llv[v]);
	printf("l: %ld %lu %lx %li\n", (long)-5, (unsigned long)4000000000u, (unsigned long)0xdeadbeef, (long)INT_MIN);
	printf("z: %zu %zd %zx\n", (size_t)12345, (size_t)-3 + 0, (size_t)255);
	printf("s: [%s] [%10s] [%-10s] [%.3s] [%10.2s] [%-10.4s] [%s]\n", "hello", "hello", "hello",
	       "hello", "hello", "hello", "");
	printf("c: [%c] [%3c] [%-3c] [%c]\n", 'a', 'b', 'c', '%');
	printf("pct: 100%%\n");
	printf("star: [%*d] [%-*d] [%.*d] [%*.*f] [%.*s]\n", 6, 42, 6, 42, 4, 7, 10, 3, 3.14159, 2, "abc");
	printf("p: %p\n", (void *)0);
	char buf[16];
	int r = snprintf(buf, sizeof buf, "%s-%d-%s", "truncated", 123456, "output");
	printf("snprintf: r=%d buf=[%s]\n", r, buf);
	r = snprintf(buf, 0, "%d", 12345);
	printf("snprintf0: r=%d\n", r);
	r = snprintf(NULL, 0, "%08.3f", -3.5);
	printf("snprintfnull: r=%d\n", r);

	static const char *ffmts[] = {
		"%f", "%.0f", "%.1f", "%.2f", "%.10f", "%e", "%.0e", "%.3e", "%E", "%g", "%.0g", "%.1g",
		"%.3g", "%.10g", "%.17g", "%G", "%#g", "%#.0f", "%#.0e", "%+f", "% e", "%12.4f", "%-12.4e|",
		"%012.3f", "%+012.3e", "%#.3g", "%.20e", "%.30f", "%F",
	};
	static const uint64_t fbits[] = {
		0x0000000000000000ull, 0x8000000000000000ull, 0x3ff0000000000000ull, 0xbff0000000000000ull,
		0x3fb999999999999aull, /* 0.1 */ 0x3fd5555555555555ull, /* 1/3 */ 0x400921fb54442d18ull, /* pi */
		0x4005bf0a8b145769ull, /* e */ 0x3fe0000000000000ull, /* 0.5 */ 0x3ff8000000000000ull, /* 1.5 */
		0x4004000000000000ull, /* 2.5 */ 0x4059000000000000ull, /* 100 */ 0x412e848000000000ull, /* 1e6 */
		0x430c6bf526340000ull, /* 1e15 */ 0x44b52d02c7e14af6ull, /* 1e23 */ 0x7fefffffffffffffull, /* max */
		0x0010000000000000ull, /* min normal */ 0x0000000000000001ull, /* min subnormal */
		0x3f1a36e2eb1c432dull, /* 1e-4 */ 0x3ee4f8b588e368f1ull, /* 1e-5 */ 0x7ff0000000000000ull,
		0xfff0000000000000ull, 0x7ff8000000000000ull, 0xfff8000000000000ull, 0x3fefffffffffffffull,
		0x40c3880000000000ull, /* 10000 */ 0x3feffffffffffff0ull, 0x4023ffffffffffffull, /* 9.99.. */
		0x3f847ae147ae147bull, /* 0.01 */ 0x3e112e0be826d695ull, /* 1e-9 */ 0xc0fe240c9fbe76c9ull,
		0x3ff0000000000001ull, 0x4340000000000000ull, /* 2^53 */ 0x3f50624dd2f1a9fcull, /* 0.001 */
		0x3ff4000000000000ull, /* 1.25 */ 0x3ff2000000000000ull, /* 1.125 */
	};
	cpt_mark("fmt:floats");
	for (unsigned f = 0; f < sizeof ffmts / sizeof *ffmts; f++) {
		printf("[%s]", ffmts[f]);
		for (unsigned v = 0; v < sizeof fbits / sizeof *fbits; v++) {
			putchar(' ');
			printf(ffmts[f], from_bits(fbits[v]));
		}
		putchar('\n');
	}
	/* Exact expansions: the full decimal value of a few binary fractions. */
	printf("exact 0.1 = %.60f\n", 0.1);
	printf("exact 2^-30 = %.40f\n", from_bits(0x3e10000000000000ull));
	printf("exact max = %.0f\n", from_bits(0x7fefffffffffffffull));
	printf("exact min sub = %.20e\n", from_bits(1));
	printf("exact 1e23 = %.0f\n", 1e23);
	printf("float promo: %f %g %e\n", (double)1.1f, (double)3.4028235e38f, (double)1.4e-45f);
	return 0;
}
