/* intbench: the MIPS benchmark kernel. Pure integer: an LCG feeding a
 * Fisher-Yates shuffle of a 4096-entry table (remu), xorshift mixing, a
 * running checksum with rotates and multiplies, byte/half/word loads and
 * stores, and data-dependent branches. argv[1] = iterations (default 110,
 * about 20 million instructions); prints one checksum. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include "cpt.h"

#define TN 4096

static uint32_t table[TN];
static uint16_t halves[TN];
static uint8_t bytes[TN];

int main(int argc, char **argv)
{
	long iters = argc > 1 ? strtol(argv[1], NULL, 0) : 110;
	uint32_t lcg = 0x2545f491u, xs = 0x9e3779b9u, sum = 0, branches = 0;
	for (uint32_t i = 0; i < TN; i++) table[i] = i;
	cpt_mark("intbench:start");
	for (long it = 0; it < iters; it++) {
		/* Fisher-Yates shuffle driven by the LCG */
		for (uint32_t i = TN - 1; i > 0; i--) {
			lcg = lcg * 1664525u + 1013904223u;
			uint32_t j = (lcg >> 8) % (i + 1);
			uint32_t t = table[i];
			table[i] = table[j];
			table[j] = t;
		}
		/* mix into narrower arrays and a checksum */
		for (uint32_t i = 0; i < TN; i++) {
			uint32_t v = table[i];
			xs ^= xs << 13; xs ^= xs >> 17; xs ^= xs << 5;
			halves[i] = (uint16_t)(v * 40503u + (xs & 0xff));
			bytes[i] ^= (uint8_t)(v >> 3);
			if ((v ^ xs) & 4) { sum += v * 2654435761u; branches++; }
			else sum ^= (sum << 7) | (sum >> 25);
		}
		for (uint32_t i = 0; i < TN; i += 4)
			sum += (uint32_t)halves[i] * bytes[i + 1] + (int16_t)halves[i + 2] - (int8_t)bytes[i + 3];
		if (it == iters / 2) cpt_mark("intbench:half");
	}
	uint32_t perm = 0;
	for (uint32_t i = 0; i < TN; i++) perm += table[i] ^ i;
	printf("intbench: %ld iterations, checksum %08x, taken %u, permutation check %08x\n", iters,
	       (unsigned)sum, (unsigned)branches, (unsigned)perm);
	return 0;
}
