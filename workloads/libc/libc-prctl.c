// prctl against musl: each option this kernel has and its errors. PR_SET/GET_DUMPABLE (2 is
// EINVAL; a uid change clears it; execve is not needed to see fork inherit it), PR_SET/GET_NAME (16
// bytes, truncated, what /proc/self/comm and status show), PR_SET/GET_PDEATHSIG (sent when the
// parent exits; cleared in a forked child and by a uid change),
// PR_SET/GET_NO_NEW_PRIVS (argument rules, inherited, sticky), PR_SET/GET_KEEPCAPS, PR_CAPBSET_READ,
// and unknown options.
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include "cptbench.h"

static const char *err(int r) {
  static char buf[32];
  if (r >= 0) {
    snprintf(buf, sizeof buf, "%d", r);
    return buf;
  }
  switch (errno) {
    case EINVAL: return "EINVAL";
    case EFAULT: return "EFAULT";
    case EPERM: return "EPERM";
  }
  snprintf(buf, sizeof buf, "errno %d", errno);
  return buf;
}

static void msleep(int ms) {
  struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
  nanosleep(&ts, 0);
}

static void cat(const char *path, const char *prefix) {
  char buf[2048];
  int fd = open(path, O_RDONLY);
  int n = fd < 0 ? -1 : read(fd, buf, sizeof buf - 1);
  if (fd >= 0) close(fd);
  if (n < 0) {
    printf("%s: unreadable\n", path);
    return;
  }
  buf[n] = 0;
  for (char *line = strtok(buf, "\n"); line; line = strtok(0, "\n")) {
    if (strncmp(line, prefix, strlen(prefix)) == 0) printf("%s: %s\n", path, line);
  }
}

static volatile sig_atomic_t got;
static void on_usr1(int sig) { got = sig; }

