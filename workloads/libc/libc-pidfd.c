// pidfds against musl (Linux 6.9+ pidfs): pidfd_open's errors, the file itself (flags, fd link,
// fstat, fstatfs, fdinfo with Pid/NSpid, the same inode for the same process), poll readable
// at exit and POLLHUP once reaped, waitid(P_PIDFD) blocking and with a non-blocking pidfd
// (EAGAIN), pidfd_send_signal's flags and siginfo rules, pidfd_getfd (a child's pipe end, its
// errors, EPERM across users), and a thread's id refused. Pids are never printed, only
// compared.
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cptbench.h"

#ifndef P_PIDFD
#define P_PIDFD 3
#endif
#define PIDFD_SIGNAL_THREAD 1
#define PIDFD_SIGNAL_THREAD_GROUP 2
#define PIDFD_SIGNAL_PROCESS_GROUP 4

static int pidfd_open(pid_t pid, unsigned flags) { return syscall(SYS_pidfd_open, pid, flags); }
static int pidfd_send(int fd, int sig, siginfo_t *si, unsigned flags) { return syscall(SYS_pidfd_send_signal, fd, sig, si, flags); }
static int pidfd_getfd(int fd, int target, unsigned flags) { return syscall(SYS_pidfd_getfd, fd, target, flags); }

static void show(const char *what, long r) {
  printf("%-44s %ld %s\n", what, r, r < 0 ? strerror(errno) : "");
}

static int pollin(int fd) {
  struct pollfd p = {fd, POLLIN, 0};
  return poll(&p, 1, 0) < 0 ? -1 : p.revents;
}

/** fdinfo with the pid replaced by "self", "child" or the number when it is -1. */
static void fdinfo(int fd, pid_t self, pid_t child) {
  char path[64], buf[512];
  snprintf(path, sizeof path, "/proc/self/fdinfo/%d", fd);
  FILE *f = fopen(path, "r");
  while (f && fgets(buf, sizeof buf, f)) {
    int v;
    if (strncmp(buf, "ino:", 4) == 0 || strncmp(buf, "mnt_id:", 7) == 0) continue;
    if (sscanf(buf, "Pid: %d", &v) == 1 || sscanf(buf, "NSpid: %d", &v) == 1) {
      const char *who = v == self ? "self" : v == child ? "child" : v == -1 ? "-1" : "other";
      printf("  %.*s %s\n", (int)(strchr(buf, ':') - buf + 1), buf, who);
    } else printf("  %s", buf);
  }
  if (f) fclose(f);
}

