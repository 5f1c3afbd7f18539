// eventfd, timerfd and signalfd against musl: an eventfd as a counter and as a semaphore
// (EAGAIN, EINVAL for short buffers and 2^64-1, the write that would overflow), a blocking read
// woken by another process; timerfds one-shot, periodic, absolute and disarmed, with their
// expiration counts and gettime; a signalfd reading SIGUSR1 from raise, kill and sigqueue and a
// child's SIGCHLD, its mask changed in place; then all three in one epoll set while a child
// writes and signals. Only the parent prints; counts that depend on timing print as bounds
// Linux guarantees.
#define _GNU_SOURCE
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/signalfd.h>
#include <sys/timerfd.h>
#include <sys/wait.h>
#include <time.h>
#include <sys/syscall.h>
#include <unistd.h>
#include "cptbench.h"

static const char *err(long r) {
  return r < 0 ? strerror(errno) : "ok";
}

static void nap(int ms) {
  struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
  nanosleep(&ts, 0);
}

static int readable(int fd) {
  struct pollfd p = {fd, POLLIN | POLLOUT, 0};
  return poll(&p, 1, 0) < 0 ? -1 : p.revents;
}

static void eventfds(void) {
  int e = eventfd(3, 0);
  uint64_t v = 0;
  read(e, &v, 8);
  printf("eventfd(3): read %llu, then poll %#x\n", (unsigned long long)v, readable(e));
  int n = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
  long r = read(n, &v, 8);
  printf("empty, non-blocking: %s\n", err(r));
  v = 5;
  write(n, &v, 8);
  v = 2;
  write(n, &v, 8);
  cpt_mark("eventfd-count");
  r = read(n, &v, 8);
  printf("wrote 5 and 2, read %llu (%ld bytes)\n", (unsigned long long)v, r);
  r = read(n, &v, 4);
  printf("4-byte read: %s; ", err(r));
  r = write(n, &v, 7);
  printf("7-byte write: %s; ", err(r));
  v = UINT64_MAX;
  r = write(n, &v, 8);
  printf("writing 2^64-1: %s\n", err(r));
  v = UINT64_MAX - 1;
  r = write(n, &v, 8);
  printf("writing 2^64-2: %s, poll %#x; ", err(r), readable(n));
  v = 1;
  r = write(n, &v, 8);
  printf("then 1 more: %s\n", err(r));
  read(n, &v, 8);
  printf("read back %llx, poll %#x\n", (unsigned long long)v, readable(n));
  int s = eventfd(3, EFD_SEMAPHORE | EFD_NONBLOCK);
  r = read(s, &v, 8);
  printf("semaphore read: %s %llu\n", err(r), r < 0 ? 0ULL : (unsigned long long)v);
  cpt_mark("eventfd-semaphore");
  for (int i = 0; i < 4; i++) {
    r = read(s, &v, 8);
    printf("semaphore read %d: %s %llu\n", i, err(r), r < 0 ? 0ULL : (unsigned long long)v);
  }
  r = eventfd(0, 0x40);
  printf("bad flags: %s\n", err(r));

  fflush(stdout);
  pid_t pid = fork();
  if (pid == 0) {
    nap(20);
    uint64_t x = 42;
    write(e, &x, 8);
    _exit(0);
  }
  r = read(e, &v, 8);
  printf("blocking read woken by the child: %llu\n", (unsigned long long)v);
  waitpid(pid, 0, 0);
  close(e);
  close(n);
  close(s);
}

