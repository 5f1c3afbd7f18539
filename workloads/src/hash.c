/* hash: CRC-32 (bitwise and table-driven), Adler-32, FNV-1a and SHA-256 over a
 * generated 48 KiB buffer, plus the standard test vectors. Mix: shifts, rotates
 * (no Zbb: srl/sll/or), xor/and, byte and word loads, table lookups, tight
 * branches. Optional argv[1]: buffer size in KiB. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "cpt.h"

static uint32_t crc_table[256];

static void crc_init(void)
{
	for (uint32_t i = 0; i < 256; i++) {
		uint32_t c = i;
		for (int k = 0; k < 8; k++)
			c = (c & 1) ? 0xedb88320u ^ (c >> 1) : c >> 1;
		crc_table[i] = c;
	}
}

static uint32_t crc32_table(const uint8_t *p, size_t n)
{
	uint32_t c = 0xffffffffu;
	while (n--)
		c = crc_table[(c ^ *p++) & 0xff] ^ (c >> 8);
	return c ^ 0xffffffffu;
}

static uint32_t crc32_bitwise(const uint8_t *p, size_t n)
{
	uint32_t c = 0xffffffffu;
	while (n--) {
		c ^= *p++;
		for (int k = 0; k < 8; k++)
			c = (c >> 1) ^ (0xedb88320u & (0u - (c & 1)));
	}
	return ~c;
}

static uint32_t adler32(const uint8_t *p, size_t n)
{
	uint32_t a = 1, b = 0;
	while (n--) {
		a = (a + *p++) % 65521u;
		b = (b + a) % 65521u;
	}
	return (b << 16) | a;
}

static uint64_t fnv1a64(const uint8_t *p, size_t n)
{
	uint64_t h = 0xcbf29ce484222325ull;
	while (n--) {
		h ^= *p++;
		h *= 0x100000001b3ull;
	}
	return h;
}

/* ---- SHA-256 ---- */
static const uint32_t K[64] = {
	0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5,
	0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174,
	0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
	0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967,
	0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85,
	0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
	0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
	0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2,
};

struct sha256 {
	uint32_t h[8];
	uint8_t buf[64];
	uint64_t len;
	unsigned fill;
};

#define ROR(x, n) (((x) >> (n)) | ((x) << (32 - (n))))

static void sha_block(struct sha256 *s, const uint8_t *p)
{
	uint32_t w[64];
	for (int i = 0; i < 16; i++)
		w[i] = (uint32_t)p[4 * i] << 24 | (uint32_t)p[4 * i + 1] << 16 | (uint32_t)p[4 * i + 2] << 8 | p[4 * i + 3];
	for (int i = 16; i < 64; i++) {
		uint32_t s0 = ROR(w[i - 15], 7) ^ ROR(w[i - 15], 18) ^ (w[i - 15] >> 3);
		uint32_t s1 = ROR(w[i - 2], 17) ^ ROR(w[i - 2], 19) ^ (w[i - 2] >> 10);
		w[i] = w[i - 16] + s0 + w[i - 7] + s1;
	}
	uint32_t a = s->h[0], b = s->h[1], c = s->h[2], d = s->h[3];
	uint32_t e = s->h[4], f = s->h[5], g = s->h[6], h = s->h[7];
	for (int i = 0; i < 64; i++) {
		uint32_t S1 = ROR(e, 6) ^ ROR(e, 11) ^ ROR(e, 25);
		uint32_t ch = (e & f) ^ (~e & g);
		uint32_t t1 = h + S1 + ch + K[i] + w[i];
		uint32_t S0 = ROR(a, 2) ^ ROR(a, 13) ^ ROR(a, 22);
		uint32_t mj = (a & b) ^ (a & c) ^ (b & c);
		uint32_t t2 = S0 + mj;
		h = g; g = f; f = e; e = d + t1;
		d = c; c = b; b = a; a = t1 + t2;
	}
	s->h[0] += a; s->h[1] += b; s->h[2] += c; s->h[3] += d;
	s->h[4] += e; s->h[5] += f; s->h[6] += g; s->h[7] += h;
}

static void sha_init(struct sha256 *s)
{
	static const uint32_t iv[8] = { 0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a,
					0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19 };
	memcpy(s->h, iv, sizeof iv);
	s->len = 0;
	s->fill = 0;
}

static void sha_update(struct sha256 *s, const uint8_t *p, size_t n)
{
	s->len += n;
	while (n) {
		if (s->fill == 0 && n >= 64) {
			sha_block(s, p);
			p += 64; n -= 64;
			continue;
		}
		unsigned k = 64 - s->fill;
		if (k > n) k = (unsigned)n;
		memcpy(s->buf + s->fill, p, k);
		s->fill += k; p += k; n -= k;
		if (s->fill == 64) { sha_block(s, s->buf); s->fill = 0; }
	}
}