static void basics(void) {
  pid_t self = getpid();
  errno = 0;
  show("pidfd_open(-1)", pidfd_open(-1, 0));
  show("pidfd_open(0)", pidfd_open(0, 0));
  show("pidfd_open(bad flags)", pidfd_open(self, 1));
  int fd = pidfd_open(self, 0);
  printf("F_GETFL 0%o F_GETFD %d\n", fcntl(fd, F_GETFL), fcntl(fd, F_GETFD));
  char path[64], link[64];
  snprintf(path, sizeof path, "/proc/self/fd/%d", fd);
  ssize_t n = readlink(path, link, sizeof link - 1);
  link[n > 0 ? n : 0] = 0;
  printf("link %s\n", link);
  struct stat a, b;
  struct statfs sf;
  fstat(fd, &a);
  fstatfs(fd, &sf);
  printf("mode 0%o size %lld fstype 0x%lx\n", a.st_mode, (long long)a.st_size, (long)sf.f_type);
  int fd2 = pidfd_open(self, O_NONBLOCK);
  fstat(fd2, &b);
  printf("same inode for the same pid: %d; O_NONBLOCK kept: %d\n", a.st_ino == b.st_ino, (fcntl(fd2, F_GETFL) & O_NONBLOCK) != 0);
  fdinfo(fd, self, 0);
  printf("poll on a live process: 0x%x\n", pollin(fd));
  show("send signal 0 to self", pidfd_send(fd, 0, 0, 0));
  show("send with two scope flags", pidfd_send(fd, 0, 0, PIDFD_SIGNAL_THREAD | PIDFD_SIGNAL_THREAD_GROUP));
  show("send with unknown flags", pidfd_send(fd, 0, 0, 8));
  show("send signal 65", pidfd_send(fd, 65, 0, 0));
  show("send on a non-pidfd", pidfd_send(1, 0, 0, 0));
  show("send on a closed fd", pidfd_send(99, 0, 0, 0));
  show("waitid P_PIDFD on a non-pidfd", waitid(P_PIDFD, 1, &(siginfo_t){0}, WEXITED));
  show("waitid P_PIDFD on oneself", waitid(P_PIDFD, fd, &(siginfo_t){0}, WEXITED));
  // Queue a signal to oneself with a made-up siginfo: allowed for oneself only.
  signal(SIGUSR1, SIG_IGN);
  siginfo_t si;
  memset(&si, 0, sizeof si);
  si.si_signo = SIGUSR1;
  si.si_code = SI_QUEUE;
  show("send SIGUSR1 with SI_QUEUE info to self", pidfd_send(fd, SIGUSR1, &si, 0));
  si.si_signo = SIGUSR2;
  show("info whose si_signo differs", pidfd_send(fd, SIGUSR1, &si, 0));
  show("getfd with flags", pidfd_getfd(fd, 0, 1));
  show("getfd of a closed fd", pidfd_getfd(fd, 77, 0));
  int dup = pidfd_getfd(fd, 1, 0);
  printf("getfd of own stdout: cloexec %d, same file %d\n", fcntl(dup, F_GETFD), fcntl(dup, F_GETFL) == fcntl(1, F_GETFL));
  close(dup);
  close(fd2);
  close(fd);
}

static void *idle(void *arg) {
  *(pid_t *)arg = syscall(SYS_gettid);
  pause();
  return 0;
}

static void threads(void) {
  pthread_t th;
  volatile pid_t tid = 0;
  pthread_create(&th, 0, idle, (void *)&tid);
  while (tid == 0) sched_yield();
  show("pidfd_open of a thread id", pidfd_open(tid, 0));
}

static void children(void) {
  pid_t self = getpid();
  int p[2];
  pipe(p);
  pid_t c = fork();
  if (c == 0) {
    close(p[0]);
    write(p[1], "hello", 5);
    pause();
    _exit(7);
  }
  close(p[1]);
  char buf[8] = {0};
  read(p[0], buf, 5);
  int fd = pidfd_open(c, 0);
  int nb = pidfd_open(c, O_NONBLOCK);
  cpt_mark("pidfds-of-a-live-child");
  fdinfo(fd, self, c);
  // The child still holds its write end of the pipe (p[1]): fetch it and write through it.
  int wend = pidfd_getfd(fd, p[1], 0);
  show("getfd of the child's write end", wend >= 0 ? 0 : -1);
  if (wend >= 0) {
    write(wend, "x", 1);
    close(wend);
    show("read what we wrote through it", read(p[0], buf, 1));
    printf("  got '%c'\n", buf[0]);
  }
  siginfo_t si;
  memset(&si, 0, sizeof si);
  show("waitid on a non-blocking pidfd, child alive", waitid(P_PIDFD, nb, &si, WEXITED));
  memset(&si, 0, sizeof si);
  show("waitid WNOHANG, child alive", waitid(P_PIDFD, fd, &si, WEXITED | WNOHANG));
  printf("  si_pid is 0: %d\n", si.si_pid == 0);
  printf("poll before the signal: 0x%x\n", pollin(fd));
  show("SIGTERM by pidfd", pidfd_send(fd, SIGTERM, 0, 0));
  struct pollfd pf = {fd, POLLIN, 0};
  show("poll until it exits", poll(&pf, 1, -1));
  printf("  revents 0x%x\n", pf.revents);
  cpt_mark("pidfd-of-a-zombie");
  show("signal 0 to the zombie", pidfd_send(fd, 0, 0, 0));
  memset(&si, 0, sizeof si);
  show("waitid(P_PIDFD) reaps it", waitid(P_PIDFD, fd, &si, WEXITED));
  printf("  signo %d code %d status %d pid matches %d\n", si.si_signo, si.si_code, si.si_status, si.si_pid == c);
  cpt_mark("pidfd-of-a-reaped-child");
  printf("poll once reaped: 0x%x\n", pollin(fd));
  fdinfo(fd, self, c);
  show("signal 0 after the reap", pidfd_send(fd, 0, 0, 0));
  show("waitid again", waitid(P_PIDFD, fd, &si, WEXITED));
  show("getfd from a reaped process", pidfd_getfd(fd, 0, 0));
  close(nb);
  close(fd);
  close(p[0]);
}