static void timerfds(void) {
  int t = timerfd_create(CLOCK_MONOTONIC, 0);
  struct itimerspec cur;
  timerfd_gettime(t, &cur);
  printf("new timerfd: value %lld.%09ld interval %lld.%09ld, poll %#x\n", (long long)cur.it_value.tv_sec, cur.it_value.tv_nsec,
         (long long)cur.it_interval.tv_sec, cur.it_interval.tv_nsec, readable(t));
  struct itimerspec one = {{0, 0}, {0, 20000000}};
  timerfd_settime(t, 0, &one, 0);
  timerfd_gettime(t, &cur);
  printf("armed for 20 ms: remaining in (0, 20 ms]: %s\n", cur.it_value.tv_sec == 0 && cur.it_value.tv_nsec > 0 && cur.it_value.tv_nsec <= 20000000 ? "yes" : "no");
  uint64_t ticks = 0;
  long r = read(t, &ticks, 8);
  printf("one-shot read: %ld bytes, %llu expiration\n", r, (unsigned long long)ticks);
  timerfd_gettime(t, &cur);
  printf("after: value %lld.%09ld\n", (long long)cur.it_value.tv_sec, cur.it_value.tv_nsec);

  int nb = timerfd_create(CLOCK_REALTIME, TFD_NONBLOCK | TFD_CLOEXEC);
  r = read(nb, &ticks, 8);
  printf("disarmed, non-blocking read: %s\n", err(r));
  struct itimerspec per = {{0, 200000000}, {0, 200000000}};
  timerfd_settime(nb, 0, &per, 0);
  cpt_mark("timerfd-periodic-armed");
  nap(500);
  cpt_mark("timerfd-expiries-pending");
  r = read(nb, &ticks, 8);
  printf("every 200 ms, read after 500 ms: at least 2 expirations: %s\n", r == 8 && ticks >= 2 ? "yes" : "no");
  r = read(nb, &ticks, 8);
  printf("read again at once: %s\n", err(r));
  struct itimerspec old;
  struct itimerspec off = {{0, 0}, {0, 0}};
  timerfd_settime(nb, 0, &off, &old);
  printf("disarmed; the old interval was %lld.%09ld\n", (long long)old.it_interval.tv_sec, old.it_interval.tv_nsec);
  timerfd_gettime(nb, &cur);
  printf("now: value %lld.%09ld interval %lld.%09ld\n", (long long)cur.it_value.tv_sec, cur.it_value.tv_nsec, (long long)cur.it_interval.tv_sec, cur.it_interval.tv_nsec);

  struct timespec now;
  clock_gettime(CLOCK_MONOTONIC, &now);
  struct itimerspec abs = {{0, 0}, {now.tv_sec, now.tv_nsec}};
  abs.it_value.tv_nsec += 30000000;
  if (abs.it_value.tv_nsec >= 1000000000) abs.it_value.tv_sec++, abs.it_value.tv_nsec -= 1000000000;
  timerfd_settime(t, TFD_TIMER_ABSTIME, &abs, 0);
  r = read(t, &ticks, 8);
  struct timespec after;
  clock_gettime(CLOCK_MONOTONIC, &after);
  int late = after.tv_sec > abs.it_value.tv_sec || (after.tv_sec == abs.it_value.tv_sec && after.tv_nsec >= abs.it_value.tv_nsec);
  printf("absolute +30 ms: %llu expiration, not before the time: %s\n", (unsigned long long)ticks, late ? "yes" : "no");
  struct itimerspec past = {{1, 0}, {1, 0}};
  timerfd_settime(t, TFD_TIMER_ABSTIME, &past, 0);
  printf("absolute time long past: poll %#x\n", readable(t));
  r = read(t, &ticks, 8);
  printf("... read: %ld bytes, at least one expiration: %s\n", r, ticks >= 1 ? "yes" : "no");

  struct itimerspec bad = {{0, 0}, {0, 1000000000}};
  r = timerfd_settime(t, 0, &bad, 0);
  printf("tv_nsec 1e9: %s; ", err(r));
  r = timerfd_settime(t, 0x10, &one, 0);
  printf("bad flags: %s; ", err(r));
  int e = eventfd(0, 0);
  r = timerfd_settime(e, 0, &one, 0);
  printf("on an eventfd: %s; ", err(r));
  r = timerfd_settime(99, 0, &one, 0);
  printf("on a closed fd: %s\n", err(r));
  r = timerfd_create(12345, 0);
  printf("bad clock: %s; ", err(r));
  r = timerfd_create(CLOCK_MONOTONIC, 0x1);
  printf("bad flags: %s; ", err(r));
  r = read(t, &ticks, 4);
  printf("4-byte read: %s\n", err(r));
  close(e);
  close(t);
  close(nb);
}

static void print_ssi(const char *what, struct signalfd_siginfo *si, pid_t expect_pid) {
  printf("%s: signo %u code %d pid %s", what, si->ssi_signo, si->ssi_code, (pid_t)si->ssi_pid == expect_pid ? "right" : "WRONG");
  if (si->ssi_signo == SIGCHLD) printf(" status %d", si->ssi_status);
  if (si->ssi_code == SI_QUEUE) printf(" int %d ptr %llx", si->ssi_int, (unsigned long long)si->ssi_ptr);
  printf("\n");
}

