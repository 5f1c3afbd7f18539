// AF_UNIX stream sockets against musl: socketpair, read/write/readv/writev and send/recv flags
// (MSG_PEEK across writes, MSG_DONTWAIT, MSG_WAITALL, MSG_NOSIGNAL), the send buffer limit
// (a non-blocking writer fills it, then EAGAIN; a blocking one sleeps until the reader drains),
// a 1 MiB transfer between processes, shutdown in each direction, EOF, EPIPE with SIGPIPE
// (caught, and fatal by default), ECONNRESET after a peer closed with unread data, a blocking
// recv interrupted by a signal (EINTR, or restarted with SA_RESTART), FIONREAD/SIOCOUTQ, fstat
// and socket options. Everything printed is the same on any schedule.
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include "cptbench.h"

static void show(const char *what, long r) {
  if (r < 0) printf("%s: -1 %s\n", what, strerror(errno));
  else printf("%s: %ld\n", what, r);
}

static volatile int sigpipes, usr1s;
static void on_pipe(int s) { (void)s; sigpipes++; }
static void on_usr1(int s) { (void)s; usr1s++; }

static void pair(int sv[2]) {
  if (socketpair(AF_UNIX, SOCK_STREAM, 0, sv) != 0) { perror("socketpair"); exit(1); }
}

static void msleep(int ms) {
  struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
  nanosleep(&ts, NULL);
}

static int getint(int fd, int opt) {
  int v = -1; socklen_t l = sizeof v;
  if (getsockopt(fd, SOL_SOCKET, opt, &v, &l) != 0) return -1000 - errno;
  return v;
}

static void basics(void) {
  int sv[2];
  pair(sv);
  struct stat st;
  fstat(sv[0], &st);
  printf("fstat: sock=%d mode=%o\n", S_ISSOCK(st.st_mode), (unsigned)(st.st_mode & 0777));
  printf("getfl: %#x\n", fcntl(sv[0], F_GETFL));
  printf("SO_TYPE=%d SO_DOMAIN=%d SO_PROTOCOL=%d SO_ACCEPTCONN=%d SO_ERROR=%d SO_PASSCRED=%d\n", getint(sv[0], SO_TYPE),
         getint(sv[0], SO_DOMAIN), getint(sv[0], SO_PROTOCOL), getint(sv[0], SO_ACCEPTCONN), getint(sv[0], SO_ERROR),
         getint(sv[0], SO_PASSCRED));
  printf("SO_SNDBUF=%d SO_RCVBUF=%d\n", getint(sv[0], SO_SNDBUF), getint(sv[0], SO_RCVBUF));
  int v = 10000;
  show("setsockopt SO_SNDBUF 10000", setsockopt(sv[0], SOL_SOCKET, SO_SNDBUF, &v, sizeof v));
  printf("SO_SNDBUF now %d\n", getint(sv[0], SO_SNDBUF));
  v = 1;
  show("setsockopt SO_SNDBUF 1", setsockopt(sv[0], SOL_SOCKET, SO_SNDBUF, &v, sizeof v));
  printf("SO_SNDBUF now %d\n", getint(sv[0], SO_SNDBUF));
  show("setsockopt short", setsockopt(sv[0], SOL_SOCKET, SO_SNDBUF, &v, 2));
  show("setsockopt SO_TYPE", setsockopt(sv[0], SOL_SOCKET, SO_TYPE, &v, sizeof v));
  show("getsockopt level 6", getsockopt(sv[0], 6, 1, &v, &(socklen_t){4}));
  show("getsockopt bad name", getsockopt(sv[0], SOL_SOCKET, 12345, &v, &(socklen_t){4}));
  struct sockaddr_un a; socklen_t al = sizeof a;
  memset(&a, 0x55, sizeof a);
  show("getsockname", getsockname(sv[0], (struct sockaddr *)&a, &al));
  printf("  len=%u family=%d\n", (unsigned)al, a.sun_family);
  al = sizeof a;
  show("getpeername", getpeername(sv[0], (struct sockaddr *)&a, &al));
  printf("  len=%u\n", (unsigned)al);

  show("write hello", write(sv[0], "hello", 5));
  show("send world", send(sv[0], " world", 6, 0));
  int n = -1;
  show("FIONREAD", ioctl(sv[1], FIONREAD, &n));
  printf("  inq=%d\n", n);
  char buf[64] = {0};
  show("recv MSG_PEEK", recv(sv[1], buf, sizeof buf, MSG_PEEK));
  printf("  peeked '%s'\n", buf);
  memset(buf, 0, sizeof buf);
  show("read 5", read(sv[1], buf, 5));
  printf("  '%s'\n", buf);
  memset(buf, 0, sizeof buf);
  al = sizeof a;
  show("recvfrom", recvfrom(sv[1], buf, sizeof buf, 0, (struct sockaddr *)&a, &al));
  printf("  '%s' addrlen=%u\n", buf, (unsigned)al);
  show("recv MSG_DONTWAIT empty", recv(sv[1], buf, sizeof buf, MSG_DONTWAIT));

  struct iovec iov[3] = {{"ab", 2}, {"", 0}, {"cdefg", 5}};
  show("writev", writev(sv[1], iov, 3));
  char x[3] = {0}, y[10] = {0};
  struct iovec rv[2] = {{x, 2}, {y, sizeof y - 1}};
  show("readv", readv(sv[0], rv, 2));
  printf("  '%s' '%s'\n", x, y);
  show("lseek", lseek(sv[0], 0, SEEK_SET));
  show("pread", pread(sv[0], buf, 1, 0));
  show("sendto with address", sendto(sv[0], "z", 1, 0, (struct sockaddr *)&a, sizeof(sa_family_t) + 2));
  close(sv[0]);
  close(sv[1]);
}

