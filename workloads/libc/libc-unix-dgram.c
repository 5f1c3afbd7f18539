// AF_UNIX datagram and seqpacket sockets against musl: message boundaries (also of empty
// messages), MSG_TRUNC both ways, MSG_PEEK and FIONREAD of the first datagram, the receive
// queue limit (max_dgram_qlen: EAGAIN, then a blocked sender released by the reader), names in
// the file system and abstract ones (bind, EADDRINUSE, autobind, connect and sendto by name,
// the sender's address seen by recvfrom, unlink), the errors of a wrong name (ENOENT,
// ECONNREFUSED, EPROTOTYPE), of a socket connected elsewhere (EPERM), of a closed peer
// (ECONNREFUSED then ENOTCONN), EMSGSIZE, shutdown, and seqpacket EOF and EPIPE.
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>
#include "cptbench.h"

static void show(const char *what, long r) {
  if (r < 0) printf("%s: -1 %s\n", what, strerror(errno));
  else printf("%s: %ld\n", what, r);
}

static volatile int sigpipes;
static void on_pipe(int s) { (void)s; sigpipes++; }

static socklen_t path_addr(struct sockaddr_un *a, const char *p) {
  memset(a, 0, sizeof *a);
  a->sun_family = AF_UNIX;
  strcpy(a->sun_path, p);
  return offsetof(struct sockaddr_un, sun_path) + strlen(p) + 1;
}

/** An abstract name: a NUL, then the bytes of p (no terminating NUL counted). */
static socklen_t abstract_addr(struct sockaddr_un *a, const char *p) {
  memset(a, 0, sizeof *a);
  a->sun_family = AF_UNIX;
  memcpy(a->sun_path + 1, p, strlen(p));
  return offsetof(struct sockaddr_un, sun_path) + 1 + strlen(p);
}

static void print_addr(const char *what, struct sockaddr_un *a, socklen_t len) {
  printf("%s: len=%u", what, (unsigned)len);
  if (len > offsetof(struct sockaddr_un, sun_path)) {
    if (a->sun_path[0] == 0) printf(" abstract '%.*s'", (int)(len - offsetof(struct sockaddr_un, sun_path) - 1), a->sun_path + 1);
    else printf(" path '%s'", a->sun_path);
  }
  printf("\n");
}

static void boundaries(int type, const char *name) {
  int sv[2];
  printf("-- %s pair\n", name);
  show("socketpair", socketpair(AF_UNIX, type, 0, sv));
  show("send a", send(sv[0], "a", 1, 0));
  show("send empty", send(sv[0], "", 0, 0));
  show("send bb", send(sv[0], "bb", 2, 0));
  show("send hello world", send(sv[0], "hello world", 11, 0));
  cpt_mark("datagrams queued");
  int n = -1;
  ioctl(sv[1], FIONREAD, &n);
  printf("FIONREAD first: %d\n", n);
  char buf[64] = {0};
  show("recv PEEK", recv(sv[1], buf, sizeof buf, MSG_PEEK));
  show("recv", recv(sv[1], buf, sizeof buf, 0));
  show("recv empty one", recv(sv[1], buf, sizeof buf, 0));
  show("recv bb", recv(sv[1], buf, sizeof buf, 0));
  struct iovec iov = {buf, 5};
  struct msghdr m = {0};
  m.msg_iov = &iov;
  m.msg_iovlen = 1;
  memset(buf, 0, sizeof buf);
  show("recvmsg 5 of 11", recvmsg(sv[1], &m, 0));
  printf("  '%s' MSG_TRUNC=%d namelen=%u\n", buf, !!(m.msg_flags & MSG_TRUNC), (unsigned)m.msg_namelen);
  show("send again", send(sv[0], "hello world", 11, 0));
  show("recv 3 with MSG_TRUNC", recv(sv[1], buf, 3, MSG_TRUNC));
  show("recv DONTWAIT empty", recv(sv[1], buf, sizeof buf, MSG_DONTWAIT));
  char big[9000];
  memset(big, 'x', sizeof big);
  int v = 4096;
  setsockopt(sv[0], SOL_SOCKET, SO_SNDBUF, &v, sizeof v);
  show("send 9000 with SO_SNDBUF 8192", send(sv[0], big, sizeof big, 0));
  show("send 8000", send(sv[0], big, 8000, 0));
  show("recv it", recv(sv[1], big, sizeof big, 0));
  show("shutdown SHUT_RD", shutdown(sv[1], SHUT_RD));
  show("recv after SHUT_RD", recv(sv[1], buf, sizeof buf, 0));
  show("send to SHUT_RD peer", send(sv[0], "x", 1, MSG_NOSIGNAL));
  show("shutdown SHUT_WR", shutdown(sv[1], SHUT_WR));
  show("send after SHUT_WR", send(sv[1], "x", 1, 0));
  printf("  SIGPIPE count %d\n", sigpipes);
  close(sv[0]);
  close(sv[1]);
}

