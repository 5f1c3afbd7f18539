// Control messages on AF_UNIX sockets against musl. SCM_RIGHTS: a pipe end and a file are
// passed to another process after the sender closed (and unlinked) them — the files live in
// flight and work on arrival; MSG_CMSG_CLOEXEC; MSG_PEEK installs its own copies; a stream read
// stops at a message carrying files; files nobody receives (no control buffer, a socket closed
// with them queued) are closed, which the pipe's reader sees as EOF; a control buffer too small
// sets MSG_CTRUNC. SCM_CREDENTIALS: sent implicitly and explicitly, checked (EINVAL, ESRCH),
// received with SO_PASSCRED. Bad control messages: EBADF, EINVAL.
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
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

/** Send len bytes of data with n fds (SCM_RIGHTS) in one sendmsg. */
static ssize_t send_fds(int s, const char *data, size_t len, const int *fds, int n) {
  union { char buf[CMSG_SPACE(sizeof(int) * 8)]; struct cmsghdr align; } u;
  struct iovec iov = {(void *)data, len};
  struct msghdr m = {0};
  m.msg_iov = &iov;
  m.msg_iovlen = 1;
  if (n > 0) {
    memset(&u, 0, sizeof u);
    m.msg_control = u.buf;
    m.msg_controllen = CMSG_SPACE(sizeof(int) * n);
    struct cmsghdr *c = CMSG_FIRSTHDR(&m);
    c->cmsg_level = SOL_SOCKET;
    c->cmsg_type = SCM_RIGHTS;
    c->cmsg_len = CMSG_LEN(sizeof(int) * n);
    memcpy(CMSG_DATA(c), fds, sizeof(int) * n);
  }
  return sendmsg(s, &m, 0);
}

struct got {
  ssize_t r;
  int flags;
  int nfds;
  int fds[8];
  int creds;
  struct ucred cr;
  size_t controllen;
};

/** recvmsg with a control buffer of ctl bytes; collects the fds and credentials. */
static struct got recv_fds(int s, char *data, size_t len, size_t ctl, int flags) {
  union { char buf[256]; struct cmsghdr align; } u;
  struct iovec iov = {data, len};
  struct msghdr m = {0};
  struct got g = {0};
  m.msg_iov = &iov;
  m.msg_iovlen = 1;
  m.msg_control = ctl ? u.buf : NULL;
  m.msg_controllen = ctl;
  memset(&u, 0, sizeof u);
  g.r = recvmsg(s, &m, flags);
  if (g.r < 0) return g;
  g.flags = m.msg_flags;
  g.controllen = m.msg_controllen;
  for (struct cmsghdr *c = CMSG_FIRSTHDR(&m); c; c = CMSG_NXTHDR(&m, c)) {
    if (c->cmsg_level != SOL_SOCKET) continue;
    if (c->cmsg_type == SCM_RIGHTS) {
      int n = (c->cmsg_len - CMSG_LEN(0)) / sizeof(int);
      for (int i = 0; i < n && g.nfds < 8; i++) memcpy(&g.fds[g.nfds++], CMSG_DATA(c) + i * sizeof(int), sizeof(int));
    } else if (c->cmsg_type == SCM_CREDENTIALS) {
      g.creds++;
      memcpy(&g.cr, CMSG_DATA(c), sizeof g.cr);
    }
  }
  return g;
}

/** The child: receives a pipe's read end and a deleted file, and reports what it read. */
static int receiver(int s) {
  char data[8];
  struct got g = recv_fds(s, data, sizeof data, CMSG_SPACE(sizeof(int) * 2), MSG_CMSG_CLOEXEC);
  char report[200], pipebuf[32] = {0}, filebuf[32] = {0};
  if (g.r < 0 || g.nfds != 2) return 1;
  ssize_t pr = read(g.fds[0], pipebuf, sizeof pipebuf - 1);
  lseek(g.fds[1], 0, SEEK_SET);
  ssize_t fr = read(g.fds[1], filebuf, sizeof filebuf - 1);
  struct stat st;
  fstat(g.fds[1], &st);
  int n = snprintf(report, sizeof report, "got %zd bytes '%.*s' and %d fds (cloexec %d %d); pipe: '%s' (%zd); file: '%s' (%zd) nlink %d",
                   g.r, (int)g.r, data, g.nfds, fcntl(g.fds[0], F_GETFD), fcntl(g.fds[1], F_GETFD), pipebuf, pr, filebuf, fr,
                   (int)st.st_nlink);
  write(s, report, n);
  return 0;
}

