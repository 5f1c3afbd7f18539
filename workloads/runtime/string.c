#include <stdint.h>
#include <string.h>
#include <stdlib.h>

/* Keep GCC from turning these loops back into calls to themselves. */
#define NOBUILTIN __attribute__((optimize("no-tree-loop-distribute-patterns")))

NOBUILTIN void *memcpy(void *restrict d, const void *restrict s, size_t n)
{
	unsigned char *dp = d;
	const unsigned char *sp = s;
	if ((((uintptr_t)dp | (uintptr_t)sp) & 3) == 0) {
		while (n >= 16) {
			uint32_t a = ((const uint32_t *)sp)[0], b = ((const uint32_t *)sp)[1];
			uint32_t c = ((const uint32_t *)sp)[2], e = ((const uint32_t *)sp)[3];
			((uint32_t *)dp)[0] = a; ((uint32_t *)dp)[1] = b;
			((uint32_t *)dp)[2] = c; ((uint32_t *)dp)[3] = e;
			dp += 16; sp += 16; n -= 16;
		}
		while (n >= 4) {
			*(uint32_t *)dp = *(const uint32_t *)sp;
			dp += 4; sp += 4; n -= 4;
		}
	}
	while (n--)
		*dp++ = *sp++;
	return d;
}

NOBUILTIN void *memmove(void *d, const void *s, size_t n)
{
	unsigned char *dp = d;
	const unsigned char *sp = s;
	if (dp == sp || n == 0)
		return d;
	if (dp < sp || dp >= sp + n)
		return memcpy(d, s, n);
	dp += n; sp += n;
	while (n--)
		*--dp = *--sp;
	return d;
}

NOBUILTIN void *memset(void *d, int c, size_t n)
{
	unsigned char *dp = d;
	uint32_t w = (unsigned char)c;
	w |= w << 8; w |= w << 16;
	while (n && ((uintptr_t)dp & 3)) { *dp++ = (unsigned char)c; n--; }
	while (n >= 16) {
		((uint32_t *)dp)[0] = w; ((uint32_t *)dp)[1] = w;
		((uint32_t *)dp)[2] = w; ((uint32_t *)dp)[3] = w;
		dp += 16; n -= 16;
	}
	while (n >= 4) { *(uint32_t *)dp = w; dp += 4; n -= 4; }
	while (n--) *dp++ = (unsigned char)c;
	return d;
}

int memcmp(const void *a, const void *b, size_t n)
{
	const unsigned char *x = a, *y = b;
	for (; n; n--, x++, y++)
		if (*x != *y)
			return *x - *y;
	return 0;
}

void *memchr(const void *s, int c, size_t n)
{
	const unsigned char *p = s;
	for (; n; n--, p++)
		if (*p == (unsigned char)c)
			return (void *)p;
	return NULL;
}

NOBUILTIN size_t strlen(const char *s)
{
	const char *p = s;
	while (*p) p++;
	return (size_t)(p - s);
}

size_t strnlen(const char *s, size_t n)
{
	size_t i = 0;
	while (i < n && s[i]) i++;
	return i;
}

int strcmp(const char *a, const char *b)
{
	while (*a && *a == *b) { a++; b++; }
	return (unsigned char)*a - (unsigned char)*b;
}

int strncmp(const char *a, const char *b, size_t n)
{
	for (; n; n--, a++, b++) {
		if (*a != *b)
			return (unsigned char)*a - (unsigned char)*b;
		if (!*a)
			return 0;
	}
	return 0;
}

NOBUILTIN char *strcpy(char *restrict d, const char *restrict s)
{
	char *r = d;
	while ((*d++ = *s++)) ;
	return r;
}

NOBUILTIN char *strncpy(char *restrict d, const char *restrict s, size_t n)
{
	char *r = d;
	for (; n && *s; n--) *d++ = *s++;
	for (; n; n--) *d++ = 0;
	return r;
}

char *strcat(char *restrict d, const char *restrict s)
{
	strcpy(d + strlen(d), s);
	return d;
}

char *strchr(const char *s, int c)
{
	for (;; s++) {
		if (*s == (char)c) return (char *)s;
		if (!*s) return NULL;
	}
}

char *strrchr(const char *s, int c)
{
	const char *r = NULL;
	for (;; s++) {
		if (*s == (char)c) r = s;
		if (!*s) return (char *)r;
	}
}

char *strstr(const char *h, const char *n)
{
	size_t nl = strlen(n);
	if (!nl) return (char *)h;
	for (; *h; h++)
		if (*h == *n && !strncmp(h, n, nl))
			return (char *)h;
	return NULL;
}

char *strdup(const char *s)
{
	size_t n = strlen(s) + 1;
	char *d = malloc(n);
	if (d) memcpy(d, s, n);
	return d;
}
