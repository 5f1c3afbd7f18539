// File leases against musl: F_GETLEASE/F_SETLEASE on regular files (EINVAL for a bad type, a
// pipe or a directory; EAGAIN for F_UNLCK without a lease, a read lease while the file is open
// for writing, a write lease while it is open elsewhere or leased by another file), taking a
// lease makes the process the file's owner and F_UNLCK clears owner and F_SETSIG; breaking:
// a read-only open downgrades a write lease (F_GETLEASE says F_RDLCK at once), a write open
// unlocks it, each with SIGIO (si_code POLL_MSG, si_fd, si_band) and EWOULDBLOCK under
// O_NONBLOCK; a blocked open and a blocked truncate(2) in another process go ahead once the
// holder gives way; the last close drops a lease. Signals are blocked and taken with
// sigtimedwait/sigwaitinfo, and processes hand over through pipes, so every line is the same on
// any schedule (no break waits for lease-break-time).
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include "cptbench.h"

#define PATH "lease.dat"

static const char *err(int r) {
  static char buf[32];
  if (r >= 0) return "ok";
  switch (errno) {
    case EINVAL: return "EINVAL";
    case EAGAIN: return "EAGAIN";
    case EBADF: return "EBADF";
    case EACCES: return "EACCES";
  }
  snprintf(buf, sizeof buf, "errno %d", errno);
  return buf;
}

static const char *lt(int t) {
  return t == F_RDLCK ? "RD" : t == F_WRLCK ? "WR" : t == F_UNLCK ? "UN" : "?";
}

static void drain(const char *what, const sigset_t *set, int *fds, int nfds) {
  struct timespec zero = {0, 0};
  siginfo_t si;
  int n = 0;
  printf("%s:", what);
  while (sigtimedwait(set, &si, &zero) > 0) {
    n++;
    if (si.si_code == SI_KERNEL) {
      printf(" [SIGIO SI_KERNEL]");
      continue;
    }
    int which = -1;
    for (int i = 0; i < nfds; i++)
      if (fds[i] == si.si_fd) which = i;
    printf(" [SIGIO code %d fd#%d band %#lx]", si.si_code, which, (unsigned long)si.si_band);
  }
  printf("%s\n", n == 0 ? " none" : "");
}

static void getlease(const char *what, int fd) {
  printf("%s: %s\n", what, lt(fcntl(fd, F_GETLEASE)));
}

