// /proc/self and friends against musl: the self and thread-self links (also from a second
// thread), task/<tid> entries, the ns links (names, "kind:[inode]" text equal to the opened
// file's fd link and st_ino, a read of it EINVAL, shared with a child), oom_score_adj (parsing,
// range, the count a write returns, the floor without CAP_SYS_RESOURCE, inherited), oom_score's
// range, loginuid and sessionid (unset, set once, EPERM from another process or without
// CAP_AUDIT_CONTROL, EINVAL at an offset, inherited), and a cwd inside a reaped /proc/<pid>.
// Inode numbers, pids and session ids differ between machines: only relations are printed.
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cptbench.h"

static const char *err(long r) {
  static char buf[32];
  if (r >= 0) {
    snprintf(buf, sizeof buf, "%ld", r);
    return buf;
  }
  switch (errno) {
    case EINVAL: return "EINVAL";
    case EPERM: return "EPERM";
    case ENOENT: return "ENOENT";
    case EACCES: return "EACCES";
    case ERANGE: return "ERANGE";
  }
  snprintf(buf, sizeof buf, "errno %d", errno);
  return buf;
}

static char *slurp(const char *path) {
  static char buf[4096];
  int fd = open(path, O_RDONLY);
  int n = fd < 0 ? -1 : read(fd, buf, sizeof buf - 1);
  if (fd >= 0) close(fd);
  if (n < 0) return 0;
  buf[n] = 0;
  return buf;
}

static long put(const char *path, const char *text, size_t len) {
  int fd = open(path, O_WRONLY);
  if (fd < 0) return -1;
  long r = write(fd, text, len);
  int e = errno;
  close(fd);
  errno = e;
  return r;
}

static char tself[64];
static void *thread_fn(void *arg) {
  (void)arg;
  int n = readlink("/proc/thread-self", tself, sizeof tself - 1);
  tself[n < 0 ? 0 : n] = 0;
  return 0;
}

static void links(void) {
  char buf[64], want[64];
  int n = readlink("/proc/self", buf, sizeof buf - 1);
  buf[n < 0 ? 0 : n] = 0;
  snprintf(want, sizeof want, "%d", getpid());
  printf("/proc/self is the pid: %d\n", strcmp(buf, want) == 0);
  n = readlink("/proc/thread-self", buf, sizeof buf - 1);
  buf[n < 0 ? 0 : n] = 0;
  snprintf(want, sizeof want, "%d/task/%d", getpid(), getpid());
  printf("/proc/thread-self is pid/task/pid: %d\n", strcmp(buf, want) == 0);
  pthread_t th;
  pthread_create(&th, 0, thread_fn, 0);
  pthread_join(th, 0);
  printf("a thread's thread-self differs and names the process: %d %d\n", strcmp(tself, buf) != 0, strncmp(tself, buf, strlen(want) - strlen(want + strcspn(want, "/"))) == 0);
  snprintf(want, sizeof want, "/proc/self/task/%ld/status", (long)syscall(SYS_gettid));
  struct stat st;
  printf("task/<tid>/status: %s\n", err(stat(want, &st)));
  printf("task/99999: %s\n", err(stat("/proc/self/task/99999", &st)));
}

static void namespaces(void) {
  DIR *d = opendir("/proc/self/ns");
  struct dirent *e;
  printf("ns:");
  while ((e = readdir(d)) != 0) printf(" %s", e->d_name);
  printf("\n");
  closedir(d);
  const char *names[] = {"net", "uts", "ipc", "pid", "pid_for_children", "user", "mnt", "cgroup", "time", "time_for_children"};
  for (unsigned i = 0; i < sizeof names / sizeof *names; i++) {
    char path[64], text[64], fdtext[64], fdpath[64];
    snprintf(path, sizeof path, "/proc/self/ns/%s", names[i]);
    int n = readlink(path, text, sizeof text - 1);
    text[n < 0 ? 0 : n] = 0;
    int fd = open(path, O_RDONLY);
    if (i == 4) cpt_mark("pid-for-children-ns-file-open");
    snprintf(fdpath, sizeof fdpath, "/proc/self/fd/%d", fd);
    n = readlink(fdpath, fdtext, sizeof fdtext - 1);
    fdtext[n < 0 ? 0 : n] = 0;
    struct stat st;
    fstat(fd, &st);
    char *br = strchr(text, '[');
    unsigned long ino = br ? strtoul(br + 1, 0, 10) : 0;
    char c;
    long r = read(fd, &c, 1);
    printf("%s: kind %.*s, fd link same %d, st_ino same %d, read %s\n", names[i], (int)(br ? br - text - 1 : 0), text,
           strcmp(text, fdtext) == 0, st.st_ino == ino, err(r));
    close(fd);
  }
  char a[64], b[64];
  int n = readlink("/proc/self/ns/pid", a, sizeof a - 1);
  a[n < 0 ? 0 : n] = 0;
  n = readlink("/proc/self/ns/pid_for_children", b, sizeof b - 1);
  b[n < 0 ? 0 : n] = 0;
  printf("pid and pid_for_children: %d\n", strcmp(a, b) == 0);
  int p[2];
  pipe(p);
  pid_t c = fork();
  if (c == 0) {
    n = readlink("/proc/self/ns/pid", b, sizeof b - 1);
    write(p[1], b, n < 0 ? 0 : n);
    _exit(0);
  }
  waitpid(c, 0, 0);
  n = read(p[0], b, sizeof b - 1);
  b[n < 0 ? 0 : n] = 0;
  printf("child's pid ns: same %d\n", strcmp(a, b) == 0);
  close(p[0]);
  close(p[1]);
}

