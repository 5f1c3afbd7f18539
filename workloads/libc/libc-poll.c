// poll, ppoll, select and pselect against musl (ppoll_time64 / pselect6_time64 on riscv32):
// readiness of pipe ends, POLLHUP and POLLERR once the other end is gone, POLLNVAL, EBADF and
// EINVAL, timeouts, wake-ups from another process, EINTR by a handler (with and without
// SA_RESTART: poll never restarts after a handler) and the temporary signal mask of ppoll and
// pselect. Only the parent prints; nothing printed depends on timing beyond what Linux
// guarantees (a timeout lasts at least as long as asked).
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/select.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <time.h>
#include <sys/syscall.h>
#include <unistd.h>
#include "cptbench.h"

static volatile sig_atomic_t handled;

static void on_signal(int sig) {
  (void)sig;
  handled++;
}

static void handle(int sig, int flags) {
  struct sigaction sa;
  memset(&sa, 0, sizeof sa);
  sa.sa_handler = on_signal;
  sa.sa_flags = flags;
  sigaction(sig, &sa, 0);
}

static long long now_ms(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return ts.tv_sec * 1000LL + ts.tv_nsec / 1000000;
}

static const char *err(int r) {
  return r < 0 ? strerror(errno) : "ok";
}

static int poll1(int fd, short events, int timeout) {
  struct pollfd p = {fd, events, 0};
  int r = poll(&p, 1, timeout);
  return r < 0 ? -1 : p.revents;
}

static void basics(void) {
  int p[2];
  pipe(p);
  printf("empty pipe: read end %#x, write end %#x\n", poll1(p[0], POLLIN | POLLOUT, 0), poll1(p[1], POLLIN | POLLOUT, 0));
  write(p[1], "x", 1);
  printf("one byte: read end %#x (RDNORM asked too: %#x)\n", poll1(p[0], POLLIN, 0), poll1(p[0], POLLIN | POLLRDNORM, 0));
  struct pollfd ps[4] = {{p[0], POLLIN, 0x7f}, {-1, POLLIN, 0x7f}, {77, POLLIN, 0x7f}, {p[1], POLLOUT, 0x7f}};
  int r = poll(ps, 4, 0);
  printf("mixed set: %d ready; revents %#x %#x %#x %#x\n", r, ps[0].revents, ps[1].revents, ps[2].revents, ps[3].revents);
  close(p[1]);
  printf("writer closed, byte unread: %#x\n", poll1(p[0], POLLIN, 0));
  char c;
  read(p[0], &c, 1);
  printf("writer closed, drained: %#x (nothing asked: %#x)\n", poll1(p[0], POLLIN, 0), poll1(p[0], 0, 0));
  close(p[0]);
  pipe(p);
  close(p[0]);
  printf("reader closed: write end %#x\n", poll1(p[1], POLLOUT, 0));
  close(p[1]);
  int null = open("/dev/null", O_RDWR);
  int reg = open("/tmp/libc-poll.txt", O_RDWR | O_CREAT | O_TRUNC, 0600);
  printf("/dev/null %#x, regular file %#x\n", poll1(null, POLLIN | POLLOUT | POLLPRI, 0), poll1(reg, POLLIN | POLLOUT, 0));
  close(null);
  close(reg);
  unlink("/tmp/libc-poll.txt");
  errno = 0;
  r = poll(ps, 0x7fffffff, 0);
  printf("nfds beyond RLIMIT_NOFILE: %d %s\n", r, err(r));
  r = poll((struct pollfd *)16, 2, 0);
  printf("unmapped array: %d %s\n", r, err(r));
  r = poll(0, 0, 10);
  printf("no fds, 10 ms: %d\n", r);
}

static void timeouts(void) {
  int p[2];
  pipe(p);
  long long t0 = now_ms();
  int r = poll1(p[0], POLLIN, 50);
  printf("poll 50 ms on an empty pipe: %d, took at least 50 ms: %s\n", r, now_ms() - t0 >= 50 ? "yes" : "no");
  fd_set rd;
  FD_ZERO(&rd);
  FD_SET(p[0], &rd);
  struct timeval tv = {0, 30000};
  t0 = now_ms();
  r = select(p[0] + 1, &rd, 0, 0, &tv);
  printf("select 30 ms: %d, set cleared: %s, took at least 30 ms: %s\n", r, FD_ISSET(p[0], &rd) ? "no" : "yes", now_ms() - t0 >= 30 ? "yes" : "no");
  close(p[0]);
  close(p[1]);
}