int main(void) {
  setvbuf(stdout, 0, _IONBF, 0);
  printf("GET_DUMPABLE: %s\n", err(prctl(PR_GET_DUMPABLE)));
  printf("SET_DUMPABLE 0: %s\n", err(prctl(PR_SET_DUMPABLE, 0)));
  cpt_mark("not dumpable");
  printf("GET_DUMPABLE: %s\n", err(prctl(PR_GET_DUMPABLE)));
  printf("SET_DUMPABLE 2: %s\n", err(prctl(PR_SET_DUMPABLE, 2)));
  printf("SET_DUMPABLE 1: %s\n", err(prctl(PR_SET_DUMPABLE, 1)));

  char name[32];
  printf("SET_NAME worker: %s\n", err(prctl(PR_SET_NAME, "worker")));
  memset(name, 'x', sizeof name);
  printf("GET_NAME: %s '%s'\n", err(prctl(PR_GET_NAME, name)), name);
  cat("/proc/self/comm", "");
  cat("/proc/self/status", "Name:");
  printf("SET_NAME a long name: %s\n", err(prctl(PR_SET_NAME, "abcdefghijklmnopqrstuvwxyz")));
  prctl(PR_GET_NAME, name);
  printf("GET_NAME: '%s' (%d bytes)\n", name, (int)strlen(name));
  cat("/proc/self/comm", "");
  printf("SET_NAME bad pointer: %s\n", err(prctl(PR_SET_NAME, (char *)8)));

  int sig = -1;
  printf("GET_PDEATHSIG: %s %d\n", err(prctl(PR_GET_PDEATHSIG, &sig)), sig);
  printf("SET_PDEATHSIG 65: %s\n", err(prctl(PR_SET_PDEATHSIG, 65)));
  printf("SET_PDEATHSIG SIGUSR1: %s\n", err(prctl(PR_SET_PDEATHSIG, SIGUSR1)));
  prctl(PR_GET_PDEATHSIG, &sig);
  printf("GET_PDEATHSIG: %d\n", sig);
  fflush(stdout);
  pid_t p = fork();
  if (p == 0) {
    int s2 = -1;
    prctl(PR_GET_PDEATHSIG, &s2);
    printf("child: PDEATHSIG after fork: %d\n", s2);
    printf("child: GET_DUMPABLE: %s\n", err(prctl(PR_GET_DUMPABLE)));
    _exit(0);
  }
  waitpid(p, 0, 0);
  prctl(PR_SET_PDEATHSIG, 0);

  // The parent-death signal: a grandchild asks for SIGUSR1 and its parent exits.
  int pfd[2];
  pipe(pfd);
  fflush(stdout);
  p = fork();
  if (p == 0) {
    pid_t g = fork();
    if (g == 0) {
      signal(SIGUSR1, on_usr1);
      prctl(PR_SET_PDEATHSIG, SIGUSR1);
      write(pfd[1], "r", 1);
      for (int i = 0; i < 200 && !got; i++) msleep(10);
      printf("grandchild: got signal %d when its parent exited\n", (int)got);
      write(pfd[1], "d", 1);
      _exit(0);
    }
    char c;
    read(pfd[0], &c, 1);
    _exit(0);
  }
  waitpid(p, 0, 0);
  char c;
  read(pfd[0], &c, 1);

  // A uid change clears the dumpable flag and the parent-death signal.
  fflush(stdout);
  p = fork();
  if (p == 0) {
    prctl(PR_SET_PDEATHSIG, SIGUSR1);
    printf("child: KEEPCAPS: %s\n", err(prctl(PR_GET_KEEPCAPS)));
    printf("child: SET_KEEPCAPS 2: %s\n", err(prctl(PR_SET_KEEPCAPS, 2)));
    printf("child: SET_KEEPCAPS 1: %s\n", err(prctl(PR_SET_KEEPCAPS, 1)));
    cpt_mark("child keeps caps");
    printf("child: KEEPCAPS: %s\n", err(prctl(PR_GET_KEEPCAPS)));
    printf("child: setuid 1000: %s\n", err(setuid(1000)));
    int s2 = -1;
    prctl(PR_GET_PDEATHSIG, &s2);
    printf("child: after setuid: DUMPABLE %d PDEATHSIG %d KEEPCAPS %d\n", prctl(PR_GET_DUMPABLE), s2, prctl(PR_GET_KEEPCAPS));
    printf("child: SET_DUMPABLE 1 as uid 1000: %s\n", err(prctl(PR_SET_DUMPABLE, 1)));
    _exit(0);
  }
  waitpid(p, 0, 0);

  // PR_GET_TID_ADDRESS is not tested here: qemu-riscv32 7.2 answers EINVAL (Linux with
  // CONFIG_CHECKPOINT_RESTORE writes the set_tid_address pointer); test/machine/kernel has it.

  printf("GET_NO_NEW_PRIVS: %s\n", err(prctl(PR_GET_NO_NEW_PRIVS, 0, 0, 0, 0)));
  printf("GET_NO_NEW_PRIVS with arg2 1: %s\n", err(prctl(PR_GET_NO_NEW_PRIVS, 1, 0, 0, 0)));
  printf("SET_NO_NEW_PRIVS 0: %s\n", err(prctl(PR_SET_NO_NEW_PRIVS, 0, 0, 0, 0)));
  printf("SET_NO_NEW_PRIVS 1 with arg3: %s\n", err(prctl(PR_SET_NO_NEW_PRIVS, 1, 1, 0, 0)));
  printf("SET_NO_NEW_PRIVS 1: %s\n", err(prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0)));
  cpt_mark("no new privs");
  printf("GET_NO_NEW_PRIVS: %s\n", err(prctl(PR_GET_NO_NEW_PRIVS, 0, 0, 0, 0)));
  fflush(stdout);
  p = fork();
  if (p == 0) {
    printf("child: GET_NO_NEW_PRIVS: %s\n", err(prctl(PR_GET_NO_NEW_PRIVS, 0, 0, 0, 0)));
    _exit(0);
  }
  waitpid(p, 0, 0);

  printf("CAPBSET_READ CAP_SYS_ADMIN: %s\n", err(prctl(PR_CAPBSET_READ, 21)));
  printf("CAPBSET_READ 40: %s\n", err(prctl(PR_CAPBSET_READ, 40)));
  printf("CAPBSET_READ 64: %s\n", err(prctl(PR_CAPBSET_READ, 64)));
  printf("option 9999: %s\n", err(prctl(9999, 0, 0, 0, 0)));
  printf("option -1: %s\n", err(prctl(-1, 0, 0, 0, 0)));
  printf("done\n");
  return 0;
}