/** A non-blocking writer fills the buffer; the reader gets exactly what went in. */
static void fill(void) {
  int sv[2];
  pair(sv);
  fcntl(sv[0], F_SETFL, O_NONBLOCK);
  static char chunk[4096];
  long total = 0;
  for (int i = 0; i < (int)sizeof chunk; i++) chunk[i] = (char)i;
  for (;;) {
    ssize_t r = write(sv[0], chunk, sizeof chunk);
    if (r < 0) { printf("fill stops with %s\n", strerror(errno)); break; }
    total += r;
  }
  cpt_mark("stream send buffer full");
  printf("filled between 150000 and 300000: %d\n", total > 150000 && total < 300000);
  int outq = 0;
  ioctl(sv[0], TIOCOUTQ, &outq);
  printf("SIOCOUTQ > filled: %d\n", outq > total);
  long got = 0;
  char buf[10000];
  for (;;) {
    ssize_t r = recv(sv[1], buf, sizeof buf, MSG_DONTWAIT);
    if (r <= 0) { printf("drain stops with %s\n", r < 0 ? strerror(errno) : "EOF"); break; }
    got += r;
  }
  printf("drained all: %d\n", got == total);
  ioctl(sv[0], TIOCOUTQ, &outq);
  printf("SIOCOUTQ after drain: %d\n", outq);
  close(sv[0]);
  close(sv[1]);
}

/** 1 MiB from a child in blocking writes; the parent reads it with MSG_WAITALL. */
static void transfer(void) {
  int sv[2];
  pair(sv);
  fflush(stdout);
  pid_t pid = fork();
  if (pid == 0) {
    close(sv[0]);
    static char big[100000];
    long sent = 0;
    unsigned seed = 1;
    while (sent < 1048576) {
      int n = 1048576 - sent < (long)sizeof big ? (int)(1048576 - sent) : (int)sizeof big;
      for (int i = 0; i < n; i++) { seed = seed * 1103515245 + 12345; big[i] = (char)(seed >> 16); }
      ssize_t w = write(sv[1], big, n);
      if (w != n) _exit(10);
      sent += w;
    }
    shutdown(sv[1], SHUT_WR);
    char ack[4] = {0};
    if (read(sv[1], ack, 3) != 3 || strcmp(ack, "ack") != 0) _exit(11);
    _exit(0);
  }
  close(sv[1]);
  static char buf[65536];
  long total = 0;
  int full = 0, odd = 0;
  unsigned seed = 1, bad = 0;
  for (;;) {
    ssize_t r = recv(sv[0], buf, sizeof buf, MSG_WAITALL);
    if (r <= 0) { show("recv at the end", r); break; }
    if (r == (ssize_t)sizeof buf) full++; else odd++;
    for (ssize_t i = 0; i < r; i++) { seed = seed * 1103515245 + 12345; if (buf[i] != (char)(seed >> 16)) bad++; }
    total += r;
  }
  printf("transfer: total=%ld full=%d short=%d bad=%u\n", total, full, odd, bad);
  show("write ack", write(sv[0], "ack", 3));
  int st;
  waitpid(pid, &st, 0);
  printf("writer exit %d\n", WIFEXITED(st) ? WEXITSTATUS(st) : -1);
  close(sv[0]);
}

