// A small server and its clients over a file-system AF_UNIX stream socket, against musl: listen
// and accept4 (SOCK_CLOEXEC, SOCK_NONBLOCK) with several child processes connecting at once,
// getsockname/getpeername on both sides, SO_PEERCRED, data sent before accept, the backlog (a
// non-blocking connect gets EAGAIN, a blocking one waits for accept), a listener closed with
// connections pending (ECONNRESET), ECONNREFUSED once the server is gone, ENOENT after the
// unlink, and the errors of every call made in the wrong state. Children report through their
// exit status and the socket, so the output does not depend on the schedule.
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include "cptbench.h"

#define CLIENTS 4

static void show(const char *what, long r) {
  if (r < 0) printf("%s: -1 %s\n", what, strerror(errno));
  else printf("%s: %ld\n", what, r);
}

static socklen_t path_addr(struct sockaddr_un *a, const char *p) {
  memset(a, 0, sizeof *a);
  a->sun_family = AF_UNIX;
  strcpy(a->sun_path, p);
  return offsetof(struct sockaddr_un, sun_path) + strlen(p) + 1;
}

static void msleep(int ms) {
  struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
  nanosleep(&ts, NULL);
}

static int connect_to(const char *p, int nonblock) {
  struct sockaddr_un a;
  int s = socket(AF_UNIX, SOCK_STREAM | (nonblock ? SOCK_NONBLOCK : 0), 0);
  socklen_t l = path_addr(&a, p);
  if (connect(s, (struct sockaddr *)&a, l) != 0) {
    int e = errno;
    close(s);
    errno = e;
    return -1;
  }
  return s;
}

/** A client: connect, check the names and the server's credentials, talk, exit 0 if all held. */
static int client(int id, pid_t server) {
  msleep(id * 3);
  int s = connect_to("srv.sock", 0);
  if (s < 0) return 10;
  struct sockaddr_un a;
  socklen_t l = sizeof a;
  if (getpeername(s, (struct sockaddr *)&a, &l) != 0 || strcmp(a.sun_path, "srv.sock") != 0 || l != 11) return 11;
  l = sizeof a;
  if (getsockname(s, (struct sockaddr *)&a, &l) != 0 || l != sizeof(sa_family_t)) return 12;
  struct ucred cr;
  l = sizeof cr;
  if (getsockopt(s, SOL_SOCKET, SO_PEERCRED, &cr, &l) != 0 || cr.pid != server || l != sizeof cr) return 13;
  char msg[32];
  int n = snprintf(msg, sizeof msg, "hello %d", id);
  if (write(s, msg, n) != n) return 14;
  char reply[32] = {0};
  if (read(s, reply, sizeof reply - 1) <= 0) return 15;
  snprintf(msg, sizeof msg, "welcome %d", id);
  if (strcmp(reply, msg) != 0) return 16;
  if (read(s, reply, 1) != 0) return 17; // the server closed: EOF
  close(s);
  return 0;
}