static void signalfds(void) {
  sigset_t mask;
  sigemptyset(&mask);
  sigaddset(&mask, SIGUSR1);
  sigaddset(&mask, SIGCHLD);
  sigprocmask(SIG_BLOCK, &mask, 0);
  sigset_t usr1;
  sigemptyset(&usr1);
  sigaddset(&usr1, SIGUSR1);
  sigaddset(&usr1, SIGKILL);
  int s = signalfd(-1, &usr1, SFD_NONBLOCK);
  struct signalfd_siginfo si;
  long r = read(s, &si, sizeof si);
  printf("signalfd, nothing pending: %s, poll %#x\n", err(r), readable(s));
  raise(SIGUSR1);
  cpt_mark("signalfd-pending");
  printf("SIGUSR1 raised: poll %#x\n", readable(s));
  r = read(s, &si, sizeof si);
  printf("read %ld bytes; ", r);
  print_ssi("raise", &si, getpid());
  kill(getpid(), SIGUSR1);
  r = read(s, &si, sizeof si);
  print_ssi("kill", &si, getpid());
  sigqueue(getpid(), SIGUSR1, (union sigval){.sival_int = 1234});
  r = read(s, &si, 100);
  printf("100-byte read: %s\n", err(r));
  r = read(s, &si, sizeof si);
  print_ssi("sigqueue", &si, getpid());

  fflush(stdout);
  pid_t pid = fork();
  if (pid == 0) _exit(7);
  // Until the child has exited (not reaped): its SIGCHLD is pending by then.
  siginfo_t wi;
  waitid(P_PID, pid, &wi, WEXITED | WNOWAIT);
  r = read(s, &si, sizeof si);
  printf("SIGCHLD not in the mask: %s\n", err(r));
  r = signalfd(s, &mask, 0);
  printf("mask changed in place: returns the same fd: %s\n", r == s ? "yes" : "no");
  r = read(s, &si, sizeof si);
  if (r < 0) printf("SIGCHLD: %s\n", err(r));
  else print_ssi("SIGCHLD", &si, pid);
  waitpid(pid, 0, 0);

  struct signalfd_siginfo two[3];
  raise(SIGUSR1);
  sigqueue(getpid(), SIGCHLD, (union sigval){.sival_int = 5});
  r = read(s, two, sizeof two);
  printf("two pending, room for three: %ld bytes, signals %u %u\n", r, two[0].ssi_signo, two[1].ssi_signo);

  int b = signalfd(-1, &usr1, SFD_CLOEXEC);
  fflush(stdout);
  pid = fork();
  if (pid == 0) {
    nap(20);
    kill(getppid(), SIGUSR1);
    _exit(0);
  }
  r = read(b, &si, sizeof si);
  print_ssi("blocking read woken by the child's kill", &si, pid);
  waitpid(pid, 0, 0);
  r = read(s, &si, sizeof si);
  printf("its SIGCHLD: signo %u\n", r == sizeof si ? si.ssi_signo : 0);

  r = signalfd(-1, &mask, 0x1);
  printf("bad flags: %s; ", err(r));
  int e = eventfd(0, 0);
  r = signalfd(e, &mask, 0);
  // (Not here: a sizemask other than 8, which qemu-user 7.2 accepts and Linux refuses.)
  printf("on an eventfd: %s\n", err(r));
  close(e);
  close(b);
  close(s);
  sigprocmask(SIG_UNBLOCK, &mask, 0);
}

static void together(void) {
  sigset_t m;
  sigemptyset(&m);
  sigaddset(&m, SIGUSR2);
  sigprocmask(SIG_BLOCK, &m, 0);
  int ev = eventfd(0, EFD_NONBLOCK);
  int tf = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK);
  int sf = signalfd(-1, &m, SFD_NONBLOCK);
  int ep = epoll_create1(0);
  struct epoll_event e = {.events = EPOLLIN};
  e.data.u32 = 1;
  epoll_ctl(ep, EPOLL_CTL_ADD, ev, &e);
  e.data.u32 = 2;
  epoll_ctl(ep, EPOLL_CTL_ADD, tf, &e);
  e.data.u32 = 4;
  epoll_ctl(ep, EPOLL_CTL_ADD, sf, &e);
  struct epoll_event out[4];
  printf("epoll set of all three, nothing yet: %d\n", epoll_wait(ep, out, 4, 0));
  struct itimerspec one = {{0, 0}, {0, 60000000}};
  timerfd_settime(tf, 0, &one, 0);
  uint64_t early = 3;
  write(ev, &early, 8);
  raise(SIGUSR2);
  cpt_mark("epoll-eventfd-timerfd-signalfd");
  read(ev, &early, 8);
  struct signalfd_siginfo first;
  printf("before the child: eventfd %llu, signal %u\n", (unsigned long long)early, read(sf, &first, sizeof first) == sizeof first ? first.ssi_signo : 0);
  fflush(stdout);
  pid_t pid = fork();
  if (pid == 0) {
    nap(10);
    uint64_t x = 9;
    write(ev, &x, 8);
    nap(10);
    kill(getppid(), SIGUSR2);
    _exit(0);
  }
  int seen = 0, rounds = 0;
  uint64_t val = 0, ticks = 0;
  struct signalfd_siginfo si = {0};
  while (seen != 7 && rounds < 10) {
    int n = epoll_wait(ep, out, 4, -1);
    rounds++;
    for (int i = 0; i < n; i++) {
      seen |= out[i].data.u32;
      if (out[i].data.u32 == 1) read(ev, &val, 8);
      if (out[i].data.u32 == 2) read(tf, &ticks, 8);
      if (out[i].data.u32 == 4) read(sf, &si, sizeof si);
    }
  }
  printf("all three seen: %s; eventfd %llu, timer %llu, signal %u from the child: %s\n", seen == 7 ? "yes" : "no", (unsigned long long)val,
         (unsigned long long)ticks, si.ssi_signo, (pid_t)si.ssi_pid == pid ? "yes" : "no");
  printf("then nothing: %d\n", epoll_wait(ep, out, 4, 0));
  waitpid(pid, 0, 0);
  close(ep);
  close(ev);
  close(tf);
  close(sf);
}

int main(void) {
  setvbuf(stdout, 0, _IOLBF, 0);
  cpt_mark("start");
  eventfds();
  timerfds();
  signalfds();
  together();
  printf("done\n");
  return 0;
}
