// epoll against musl: epoll_ctl's errors, level- and edge-triggered items, EPOLLONESHOT and its
// re-arming by EPOLL_CTL_MOD, EPOLL_CTL_DEL, the ready list's order (first ready, first
// reported; level-triggered items go round), POLLHUP/POLLERR, nested epoll sets and poll on an
// epoll fd, what dup and close do to a registration (the file is registered, not the fd),
// EPOLLEXCLUSIVE's rules, timeouts, wake-ups from another process, and EINTR
// (epoll_wait never restarts after a handler). Only the parent prints.
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/epoll.h>
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

static const char *err(int r) {
  return r < 0 ? strerror(errno) : "ok";
}

static long long now_ms(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return ts.tv_sec * 1000LL + ts.tv_nsec / 1000000;
}

static int add(int ep, int fd, unsigned events, unsigned long long data) {
  struct epoll_event ev = {.events = events, .data.u64 = data};
  return epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ev);
}

static int mod(int ep, int fd, unsigned events, unsigned long long data) {
  struct epoll_event ev = {.events = events, .data.u64 = data};
  return epoll_ctl(ep, EPOLL_CTL_MOD, fd, &ev);
}

/** epoll_wait and print what came, as "n: data/events ...". */
static int show(const char *what, int ep, int max, int timeout) {
  struct epoll_event evs[8];
  int n = epoll_wait(ep, evs, max, timeout);
  printf("%s: %d", what, n);
  if (n < 0) printf(" %s", strerror(errno));
  for (int i = 0; i < n; i++) printf(" %llx/%#x", (unsigned long long)evs[i].data.u64, evs[i].events);
  printf("\n");
  return n;
}

static void errors(void) {
  int r = epoll_create1(0x1234);
  printf("epoll_create1(bad flags): %d %s\n", r, err(r));
  r = epoll_create(0);
  printf("epoll_create(0): %d %s\n", r, err(r));
  int ep = epoll_create1(EPOLL_CLOEXEC);
  printf("epoll_create1(EPOLL_CLOEXEC): FD_CLOEXEC %d\n", fcntl(ep, F_GETFD) & FD_CLOEXEC);
  int p[2];
  pipe(p);
  r = add(ep, p[0], EPOLLIN, 1);
  printf("ADD: %s; again: ", err(r));
  r = add(ep, p[0], EPOLLIN, 1);
  printf("%s\n", err(r));
  r = mod(ep, p[1], EPOLLOUT, 2);
  printf("MOD of an fd not in the set: %s\n", err(r));
  r = epoll_ctl(ep, EPOLL_CTL_DEL, p[1], 0);
  printf("DEL of an fd not in the set: %s\n", err(r));
  r = add(ep, ep, EPOLLIN, 3);
  printf("ADD of the set to itself: %s\n", err(r));
  int reg = open("libc-epoll.txt", O_RDWR | O_CREAT | O_TRUNC, 0600);
  r = add(ep, reg, EPOLLIN, 4);
  printf("ADD of a regular file: %s\n", err(r));
  r = add(ep, 99, EPOLLIN, 5);
  printf("ADD of a closed fd: %s\n", err(r));
  r = add(p[0], p[1], EPOLLIN, 6);
  printf("epoll_ctl on a pipe: %s\n", err(r));
  r = epoll_ctl(ep, 99, p[1], &(struct epoll_event){0});
  printf("unknown op: %s\n", err(r));
  r = epoll_ctl(ep, EPOLL_CTL_ADD, p[1], (struct epoll_event *)16);
  printf("ADD with an unmapped event: %s\n", err(r));
  struct epoll_event evs[1];
  r = epoll_wait(ep, evs, 0, 0);
  printf("maxevents 0: %s\n", err(r));
  r = epoll_wait(p[0], evs, 1, 0);
  printf("epoll_wait on a pipe: %s\n", err(r));
  r = add(ep, p[1], EPOLLOUT | EPOLLEXCLUSIVE, 7);
  printf("EPOLLEXCLUSIVE: %s; MOD of it: ", err(r));
  r = mod(ep, p[1], EPOLLOUT, 7);
  printf("%s; ", err(r));
  r = add(ep, p[1], EPOLLOUT | EPOLLEXCLUSIVE | EPOLLONESHOT, 7);
  printf("with EPOLLONESHOT: %s\n", err(r));
  int inner = epoll_create1(0);
  r = add(ep, inner, EPOLLIN | EPOLLEXCLUSIVE, 8);
  printf("EPOLLEXCLUSIVE on an epoll fd: %s\n", err(r));
  close(inner);
  close(reg);
  unlink("libc-epoll.txt");
  cpt_mark("epoll-exclusive");
  close(p[0]);
  close(p[1]);
  close(ep);
}