static void seqpacket_close(void) {
  int sv[2];
  printf("-- seqpacket close\n");
  socketpair(AF_UNIX, SOCK_SEQPACKET, 0, sv);
  send(sv[0], "last", 4, 0);
  close(sv[0]);
  char buf[8] = {0};
  show("recv queued", recv(sv[1], buf, sizeof buf, 0));
  show("recv EOF", recv(sv[1], buf, sizeof buf, 0));
  show("recv EOF DONTWAIT", recv(sv[1], buf, sizeof buf, MSG_DONTWAIT));
  show("send to closed", send(sv[1], "x", 1, 0));
  printf("  SIGPIPE count %d\n", sigpipes);
  close(sv[1]);
  int s = socket(AF_UNIX, SOCK_SEQPACKET, 0);
  show("unconnected seqpacket send", send(s, "x", 1, 0));
  show("unconnected seqpacket recv", recv(s, buf, 1, 0));
  close(s);
}

static void names(void) {
  struct sockaddr_un a, b, from;
  socklen_t al, fl;
  char buf[64];
  printf("-- names\n");
  int r = socket(AF_UNIX, SOCK_DGRAM, 0);
  al = path_addr(&a, "dg-recv");
  show("bind path", bind(r, (struct sockaddr *)&a, al));
  struct stat st;
  show("stat", stat("dg-recv", &st));
  printf("  sock=%d mode=%o size=%ld\n", S_ISSOCK(st.st_mode), (unsigned)(st.st_mode & 07777), (long)st.st_size);
  show("open the name", open("dg-recv", 0));
  show("bind again", bind(r, (struct sockaddr *)&a, al));
  int r2 = socket(AF_UNIX, SOCK_DGRAM, 0);
  show("bind taken path", bind(r2, (struct sockaddr *)&a, al));
  show("bind addrlen 1", bind(r2, (struct sockaddr *)&a, 1));
  a.sun_family = 2;
  show("bind family 2", bind(r2, (struct sockaddr *)&a, al));
  show("bind in a missing dir", bind(r2, (struct sockaddr *)&b, path_addr(&b, "nodir/x")));
  show("autobind", bind(r2, (struct sockaddr *)&b, sizeof(sa_family_t)));
  fl = sizeof from;
  getsockname(r2, (struct sockaddr *)&from, &fl);
  printf("autobound: len=%u abstract=%d\n", (unsigned)fl, from.sun_path[0] == 0);
  show("autobind again", bind(r2, (struct sockaddr *)&b, sizeof(sa_family_t)));
  fl = sizeof from;
  show("getsockname", getsockname(r, (struct sockaddr *)&from, &fl));
  print_addr("  name", &from, fl);
  fl = 4;
  memset(&from, 0, sizeof from);
  show("getsockname short", getsockname(r, (struct sockaddr *)&from, &fl));
  printf("  len=%u family=%d path0=%d\n", (unsigned)fl, from.sun_family, from.sun_path[0]);
  fl = sizeof from;
  show("getpeername unconnected", getpeername(r, (struct sockaddr *)&from, &fl));

  int s = socket(AF_UNIX, SOCK_DGRAM, 0);
  al = path_addr(&a, "dg-recv");
  show("sendto path (unbound sender)", sendto(s, "one", 3, 0, (struct sockaddr *)&a, al));
  fl = sizeof from;
  show("recvfrom", recvfrom(r, buf, sizeof buf, 0, (struct sockaddr *)&from, &fl));
  printf("  from len=%u\n", (unsigned)fl);
  al = abstract_addr(&b, "dg-send");
  show("bind abstract", bind(s, (struct sockaddr *)&b, al));
  int s2 = socket(AF_UNIX, SOCK_DGRAM, 0);
  show("bind abstract taken", bind(s2, (struct sockaddr *)&b, al));
  al = path_addr(&a, "dg-recv");
  show("sendto path (abstract sender)", sendto(s, "two", 3, 0, (struct sockaddr *)&a, al));
  cpt_mark("datagram from an abstract name queued on a path name");
  fl = sizeof from;
  show("recvfrom", recvfrom(r, buf, sizeof buf, 0, (struct sockaddr *)&from, &fl));
  print_addr("  from", &from, fl);
  show("sendto abstract", sendto(r, "three", 5, 0, (struct sockaddr *)&b, abstract_addr(&b, "dg-send")));
  fl = sizeof from;
  show("recvfrom", recvfrom(s, buf, sizeof buf, 0, (struct sockaddr *)&from, &fl));
  print_addr("  from", &from, fl);
  show("sendto missing path", sendto(s, "x", 1, 0, (struct sockaddr *)&a, path_addr(&a, "no-such")));
  show("sendto missing abstract", sendto(s, "x", 1, 0, (struct sockaddr *)&a, abstract_addr(&a, "no-such")));
  close(open("plain-file", O_CREAT | O_WRONLY, 0644));
  show("sendto a regular file", sendto(s, "x", 1, 0, (struct sockaddr *)&a, path_addr(&a, "plain-file")));
  int st_sock = socket(AF_UNIX, SOCK_STREAM, 0);
  bind(st_sock, (struct sockaddr *)&a, path_addr(&a, "stream-name"));
  show("sendto a stream socket's name", sendto(s, "x", 1, 0, (struct sockaddr *)&a, path_addr(&a, "stream-name")));
  show("sendto bad addrlen", sendto(s, "x", 1, 0, (struct sockaddr *)&a, 2));

  // connect: a default destination; a receiver connected elsewhere refuses others.
  al = path_addr(&a, "dg-recv");
  show("connect path", connect(s, (struct sockaddr *)&a, al));
  fl = sizeof from;
  show("getpeername", getpeername(s, (struct sockaddr *)&from, &fl));
  print_addr("  peer", &from, fl);
  show("send connected", send(s, "four", 4, 0));
  show("recv", recv(r, buf, sizeof buf, 0));
  show("connect r to s", connect(r, (struct sockaddr *)&b, abstract_addr(&b, "dg-send")));
  int t = socket(AF_UNIX, SOCK_DGRAM, 0);
  show("sendto r from a third socket", sendto(t, "x", 1, 0, (struct sockaddr *)&a, al));
  show("connect third to r", connect(t, (struct sockaddr *)&a, al));
  struct sockaddr unspec = {AF_UNSPEC};
  show("connect AF_UNSPEC", connect(s, &unspec, sizeof unspec));
  show("send after disconnect", send(s, "x", 1, 0));
  show("unlink the name", unlink("dg-recv"));
  cpt_mark("receiver's path name unlinked, abstract names bound");
  show("sendto unlinked name", sendto(s, "x", 1, 0, (struct sockaddr *)&a, al));
  show("r still reachable by abstract peer", sendto(s, "five", 4, 0, (struct sockaddr *)&a, 0) < 0 ? -1 : 0);
  close(r);
  close(r2);
  close(s);
  close(s2);
  close(t);
  close(st_sock);
  unlink("plain-file");
  unlink("stream-name");

  // A connected peer closes: ECONNREFUSED once, then not connected.
  int p = socket(AF_UNIX, SOCK_DGRAM, 0), q = socket(AF_UNIX, SOCK_DGRAM, 0);
  bind(p, (struct sockaddr *)&a, abstract_addr(&a, "dg-p"));
  show("connect to p", connect(q, (struct sockaddr *)&a, abstract_addr(&a, "dg-p")));
  close(p);
  show("send to closed peer", send(q, "x", 1, 0));
  show("send again", send(q, "x", 1, 0));
  p = socket(AF_UNIX, SOCK_DGRAM, 0);
  show("abstract name free again", bind(p, (struct sockaddr *)&a, abstract_addr(&a, "dg-p")));
  close(p);
  close(q);
}