int main(void) {
  setvbuf(stdout, 0, _IONBF, 0);
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGIO);
  sigprocmask(SIG_BLOCK, &set, 0);
  unlink(PATH);
  int fd = open(PATH, O_RDWR | O_CREAT, 0644);
  write(fd, "0123456789", 10);
  close(fd);

  int r = open(PATH, O_RDONLY);
  getlease("fresh", r);
  printf("setlease 7: %s\n", err(fcntl(r, F_SETLEASE, 7)));
  printf("unlock without lease: %s\n", err(fcntl(r, F_SETLEASE, F_UNLCK)));
  int p[2];
  pipe(p);
  printf("pipe: %s\n", err(fcntl(p[0], F_SETLEASE, F_RDLCK)));
  int d = open(".", O_RDONLY | O_DIRECTORY);
  printf("directory: %s\n", err(fcntl(d, F_SETLEASE, F_RDLCK)));
  close(d);

  int w = open(PATH, O_WRONLY);
  printf("read lease, file open for writing: %s\n", err(fcntl(r, F_SETLEASE, F_RDLCK)));
  close(w);
  printf("read lease: %s, owner is self: %d\n", err(fcntl(r, F_SETLEASE, F_RDLCK)), fcntl(r, F_GETOWN) == getpid());
  int r2 = open(PATH, O_RDONLY);
  printf("second read lease, other file: %s\n", err(fcntl(r2, F_SETLEASE, F_RDLCK)));
  printf("write lease while others lease: %s\n", err(fcntl(r2, F_SETLEASE, F_WRLCK)));
  int r3 = open(PATH, O_RDONLY | O_NONBLOCK);
  printf("read-only open with read leases: %s\n", err(r3));
  cpt_mark("two read leases held");
  close(r3);
  drain("no break", &set, &r, 1);
  printf("write lease on read-only file open elsewhere: %s\n", err(fcntl(r2, F_SETLEASE, F_WRLCK)));
  printf("unlock r2: %s\n", err(fcntl(r2, F_SETLEASE, F_UNLCK)));
  getlease("r2", r2);
  close(r2);

  // A write open breaks the read lease.
  fcntl(r, F_SETSIG, SIGIO);
  int fds[2] = {r, -1};
  w = open(PATH, O_WRONLY | O_NONBLOCK);
  printf("write open, read lease held: %s\n", err(w));
  drain("break signal", &set, fds, 1);
  getlease("after break", r);
  printf("new read lease while breaking: %s\n", err(fcntl(r, F_SETLEASE, F_RDLCK)));
  getlease("holder re-took", r);
  printf("unlock: %s, getown %d getsig %d\n", err(fcntl(r, F_SETLEASE, F_UNLCK)), fcntl(r, F_GETOWN), fcntl(r, F_GETSIG));
  w = open(PATH, O_WRONLY | O_NONBLOCK);
  printf("write open after unlock: %s\n", err(w));
  drain("no signal", &set, fds, 1);
  close(w);
  close(r);

  // Write leases: only with no other open file.
  int rw = open(PATH, O_RDWR);
  printf("write lease, sole opener: %s\n", err(fcntl(rw, F_SETLEASE, F_WRLCK)));
  getlease("rw", rw);
  fcntl(rw, F_SETSIG, SIGIO);
  fds[0] = rw;
  r = open(PATH, O_RDONLY | O_NONBLOCK);
  printf("read open, write lease held: %s\n", err(r));
  drain("downgrade signal", &set, fds, 1);
  getlease("downgrading", rw);
  r = open(PATH, O_RDONLY | O_NONBLOCK);
  printf("read open again: %s\n", err(r));
  drain("no second signal", &set, fds, 1);
  printf("downgrade: %s\n", err(fcntl(rw, F_SETLEASE, F_RDLCK)));
  getlease("downgraded", rw);
  r = open(PATH, O_RDONLY | O_NONBLOCK);
  printf("read open after downgrade: %s\n", err(r));
  printf("upgrade with another open: %s\n", err(fcntl(rw, F_SETLEASE, F_WRLCK)));
  close(r);
  printf("upgrade, sole opener: %s\n", err(fcntl(rw, F_SETLEASE, F_WRLCK)));
  w = open(PATH, O_WRONLY | O_NONBLOCK | O_TRUNC);
  printf("write open, write lease held: %s\n", err(w));
  drain("unlock signal", &set, fds, 1);
  getlease("unlocking", rw);
  struct stat st;
  stat(PATH, &st);
  printf("O_TRUNC did not truncate: size %ld\n", (long)st.st_size);
  close(rw);
  w = open(PATH, O_WRONLY | O_NONBLOCK);
  printf("write open after the holder's close: %s\n", err(w));
  close(w);

  // Another process blocks in open and in truncate until the holder gives way.
  int go[2], done[2];
  pipe(go);
  pipe(done);
  for (int round = 0; round < 2; round++) {
    r = open(PATH, O_RDONLY);
    fcntl(r, F_SETLEASE, F_RDLCK);
    fcntl(r, F_SETSIG, SIGIO);
    fds[0] = r;
    pid_t c = fork();
    if (c == 0) {
      char b;
      read(go[0], &b, 1);
      int res = round == 0 ? open(PATH, O_WRONLY) : truncate(PATH, 4);
      // The parent prints: the child's open may return before the parent's unlock has printed.
      char ok = res >= 0 ? 'y' : 'n';
      write(done[1], &ok, 1);
      _exit(0);
    }
    write(go[1], "g", 1);
    siginfo_t si;
    sigwaitinfo(&set, &si);
    printf("holder signalled: code %d fd#%d\n", si.si_code, si.si_fd == r ? 0 : -1);
    getlease("holder sees", r);
    printf("holder unlocks: %s\n", err(fcntl(r, F_SETLEASE, F_UNLCK)));
    char b;
    read(done[0], &b, 1);
    printf("child's %s: %s\n", round == 0 ? "open" : "truncate", b == 'y' ? "ok" : "failed");
    waitpid(c, 0, 0);
    close(r);
  }
  stat(PATH, &st);
  printf("size after truncate: %ld\n", (long)st.st_size);
  unlink(PATH);
  return 0;
}
