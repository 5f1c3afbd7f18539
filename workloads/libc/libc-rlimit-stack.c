// RLIMIT_STACK enforced (mm/mmap.c acct_stack_growth): the main thread's stack grows down on
// demand only while the stack VMA stays within the soft limit; past it the access is a
// SIGSEGV (SEGV_MAPERR: no VMA there), which a handler on an alternate stack can catch. Raising
// the limit lets the stack grow again; lowering it below what the stack already spans keeps
// the pages it has but stops further growth; a forked child inherits the limit.
#include <setjmp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cptbench.h"

#define KIB 1024UL

static sigjmp_buf back;
static volatile sig_atomic_t segv_code;

static void on_segv(int sig, siginfo_t *si, void *uc) {
  (void)sig;
  (void)uc;
  segv_code = si->si_code;
  siglongjmp(back, 1);
}

// Use about `left` bytes of stack below the caller, one 4 KiB frame at a time, touching each.
static int __attribute__((noinline)) dig(unsigned long left) {
  volatile char frame[4096];
  frame[0] = (char)left;
  frame[4095] = (char)(left >> 8);
  if (left <= sizeof frame) return frame[0];
  return dig(left - sizeof frame) + frame[4095];
}

static void set_stack_limit(unsigned long bytes) {
  struct rlimit r = {bytes, RLIM_INFINITY};
  if (setrlimit(RLIMIT_STACK, &r) != 0) perror("setrlimit");
}

// Dig `bytes` below here: prints whether it got through or took a SIGSEGV.
static void try_dig(const char *what, unsigned long bytes) {
  segv_code = 0;
  if (sigsetjmp(back, 1) == 0) {
    dig(bytes);
    printf("%-52s ok\n", what);
  } else {
    printf("%-52s SIGSEGV %s\n", what, segv_code == SEGV_MAPERR ? "SEGV_MAPERR" : segv_code == SEGV_ACCERR ? "SEGV_ACCERR" : "other");
  }
}

static void catch_segv(void) {
  static char alt[16384];
  stack_t ss = {.ss_sp = alt, .ss_size = sizeof alt, .ss_flags = 0};
  sigaltstack(&ss, 0);
  struct sigaction sa;
  memset(&sa, 0, sizeof sa);
  sa.sa_sigaction = on_segv;
  sa.sa_flags = SA_SIGINFO | SA_ONSTACK;
  sigaction(SIGSEGV, &sa, 0);
}

static void wait_child(const char *what, pid_t c) {
  int st = 0;
  waitpid(c, &st, 0);
  if (WIFSIGNALED(st)) printf("%-52s killed by %s\n", what, strsignal(WTERMSIG(st)));
  else printf("%-52s exit %d\n", what, WEXITSTATUS(st));
}

int main(void) {
  setvbuf(stdout, 0, _IONBF, 0);
  struct rlimit r;
  getrlimit(RLIMIT_STACK, &r);
  printf("default soft limit: %lu KiB\n", (unsigned long)r.rlim_cur / KIB);

  pid_t c = fork();
  if (c == 0) {
    catch_segv();
    set_stack_limit(512 * KIB);
    try_dig("256 KiB under a 512 KiB limit", 256 * KIB);
    try_dig("2 MiB under a 512 KiB limit", 2048 * KIB);
    set_stack_limit(8192 * KIB);
    try_dig("2 MiB after raising it to 8 MiB", 2048 * KIB);
    set_stack_limit(512 * KIB);
    try_dig("1 MiB, grown already, under 512 KiB again", 1024 * KIB);
    try_dig("4 MiB under 512 KiB", 4096 * KIB);
    _exit(0);
  }
  wait_child("a child with limits of its own", c);
  cpt_mark("after a child's stack limits");

  c = fork();
  if (c == 0) {
    set_stack_limit(512 * KIB);
    pid_t g = fork();
    if (g == 0) {
      dig(2048 * KIB);
      _exit(0);
    }
    wait_child("a grandchild digging 2 MiB under the inherited 512 KiB", g);
    _exit(0);
  }
  wait_child("its parent", c);

  c = fork();
  if (c == 0) {
    dig(2048 * KIB);
    _exit(0);
  }
  wait_child("a child digging 2 MiB under the default limit", c);
  return 0;
}
