// Removed directories still in use (CRIU ZDTM cwd00..cwd02): a working directory shared by a
// thread (CLONE_FS) and inherited by a forked child, and open directory fds, whose directories
// are rmdir'ed. Linux keeps each an unlinked directory inode: getcwd fails with ENOENT,
// /proc/self/cwd reads "<path> (deleted)", nothing can be created in it, ".." still leads to the
// old parent, and every holder still sees one inode (a mode change through one is seen by all).
// The cpt_mark points fall after the removals, so a checkpoint there must carry them.
// Output names only the removed directories' own names: the absolute path differs between qemu's
// temporary directory and cptbench's container directory.
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cptbench.h"

static const char *en(int e) {
  static char buf[32];
  switch (e) {
    case ENOENT: return "ENOENT";
    case ENOTDIR: return "ENOTDIR";
    case EEXIST: return "EEXIST";
    case ENOTEMPTY: return "ENOTEMPTY";
    case EINVAL: return "EINVAL";
    case EBADF: return "EBADF";
    case EBUSY: return "EBUSY";
  }
  snprintf(buf, sizeof buf, "errno %d", e);
  return buf;
}

static void result(const char *who, const char *what, int r) {
  if (r < 0) printf("%s %s: %s\n", who, what, en(errno));
  else printf("%s %s: ok\n", who, what);
}

static const char *base(const char *p) {
  const char *s = strrchr(p, '/');
  return s ? s + 1 : p;
}

static void link_of(const char *who, const char *path) {
  char buf[512];
  ssize_t n = readlink(path, buf, sizeof buf - 1);
  if (n < 0) {
    printf("%s readlink %s: %s\n", who, path, en(errno));
    return;
  }
  buf[n] = 0;
  printf("%s readlink %s: %s\n", who, path, base(buf));
}

static void list(const char *who, int dirfd) {
  int fd = openat(dirfd, ".", O_RDONLY | O_DIRECTORY);
  if (fd < 0) {
    printf("%s open .: %s\n", who, en(errno));
    return;
  }
  DIR *d = fdopendir(fd);
  int n = 0;
  errno = 0;
  struct dirent *e;
  while ((e = readdir(d)) != NULL) printf("%s   entry %d: %s\n", who, n++, e->d_name);
  printf("%s readdir: %d entries, %s\n", who, n, errno ? en(errno) : "no error");
  closedir(d);
}

// What a task sees of its removed working directory.
static void probe_cwd(const char *who) {
  char buf[512];
  if (getcwd(buf, sizeof buf) != NULL) printf("%s getcwd: %s\n", who, base(buf));
  else printf("%s getcwd: %s\n", who, en(errno));
  link_of(who, "/proc/self/cwd");
  struct stat st;
  if (stat(".", &st) == 0) printf("%s stat .: dir %d nlink %d mode %o\n", who, S_ISDIR(st.st_mode), (int)st.st_nlink, st.st_mode & 07777);
  else printf("%s stat .: %s\n", who, en(errno));
  result(who, "creat f", open("f", O_CREAT | O_WRONLY, 0600));
  result(who, "mkdir sub", mkdir("sub", 0700));
  result(who, "mknod fifo", mkfifo("fifo", 0600));
  result(who, "stat f", stat("f", &st));
  list(who, AT_FDCWD);
}

static ino_t ino_of_fd(int fd) {
  struct stat st;
  return fstat(fd, &st) == 0 ? st.st_ino : 0;
}

static ino_t ino_of(const char *path) {
  struct stat st;
  return stat(path, &st) == 0 ? st.st_ino : 0;
}

static int top, fa, fb;
static int go[2], done_[2];

// A thread shares the main thread's fs context (CLONE_FS): the same removed working directory.
static void *thread_main(void *arg) {
  char c;
  (void)arg;
  if (read(go[0], &c, 1) != 1) return NULL;
  struct stat st;
  if (stat(".", &st) == 0) printf("thread stat .: mode %o, same inode as fd a: %s\n", st.st_mode & 07777, st.st_ino == ino_of_fd(fa) ? "yes" : "no");
  probe_cwd("thread");
  // fchdir in a thread moves the whole CLONE_FS group back to the living directory.
  result("thread", "fchdir top", fchdir(top));
  (void)write(done_[1], "t", 1);
  return NULL;
}