static void serve(void) {
  struct sockaddr_un a;
  socklen_t al = path_addr(&a, "srv.sock");
  int ls = socket(AF_UNIX, SOCK_STREAM, 0);
  show("listen unbound", listen(ls, 5));
  show("accept before listen", accept(ls, NULL, NULL));
  show("bind", bind(ls, (struct sockaddr *)&a, al));
  show("connect to a bound, not listening socket", connect_to("srv.sock", 0));
  show("listen", listen(ls, 5));
  int v = -1;
  socklen_t vl = sizeof v;
  getsockopt(ls, SOL_SOCKET, SO_ACCEPTCONN, &v, &vl);
  printf("SO_ACCEPTCONN: %d\n", v);
  show("listen again (new backlog)", listen(ls, CLIENTS + 2));
  char c;
  show("recv on a listener", recv(ls, &c, 1, 0));
  show("send on a listener", send(ls, "x", 1, MSG_NOSIGNAL));
  struct sockaddr_un pa;
  socklen_t pl = sizeof pa;
  show("getpeername of a listener", getpeername(ls, (struct sockaddr *)&pa, &pl));
  int d = socket(AF_UNIX, SOCK_DGRAM, 0);
  show("listen on dgram", listen(d, 1));
  show("accept on dgram", accept(d, NULL, NULL));
  close(d);

  pid_t kids[CLIENTS];
  fflush(stdout);
  for (int i = 0; i < CLIENTS; i++) {
    kids[i] = fork();
    if (kids[i] == 0) _exit(client(i, getppid()));
  }
  int seen[CLIENTS] = {0};
  for (int i = 0; i < CLIENTS; i++) {
    pl = sizeof pa;
    memset(&pa, 0x55, sizeof pa);
    int s = accept4(ls, (struct sockaddr *)&pa, &pl, SOCK_CLOEXEC);
    if (s < 0) { show("accept4", s); continue; }
    char msg[32] = {0};
    if (read(s, msg, sizeof msg - 1) <= 0) continue;
    int id = atoi(msg + 6);
    struct ucred cr;
    socklen_t l = sizeof cr;
    getsockopt(s, SOL_SOCKET, SO_PEERCRED, &cr, &l);
    struct sockaddr_un me;
    socklen_t ml = sizeof me;
    getsockname(s, (struct sockaddr *)&me, &ml);
    int ok = pl == sizeof(sa_family_t) && cr.pid == kids[id] && cr.uid == getuid() && cr.gid == getgid() &&
             ml == 11 && strcmp(me.sun_path, "srv.sock") == 0 && fcntl(s, F_GETFD) == FD_CLOEXEC &&
             (fcntl(s, F_GETFL) & O_NONBLOCK) == 0;
    seen[id] = ok ? 1 : -1;
    int n = snprintf(msg, sizeof msg, "welcome %d", id);
    write(s, msg, n);
    close(s);
  }
  for (int i = 0; i < CLIENTS; i++) {
    int st;
    waitpid(kids[i], &st, 0);
    printf("client %d: served %d, exit %d\n", i, seen[i], WIFEXITED(st) ? WEXITSTATUS(st) : -1);
  }
  fcntl(ls, F_SETFL, O_NONBLOCK);
  show("accept with nothing queued (O_NONBLOCK)", accept(ls, NULL, NULL));
  fcntl(ls, F_SETFL, 0);

  // Data sent before accept is there after it, then EOF.
  int early = connect_to("srv.sock", 0);
  show("write before accept", write(early, "early", 5));
  show("connect again", connect(early, (struct sockaddr *)&a, al));
  close(early);
  int s = accept4(ls, NULL, NULL, SOCK_NONBLOCK);
  char buf[16] = {0};
  show("accepted: read", read(s, buf, sizeof buf));
  printf("  '%s' nonblock=%d\n", buf, (fcntl(s, F_GETFL) & O_NONBLOCK) != 0);
  show("accepted: read EOF", read(s, buf, sizeof buf));
  close(s);
  close(ls);
  show("connect after the server closed", connect_to("srv.sock", 0));
  show("unlink", unlink("srv.sock"));
  show("connect after unlink", connect_to("srv.sock", 0));
}

/** listen(1): two connections fit; a third waits (or EAGAIN) until accept makes room. */
static void backlog(void) {
  struct sockaddr_un a;
  socklen_t al = path_addr(&a, "small.sock");
  int ls = socket(AF_UNIX, SOCK_STREAM, 0);
  bind(ls, (struct sockaddr *)&a, al);
  listen(ls, 1);
  int c1 = connect_to("small.sock", 1);
  int c2 = connect_to("small.sock", 1);
  show("third non-blocking connect", connect_to("small.sock", 1));
  printf("first two connected: %d\n", c1 >= 0 && c2 >= 0);
  cpt_mark("two connections pending on a listener");
  fflush(stdout);
  pid_t pid = fork();
  if (pid == 0) {
    int c3 = connect_to("small.sock", 0); // blocks until the parent accepts
    if (c3 < 0) _exit(1);
    write(c3, "third", 5);
    _exit(0);
  }
  msleep(50);
  int s1 = accept(ls, NULL, NULL);
  int s2 = accept(ls, NULL, NULL);
  int s3 = accept(ls, NULL, NULL);
  char buf[8] = {0};
  read(s3, buf, sizeof buf - 1);
  int st;
  waitpid(pid, &st, 0);
  printf("blocked connect went through: '%s' exit %d\n", buf, WEXITSTATUS(st));
  close(s1);
  close(s2);
  close(s3);
  close(c1);
  close(c2);

  // A listener closed with a connection nobody accepted resets it.
  int c4 = connect_to("small.sock", 0);
  write(c4, "lost", 4);
  cpt_mark("pending connection with data queued");
  close(ls);
  show("pending client reads", read(c4, buf, sizeof buf));
  show("pending client reads again", read(c4, buf, sizeof buf));
  show("pending client writes", send(c4, "x", 1, MSG_NOSIGNAL));
  close(c4);
  unlink("small.sock");

  int u = socket(AF_UNIX, SOCK_STREAM, 0);
  show("send unconnected", send(u, "x", 1, MSG_NOSIGNAL));
  show("recv unconnected", recv(u, buf, 1, 0));
  int dg = socket(AF_UNIX, SOCK_DGRAM, 0);
  bind(dg, (struct sockaddr *)&a, path_addr(&a, "dg.sock"));
  show("stream connect to a dgram name", connect(u, (struct sockaddr *)&a, path_addr(&a, "dg.sock")));
  show("connect addrlen 2", connect(u, (struct sockaddr *)&a, 2));
  close(dg);
  close(u);
  unlink("dg.sock");
}

int main(void) {
  setvbuf(stdout, NULL, _IOLBF, 0);
  serve();
  backlog();
  printf("done\n");
  return 0;
}