static void triggers(void) {
  int ep = epoll_create1(0);
  int lt[2], et[2], os[2];
  pipe(lt);
  pipe(et);
  pipe(os);
  add(ep, lt[0], EPOLLIN, 0x1111222233334444ULL);
  add(ep, et[0], EPOLLIN | EPOLLET, 0xe7);
  add(ep, os[0], EPOLLIN | EPOLLONESHOT, 0x05);
  show("nothing written", ep, 8, 0);
  write(lt[1], "a", 1);
  show("level-triggered, written", ep, 8, 0);
  show("level-triggered, again", ep, 8, 0);
  char c;
  read(lt[0], &c, 1);
  show("level-triggered, read", ep, 8, 0);
  write(et[1], "b", 1);
  show("edge-triggered, written", ep, 8, 0);
  show("edge-triggered, again", ep, 8, 0);
  write(et[1], "b", 1);
  show("edge-triggered, written more", ep, 8, 0);
  write(os[1], "c", 1);
  show("one-shot, written", ep, 8, 0);
  show("one-shot, again", ep, 8, 0);
  write(os[1], "c", 1);
  cpt_mark("epoll-oneshot-disarmed");
  show("one-shot, written more (disarmed)", ep, 8, 0);
  mod(ep, os[0], EPOLLIN | EPOLLONESHOT, 0x0505);
  show("one-shot, re-armed by MOD", ep, 8, 0);
  show("one-shot, after", ep, 8, 0);
  epoll_ctl(ep, EPOLL_CTL_DEL, et[0], 0);
  write(et[1], "b", 1);
  show("edge-triggered item deleted, written", ep, 8, 0);
  mod(ep, os[0], EPOLLIN | EPOLLRDHUP, 0x0506);
  close(os[1]);
  show("writer closed (RDHUP asked; pipes report HUP)", ep, 8, 0);
  int w[2];
  pipe(w);
  add(ep, w[1], EPOLLOUT, 0x77);
  epoll_ctl(ep, EPOLL_CTL_DEL, os[0], 0);
  show("write end", ep, 8, 0);
  close(w[0]);
  show("write end, reader closed", ep, 8, 0);
  for (int *fd = (int[]){lt[0], lt[1], et[0], et[1], os[0], w[1], ep}, i = 0; i < 7; i++) close(fd[i]);
}

static void order(void) {
  int ep = epoll_create1(0);
  int p[4][2];
  for (int i = 0; i < 4; i++) {
    pipe(p[i]);
    add(ep, p[i][0], EPOLLIN, 0xa0 + i);
  }
  write(p[2][1], "x", 1);
  write(p[0][1], "x", 1);
  write(p[3][1], "x", 1);
  write(p[1][1], "x", 1);
  cpt_mark("epoll-ready-order");
  show("readiness order", ep, 8, 0);
  show("maxevents 1", ep, 1, 0);
  cpt_mark("epoll-round-robin");
  show("maxevents 1", ep, 1, 0);
  show("maxevents 2", ep, 2, 0);
  show("maxevents 3", ep, 3, 0);
  char c;
  read(p[0][0], &c, 1);
  read(p[3][0], &c, 1);
  show("two drained", ep, 8, 0);
  for (int i = 0; i < 4; i++) {
    close(p[i][0]);
    close(p[i][1]);
  }
  close(ep);
}

static void nested(void) {
  int outer = epoll_create1(0), inner = epoll_create1(0), third = epoll_create1(0);
  int p[2];
  pipe(p);
  add(inner, p[0], EPOLLIN, 0x1);
  add(outer, inner, EPOLLIN, 0x2);
  show("outer, nothing written", outer, 8, 0);
  struct pollfd pf = {inner, POLLIN, 0};
  printf("poll on the inner set: %d\n", poll(&pf, 1, 0));
  write(p[1], "n", 1);
  cpt_mark("epoll-nested");
  show("outer, written", outer, 8, 0);
  printf("poll on the inner set: %d revents %#x\n", poll(&pf, 1, 0), pf.revents);
  int r = add(inner, outer, EPOLLIN, 0x3);
  printf("ADD outer to inner (a cycle): %s\n", err(r));
  add(third, outer, EPOLLIN, 0x4);
  r = add(inner, third, EPOLLIN, 0x5);
  printf("ADD a set holding outer to inner (a longer cycle): %s\n", err(r));
  show("third", third, 8, 0);
  char c;
  read(p[0], &c, 1);
  show("outer, drained", outer, 8, 0);
  show("third, drained", third, 8, 0);
  close(third);
  close(inner);
  show("outer, inner closed", outer, 8, 0);
  close(outer);
  close(p[0]);
  close(p[1]);
}

