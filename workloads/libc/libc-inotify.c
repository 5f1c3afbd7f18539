// inotify against musl: inotify_init1's flag errors, inotify_add_watch's (EBADF, EINVAL for a
// non-inotify fd, a bad mask, IN_MASK_ADD with IN_MASK_CREATE; ENOENT; ENOTDIR for IN_ONLYDIR;
// EEXIST for IN_MASK_CREATE on a watched inode), wds that grow and are reused for the same
// inode, IN_MASK_ADD, inotify_rm_watch (EINVAL for an unknown wd) and its IN_IGNORED; the
// events of a directory watch (names, IN_ISDIR) and a file watch: create, open, modify,
// access, close_write/close_nowrite, attrib (chmod, link count), moved_from/moved_to with one
// cookie, move_self, delete, delete_self with IN_IGNORED; identical events merged; IN_ONESHOT;
// IN_EXCL_UNLINK; IN_DONT_FOLLOW; a read too small for one event (EINVAL), partial reads of
// whole events, FIONREAD, EAGAIN, poll, and a blocking read woken by a child's create.
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/inotify.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cptbench.h"

static const char *err(int r) {
  static char buf[32];
  if (r >= 0) return "ok";
  switch (errno) {
    case EINVAL: return "EINVAL";
    case EBADF: return "EBADF";
    case ENOENT: return "ENOENT";
    case ENOTDIR: return "ENOTDIR";
    case EEXIST: return "EEXIST";
    case EAGAIN: return "EAGAIN";
  }
  snprintf(buf, sizeof buf, "errno %d", errno);
  return buf;
}

static void names(unsigned m) {
  static const char *n[] = {"ACCESS", "MODIFY", "ATTRIB", "CLOSE_WRITE", "CLOSE_NOWRITE", "OPEN", "MOVED_FROM", "MOVED_TO", "CREATE", "DELETE", "DELETE_SELF", "MOVE_SELF"};
  const char *sep = "";
  for (int i = 0; i < 12; i++)
    if (m & (1u << i)) {
      printf("%s%s", sep, n[i]);
      sep = "|";
    }
  if (m & IN_IGNORED) printf("%sIGNORED", sep), sep = "|";
  if (m & IN_Q_OVERFLOW) printf("%sQ_OVERFLOW", sep), sep = "|";
  if (m & IN_ISDIR) printf("%sISDIR", sep);
}

static unsigned last_cookie;

/** Print every queued event: wd, mask names, name, and whether the cookie pairs with the last. */
static void show(const char *what, int ifd) {
  char buf[4096] __attribute__((aligned(8)));
  printf("%s:", what);
  int n = 0;
  for (;;) {
    ssize_t r = read(ifd, buf, sizeof buf);
    if (r <= 0) break;
    for (char *p = buf; p < buf + r;) {
      struct inotify_event *e = (struct inotify_event *)p;
      printf(" [%d ", e->wd);
      names(e->mask);
      if (e->len) printf(" %s", e->name);
      if (e->cookie) {
        printf(" cookie%s", e->cookie == last_cookie ? "=prev" : "");
        last_cookie = e->cookie;
      }
      printf("]");
      p += sizeof *e + e->len;
      n++;
    }
  }
  printf("%s\n", n ? "" : " none");
}

static void touch(const char *path) {
  close(open(path, O_WRONLY | O_CREAT, 0644));
}