static void selects(void) {
  int p[2], q[2];
  pipe(p);
  pipe(q);
  write(q[1], "y", 1);
  fd_set rd, wr, ex;
  FD_ZERO(&rd);
  FD_ZERO(&wr);
  FD_ZERO(&ex);
  FD_SET(p[0], &rd);
  FD_SET(q[0], &rd);
  FD_SET(p[1], &wr);
  FD_SET(q[0], &ex);
  struct timeval tv = {0, 0};
  int n = (q[1] > p[1] ? q[1] : p[1]) + 1;
  int r = select(n, &rd, &wr, &ex, &tv);
  printf("select: %d; p read %d, q read %d, p write %d, q except %d\n", r, FD_ISSET(p[0], &rd), FD_ISSET(q[0], &rd), FD_ISSET(p[1], &wr), FD_ISSET(q[0], &ex));
  // (Below 32: a 32-bit kernel's first fd table has 32 slots and select looks no further;
  // qemu-user's host table is larger.)
  FD_ZERO(&rd);
  FD_SET(30, &rd);
  r = select(31, &rd, 0, 0, &tv);
  printf("select on a closed fd: %d %s\n", r, err(r));
  r = select(-1, 0, 0, 0, &tv);
  printf("select with n = -1: %d %s\n", r, err(r));
  struct timeval bad = {0, -1};
  r = select(1, 0, 0, 0, &bad);
  printf("select with tv_usec -1: %d %s\n", r, err(r));
  close(p[1]);
  FD_ZERO(&rd);
  FD_SET(p[0], &rd);
  r = select(p[0] + 1, &rd, 0, 0, &tv);
  printf("select on a pipe whose writer closed: %d, readable %d\n", r, FD_ISSET(p[0], &rd));
  close(p[0]);
  close(q[0]);
  close(q[1]);
}

/** A child that waits for a byte on `go`, sleeps `ms`, then writes `what` to `out`. */
static pid_t writer_child(int go, int out, int ms, const char *what) {
  fflush(stdout);
  pid_t pid = fork();
  if (pid == 0) {
    char c;
    read(go, &c, 1);
    struct timespec ts = {0, ms * 1000000L};
    nanosleep(&ts, 0);
    if (what) write(out, what, strlen(what));
    else close(out);
    _exit(0);
  }
  return pid;
}

static void across_fork(void) {
  int go[2], data[2];
  pipe(go);
  pipe(data);
  pid_t pid = writer_child(go[0], data[1], 20, "hello");
  write(go[1], "g", 1);
  struct pollfd ps[2] = {{go[0], POLLIN, 0}, {data[0], POLLIN, 0}};
  // The go byte may or may not be taken yet, so watch only the data pipe.
  int r = poll(&ps[1], 1, -1);
  char buf[16] = {0};
  read(data[0], buf, sizeof buf - 1);
  printf("woken by the child's write: %d, revents %#x, read \"%s\"\n", r, ps[1].revents, buf);
  waitpid(pid, 0, 0);
  close(data[1]);
  printf("after the child exited and the last writer closed: %#x\n", poll1(data[0], POLLIN, -1));
  close(data[0]);

  // Two pipes, the child writes to the second only: select returns that one.
  int a[2], b[2];
  pipe(a);
  pipe(b);
  pid = writer_child(go[0], b[1], 10, "z");
  write(go[1], "g", 1);
  fd_set rd;
  FD_ZERO(&rd);
  FD_SET(a[0], &rd);
  FD_SET(b[0], &rd);
  r = select(b[0] + 1, &rd, 0, 0, 0);
  printf("select woken by the child: %d; a %d, b %d\n", r, FD_ISSET(a[0], &rd), FD_ISSET(b[0], &rd));
  waitpid(pid, 0, 0);

  // The child closes its write end: POLLHUP wakes the poller (the parent closed its copy).
  int h[2];
  pipe(h);
  pid = writer_child(go[0], h[1], 10, 0);
  close(h[1]);
  write(go[1], "g", 1);
  printf("woken by the child's close: %#x\n", poll1(h[0], POLLIN, -1));
  waitpid(pid, 0, 0);
  for (int *fd = (int[]){a[0], a[1], b[0], b[1], h[0], go[0], go[1]}, i = 0; i < 7; i++) close(fd[i]);
}