static void dup_close(void) {
  int ep = epoll_create1(0);
  int p[2];
  pipe(p);
  int r2 = dup(p[0]);
  add(ep, p[0], EPOLLIN, 0xd0);
  int r = add(ep, r2, EPOLLIN, 0xd1);
  printf("the same file under its dup: %s\n", err(r));
  close(p[0]);
  write(p[1], "d", 1);
  cpt_mark("epoll-fd-closed-dup-open");
  show("first fd closed, dup open", ep, 8, 0);
  r = epoll_ctl(ep, EPOLL_CTL_DEL, p[0], 0);
  printf("DEL through the closed fd: %s\n", err(r));
  r = epoll_ctl(ep, EPOLL_CTL_DEL, r2, 0);
  printf("DEL of the dup's own item: %s\n", err(r));
  show("item of the closed fd remains", ep, 8, 0);
  close(r2);
  show("last fd closed: the file is gone from the set", ep, 8, 0);
  int q[2];
  pipe(q);
  r = add(ep, q[0], EPOLLIN, 0xd2);
  printf("a new file at the old fd number: %s (fd %d)\n", err(r), q[0]);
  show("new file, nothing written", ep, 8, 0);
  signal(SIGPIPE, SIG_IGN);
  r = write(p[1], "x", 1);
  printf("writing to the pipe nobody reads: %s\n", err(r));
  close(p[1]);
  close(q[0]);
  close(q[1]);
  close(ep);
}

static void waits(void) {
  int ep = epoll_create1(0);
  int p[2], go[2];
  pipe(p);
  pipe(go);
  add(ep, p[0], EPOLLIN, 0x9);
  struct epoll_event ev;
  // (epoll_pwait2 is not here: qemu-user 7.2 answers ENOSYS for it; the kernel's own tests
  // cover it.)
  long long t0;
  int r;
  t0 = now_ms();
  r = epoll_wait(ep, &ev, 1, 40);
  printf("epoll_wait 40 ms: %d, took at least 40 ms: %s\n", r, now_ms() - t0 >= 40 ? "yes" : "no");

  fflush(stdout);
  pid_t pid = fork();
  if (pid == 0) {
    char c;
    read(go[0], &c, 1);
    struct timespec d = {0, 20000000};
    nanosleep(&d, 0);
    write(p[1], "w", 1);
    _exit(0);
  }
  write(go[1], "g", 1);
  r = epoll_wait(ep, &ev, 1, -1);
  printf("epoll_wait woken by the child: %d data %llx events %#x\n", r, (unsigned long long)ev.data.u64, ev.events);
  waitpid(pid, 0, 0);
  char c;
  read(p[0], &c, 1);

  struct sigaction sa;
  memset(&sa, 0, sizeof sa);
  sa.sa_handler = on_signal;
  sa.sa_flags = SA_RESTART;
  sigaction(SIGALRM, &sa, 0);
  struct itimerval it = {{0, 0}, {0, 20000}};
  handled = 0;
  setitimer(ITIMER_REAL, &it, 0);
  r = epoll_wait(ep, &ev, 1, -1);
  printf("epoll_wait and SIGALRM (SA_RESTART): %d %s, handler ran %d\n", r, err(r), handled);

  sigset_t block, unblock;
  sigemptyset(&block);
  sigaddset(&block, SIGUSR1);
  sigaction(SIGUSR1, &sa, 0);
  sigprocmask(SIG_BLOCK, &block, 0);
  sigemptyset(&unblock);
  handled = 0;
  raise(SIGUSR1);
  r = epoll_pwait(ep, &ev, 1, -1, &unblock);
  sigset_t now;
  sigprocmask(SIG_BLOCK, 0, &now);
  printf("epoll_pwait unblocking a pending SIGUSR1: %d %s, handler ran %d, blocked after %d\n", r, err(r), handled, sigismember(&now, SIGUSR1));
  write(p[1], "w", 1);
  handled = 0;
  raise(SIGUSR1);
  r = epoll_pwait(ep, &ev, 1, -1, &block);
  printf("epoll_pwait with it blocked and an fd ready: %d, handler ran %d\n", r, handled);
  sigprocmask(SIG_UNBLOCK, &block, 0);
  printf("unblocked: handler ran %d\n", handled);
  close(p[0]);
  close(p[1]);
  close(go[0]);
  close(go[1]);
  close(ep);
}

int main(void) {
  setvbuf(stdout, 0, _IOLBF, 0);
  cpt_mark("start");
  errors();
  triggers();
  order();
  nested();
  dup_close();
  waits();
  printf("done\n");
  return 0;
}
