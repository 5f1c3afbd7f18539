// File owners and O_ASYNC against musl: F_SETOWN/F_GETOWN (a process, a process group, none,
// ESRCH for a pid that is gone, 0 once the owner has exited), F_SETOWN_EX/F_GETOWN_EX (thread,
// process, group, EINVAL for a bad type), F_SETSIG/F_GETSIG (EINVAL past the last signal), and
// the signals pipes send their O_ASYNC ends: a plain SIGIO (SI_KERNEL) without F_SETSIG, and
// F_SETSIG's signal with si_code POLL_IN/POLL_OUT, si_fd and si_band; on the read end after a
// write (also a child's), on the write end after a read, on both when the other side closes;
// FIOASYNC, and O_ASYNC in F_GETFL. Signals are blocked and taken with sigtimedwait, so every
// line is the same on any schedule.
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include "cptbench.h"

static const char *err(int r) {
  static char buf[32];
  if (r >= 0) return "ok";
  switch (errno) {
    case EINVAL: return "EINVAL";
    case ESRCH: return "ESRCH";
    case EBADF: return "EBADF";
    case ENOTTY: return "ENOTTY";
  }
  snprintf(buf, sizeof buf, "errno %d", errno);
  return buf;
}

/** Every pending signal of the set, as "signo code fd band" lines (or "none"). */
static void drain(const char *what, const sigset_t *set) {
  struct timespec zero = {0, 0};
  siginfo_t si;
  int n = 0;
  printf("%s:", what);
  while (sigtimedwait(set, &si, &zero) > 0) {
    n++;
    if (si.si_signo == SIGIO && si.si_code == SI_KERNEL) printf(" [SIGIO SI_KERNEL]");
    else if (si.si_signo == SIGIO) printf(" [SIGIO code %d fd %d band %#lx]", si.si_code, si.si_fd, (unsigned long)si.si_band);
    // qemu-user passes si_fd on for SIGIO only (it copies a real-time signal's pid/uid fields).
    else printf(" [%s code %d band %#lx]", si.si_signo == SIGRTMIN + 1 ? "RT1" : "other", si.si_code, (unsigned long)si.si_band);
  }
  printf("%s\n", n == 0 ? " none" : "");
}

static const char *who(int v, pid_t self, pid_t other) {
  static char buf[32];
  if (v == 0) return "0";
  if (v == self) return "self";
  if (v == -self) return "-self";
  if (v == other) return "other";
  snprintf(buf, sizeof buf, "unexpected %d", v);
  return buf;
}