static void interrupted(void) {
  int p[2];
  pipe(p);
  struct itimerval it = {{0, 0}, {0, 20000}};
  handle(SIGALRM, 0);
  handled = 0;
  setitimer(ITIMER_REAL, &it, 0);
  int r = poll1(p[0], POLLIN, -1);
  printf("poll interrupted by SIGALRM: %d %s, handler ran %d\n", r, r < 0 ? strerror(errno) : "", handled);
  handle(SIGALRM, SA_RESTART);
  handled = 0;
  setitimer(ITIMER_REAL, &it, 0);
  r = poll1(p[0], POLLIN, -1);
  printf("... with SA_RESTART: %d %s, handler ran %d\n", r, r < 0 ? strerror(errno) : "", handled);
  handled = 0;
  setitimer(ITIMER_REAL, &it, 0);
  fd_set rd;
  FD_ZERO(&rd);
  FD_SET(p[0], &rd);
  r = select(p[0] + 1, &rd, 0, 0, 0);
  printf("select interrupted (SA_RESTART): %d %s, handler ran %d\n", r, r < 0 ? strerror(errno) : "", handled);
  handled = 0;
  setitimer(ITIMER_REAL, &it, 0);
  r = pause();
  printf("pause: %d %s, handler ran %d\n", r, strerror(errno), handled);

  // SIGCHLD ignored by default: a child's exit does not interrupt a timed poll.
  fflush(stdout);
  pid_t pid = fork();
  if (pid == 0) _exit(3);
  r = poll1(p[0], POLLIN, 40);
  int st;
  waitpid(pid, &st, 0);
  printf("timed poll while a child exits (SIGCHLD default): %d, child status %d\n", r, WEXITSTATUS(st));
  close(p[0]);
  close(p[1]);
}

static void masks(void) {
  int p[2];
  pipe(p);
  sigset_t block, unblock, now;
  sigemptyset(&block);
  sigaddset(&block, SIGUSR1);
  sigprocmask(SIG_BLOCK, &block, 0);
  handle(SIGUSR1, SA_RESTART);
  sigemptyset(&unblock);

  handled = 0;
  raise(SIGUSR1);
  printf("SIGUSR1 blocked and pending: handler ran %d\n", handled);
  struct pollfd pf = {p[0], POLLIN, 0};
  int r = ppoll(&pf, 1, 0, &unblock);
  sigprocmask(SIG_BLOCK, 0, &now);
  printf("ppoll unblocking it: %d %s, handler ran %d, blocked again after: %d\n", r, err(r), handled, sigismember(&now, SIGUSR1));

  handled = 0;
  raise(SIGUSR1);
  fd_set rd;
  FD_ZERO(&rd);
  FD_SET(p[0], &rd);
  r = pselect(p[0] + 1, &rd, 0, 0, 0, &unblock);
  sigprocmask(SIG_BLOCK, 0, &now);
  printf("pselect unblocking it: %d %s, handler ran %d, blocked again after: %d\n", r, err(r), handled, sigismember(&now, SIGUSR1));

  // The mask is only for the call: a ready fd returns at once and the signal stays pending.
  write(p[1], "r", 1);
  handled = 0;
  raise(SIGUSR1);
  struct timespec zero = {0, 0};
  r = ppoll(&pf, 1, &zero, &block);
  printf("ppoll with SIGUSR1 still blocked, fd ready: %d, revents %#x, handler ran %d\n", r, pf.revents, handled);
  sigprocmask(SIG_UNBLOCK, &block, 0);
  printf("after unblocking: handler ran %d\n", handled);

  // A signal sent by another process while pselect waits with it unblocked.
  sigprocmask(SIG_BLOCK, &block, 0);
  char c;
  read(p[0], &c, 1);
  handled = 0;
  fflush(stdout);
  pid_t pid = fork();
  if (pid == 0) {
    struct timespec ts = {0, 20000000};
    nanosleep(&ts, 0);
    kill(getppid(), SIGUSR1);
    _exit(0);
  }
  FD_ZERO(&rd);
  FD_SET(p[0], &rd);
  r = pselect(p[0] + 1, &rd, 0, 0, 0, &unblock);
  sigprocmask(SIG_BLOCK, 0, &now);
  printf("pselect woken by the child's SIGUSR1: %d %s, handler ran %d, blocked after: %d\n", r, err(r), handled, sigismember(&now, SIGUSR1));
  waitpid(pid, 0, 0);
  sigprocmask(SIG_UNBLOCK, &block, 0);
  close(p[0]);
  close(p[1]);
}

/* cpt_mark (cptbench.h): where the C/R tests may checkpoint the program, here at its start,
 * before it holds files C/R does not carry yet. */

int main(void) {
  setvbuf(stdout, 0, _IOLBF, 0);
  cpt_mark("start");
  basics();
  timeouts();
  selects();
  across_fork();
  interrupted();
  masks();
  printf("done\n");
  return 0;
}