static void pass_across_fork(void) {
  int sv[2], p[2];
  socketpair(AF_UNIX, SOCK_STREAM, 0, sv);
  pipe(p);
  int f = open("scm-file", O_CREAT | O_RDWR | O_TRUNC, 0600);
  write(f, "file content", 12);
  int fds[2] = {p[0], f};
  show("sendmsg with 2 fds", send_fds(sv[0], "fd", 2, fds, 2));
  // The sender lets go of both before anyone receives them.
  close(p[0]);
  close(f);
  unlink("scm-file");
  show("write to the pipe whose only reader is in flight", write(p[1], "through the pipe", 16));
  cpt_mark("a pipe end and an unlinked file in flight");
  close(p[1]);
  fflush(stdout);
  pid_t pid = fork();
  if (pid == 0) {
    close(sv[0]);
    _exit(receiver(sv[1]));
  }
  close(sv[1]);
  char report[200] = {0};
  show("report", read(sv[0], report, sizeof report - 1));
  printf("  %s\n", report);
  int st;
  waitpid(pid, &st, 0);
  printf("receiver exit %d\n", WEXITSTATUS(st));
  close(sv[0]);
}

/** The files of a message nobody receives are closed: the pipe's reader sees EOF. */
static void dropped(void) {
  int sv[2], p[2];
  char buf[8];
  socketpair(AF_UNIX, SOCK_STREAM, 0, sv);
  pipe(p);
  send_fds(sv[0], "w", 1, &p[1], 1);
  close(p[1]);
  show("read (no control buffer)", read(sv[1], buf, sizeof buf));
  show("pipe reader sees EOF", read(p[0], buf, sizeof buf));
  close(p[0]);

  pipe(p);
  send_fds(sv[0], "w", 1, &p[1], 1);
  close(p[1]);
  struct got g = recv_fds(sv[1], buf, sizeof buf, 0, 0);
  printf("recvmsg without control: r=%zd MSG_CTRUNC=%d fds=%d\n", g.r, !!(g.flags & MSG_CTRUNC), g.nfds);
  show("pipe reader sees EOF", read(p[0], buf, sizeof buf));
  close(p[0]);

  pipe(p);
  send_fds(sv[0], "w", 1, &p[1], 1);
  close(p[1]);
  close(sv[0]);
  close(sv[1]);
  show("socket closed with the message queued: EOF", read(p[0], buf, sizeof buf));
  close(p[0]);
}

static void peek_and_boundaries(void) {
  int sv[2], p[2];
  char buf[16] = {0};
  socketpair(AF_UNIX, SOCK_STREAM, 0, sv);
  pipe(p);
  show("send ab", send(sv[0], "ab", 2, 0));
  show("send cd with fd", send_fds(sv[0], "cd", 2, &p[0], 1));
  show("send ef", send(sv[0], "ef", 2, 0));
  struct got g = recv_fds(sv[1], buf, sizeof buf, CMSG_SPACE(sizeof(int)), MSG_PEEK);
  printf("peek: r=%zd '%.*s' fds=%d new fd %d\n", g.r, (int)g.r, buf, g.nfds, g.nfds ? g.fds[0] : -1);
  if (g.nfds) close(g.fds[0]);
  g = recv_fds(sv[1], buf, sizeof buf, CMSG_SPACE(sizeof(int)), 0);
  printf("recv: r=%zd '%.*s' fds=%d controllen=%zu\n", g.r, (int)g.r, buf, g.nfds, g.controllen);
  int same = 0;
  if (g.nfds) {
    write(p[1], "!", 1);
    char c = 0;
    same = read(g.fds[0], &c, 1) == 1 && c == '!';
    close(g.fds[0]);
  }
  printf("  the fd reads the pipe: %d\n", same);
  g = recv_fds(sv[1], buf, sizeof buf, CMSG_SPACE(sizeof(int)), 0);
  printf("recv: r=%zd '%.*s' fds=%d\n", g.r, (int)g.r, buf, g.nfds);

  int d[2];
  socketpair(AF_UNIX, SOCK_DGRAM, 0, d);
  show("dgram with fd", send_fds(d[0], "dg", 2, &p[1], 1));
  g = recv_fds(d[1], buf, sizeof buf, CMSG_SPACE(sizeof(int)), 0);
  printf("dgram recv: r=%zd fds=%d\n", g.r, g.nfds);
  if (g.nfds) close(g.fds[0]);

  int bad = 999;
  show("sendmsg bad fd", send_fds(sv[0], "x", 1, &bad, 1));
  union { char buf[CMSG_SPACE(sizeof(int))]; struct cmsghdr align; } u;
  struct iovec iov = {"x", 1};
  struct msghdr m = {0};
  m.msg_iov = &iov;
  m.msg_iovlen = 1;
  m.msg_control = u.buf;
  m.msg_controllen = sizeof u.buf;
  struct cmsghdr *c = CMSG_FIRSTHDR(&m);
  c->cmsg_level = SOL_SOCKET;
  c->cmsg_type = SCM_RIGHTS;
  c->cmsg_len = CMSG_LEN(sizeof(int));
  c->cmsg_type = 77;
  show("unknown SOL_SOCKET type", sendmsg(sv[0], &m, 0));
  c->cmsg_level = 99;
  show("other level ignored", sendmsg(sv[0], &m, 0));
  show("read it", read(sv[1], buf, sizeof buf));
  close(d[0]);
  close(d[1]);
  close(sv[0]);
  close(sv[1]);
  close(p[0]);
  close(p[1]);
}