static void sha_final(struct sha256 *s, char out[65])
{
	uint64_t bits = s->len * 8;
	uint8_t pad = 0x80;
	sha_update(s, &pad, 1);
	pad = 0;
	while (s->fill != 56) sha_update(s, &pad, 1);
	uint8_t lenb[8];
	for (int i = 0; i < 8; i++) lenb[i] = (uint8_t)(bits >> (56 - 8 * i));
	sha_update(s, lenb, 8);
	for (int i = 0; i < 8; i++) snprintf(out + 8 * i, 9, "%08x", (unsigned)s->h[i]);
}

static void sha_hex(const void *p, size_t n, char out[65])
{
	struct sha256 s;
	sha_init(&s);
	sha_update(&s, p, n);
	sha_final(&s, out);
}

static int failures;

static void check(const char *what, const char *got, const char *want)
{
	int ok = !strcmp(got, want);
	failures += !ok;
	printf("%-28s %s %s\n", what, got, ok ? "PASS" : "FAIL");
}

int main(int argc, char **argv)
{
	size_t kib = argc > 1 ? (size_t)atoi(argv[1]) : 48;
	size_t n = kib * 1024;
	uint8_t *buf = malloc(n);
	char hex[65], tmp[32];
	if (!buf) { fprintf(stderr, "hash: out of memory\n"); return 1; }
	crc_init();

	/* Standard vectors */
	snprintf(tmp, sizeof tmp, "%08x", (unsigned)crc32_table((const uint8_t *)"123456789", 9));
	check("crc32(\"123456789\")", tmp, "cbf43926");
	snprintf(tmp, sizeof tmp, "%08x", (unsigned)crc32_bitwise((const uint8_t *)"123456789", 9));
	check("crc32 bitwise", tmp, "cbf43926");
	snprintf(tmp, sizeof tmp, "%08x", (unsigned)adler32((const uint8_t *)"Wikipedia", 9));
	check("adler32(\"Wikipedia\")", tmp, "11e60398");
	snprintf(tmp, sizeof tmp, "%016llx", (unsigned long long)fnv1a64((const uint8_t *)"a", 1));
	check("fnv1a64(\"a\")", tmp, "af63dc4c8601ec8c");
	sha_hex("", 0, hex);
	check("sha256(\"\")", hex, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
	sha_hex("abc", 3, hex);
	check("sha256(\"abc\")", hex, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
	const char *two = "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq";
	sha_hex(two, strlen(two), hex);
	check("sha256(448-bit msg)", hex, "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");

	/* Generated buffer: xorshift32 */
	uint32_t x = 2463534242u;
	for (size_t i = 0; i < n; i++) {
		x ^= x << 13; x ^= x >> 17; x ^= x << 5;
		buf[i] = (uint8_t)(x >> 24);
	}
	cpt_mark("hash:buffer-ready");
	printf("buffer: %u bytes, first %02x%02x%02x%02x last %02x\n", (unsigned)n, buf[0], buf[1], buf[2], buf[3], buf[n - 1]);
	uint32_t c1 = crc32_table(buf, n);
	uint32_t c2 = crc32_bitwise(buf, n < 8192 ? n : 8192);
	uint32_t c3 = crc32_table(buf, n < 8192 ? n : 8192);
	printf("crc32(buf) = %08x\n", (unsigned)c1);
	printf("crc32(buf[0..8K]) bitwise %08x table %08x %s\n", (unsigned)c2, (unsigned)c3, c2 == c3 ? "PASS" : "FAIL");
	failures += c2 != c3;
	printf("adler32(buf) = %08x\n", (unsigned)adler32(buf, n));
	printf("fnv1a64(buf) = %016llx\n", (unsigned long long)fnv1a64(buf, n));
	cpt_mark("hash:sha");
	sha_hex(buf, n, hex);
	printf("sha256(buf) = %s\n", hex);
	/* Streaming in odd-sized pieces must give the same digest. */
	struct sha256 s;
	sha_init(&s);
	for (size_t off = 0, step = 1; off < n; off += step, step = step * 7 % 1000 + 1)
		sha_update(&s, buf + off, off + step > n ? n - off : step);
	char hex2[65];
	sha_final(&s, hex2);
	check("sha256 streamed", hex2, hex);
	free(buf);
	printf("failures: %d\n", failures);
	return failures;
}