static void oom(void) {
  // Without CAP_SYS_RESOURCE (a container's root may lack it anyway) every writer is alike.
  struct { unsigned version; int pid; } h = {0x20080522, 0};
  struct { unsigned eff, prm, inh; } d[2];
  syscall(SYS_capget, &h, d);
  d[0].eff &= ~(1u << 24);
  d[0].prm &= ~(1u << 24);
  printf("drop CAP_SYS_RESOURCE: %s\n", err(syscall(SYS_capset, &h, d)));
  const char *adj = "/proc/self/oom_score_adj";
  printf("oom_score_adj: %s", slurp(adj));
  char buf[16] = "400";
  printf("write \"400\\0...\" (11 bytes): %s\n", err(put(adj, buf, 11)));
  printf("oom_score_adj: %s", slurp(adj));
  const char *cases[] = {"  500\n", "0x20", "010", "1001", "-1001", "abc", "12abc", "2147483648", "+7", "", "600 7"};
  for (unsigned i = 0; i < sizeof cases / sizeof *cases; i++) {
    long r = put(adj, cases[i], strlen(cases[i]));
    char *v = slurp(adj);
    v[strcspn(v, "\n")] = 0;
    printf("write \"%s\": %s -> %s\n", cases[i], err(r), v);
  }
  printf("write 20 bytes: %s\n", err(put(adj, "300                 ", 20)));
  printf("lower to 5: %s\n", err(put(adj, "5", 1)));
  printf("below the floor (-1): %s\n", err(put(adj, "-1", 2)));
  printf("oom_score_adj: %s", slurp(adj));
  unsigned long score = strtoul(slurp("/proc/self/oom_score"), 0, 10);
  printf("oom_score within 0..2000: %d\n", score <= 2000);
  printf("write oom_score: %s\n", err(put("/proc/self/oom_score", "1", 1)));
  pid_t c = fork();
  if (c == 0) {
    printf("child inherits: %s", slurp(adj));
    _exit(0);
  }
  waitpid(c, 0, 0);
  printf("-1000: %s\n", err(put(adj, "-1000", 5)));
}

static void loginuid(void) {
  const char *lu = "/proc/self/loginuid";
  printf("unset: %s\n", err(put(lu, "4294967295", 10)));
  printf("loginuid: %s\n", slurp(lu));
  printf("sessionid: %s\n", slurp("/proc/self/sessionid"));
  printf("set 3: %s\n", err(put(lu, "3", 1)));
  printf("loginuid: %s\n", slurp(lu));
  printf("sessionid set: %d\n", strcmp(slurp("/proc/self/sessionid"), "4294967295") != 0);
  printf("set \"abc\": %s\n", err(put(lu, "abc", 3)));
  printf("set \"-1\": %s\n", err(put(lu, "-1", 2)));
  int fd = open(lu, O_WRONLY);
  printf("pwrite at 1: %s\n", err(pwrite(fd, "4", 1, 1)));
  close(fd);
  pid_t c = fork();
  if (c == 0) {
    printf("child inherits: %s\n", slurp(lu));
    char path[64];
    snprintf(path, sizeof path, "/proc/%d/loginuid", getppid());
    printf("child writes the parent's: %s\n", err(put(path, "9", 1)));
    struct { unsigned version; int pid; } h = {0x20080522, 0};
    struct { unsigned eff, prm, inh; } d[2];
    syscall(SYS_capget, &h, d);
    d[0].eff &= ~(1u << 30);
    d[0].prm &= ~(1u << 30);
    printf("drop CAP_AUDIT_CONTROL: %s\n", err(syscall(SYS_capset, &h, d)));
    printf("change without it: %s\n", err(put(lu, "4", 1)));
    printf("loginuid: %s\n", slurp(lu));
    _exit(0);
  }
  waitpid(c, 0, 0);
  printf("change with CAP_AUDIT_CONTROL: %s\n", err(put(lu, "5\n", 2)));
  printf("loginuid: %s\n", slurp(lu));
}

static void unhashed(void) {
  char here[PATH_MAX], dir[64], link[PATH_MAX], want[PATH_MAX];
  getcwd(here, sizeof here);
  pid_t c = fork();
  if (c == 0) {
    pause();
    _exit(0);
  }
  snprintf(dir, sizeof dir, "/proc/%d", c);
  printf("chdir /proc/<child>: %s\n", err(chdir(dir)));
  char *cwd = getcwd(link, sizeof link);
  printf("getcwd while alive: %d\n", cwd != 0 && strcmp(link, dir) == 0);
  kill(c, SIGKILL);
  waitpid(c, 0, 0);
  cwd = getcwd(link, sizeof link);
  printf("getcwd after reaping: %s\n", cwd ? "ok" : err(-1));
  int n = readlink("/proc/self/cwd", link, sizeof link - 1);
  link[n < 0 ? 0 : n] = 0;
  snprintf(want, sizeof want, "%s (deleted)", dir);
  printf("cwd link is \"/proc/<child> (deleted)\": %d\n", strcmp(link, want) == 0);
  printf("open . : %s\n", open(".", O_RDONLY | O_DIRECTORY) >= 0 ? "ok" : err(-1));
  struct stat st;
  printf("stat status in it: %s\n", err(stat("status", &st)));
  chdir(here);
}

int main(void) {
  setvbuf(stdout, 0, _IONBF, 0);
  links();
  namespaces();
  oom();
  loginuid();
  unhashed();
  return 0;
}
