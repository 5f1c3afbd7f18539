// Every kind of event file at once, at the program's first mark: an eventfd holding a count (and
// one in semaphore mode), a periodic timerfd, a signalfd with a signal pending, and an epoll set
// watching them all beside a one-shot item and a nested set. The C/R tests and the image fuzzer
// (which mutates the image taken at a workload's first mark) meet every event-file record here;
// after the mark the program reads each object back, so a restart that got any of them wrong
// prints something else. Only deterministic facts are printed.
#define _GNU_SOURCE
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/signalfd.h>
#include <sys/timerfd.h>
#include <time.h>
#include <unistd.h>
#include "cptbench.h"

static int add(int ep, int fd, unsigned events, unsigned long long data) {
  struct epoll_event ev = {.events = events, .data.u64 = data};
  return epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ev);
}

int main(void) {
  setvbuf(stdout, 0, _IOLBF, 0);
  sigset_t m;
  sigemptyset(&m);
  sigaddset(&m, SIGUSR1);
  sigprocmask(SIG_BLOCK, &m, 0);
  int ev = eventfd(5, EFD_NONBLOCK);
  int sem = eventfd(2, EFD_SEMAPHORE | EFD_NONBLOCK);
  int tf = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK);
  struct itimerspec per = {{0, 50000000}, {0, 50000000}};
  timerfd_settime(tf, 0, &per, 0);
  int sf = signalfd(-1, &m, SFD_NONBLOCK);
  raise(SIGUSR1);
  int inner = epoll_create1(0);
  add(inner, ev, EPOLLIN, 0x11);
  int ep = epoll_create1(EPOLL_CLOEXEC);
  add(ep, sf, EPOLLIN, 0x4);
  add(ep, ev, EPOLLIN | EPOLLET, 0x1);
  add(ep, tf, EPOLLIN, 0x2);
  add(ep, sem, EPOLLIN | EPOLLONESHOT, 0x8);
  add(ep, inner, EPOLLIN, 0x10);
  struct epoll_event out[8];
  // Takes the one-shot item's event (disarming it) and the edge-triggered one's edge.
  int n = epoll_wait(ep, out, 8, 0);
  printf("before the mark: %d events\n", n);
  cpt_mark("event files");
  n = epoll_wait(ep, out, 8, 0);
  printf("after the mark:");
  for (int i = 0; i < n; i++) printf(" %llx", (unsigned long long)out[i].data.u64);
  printf("\n");
  uint64_t v = 0;
  read(ev, &v, 8);
  printf("eventfd %llu; ", (unsigned long long)v);
  read(sem, &v, 8);
  printf("semaphore %llu, ", (unsigned long long)v);
  printf("again %lld\n", (long long)read(sem, &v, 8) == 8 ? (long long)v : -1LL);
  struct signalfd_siginfo si;
  printf("signalfd: signo %u\n", read(sf, &si, sizeof si) == sizeof si ? si.ssi_signo : 0);
  struct timespec d = {0, 120000000};
  nanosleep(&d, 0);
  printf("timerfd: at least 2 expirations: %s\n", read(tf, &v, 8) == 8 && v >= 2 ? "yes" : "no");
  n = epoll_wait(ep, out, 8, 0);
  printf("then:");
  for (int i = 0; i < n; i++) printf(" %llx", (unsigned long long)out[i].data.u64);
  printf("\n");
  return 0;
}