int main(void) {
  setvbuf(stdout, 0, _IONBF, 0);
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGIO);
  sigaddset(&set, SIGRTMIN + 1);
  sigprocmask(SIG_BLOCK, &set, 0);
  pid_t self = getpid();
  int p[2];
  pipe(p);

  printf("default: getown %d getsig %d\n", fcntl(p[0], F_GETOWN), fcntl(p[0], F_GETSIG));
  struct f_owner_ex ex = {.type = 7, .pid = 7};
  printf("default getown_ex: %s type %d pid %d\n", err(fcntl(p[0], F_GETOWN_EX, &ex)), ex.type, ex.pid);

  // A pid that no longer exists.
  pid_t gone = fork();
  if (gone == 0) _exit(0);
  waitpid(gone, 0, 0);
  printf("setown reaped child: %s\n", err(fcntl(p[0], F_SETOWN, gone)));
  printf("setown self: %s -> %s\n", err(fcntl(p[0], F_SETOWN, self)), who(fcntl(p[0], F_GETOWN), self, 0));
  setpgid(0, 0);
  printf("setown -pgrp: %s -> %s\n", err(fcntl(p[0], F_SETOWN, -getpgrp())), who(fcntl(p[0], F_GETOWN), self, 0));
  printf("setown 0: %s -> %s\n", err(fcntl(p[0], F_SETOWN, 0)), who(fcntl(p[0], F_GETOWN), self, 0));

  ex.type = 5;
  ex.pid = self;
  printf("setown_ex bad type: %s\n", err(fcntl(p[0], F_SETOWN_EX, &ex)));
  ex.type = F_OWNER_TID;
  ex.pid = gettid();
  printf("setown_ex tid: %s", err(fcntl(p[0], F_SETOWN_EX, &ex)));
  memset(&ex, 0, sizeof ex);
  fcntl(p[0], F_GETOWN_EX, &ex);
  printf(" -> type %d %s\n", ex.type, who(ex.pid, self, 0));
  ex.type = F_OWNER_PGRP;
  ex.pid = getpgrp();
  fcntl(p[0], F_SETOWN_EX, &ex);
  printf("setown_ex pgrp -> getown %s\n", who(fcntl(p[0], F_GETOWN), self, 0));

  printf("setsig 65: %s\n", err(fcntl(p[0], F_SETSIG, 65)));
  printf("setsig RT1: %s -> %d\n", err(fcntl(p[0], F_SETSIG, SIGRTMIN + 1)), fcntl(p[0], F_GETSIG) == SIGRTMIN + 1);
  fcntl(p[0], F_SETSIG, 0);

  // O_ASYNC with a plain SIGIO.
  fcntl(p[0], F_SETOWN, self);
  drain("before O_ASYNC", &set);
  write(p[1], "a", 1);
  drain("write without O_ASYNC", &set);
  printf("setfl O_ASYNC: %s, getfl has O_ASYNC: %d\n", err(fcntl(p[0], F_SETFL, fcntl(p[0], F_GETFL) | O_ASYNC)), (fcntl(p[0], F_GETFL) & O_ASYNC) != 0);
  cpt_mark("an owner set, O_ASYNC armed");
  write(p[1], "b", 1);
  drain("write, plain SIGIO", &set);
  char buf[64];
  read(p[0], buf, sizeof buf);
  drain("read (read end only on the list)", &set);

  // F_SETSIG: the details (F_SETSIG SIGIO too: si_code, si_fd and si_band instead of SI_KERNEL).
  fcntl(p[0], F_SETSIG, SIGRTMIN + 1);
  cpt_mark("F_SETSIG RT1 set");
  write(p[1], "cc", 2);
  drain("write, F_SETSIG RT1", &set);
  fcntl(p[0], F_SETSIG, SIGIO);
  write(p[1], "cc", 2);
  drain("write, F_SETSIG SIGIO", &set);
  write(p[1], "", 0);
  drain("empty write", &set);

  // The write end on the list too, through FIOASYNC.
  int on = 1;
  fcntl(p[1], F_SETOWN, self);
  fcntl(p[1], F_SETSIG, SIGIO);
  printf("FIOASYNC on write end: %s\n", err(ioctl(p[1], FIOASYNC, &on)));
  read(p[0], buf, sizeof buf);
  drain("read, both ends listed", &set);
  on = 0;
  ioctl(p[0], FIOASYNC, &on);
  printf("FIOASYNC off on read end: getfl has O_ASYNC: %d\n", (fcntl(p[0], F_GETFL) & O_ASYNC) != 0);
  write(p[1], "d", 1);
  drain("write, read end off the list", &set);
  ioctl(p[0], FIOASYNC, &(int){1});

  // A child's write signals the parent, the owner.
  pid_t c = fork();
  if (c == 0) {
    write(p[1], "e", 1);
    _exit(0);
  }
  waitpid(c, 0, 0);
  drain("child's write", &set);

  // The owner exits: F_GETOWN says 0, F_GETOWN_EX still names the pid.
  int q[2];
  pipe(q);
  c = fork();
  if (c == 0) {
    fcntl(q[0], F_SETOWN, getpid());
    _exit(0);
  }
  waitpid(c, 0, 0);
  memset(&ex, 0, sizeof ex);
  fcntl(q[0], F_GETOWN_EX, &ex);
  printf("owner exited: getown %s, getown_ex type %d %s\n", who(fcntl(q[0], F_GETOWN), self, c), ex.type, who(ex.pid, self, c));

  // Closing the read end: the write end's owner hears POLL_OUT.
  read(p[0], buf, sizeof buf);
  drain("read before close", &set);
  close(p[0]);
  drain("read end closed", &set);
  signal(SIGPIPE, SIG_IGN);
  printf("write after close: %s\n", err(write(p[1], "f", 1)));
  drain("after EPIPE", &set);
  return 0;
}
