// A musl program that uses what every real C program does at start-up and after: stdio
// (buffered and formatted), malloc (mallocng: brk, mmap, munmap, mremap for big blocks),
// pthreads (clone, futex, set_robust_list, TLS), environment, qsort/strtod and time calls.
// Its output is the same on any schedule.
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cptbench.h"

#define THREADS 4
#define ROUNDS 1000

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t turn_cv = PTHREAD_COND_INITIALIZER;
static int turn, counter;
static __thread int tls_value;

static void *worker(void *arg) {
  int id = (int)(long)arg;
  tls_value = id * 100;
  for (int i = 0; i < ROUNDS; i++) {
    pthread_mutex_lock(&lock);
    while (turn != id) pthread_cond_wait(&turn_cv, &lock);
    counter += tls_value + i;
    turn = (turn + 1) % THREADS;
    pthread_cond_broadcast(&turn_cv);
    pthread_mutex_unlock(&lock);
  }
  return (void *)(long)(tls_value + id);
}

static int cmp_int(const void *a, const void *b) {
  int x = *(const int *)a, y = *(const int *)b;
  return (x > y) - (x < y);
}

int main(int argc, char **argv) {
  printf("argv[0]=%s argc=%d\n", argv[0], argc);
  printf("formats: %5d|%-5d|%05.1f|%e|%g|%x|%o|%c|%s|%%\n", 42, -7, 3.14159, 1e-10, 0.0001, 255u, 8u, 'z', "str");
  printf("strtod: %.17g %.17g\n", strtod("2.718281828459045", NULL), strtod("1e308", NULL) * 10);

  // Small blocks come from brk/mallocng groups, big ones from mmap, and realloc of a big block
  // goes through mremap.
  size_t sizes[] = {1, 24, 200, 4000, 70000, 1 << 20, 5 << 20};
  unsigned long sum = 0;
  for (unsigned i = 0; i < sizeof sizes / sizeof sizes[0]; i++) {
    unsigned char *p = malloc(sizes[i]);
    if (!p) { printf("malloc(%zu) failed\n", sizes[i]); return 1; }
    memset(p, (int)i + 1, sizes[i]);
    p = realloc(p, sizes[i] * 2);
    if (!p) { printf("realloc failed\n"); return 1; }
    sum += p[sizes[i] - 1];
    free(p);
  }
  printf("malloc: sum %lu\n", sum);
  cpt_mark("after-malloc");

  int *v = calloc(1000, sizeof *v);
  for (int i = 0; i < 1000; i++) v[i] = (i * 7919) % 1009;
  qsort(v, 1000, sizeof *v, cmp_int);
  printf("qsort: %d %d %d\n", v[0], v[500], v[999]);
  free(v);

  pthread_t t[THREADS];
  for (long i = 0; i < THREADS; i++) pthread_create(&t[i], NULL, worker, (void *)i);
  cpt_mark("threads-running");
  long total = 0;
  for (int i = 0; i < THREADS; i++) {
    void *r;
    pthread_join(t[i], &r);
    total += (long)r;
  }
  printf("threads: counter %d joined %ld\n", counter, total);

  struct timespec a, b;
  clock_gettime(CLOCK_MONOTONIC, &a);
  nanosleep(&(struct timespec){0, 1000000}, NULL);
  clock_gettime(CLOCK_MONOTONIC, &b);
  long ns = (b.tv_sec - a.tv_sec) * 1000000000L + (b.tv_nsec - a.tv_nsec);
  printf("time: slept at least 1 ms: %s\n", ns >= 1000000 ? "yes" : "no");

  cpt_mark("before-exit");
  setenv("CPTBENCH_LIBC", "musl", 1);
  printf("env: %s, pid > 0: %s, errno after bad close: %s\n", getenv("CPTBENCH_LIBC"),
         getpid() > 0 ? "yes" : "no", close(-1) < 0 ? strerror(errno) : "none");
  fprintf(stderr, "to stderr\n");
  return 3;
}