static void blocking_wait(void) {
  pid_t c = fork();
  if (c == 0) {
    usleep(20000);
    _exit(3);
  }
  int fd = pidfd_open(c, 0);
  siginfo_t si;
  memset(&si, 0, sizeof si);
  show("blocking waitid(P_PIDFD) for a child", waitid(P_PIDFD, fd, &si, WEXITED));
  printf("  code %d status %d\n", si.si_code, si.si_status);
  close(fd);
  // Not our child: a grandchild's pidfd polls readable at its exit, but waitid says ECHILD.
  int p[2];
  pipe(p);
  pid_t mid = fork();
  if (mid == 0) {
    pid_t g = fork();
    if (g == 0) {
      pause();
      _exit(0);
    }
    write(p[1], &g, sizeof g);
    waitpid(g, 0, 0);
    _exit(0);
  }
  pid_t g;
  read(p[0], &g, sizeof g);
  int gfd = pidfd_open(g, 0);
  show("waitid on a grandchild's pidfd", waitid(P_PIDFD, gfd, &si, WEXITED | WNOHANG));
  show("SIGKILL to the grandchild by pidfd", pidfd_send(gfd, SIGKILL, 0, 0));
  waitpid(mid, 0, 0);
  cpt_mark("pidfd-of-a-reaped-grandchild");
  printf("grandchild reaped by its parent: poll 0x%x, signal 0: %s\n", pollin(gfd), pidfd_send(gfd, 0, 0, 0) < 0 ? strerror(errno) : "ok");
  close(gfd);
  // Process-group scope: the child leads its own group.
  pid_t c2 = fork();
  if (c2 == 0) {
    setpgid(0, 0);
    pause();
    _exit(0);
  }
  setpgid(c2, c2);
  int fd2 = pidfd_open(c2, 0);
  show("SIGKILL to its process group by pidfd", pidfd_send(fd2, SIGKILL, 0, PIDFD_SIGNAL_PROCESS_GROUP));
  int st;
  waitpid(c2, &st, 0);
  printf("  killed by %d\n", WIFSIGNALED(st) ? WTERMSIG(st) : -1);
  close(fd2);
}

static void other_user(void) {
  int p[2];
  pipe(p);
  pid_t c = fork();
  if (c == 0) {
    pause();
    _exit(0);
  }
  pid_t d = fork();
  if (d == 0) {
    // An unprivileged user may not take another user's fds, nor signal it.
    setresgid(1000, 1000, 1000);
    setresuid(1000, 1000, 1000);
    int fd = pidfd_open(c, 0);
    char out[200];
    int n = snprintf(out, sizeof out, "as uid 1000: open %s, ", fd >= 0 ? "ok" : strerror(errno));
    n += snprintf(out + n, sizeof out - n, "getfd %s, ", pidfd_getfd(fd, 0, 0) >= 0 ? "ok" : strerror(errno));
    snprintf(out + n, sizeof out - n, "kill %s\n", pidfd_send(fd, SIGTERM, 0, 0) == 0 ? "ok" : strerror(errno));
    write(p[1], out, strlen(out));
    _exit(0);
  }
  close(p[1]);
  waitpid(d, 0, 0);
  char out[200] = {0};
  read(p[0], out, sizeof out - 1);
  fputs(out, stdout);
  kill(c, SIGKILL);
  waitpid(c, 0, 0);
  close(p[0]);
}

int main(void) {
  setvbuf(stdout, 0, _IONBF, 0);
  basics();
  children();
  blocking_wait();
  other_user();
  threads();
  return 0;
}