static void pipes_and_resets(void) {
  int sv[2];
  signal(SIGPIPE, on_pipe);
  pair(sv);
  close(sv[1]);
  show("write to closed peer", write(sv[0], "x", 1));
  printf("  SIGPIPE count %d\n", sigpipes);
  show("send MSG_NOSIGNAL", send(sv[0], "x", 1, MSG_NOSIGNAL));
  printf("  SIGPIPE count %d\n", sigpipes);
  char c;
  show("read after peer closed", read(sv[0], &c, 1));
  close(sv[0]);

  pair(sv);
  show("write unread", write(sv[0], "unread", 6));
  show("peer writes", write(sv[1], "tail", 4));
  close(sv[1]);
  char buf[16] = {0};
  show("read queued data", read(sv[0], buf, sizeof buf));
  show("read after reset", read(sv[0], buf, sizeof buf));
  show("read again", read(sv[0], buf, sizeof buf));
  close(sv[0]);

  pair(sv);
  show("write unread", write(sv[0], "unread", 6));
  close(sv[1]);
  cpt_mark("peer closed with unread data: ECONNRESET pending");
  printf("SO_ERROR %d (ECONNRESET=%d)\n", getint(sv[0], SO_ERROR), ECONNRESET);
  show("write after reset taken", write(sv[0], "x", 1));
  close(sv[0]);

  pair(sv);
  show("write unread", write(sv[0], "unread", 6));
  close(sv[1]);
  show("write with reset pending", write(sv[0], "x", 1));
  show("write again", write(sv[0], "x", 1));
  printf("  SIGPIPE count %d\n", sigpipes);
  close(sv[0]);

  pair(sv);
  show("shutdown SHUT_WR", shutdown(sv[0], SHUT_WR));
  show("write after SHUT_WR", write(sv[0], "x", 1));
  printf("  SIGPIPE count %d\n", sigpipes);
  cpt_mark("after SHUT_WR");
  show("peer reads EOF", read(sv[1], buf, sizeof buf));
  show("peer writes back", write(sv[1], "back", 4));
  show("read what came back", read(sv[0], buf, sizeof buf));
  show("shutdown SHUT_RD", shutdown(sv[0], SHUT_RD));
  show("read after SHUT_RD", read(sv[0], buf, sizeof buf));
  show("peer write after our SHUT_RD", write(sv[1], "x", 1));
  show("shutdown how=5", shutdown(sv[0], 5));
  close(sv[0]);
  close(sv[1]);
  signal(SIGPIPE, SIG_DFL);

  pair(sv);
  fflush(stdout);
  // The child writes only once the parent has closed the peer: without this the order of the
  // child's write and the parent's close was the scheduler's (a checkpoint's thaw changed it).
  int go[2];
  pipe(go);
  pid_t pid = fork();
  if (pid == 0) {
    close(sv[1]);
    close(go[1]);
    char c;
    read(go[0], &c, 1);
    write(sv[0], "x", 1);
    _exit(0);
  }
  close(sv[0]);
  close(sv[1]);
  close(go[0]);
  close(go[1]);
  int st;
  waitpid(pid, &st, 0);
  printf("default SIGPIPE kills: %d\n", WIFSIGNALED(st) && WTERMSIG(st) == SIGPIPE);
}

static void interrupted(int restart) {
  int sv[2];
  pair(sv);
  struct sigaction sa = {0};
  sa.sa_handler = on_usr1;
  sa.sa_flags = restart ? SA_RESTART : 0;
  sigaction(SIGUSR1, &sa, NULL);
  pid_t parent = getpid();
  fflush(stdout);
  pid_t pid = fork();
  if (pid == 0) {
    msleep(50);
    kill(parent, SIGUSR1);
    msleep(50);
    write(sv[1], "late", 4);
    _exit(0);
  }
  char buf[8] = {0};
  ssize_t r = recv(sv[0], buf, sizeof buf - 1, 0);
  if (r < 0) {
    show(restart ? "recv with SA_RESTART" : "recv without SA_RESTART", r);
    r = recv(sv[0], buf, sizeof buf - 1, 0);
  }
  printf("%s: got '%s' after %d signal(s)\n", restart ? "SA_RESTART" : "no SA_RESTART", buf, usr1s);
  usr1s = 0;
  waitpid(pid, NULL, 0);
  close(sv[0]);
  close(sv[1]);
}

int main(void) {
  setvbuf(stdout, NULL, _IOLBF, 0);
  basics();
  fill();
  transfer();
  pipes_and_resets();
  interrupted(0);
  interrupted(1);
  int fl[2];
  show("socketpair SOCK_NONBLOCK|SOCK_CLOEXEC", socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0, fl));
  printf("  FD_CLOEXEC=%d O_NONBLOCK=%d\n", fcntl(fl[0], F_GETFD), (fcntl(fl[1], F_GETFL) & O_NONBLOCK) != 0);
  char link[64] = {0}, proc[64];
  snprintf(proc, sizeof proc, "/proc/self/fd/%d", fl[0]);
  show("readlink", readlink(proc, link, sizeof link - 1) > 0 && strncmp(link, "socket:[", 8) == 0 ? 0 : -2);
  show("open /proc/self/fd of a socket", open(proc, O_RDWR));
  close(fl[0]);
  close(fl[1]);
  show("socket AF_INET6 bogus type", socket(AF_UNIX, 9, 0));
  show("socket bad protocol", socket(AF_UNIX, SOCK_STREAM, 7));
  show("socket family 99", socket(99, SOCK_STREAM, 0));
  int p[2];
  pipe(p);
  show("send on a pipe", send(p[1], "x", 1, 0));
  show("getsockopt on a pipe", getsockopt(p[0], SOL_SOCKET, SO_TYPE, p, &(socklen_t){4}));
  printf("done\n");
  return 0;
}