int main(void) {
  struct stat st;
  // Line-buffered: a forked child never inherits unwritten output.
  setvbuf(stdout, NULL, _IOLBF, 0);
  top = open(".", O_RDONLY | O_DIRECTORY);
  if (top < 0 || mkdirat(top, "a", 0755) < 0 || mkdirat(top, "b", 0700) < 0) {
    printf("setup failed: %s\n", en(errno));
    return 1;
  }
  fa = openat(top, "a", O_RDONLY | O_DIRECTORY);
  fb = openat(top, "b", O_RDONLY | O_DIRECTORY);
  if (fa < 0 || fb < 0 || chdir("a") < 0 || pipe(go) < 0 || pipe(done_) < 0) {
    printf("setup failed: %s\n", en(errno));
    return 1;
  }
  int child_go[2];
  if (pipe(child_go) < 0) return 1;
  pid_t child = fork();
  if (child == 0) {
    // The child's own fs context (fork copies it), on the same removed directory.
    char c;
    if (read(child_go[0], &c, 1) != 1) _exit(2);
    if (stat(".", &st) == 0) printf("child stat .: mode %o, same inode as fd a: %s\n", st.st_mode & 07777, st.st_ino == ino_of_fd(fa) ? "yes" : "no");
    probe_cwd("child");
    int up = open("..", O_RDONLY | O_DIRECTORY);
    printf("child open ..: %s, is the old parent: %s\n", up < 0 ? en(errno) : "ok", up >= 0 && ino_of_fd(up) == ino_of_fd(top) ? "yes" : "no");
    result("child", "chdir ..", chdir(".."));
    printf("child getcwd after chdir ..: %s\n", getcwd((char[512]){0}, 512) ? "ok" : en(errno));
    printf("child stat a: %s\n", ino_of("a") == 0 ? en(errno) : "exists");
    _exit(0);
  }
  pthread_t th;
  if (pthread_create(&th, NULL, thread_main, NULL) != 0) return 1;

  result("main", "rmdir a (the cwd)", unlinkat(top, "a", AT_REMOVEDIR));
  result("main", "rmdir b (open)", unlinkat(top, "b", AT_REMOVEDIR));
  result("main", "rmdir a again", unlinkat(top, "a", AT_REMOVEDIR));
  cpt_mark("removed");

  probe_cwd("main");
  printf("main fd a is cwd: %s\n", ino_of_fd(fa) == ino_of(".") ? "yes" : "no");
  link_of("main", "/proc/self/fd/4");
  link_of("main", "/proc/self/fd/5");
  if (fstat(fb, &st) == 0) printf("main fstat b: dir %d nlink %d mode %o\n", S_ISDIR(st.st_mode), (int)st.st_nlink, st.st_mode & 07777);
  result("main", "mkdirat b/x", mkdirat(fb, "x", 0700));
  result("main", "openat b/y O_CREAT", openat(fb, "y", O_CREAT | O_WRONLY, 0600));
  list("b", fb);
  int up = openat(fb, "..", O_RDONLY | O_DIRECTORY);
  printf("main openat b/..: %s, is the old parent: %s\n", up < 0 ? en(errno) : "ok", up >= 0 && ino_of_fd(up) == ino_of_fd(top) ? "yes" : "no");
  if (up >= 0) close(up);

  // One inode, several holders: a mode change through fd a is seen through every cwd.
  result("main", "fchmod a 0751", fchmod(fa, 0751));
  cpt_mark("chmod");
  (void)write(child_go[1], "c", 1);
  int status;
  waitpid(child, &status, 0);
  printf("child exit %d\n", WIFEXITED(status) ? WEXITSTATUS(status) : -1);

  (void)write(go[1], "g", 1);
  char c;
  if (read(done_[0], &c, 1) != 1) return 1;
  pthread_join(th, NULL);
  // The thread's fchdir moved this thread too (CLONE_FS).
  printf("main after the thread's fchdir: cwd is top: %s, getcwd %s\n", ino_of(".") == ino_of_fd(top) ? "yes" : "no",
         getcwd((char[512]){0}, 512) ? "ok" : en(errno));

  // fchdir back into the removed directory b, then out through "..".
  result("main", "fchdir b", fchdir(fb));
  probe_cwd("main-b");
  cpt_mark("in-b");
  result("main", "chdir ..", chdir(".."));
  printf("main back at top: %s\n", ino_of(".") == ino_of_fd(top) ? "yes" : "no");
  printf("main top has a, b: %s %s\n", faccessat(top, "a", F_OK, 0) == 0 ? "yes" : en(errno), faccessat(top, "b", F_OK, 0) == 0 ? "yes" : en(errno));
  return 0;
}