int main(void) {
  setvbuf(stdout, 0, _IONBF, 0);
  mkdir("d", 0755);
  touch("d/f");
  printf("init1 bad flag: %s\n", err(inotify_init1(1)));
  int ifd = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
  printf("init1: %s, cloexec %d, getfl %#o\n", err(ifd), fcntl(ifd, F_GETFD), fcntl(ifd, F_GETFL) & ~O_LARGEFILE);
  printf("add_watch bad fd: %s\n", err(inotify_add_watch(99, "d", IN_ALL_EVENTS)));
  int pfd[2];
  pipe(pfd);
  printf("add_watch on a pipe fd: %s\n", err(inotify_add_watch(pfd[0], "d", IN_ALL_EVENTS)));
  printf("add_watch mask 0: %s\n", err(inotify_add_watch(ifd, "d", 0)));
  printf("add_watch MASK_ADD|MASK_CREATE: %s\n", err(inotify_add_watch(ifd, "d", IN_MODIFY | IN_MASK_ADD | IN_MASK_CREATE)));
  printf("add_watch missing: %s\n", err(inotify_add_watch(ifd, "nope", IN_ALL_EVENTS)));
  printf("add_watch ONLYDIR on a file: %s\n", err(inotify_add_watch(ifd, "d/f", IN_ALL_EVENTS | IN_ONLYDIR)));
  printf("rm_watch unknown: %s\n", err(inotify_rm_watch(ifd, 42)));

  int wdd = inotify_add_watch(ifd, "d", IN_ALL_EVENTS);
  int wdf = inotify_add_watch(ifd, "d/f", IN_ALL_EVENTS);
  printf("wds: dir %d file %d, again on dir %d\n", wdd, wdf, inotify_add_watch(ifd, "d", IN_ALL_EVENTS));
  printf("MASK_CREATE on watched: %s\n", err(inotify_add_watch(ifd, "d", IN_CREATE | IN_MASK_CREATE)));
  cpt_mark("watches-no-events");
  show("nothing yet", ifd);
  printf("read with empty queue: %s\n", err(read(ifd, (char[64]){0}, 64)));

  int fd = open("d/f", O_RDWR);
  show("open", ifd);
  write(fd, "abc", 3);
  write(fd, "def", 3);
  show("two writes (merged)", ifd);
  lseek(fd, 0, SEEK_SET);
  char b[8];
  read(fd, b, sizeof b);
  show("read", ifd);
  close(fd);
  show("close rw", ifd);
  fd = open("d/f", O_RDONLY);
  close(fd);
  show("open+close ro", ifd);
  chmod("d/f", 0600);
  show("chmod", ifd);
  link("d/f", "d/g");
  show("link", ifd);
  rename("d/g", "d/h");
  cpt_mark("rename-events-queued");
  show("rename in dir", ifd);
  unlink("d/h");
  show("unlink a second name", ifd);
  mkdir("d/sub", 0755);
  show("mkdir", ifd);
  rmdir("d/sub");
  show("rmdir", ifd);
  rename("d/f", "d/f2");
  show("rename the watched file", ifd);
  unlink("d/f2");
  show("unlink the watched file", ifd);

  // FIONREAD, a buffer too small, partial reads of whole events, poll.
  touch("d/a");
  touch("d/b");
  int q = -1;
  ioctl(ifd, FIONREAD, &q);
  cpt_mark("creates-queued");
  printf("FIONREAD: %d\n", q);
  struct pollfd pf = {ifd, POLLIN, 0};
  printf("poll: %d revents %#x\n", poll(&pf, 1, 0), pf.revents);
  printf("read 8 bytes: %s\n", err(read(ifd, b, 8)));
  char one[sizeof(struct inotify_event) + 16 + 8];
  printf("read room for one event: %zd\n", read(ifd, one, sizeof one));
  ioctl(ifd, FIONREAD, &q);
  printf("FIONREAD after: %d\n", q);
  show("rest", ifd);
  pf.revents = 0;
  printf("poll empty: %d\n", poll(&pf, 1, 0));

  // IN_MASK_ADD, IN_ONESHOT, IN_EXCL_UNLINK, rm_watch's IN_IGNORED, IN_DONT_FOLLOW.
  printf("replace mask: %d\n", inotify_add_watch(ifd, "d", IN_CREATE));
  printf("add mask: %d\n", inotify_add_watch(ifd, "d", IN_DELETE | IN_MASK_ADD));
  touch("d/c");
  unlink("d/c");
  show("create+delete", ifd);
  int wa = inotify_add_watch(ifd, "d/a", IN_OPEN | IN_ONESHOT);
  close(open("d/a", O_RDONLY));
  cpt_mark("oneshot-fired");
  close(open("d/a", O_RDONLY));
  show("oneshot", ifd);
  printf("rm_watch the oneshot's wd: %s\n", err(inotify_rm_watch(ifd, wa)));
  printf("excl_unlink: %d\n", inotify_add_watch(ifd, "d", IN_CLOSE_WRITE | IN_EXCL_UNLINK));
  fd = open("d/b", O_WRONLY);
  unlink("d/b");
  close(fd);
  show("close of an unlinked child", ifd);
  printf("rm_watch dir: %s\n", err(inotify_rm_watch(ifd, wdd)));
  show("after rm_watch", ifd);
  symlink("d/a", "ln");
  int wl = inotify_add_watch(ifd, "ln", IN_ATTRIB | IN_DONT_FOLLOW);
  chmod("d/a", 0644);
  show("chmod through a dont_follow watch", ifd);
  inotify_rm_watch(ifd, wl);
  show("its IN_IGNORED", ifd);

  // A blocking read, woken by a child's create.
  int bfd = inotify_init1(0);
  inotify_add_watch(bfd, "d", IN_CREATE);
  pid_t c = fork();
  if (c == 0) {
    usleep(1000);
    touch("d/fromchild");
    _exit(0);
  }
  char buf[256] __attribute__((aligned(8)));
  ssize_t r = read(bfd, buf, sizeof buf);
  struct inotify_event *e = (struct inotify_event *)buf;
  printf("blocking read: %zd bytes, %s\n", r, r > 0 ? e->name : "-");
  waitpid(c, 0, 0);
  close(bfd);
  unlink("d/fromchild");
  unlink("d/a");
  unlink("ln");
  rmdir("d");
  show("d removed (no dir watch left)", ifd);
  close(ifd);
  return 0;
}