static ssize_t send_creds(int s, pid_t pid, uid_t uid, gid_t gid) {
  union { char buf[CMSG_SPACE(sizeof(struct ucred))]; struct cmsghdr align; } u;
  struct iovec iov = {"c", 1};
  struct msghdr m = {0};
  struct ucred cr = {pid, uid, gid};
  m.msg_iov = &iov;
  m.msg_iovlen = 1;
  m.msg_control = u.buf;
  m.msg_controllen = sizeof u.buf;
  struct cmsghdr *c = CMSG_FIRSTHDR(&m);
  c->cmsg_level = SOL_SOCKET;
  c->cmsg_type = SCM_CREDENTIALS;
  c->cmsg_len = CMSG_LEN(sizeof cr);
  memcpy(CMSG_DATA(c), &cr, sizeof cr);
  return sendmsg(s, &m, 0);
}

static void credentials(void) {
  int sv[2];
  char buf[8];
  socketpair(AF_UNIX, SOCK_DGRAM, 0, sv);
  send(sv[0], "a", 1, 0);
  struct got g = recv_fds(sv[1], buf, sizeof buf, 64, 0);
  printf("without SO_PASSCRED: creds=%d\n", g.creds);
  int on = 1;
  show("SO_PASSCRED", setsockopt(sv[1], SOL_SOCKET, SO_PASSCRED, &on, sizeof on));
  send(sv[0], "b", 1, 0);
  g = recv_fds(sv[1], buf, sizeof buf, 64, 0);
  printf("implicit: creds=%d pid ok=%d uid=%u gid=%u\n", g.creds, g.cr.pid == getpid(), (unsigned)g.cr.uid, (unsigned)g.cr.gid);
  show("explicit", send_creds(sv[0], getpid(), getuid(), getgid()));
  cpt_mark("SCM_CREDENTIALS queued");
  g = recv_fds(sv[1], buf, sizeof buf, 64, 0);
  printf("explicit: creds=%d pid ok=%d uid=%u\n", g.creds, g.cr.pid == getpid(), (unsigned)g.cr.uid);
  show("uid -1", send_creds(sv[0], getpid(), (uid_t)-1, getgid()));
  show("no such pid", send_creds(sv[0], 2000000000, getuid(), getgid()));
  fflush(stdout);
  pid_t pid = fork();
  if (pid == 0) {
    send(sv[0], "k", 1, 0);
    _exit(0);
  }
  waitpid(pid, NULL, 0);
  g = recv_fds(sv[1], buf, sizeof buf, 64, 0);
  printf("from the child: pid is the child's %d\n", g.cr.pid == pid);
  g = recv_fds(sv[1], buf, sizeof buf, CMSG_SPACE(sizeof(struct ucred)) - 4, MSG_DONTWAIT);
  printf("empty queue: r=%zd\n", g.r);
  close(sv[0]);
  close(sv[1]);

  // A stream reader with SO_PASSCRED does not glue bytes from two writers together.
  socketpair(AF_UNIX, SOCK_STREAM, 0, sv);
  setsockopt(sv[1], SOL_SOCKET, SO_PASSCRED, &on, sizeof on);
  send(sv[0], "pa", 2, 0);
  fflush(stdout);
  pid = fork();
  if (pid == 0) {
    send(sv[0], "ch", 2, 0);
    _exit(0);
  }
  waitpid(pid, NULL, 0);
  send(sv[0], "pb", 2, 0);
  for (int i = 0; i < 3; i++) {
    g = recv_fds(sv[1], buf, sizeof buf, 64, 0);
    printf("stream read %d: '%.*s' from the %s\n", i, (int)g.r, buf, g.cr.pid == getpid() ? "parent" : g.cr.pid == pid ? "child" : "?");
  }
  close(sv[0]);
  close(sv[1]);
}

int main(void) {
  setvbuf(stdout, NULL, _IOLBF, 0);
  pass_across_fork();
  dropped();
  peek_and_boundaries();
  credentials();
  printf("done\n");
  return 0;
}
