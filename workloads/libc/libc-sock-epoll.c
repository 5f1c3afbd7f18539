// A server that multiplexes AF_UNIX stream connections with epoll, against musl: the workload the
// report's restart cases use for sockets and an epoll set held across a process tree. The
// listener and each accepted connection are in one epoll set (the listener level-triggered, the
// connections edge-triggered with their fd as data); three client processes connect, send a
// request and wait for the reply. At the mark the set holds the listener and the accepted
// connections, some with unread requests, and every client is asleep in read: a restart must
// give back the sockets, their queued bytes, the set's items and its ready list, and the clients
// blocked on their sockets. Only the server prints, in a fixed order, so the output does not
// depend on the schedule.
#define _GNU_SOURCE
#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>
#include "cptbench.h"

#define CLIENTS 3

static void client(int i, const struct sockaddr_un *a, socklen_t len) {
  int s = socket(AF_UNIX, SOCK_STREAM, 0);
  if (s < 0 || connect(s, (const struct sockaddr *)a, len) < 0) _exit(10);
  char req[32];
  int n = snprintf(req, sizeof req, "request %d", i);
  if (write(s, req, (size_t)n) != n) _exit(11);
  char rep[64];
  ssize_t r = read(s, rep, sizeof rep - 1);
  if (r <= 0) _exit(12);
  rep[r] = 0;
  char want[64];
  snprintf(want, sizeof want, "reply to request %d", i);
  _exit(strcmp(rep, want) == 0 ? 0 : 13);
}

int main(void) {
  struct sockaddr_un a;
  memset(&a, 0, sizeof a);
  a.sun_family = AF_UNIX;
  // A name in the working directory (the manifest gives the workload a scratch one).
  const char name[] = "sock-epoll.sock";
  memcpy(a.sun_path, name, sizeof name);
  socklen_t len = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + sizeof name);
  unlink(name);
  int l = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0);
  printf("listen: %d\n", bind(l, (struct sockaddr *)&a, len) == 0 && listen(l, CLIENTS) == 0);
  int ep = epoll_create1(EPOLL_CLOEXEC);
  struct epoll_event ev = {.events = EPOLLIN, .data.fd = l};
  printf("epoll_ctl add listener: %d\n", epoll_ctl(ep, EPOLL_CTL_ADD, l, &ev));
  pid_t kids[CLIENTS];
  for (int i = 0; i < CLIENTS; i++) {
    kids[i] = fork();
    if (kids[i] == 0) client(i, &a, len);
  }
  // Accept every client and wait until each request has arrived (not read yet). A connection's
  // edge comes once (one write each), maybe in the same epoll_wait as the listener's.
  int conn[CLIENTS];
  char seen[1024] = {0};
  int accepted = 0, ready = 0;
  while (accepted < CLIENTS || ready < CLIENTS) {
    struct epoll_event got[CLIENTS + 1];
    int n = epoll_wait(ep, got, CLIENTS + 1, -1);
    for (int j = 0; j < n; j++) {
      int fd = got[j].data.fd;
      if (fd != l) {
        if (fd >= 0 && fd < 1024 && !seen[fd]) {
          seen[fd] = 1;
          ready++;
        }
        continue;
      }
      for (;;) {
        int c = accept4(l, NULL, NULL, SOCK_NONBLOCK);
        if (c < 0) break;
        conn[accepted++] = c;
        struct epoll_event cev = {.events = EPOLLIN | EPOLLET, .data.fd = c};
        epoll_ctl(ep, EPOLL_CTL_ADD, c, &cev);
      }
    }
  }
  printf("accepted: %d\n", accepted);
  printf("requests waiting: %d\n", ready);
  cpt_mark("sockets in an epoll set, requests queued, clients in read");
  // Answer in accept order: read each request, reply, and check what the client saw.
  for (int i = 0; i < CLIENTS; i++) {
    char req[32];
    ssize_t r = read(conn[i], req, sizeof req - 1);
    if (r < 0) {
      printf("read %d: -1 %s\n", i, strerror(errno));
      continue;
    }
    req[r] = 0;
    char rep[64];
    int m = snprintf(rep, sizeof rep, "reply to %s", req);
    printf("server got \"%s\", reply written: %d\n", strstr(req, "request") == req ? "request" : req, write(conn[i], rep, (size_t)m) == m);
  }
  int ok = 0;
  for (int i = 0; i < CLIENTS; i++) {
    int st;
    waitpid(kids[i], &st, 0);
    ok += WIFEXITED(st) && WEXITSTATUS(st) == 0;
  }
  printf("clients that got their own reply: %d\n", ok);
  struct epoll_event none[1];
  printf("after the clients closed, epoll_wait(maxevents 1): %d\n", epoll_wait(ep, none, 1, 0));
  printf("unlink: %d\n", unlink(name));
  return 0;
}
