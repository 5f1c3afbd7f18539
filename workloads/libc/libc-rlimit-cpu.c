// RLIMIT_CPU enforced (kernel/time/posix-cpu-timers.c): a soft limit the process has already
// used up brings SIGXCPU (si_code SI_KERNEL) at the next check, and the soft limit moves up by
// one second; a hard limit used up brings SIGKILL and no SIGXCPU; SIGXCPU's default action ends
// the process; a forked child inherits the limit. Limits of 0 seconds keep the program short:
// one CPU second is 10^9 instructions here.
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <fcntl.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cptbench.h"

static volatile sig_atomic_t got, code;

static void on_xcpu(int sig, siginfo_t *si, void *uc) {
  (void)sig;
  (void)uc;
  got++;
  code = si->si_code;
}

static void spin_until(volatile sig_atomic_t *flag) {
  volatile unsigned long n = 0;
  while (!*flag) n++;
}

static void spin_forever(void) {
  volatile unsigned long n = 0;
  for (;;) n++;
}

static void show_limit(const char *when) {
  struct rlimit r;
  getrlimit(RLIMIT_CPU, &r);
  printf("%s: RLIMIT_CPU cur %s%ld max %s%ld\n", when,
         r.rlim_cur == RLIM_INFINITY ? "inf " : "", r.rlim_cur == RLIM_INFINITY ? 0L : (long)r.rlim_cur,
         r.rlim_max == RLIM_INFINITY ? "inf " : "", r.rlim_max == RLIM_INFINITY ? 0L : (long)r.rlim_max);
}

static void report(const char *what, pid_t c) {
  int st = 0;
  waitpid(c, &st, 0);
  if (WIFSIGNALED(st)) printf("%s: killed by %s\n", what, strsignal(WTERMSIG(st)));
  else printf("%s: exit %d\n", what, WEXITSTATUS(st));
  fflush(stdout);
}

// qemu-user reports a guest killed by a core-dumping signal on its stderr: keep that out.
static void quiet_stderr(void) {
  int fd = open("/dev/null", O_WRONLY);
  dup2(fd, 2);
}

int main(void) {
  setvbuf(stdout, 0, _IONBF, 0);
  show_limit("at start");
  struct rlimit bad = {2, 1};
  printf("soft above hard: %d\n", setrlimit(RLIMIT_CPU, &bad));

  pid_t c = fork();
  if (c == 0) {
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_sigaction = on_xcpu;
    sa.sa_flags = SA_SIGINFO;
    sigaction(SIGXCPU, &sa, 0);
    struct rlimit r = {0, RLIM_INFINITY};
    setrlimit(RLIMIT_CPU, &r);
    spin_until(&got);
    printf("handled SIGXCPU %d time(s), si_code %s\n", (int)got, code == SI_KERNEL ? "SI_KERNEL" : "other");
    show_limit("after SIGXCPU");
    _exit(0);
  }
  report("a child handling SIGXCPU", c);
  cpt_mark("after a child's SIGXCPU");

  c = fork();
  if (c == 0) {
    quiet_stderr();
    struct rlimit r = {0, RLIM_INFINITY};
    setrlimit(RLIMIT_CPU, &r);
    spin_forever();
  }
  report("a child with SIGXCPU's default action", c);

  c = fork();
  if (c == 0) {
    signal(SIGXCPU, SIG_IGN);
    struct rlimit r = {0, 0};
    setrlimit(RLIMIT_CPU, &r);
    spin_forever();
  }
  report("a child at its hard limit", c);

  c = fork();
  if (c == 0) {
    signal(SIGXCPU, SIG_IGN);
    struct rlimit r = {0, RLIM_INFINITY};
    setrlimit(RLIMIT_CPU, &r);
    pid_t g = fork();
    if (g == 0) {
      // 0, or 1 if the parent's own SIGXCPU came before the fork (a tick between the calls):
      // either way the limit came with the fork. Not spun on: 1 would take a CPU second.
      struct rlimit in;
      getrlimit(RLIMIT_CPU, &in);
      printf("a grandchild inherits RLIMIT_CPU cur %s max %s\n", in.rlim_cur <= 1 ? "0 or 1" : "other",
             in.rlim_max == RLIM_INFINITY ? "inf" : "other");
      _exit(0);
    }
    report("the grandchild", g);
    _exit(0);
  }
  report("its parent", c);
  show_limit("at the end");
  return 0;
}