/** max_dgram_qlen: an unconnected sender fills the receiver's queue, then blocks. */
static void queue_limit(void) {
  struct sockaddr_un a;
  socklen_t al = abstract_addr(&a, "dg-queue");
  printf("-- queue limit\n");
  int r = socket(AF_UNIX, SOCK_DGRAM, 0);
  bind(r, (struct sockaddr *)&a, al);
  int s = socket(AF_UNIX, SOCK_DGRAM, 0);
  int n = 0;
  for (;;) {
    char msg[16];
    int len = snprintf(msg, sizeof msg, "m%d", n);
    if (sendto(s, msg, len, MSG_DONTWAIT, (struct sockaddr *)&a, al) < 0) {
      printf("queued %d, then %s\n", n, strerror(errno));
      break;
    }
    n++;
  }
  fflush(stdout);
  pid_t pid = fork();
  if (pid == 0) {
    // Blocks until the parent reads: each of these waits for room.
    for (int i = 0; i < 5; i++) {
      char msg[16];
      int len = snprintf(msg, sizeof msg, "late%d", i);
      if (sendto(s, msg, len, 0, (struct sockaddr *)&a, al) != len) _exit(1);
    }
    _exit(0);
  }
  char buf[16];
  for (int i = 0; i < n + 5; i++) {
    ssize_t got = recv(r, buf, sizeof buf - 1, 0);
    buf[got < 0 ? 0 : got] = 0;
    printf("%s%s", i ? " " : "", buf);
  }
  printf("\n");
  int st;
  waitpid(pid, &st, 0);
  printf("sender exit %d\n", WEXITSTATUS(st));
  close(r);
  close(s);
}

int main(void) {
  setvbuf(stdout, NULL, _IOLBF, 0);
  umask(022);
  signal(SIGPIPE, on_pipe);
  boundaries(SOCK_DGRAM, "dgram");
  boundaries(SOCK_SEQPACKET, "seqpacket");
  seqpacket_close();
  names();
  queue_limit();
  printf("done\n");
  return 0;
}
