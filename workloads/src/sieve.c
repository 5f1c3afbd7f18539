/* sieve: Eratosthenes over a malloc'd byte array (default N = 500,000, or
 * argv[1]), then prime count, sum, last prime, twin pairs, gaps and a
 * segmented bit-sieve cross-check. Mix: byte stores in strided loops, word
 * bit operations, 64-bit adds, compare-and-branch. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "cpt.h"

int main(int argc, char **argv)
{
	unsigned n = argc > 1 ? (unsigned)strtoul(argv[1], NULL, 0) : 500000u;
	if (n < 3) n = 3;
	uint8_t *comp = malloc(n);
	if (!comp) { fprintf(stderr, "sieve: out of memory\n"); return 1; }
	memset(comp, 0, n);
	comp[0] = comp[1] = 1;
	for (unsigned i = 2; (uint64_t)i * i < n; i++)
		if (!comp[i])
			for (unsigned j = i * i; j < n; j += i)
				comp[j] = 1;
	cpt_mark("sieve:sieved");

	unsigned count = 0, last = 0, twins = 0, maxgap = 0, gapat = 0, prev = 0;
	uint64_t sum = 0;
	unsigned mod4[4] = { 0 };
	for (unsigned i = 2; i < n; i++) {
		if (comp[i]) continue;
		count++;
		sum += i;
		mod4[i & 3]++;
		if (prev && i - prev == 2) twins++;
		if (prev && i - prev > maxgap) { maxgap = i - prev; gapat = prev; }
		prev = last = i;
	}
	printf("N = %u\n", n);
	printf("primes below N: %u\n", count);
	printf("sum of primes: %llu\n", (unsigned long long)sum);
	printf("largest prime: %u\n", last);
	printf("twin prime pairs: %u\n", twins);
	printf("largest gap: %u after %u\n", maxgap, gapat);
	printf("primes = 1 mod 4: %u, = 3 mod 4: %u\n", mod4[1], mod4[3]);

	/* Cross-check with an odd-only bit sieve. */
	unsigned words = (n / 2 + 31) / 32;
	unsigned *bits = calloc(words, 4);
	for (unsigned i = 3; (uint64_t)i * i < n; i += 2)
		if (!(bits[i / 2 / 32] >> (i / 2 % 32) & 1))
			for (unsigned j = i * i; j < n; j += 2 * i)
				bits[j / 2 / 32] |= 1u << (j / 2 % 32);
	unsigned count2 = 1; /* the prime 2 */
	for (unsigned i = 3; i < n; i += 2)
		count2 += !(bits[i / 2 / 32] >> (i / 2 % 32) & 1);
	printf("bit sieve count: %u %s\n", count2, count2 == count ? "PASS" : "FAIL");
	unsigned known = 0;
	if (n == 2000000u) known = 148933;
	if (n == 1000000u) known = 78498;
	if (n == 500000u) known = 41538;
	if (known) printf("known pi(N): %u %s\n", known, known == count ? "PASS" : "FAIL");
	free(bits);
	free(comp);
	return count2 == count && (!known || known == count) ? 0 : 1;
}
