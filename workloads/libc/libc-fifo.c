// FIFOs and mknod against musl: mkfifo/mknod (the type rules, umask, EEXIST, EPERM for device
// nodes without CAP_MKNOD, EINVAL and EPERM for bad types), the FIFO open rules (O_RDONLY waits
// for a writer and the writer for a reader, O_NONBLOCK reader never waits, O_NONBLOCK writer with
// no reader is ENXIO, O_RDWR never waits, a waiting open interrupted by a signal), data between
// processes, EOF and EAGAIN, and a FIFO unlinked while open.
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include "cptbench.h"

static const char *err(int r) {
  static char buf[32];
  if (r >= 0) return "ok";
  switch (errno) {
    case EAGAIN: return "EAGAIN";
    case EEXIST: return "EEXIST";
    case EPERM: return "EPERM";
    case EINVAL: return "EINVAL";
    case ENXIO: return "ENXIO";
    case ENOENT: return "ENOENT";
    case EINTR: return "EINTR";
  }
  snprintf(buf, sizeof buf, "errno %d", errno);
  return buf;
}

static void msleep(int ms) {
  struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
  nanosleep(&ts, 0);
}

static void reap(pid_t p) {
  int st;
  waitpid(p, &st, 0);
}

static void show(const char *path) {
  struct stat st;
  if (stat(path, &st) < 0) {
    printf("stat %s: %s\n", path, err(-1));
    return;
  }
  const char *type = S_ISFIFO(st.st_mode) ? "fifo" : S_ISREG(st.st_mode) ? "reg" : S_ISCHR(st.st_mode) ? "chr"
                     : S_ISBLK(st.st_mode) ? "blk" : S_ISSOCK(st.st_mode) ? "sock" : "?";
  printf("stat %s: %s %04o size %lld", path, type, (unsigned)(st.st_mode & 07777), (long long)st.st_size);
  if (S_ISCHR(st.st_mode) || S_ISBLK(st.st_mode)) printf(" rdev %u:%u", major(st.st_rdev), minor(st.st_rdev));
  printf("\n");
}

static void on_alarm(int sig) { (void)sig; }

static void nodes(void) {
  umask(022);
  printf("mkfifo f: %s\n", err(mkfifo("f", 0666)));
  show("f");
  printf("mkfifo f again: %s\n", err(mkfifo("f", 0600)));
  printf("mknod reg (type 0): %s\n", err(mknod("r0", 0640, 0)));
  show("r0");
  printf("mknod S_IFREG: %s\n", err(mknod("r1", S_IFREG | 0777, 0)));
  show("r1");
  printf("mknod S_IFSOCK: %s\n", err(mknod("s", S_IFSOCK | 0755, 0)));
  show("s");
  printf("open the socket name: %s\n", err(open("s", O_RDONLY)));
  printf("mknod S_IFDIR: %s\n", err(mknod("d", S_IFDIR | 0755, 0)));
  printf("mknod type 0170000: %s\n", err(mknod("x", 0170000 | 0644, 0)));
  printf("mknod S_IFCHR 1:3 as root: %s\n", err(mknod("null", S_IFCHR | 0666, makedev(1, 3))));
  show("null");
  printf("mknod S_IFBLK 7:0 as root: %s\n", err(mknod("blk", S_IFBLK | 0600, makedev(7, 0))));
  show("blk");
  printf("mknod S_IFCHR over an existing name: %s\n", err(mknod("f", S_IFCHR | 0666, makedev(1, 3))));
  printf("mkfifo in a missing dir: %s\n", err(mkfifo("nodir/f", 0600)));
  umask(077);
  printf("mkfifo g with umask 077: %s\n", err(mkfifo("g", 0666)));
  show("g");
  umask(022);
  fflush(stdout);
  pid_t p = fork();
  if (p == 0) {
    setuid(1000);
    printf("non-root mknod S_IFCHR: %s\n", err(mknod("/tmp/c2", S_IFCHR | 0666, makedev(1, 3))));
    printf("non-root mknod S_IFBLK: %s\n", err(mknod("/tmp/b2", S_IFBLK | 0666, makedev(7, 0))));
    // An absolute name: the run's own directory may not be searchable by uid 1000.
    printf("non-root mknod S_IFCHR over an existing name: %s\n", err(mknod("/tmp", S_IFCHR | 0666, makedev(1, 3))));
    _exit(0);
  }
  reap(p);
  unlink("r0");
  unlink("r1");
  unlink("s");
  unlink("null");
  unlink("blk");
  unlink("g");
}

