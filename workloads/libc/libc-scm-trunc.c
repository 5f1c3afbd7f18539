// Control buffers too small for what arrives, and a control message longer than its buffer:
// the cases qemu-user translates differently from Linux (it gives the host kernel a buffer
// twice the guest's and converts back, so nothing is truncated by the kernel; a cmsg_len beyond
// the buffer is dropped instead of refused), hence a hand-checked expectation. Linux: put_cmsg
// truncates SCM_CREDENTIALS to the room left and sets MSG_CTRUNC; scm_detach_fds installs only
// the fds that fit ((controllen - 12) / 4 on riscv32), closes the rest and sets MSG_CTRUNC;
// __scm_send refuses a cmsg_len beyond msg_controllen with EINVAL.
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>
#include "cptbench.h"

static void show(const char *what, long r) {
  if (r < 0) printf("%s: -1 %s\n", what, strerror(errno));
  else printf("%s: %ld\n", what, r);
}

int main(void) {
  setvbuf(stdout, NULL, _IOLBF, 0);
  int sv[2], p[2];
  char buf[8];
  union { char buf[64]; struct cmsghdr align; } u;
  struct iovec iov = {buf, sizeof buf};
  struct msghdr m = {0};

  socketpair(AF_UNIX, SOCK_STREAM, 0, sv);
  pipe(p);
  memset(&u, 0, sizeof u);
  m.msg_iov = &iov;
  m.msg_iovlen = 1;
  m.msg_control = u.buf;
  m.msg_controllen = CMSG_SPACE(sizeof(int));
  struct cmsghdr *c = CMSG_FIRSTHDR(&m);
  c->cmsg_level = SOL_SOCKET;
  c->cmsg_type = SCM_RIGHTS;
  c->cmsg_len = CMSG_SPACE(sizeof(int)) + 4;
  memcpy(CMSG_DATA(c), &p[0], sizeof(int));
  iov.iov_len = 1;
  show("cmsg_len beyond the buffer", sendmsg(sv[0], &m, 0));

  int fds[3] = {p[0], p[1], p[0]};
  m.msg_controllen = CMSG_SPACE(sizeof fds);
  c->cmsg_len = CMSG_LEN(sizeof fds);
  memcpy(CMSG_DATA(c), fds, sizeof fds);
  show("sendmsg 3 fds", sendmsg(sv[0], &m, 0));
  cpt_mark("three fds in flight");
  memset(&u, 0, sizeof u);
  iov.iov_len = sizeof buf;
  m.msg_controllen = CMSG_SPACE(sizeof(int));
  show("recvmsg with room for 1 fd", recvmsg(sv[1], &m, 0));
  c = CMSG_FIRSTHDR(&m);
  printf("  MSG_CTRUNC=%d controllen=%u cmsg_len=%u\n", !!(m.msg_flags & MSG_CTRUNC), (unsigned)m.msg_controllen,
         c ? (unsigned)c->cmsg_len : 0);
  show("next free fd", dup(0));

  int on = 1;
  setsockopt(sv[1], SOL_SOCKET, SO_PASSCRED, &on, sizeof on);
  send(sv[0], "t", 1, 0);
  memset(&u, 0, sizeof u);
  m.msg_controllen = 16;
  m.msg_flags = 0;
  show("recvmsg SCM_CREDENTIALS into 16 bytes", recvmsg(sv[1], &m, 0));
  c = CMSG_FIRSTHDR(&m);
  printf("  MSG_CTRUNC=%d controllen=%u cmsg_len=%u type=%d\n", !!(m.msg_flags & MSG_CTRUNC), (unsigned)m.msg_controllen,
         c ? (unsigned)c->cmsg_len : 0, c ? c->cmsg_type : -1);
  send(sv[0], "t", 1, 0);
  m.msg_controllen = 8;
  m.msg_flags = 0;
  show("recvmsg SCM_CREDENTIALS into 8 bytes", recvmsg(sv[1], &m, 0));
  printf("  MSG_CTRUNC=%d controllen=%u\n", !!(m.msg_flags & MSG_CTRUNC), (unsigned)m.msg_controllen);
  printf("done\n");
  return 0;
}
