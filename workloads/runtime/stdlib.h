#ifndef RT_STDLIB_H
#define RT_STDLIB_H

#include <stddef.h>

#define EXIT_SUCCESS 0
#define EXIT_FAILURE 1

extern char **environ;

__attribute__((noreturn)) void exit(int code);   /* flushes stdout, then exit_group */
__attribute__((noreturn)) void _exit(int code);  /* exit_group, no flush */
__attribute__((noreturn)) void abort(void);      /* flush, message to stderr, exit 134 */

void *malloc(size_t n);
void free(void *p);
void *calloc(size_t n, size_t sz);
void *realloc(void *p, size_t n);

void qsort(void *base, size_t n, size_t sz, int (*cmp)(const void *, const void *));

int atoi(const char *s);
long atol(const char *s);
long strtol(const char *s, char **end, int base);
unsigned long strtoul(const char *s, char **end, int base);
long long strtoll(const char *s, char **end, int base);
unsigned long long strtoull(const char *s, char **end, int base);
int abs(int x);
long labs(long x);
long long llabs(long long x);
char *getenv(const char *name);

#endif