static void open_rules(void) {
  int r = open("f", O_RDONLY | O_NONBLOCK);
  printf("O_RDONLY|O_NONBLOCK, no writer: %s\n", err(r));
  char buf[64];
  printf("read with no writer ever: %d\n", (int)read(r, buf, sizeof buf));
  int w = open("f", O_WRONLY | O_NONBLOCK);
  printf("O_WRONLY|O_NONBLOCK with a reader: %s\n", err(w));
  int n = read(r, buf, sizeof buf);
  printf("read, writer but no data: %s\n", err(n));
  write(w, "abc", 3);
  n = read(r, buf, sizeof buf);
  printf("read: %d '%.*s'\n", n, n > 0 ? n : 0, buf);
  close(w);
  printf("read after the writer closed: %d\n", (int)read(r, buf, sizeof buf));
  close(r);
  printf("O_WRONLY|O_NONBLOCK, no reader: %s\n", err(open("f", O_WRONLY | O_NONBLOCK)));
  int rw = open("f", O_RDWR);
  printf("O_RDWR never waits: %s\n", err(rw));
  write(rw, "self", 4);
  n = read(rw, buf, sizeof buf);
  printf("O_RDWR reads its own write: %d '%.*s'\n", n, n > 0 ? n : 0, buf);
  w = open("f", O_WRONLY | O_NONBLOCK);
  printf("O_WRONLY|O_NONBLOCK with an O_RDWR reader: %s\n", err(w));
  close(w);
  close(rw);
  // A blocking writer's open waits for a reader: the child opens first, the parent later.
  fflush(stdout);
  pid_t p = fork();
  if (p == 0) {
    int fd = open("f", O_WRONLY);
    printf("child: O_WRONLY open returned %s\n", err(fd));
    write(fd, "hello from the child", 20);
    close(fd);
    _exit(0);
  }
  msleep(50);
  cpt_mark("a writer blocked in open of a FIFO");
  printf("parent: opening for reading\n");
  fflush(stdout);
  r = open("f", O_RDONLY);
  reap(p);
  n = read(r, buf, sizeof buf);
  printf("parent read: %d '%.*s'\n", n, n > 0 ? n : 0, buf);
  printf("then EOF: %d\n", (int)read(r, buf, sizeof buf));
  close(r);
  // A blocking reader's open waits for a writer; a blocked read is woken by the data.
  fflush(stdout);
  p = fork();
  if (p == 0) {
    int fd = open("f", O_RDONLY);
    printf("child: O_RDONLY open returned %s\n", err(fd));
    fflush(stdout);
    int m = read(fd, buf, sizeof buf);
    printf("child read: %d '%.*s'\n", m, m > 0 ? m : 0, buf);
    _exit(0);
  }
  msleep(50);
  printf("parent: opening for writing\n");
  fflush(stdout);
  w = open("f", O_WRONLY);
  msleep(50);
  write(w, "late data", 9);
  reap(p);
  // No reader any more: EPIPE (SIGPIPE ignored).
  signal(SIGPIPE, SIG_IGN);
  printf("write with no reader: %s\n", (write(w, "x", 1) < 0 && errno == EPIPE) ? "EPIPE" : "?");
  close(w);
  // An open waiting for a partner, interrupted by a handler without SA_RESTART.
  struct sigaction sa;
  memset(&sa, 0, sizeof sa);
  sa.sa_handler = on_alarm;
  sigaction(SIGALRM, &sa, 0);
  struct itimerval it = {{0, 0}, {0, 30000}};
  setitimer(ITIMER_REAL, &it, 0);
  printf("O_RDONLY open interrupted: %s\n", err(open("f", O_RDONLY)));
}

static void unlinked(void) {
  int rw = open("f", O_RDWR);
  printf("unlink while open: %s\n", err(unlink("f")));
  show("f");
  write(rw, "still here", 10);
  cpt_mark("data in an unlinked FIFO");
  char buf[32];
  int n = read(rw, buf, sizeof buf);
  printf("read after unlink: %d '%.*s'\n", n, n > 0 ? n : 0, buf);
  // The name can be made again: a new, separate FIFO.
  printf("mkfifo f again: %s\n", err(mkfifo("f", 0600)));
  int r2 = open("f", O_RDONLY | O_NONBLOCK);
  write(rw, "old", 3);
  n = read(r2, buf, sizeof buf);
  printf("the new FIFO does not see the old one's data: read %d\n", n);
  close(r2);
  close(rw);
  unlink("f");
}

int main(void) {
  setvbuf(stdout, 0, _IONBF, 0);
  nodes();
  open_rules();
  unlinked();
  printf("done\n");
  return 0;
}
