// File locks against musl, checked across processes: flock (shared/exclusive, conversion,
// LOCK_NB, owner = the open file: dup, fork and the last close), fcntl record locks (conflicts,
// ranges split and merged as F_GETLK sees them from another process, SEEK_CUR/SEEK_END/negative
// lengths, any close dropping the process's locks, exit dropping them, EDEADLK between two
// processes, a blocked F_SETLKW woken by the unlock or interrupted by a signal) and OFD locks
// (owner = the open file, conflicting with POSIX locks of the same process, l_pid -1).
// Every line is the same on any schedule: the processes hand over through pipes and waits.
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/file.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include "cptbench.h"

#define PATH "locks.dat"

static const char *err(int r) {
  static char buf[32];
  if (r >= 0) return "ok";
  switch (errno) {
    case EAGAIN: return "EAGAIN";
    case EBADF: return "EBADF";
    case EINVAL: return "EINVAL";
    case EDEADLK: return "EDEADLK";
    case EINTR: return "EINTR";
  }
  snprintf(buf, sizeof buf, "errno %d", errno);
  return buf;
}

static const char *tname(int t) {
  return t == F_RDLCK ? "RD" : t == F_WRLCK ? "WR" : t == F_UNLCK ? "UN" : "?";
}

static int lk(int fd, int cmd, int type, int whence, long long start, long long len) {
  struct flock fl = {.l_type = type, .l_whence = whence, .l_start = start, .l_len = len};
  return fcntl(fd, cmd, &fl);
}

static void msleep(int ms) {
  struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
  nanosleep(&ts, 0);
}

static void reap(pid_t p) {
  int st;
  waitpid(p, &st, 0);
}

/** F_GETLK (or F_OFD_GETLK) from a fresh child with its own open file: what another process sees. */
static void probe(const char *what, int cmd, int type, long long start, long long len, pid_t owner) {
  fflush(stdout);
  pid_t p = fork();
  if (p == 0) {
    int fd = open(PATH, O_RDWR);
    struct flock fl = {.l_type = type, .l_whence = SEEK_SET, .l_start = start, .l_len = len};
    int r = fcntl(fd, cmd, &fl);
    if (r < 0) printf("%s: %s\n", what, err(r));
    else if (fl.l_type == F_UNLCK) printf("%s: free\n", what);
    else printf("%s: %s start %lld len %lld pid %s\n", what, tname(fl.l_type), (long long)fl.l_start,
                (long long)fl.l_len, fl.l_pid == owner ? "owner" : fl.l_pid == -1 ? "-1" : "other");
    _exit(0);
  }
  reap(p);
}

static void on_alarm(int sig) { (void)sig; }

static void flock_tests(void) {
  int a = open(PATH, O_RDWR), b = open(PATH, O_RDWR);
  printf("flock a EX: %s\n", err(flock(a, LOCK_EX)));
  printf("flock b EX|NB: %s\n", err(flock(b, LOCK_EX | LOCK_NB)));
  printf("flock b SH|NB: %s\n", err(flock(b, LOCK_SH | LOCK_NB)));
  printf("flock a EX again: %s\n", err(flock(a, LOCK_EX)));
  printf("flock a SH (downgrade): %s\n", err(flock(a, LOCK_SH)));
  printf("flock b SH|NB: %s\n", err(flock(b, LOCK_SH | LOCK_NB)));
  // A refused upgrade has already dropped a's shared lock: the conversion is not atomic.
  printf("flock a EX|NB (upgrade): %s\n", err(flock(a, LOCK_EX | LOCK_NB)));
  printf("flock b EX|NB (a lost its lock): %s\n", err(flock(b, LOCK_EX | LOCK_NB)));
  printf("flock bad op: %s\n", err(flock(a, 0)));
  int c = dup(b);
  close(b);
  printf("after closing b, its dup keeps the lock: %s\n", err(flock(a, LOCK_SH | LOCK_NB)));
  close(c);
  printf("after the last close: %s\n", err(flock(a, LOCK_SH | LOCK_NB)));
  // The child shares a's open file, so its LOCK_UN releases the parent's lock.
  fflush(stdout);
  pid_t p = fork();
  if (p == 0) {
    printf("child unlocks the shared file: %s\n", err(flock(a, LOCK_UN)));
    _exit(0);
  }
  reap(p);
  int d = open(PATH, O_RDWR);
  printf("flock d EX|NB after the child's unlock: %s\n", err(flock(d, LOCK_EX | LOCK_NB)));
  // A blocked waiter in another process is woken by the unlock.
  int pfd[2];
  pipe(pfd);
  fflush(stdout);
  p = fork();
  if (p == 0) {
    int e = open(PATH, O_RDWR);
    write(pfd[1], "x", 1);
    int r = flock(e, LOCK_EX);
    printf("child: blocked flock returned %s\n", err(r));
    _exit(0);
  }
  char ch;
  read(pfd[0], &ch, 1);
  msleep(50);
  cpt_mark("flock held, a waiter blocked");
  printf("parent: unlocking\n");
  fflush(stdout);
  flock(d, LOCK_UN);
  reap(p);
  // A blocked flock interrupted by a handler without SA_RESTART: EINTR.
  flock(d, LOCK_EX);
  fflush(stdout);
  p = fork();
  if (p == 0) {
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_alarm;
    sigaction(SIGALRM, &sa, 0);
    struct itimerval it = {{0, 0}, {0, 30000}};
    setitimer(ITIMER_REAL, &it, 0);
    int e = open(PATH, O_RDWR);
    printf("child: flock interrupted: %s\n", err(flock(e, LOCK_SH)));
    _exit(0);
  }
  reap(p);
  close(d);
  close(a);
}

static void posix_tests(pid_t me) {
  int fd = open(PATH, O_RDWR);
  printf("set WR 0..99: %s\n", err(lk(fd, F_SETLK, F_WRLCK, SEEK_SET, 0, 100)));
  probe("getlk WR 50+10", F_GETLK, F_WRLCK, 50, 10, me);
  printf("unlock 40..59 (split): %s\n", err(lk(fd, F_SETLK, F_UNLCK, SEEK_SET, 40, 20)));
  probe("getlk WR 0+EOF", F_GETLK, F_WRLCK, 0, 0, me);
  probe("getlk WR 40+20", F_GETLK, F_WRLCK, 40, 20, me);
  probe("getlk WR 45+100", F_GETLK, F_WRLCK, 45, 100, me);
  printf("set WR 40..59 (merge): %s\n", err(lk(fd, F_SETLK, F_WRLCK, SEEK_SET, 40, 20)));
  probe("getlk WR 99+1", F_GETLK, F_WRLCK, 99, 1, me);
  printf("set RD 0..49 (downgrade part): %s\n", err(lk(fd, F_SETLK, F_RDLCK, SEEK_SET, 0, 50)));
  probe("getlk RD 0+EOF", F_GETLK, F_RDLCK, 0, 0, me);
  probe("getlk WR 0+EOF", F_GETLK, F_WRLCK, 0, 0, me);
  printf("set WR 200..EOF: %s\n", err(lk(fd, F_SETLK, F_WRLCK, SEEK_SET, 200, 0)));
  probe("getlk RD 1000000+1", F_GETLK, F_RDLCK, 1000000, 1, me);
  printf("unlock 200..EOF: %s\n", err(lk(fd, F_SETLK, F_UNLCK, SEEK_SET, 200, 0)));
  lseek(fd, 110, SEEK_SET);
  printf("set WR SEEK_CUR+5 len 5: %s\n", err(lk(fd, F_SETLK, F_WRLCK, SEEK_CUR, 5, 5)));
  probe("getlk WR 100+50", F_GETLK, F_WRLCK, 100, 50, me);
  printf("set WR SEEK_END-10 len 5: %s\n", err(lk(fd, F_SETLK, F_WRLCK, SEEK_END, -10, 5)));
  probe("getlk WR 250+100", F_GETLK, F_WRLCK, 250, 100, me);
  printf("set WR 400 len -10: %s\n", err(lk(fd, F_SETLK, F_WRLCK, SEEK_SET, 400, -10)));
  probe("getlk WR 350+100", F_GETLK, F_WRLCK, 350, 100, me);
  printf("set WR -1: %s\n", err(lk(fd, F_SETLK, F_WRLCK, SEEK_SET, -1, 1)));
  printf("set WR 5 len -10: %s\n", err(lk(fd, F_SETLK, F_WRLCK, SEEK_SET, 5, -10)));
  printf("set type 7: %s\n", err(lk(fd, F_SETLK, 7, SEEK_SET, 0, 1)));
  printf("set whence 9: %s\n", err(lk(fd, F_SETLK, F_WRLCK, 9, 0, 1)));
  printf("getlk UN: %s\n", err(lk(fd, F_GETLK, F_UNLCK, SEEK_SET, 0, 1)));
  int ro = open(PATH, O_RDONLY), wo = open(PATH, O_WRONLY);
  printf("WR on O_RDONLY: %s\n", err(lk(ro, F_SETLK, F_WRLCK, SEEK_SET, 500, 1)));
  printf("RD on O_WRONLY: %s\n", err(lk(wo, F_SETLK, F_RDLCK, SEEK_SET, 500, 1)));
  printf("UN on O_RDONLY: %s\n", err(lk(ro, F_SETLK, F_UNLCK, SEEK_SET, 500, 1)));
  // A conflicting F_SETLK from another process.
  fflush(stdout);
  pid_t p = fork();
  if (p == 0) {
    int f2 = open(PATH, O_RDWR);
    printf("child set RD 10..19: %s\n", err(lk(f2, F_SETLK, F_RDLCK, SEEK_SET, 10, 10)));
    printf("child set RD 60..69: %s\n", err(lk(f2, F_SETLK, F_RDLCK, SEEK_SET, 60, 10)));
    printf("child set WR 500..509: %s\n", err(lk(f2, F_SETLK, F_WRLCK, SEEK_SET, 500, 10)));
    _exit(0);
  }
  reap(p);
  probe("getlk after the child exited", F_GETLK, F_WRLCK, 500, 10, me);
  // Closing ANY fd of the file drops every POSIX lock of the process on it.
  close(ro);
  probe("getlk after closing another fd", F_GETLK, F_WRLCK, 0, 0, me);
  close(wo);
  close(fd);
}

static void ofd_tests(pid_t me) {
  int a = open(PATH, O_RDWR), b = open(PATH, O_RDWR);
  printf("ofd a WR 0..9: %s\n", err(lk(a, F_OFD_SETLK, F_WRLCK, SEEK_SET, 0, 10)));
  printf("ofd b WR 0..9: %s\n", err(lk(b, F_OFD_SETLK, F_WRLCK, SEEK_SET, 0, 10)));
  struct flock fl = {.l_type = F_WRLCK, .l_whence = SEEK_SET, .l_start = 5, .l_len = 1};
  int r = fcntl(b, F_OFD_GETLK, &fl);
  printf("ofd getlk b: %s %s start %lld len %lld pid %d\n", err(r), tname(fl.l_type), (long long)fl.l_start, (long long)fl.l_len, fl.l_pid);
  fl.l_type = F_WRLCK;
  r = fcntl(a, F_OFD_GETLK, &fl);
  printf("ofd getlk with l_pid -1 left in: %s %s\n", err(r), tname(fl.l_type));
  printf("posix b WR 0..9 (same process): %s\n", err(lk(b, F_SETLK, F_WRLCK, SEEK_SET, 0, 10)));
  printf("posix b WR 20..29: %s\n", err(lk(b, F_SETLK, F_WRLCK, SEEK_SET, 20, 10)));
  printf("ofd a WR 25 (vs own POSIX lock): %s\n", err(lk(a, F_OFD_SETLK, F_WRLCK, SEEK_SET, 25, 1)));
  cpt_mark("OFD and POSIX locks held");
  probe("posix getlk sees the OFD lock", F_GETLK, F_WRLCK, 0, 0, me);
  probe("ofd getlk sees the POSIX lock", F_OFD_GETLK, F_WRLCK, 15, 0, me);
  struct flock bad = {.l_type = F_RDLCK, .l_whence = SEEK_SET, .l_start = 0, .l_len = 1, .l_pid = 1};
  printf("ofd l_pid 1: %s\n", err(fcntl(a, F_OFD_SETLK, &bad)));
  // The child shares a's open file: the OFD lock is its own too.
  fflush(stdout);
  pid_t p = fork();
  if (p == 0) {
    printf("child ofd via a: %s\n", err(lk(a, F_OFD_SETLK, F_RDLCK, SEEK_SET, 0, 10)));
    printf("child ofd via b: %s\n", err(lk(b, F_OFD_SETLK, F_RDLCK, SEEK_SET, 0, 10)));
    _exit(0);
  }
  reap(p);
  probe("after the child: a's lock is a read lock", F_OFD_GETLK, F_WRLCK, 0, 1, me);
  // Closing another fd does not drop OFD locks; the last close of a's file does.
  int c = open(PATH, O_RDWR);
  close(c);
  printf("ofd b WR 0..9 after closing another fd: %s\n", err(lk(b, F_OFD_SETLK, F_WRLCK, SEEK_SET, 0, 10)));
  int a2 = dup(a);
  close(a);
  printf("ofd b WR 0..9 with a dup left: %s\n", err(lk(b, F_OFD_SETLK, F_WRLCK, SEEK_SET, 0, 10)));
  close(a2);
  printf("ofd b WR 0..9 after the last close: %s\n", err(lk(b, F_OFD_SETLK, F_WRLCK, SEEK_SET, 0, 10)));
  close(b);
}

static void deadlock_tests(void) {
  int fd = open(PATH, O_RDWR);
  int go[2], ready[2];
  pipe(go);
  pipe(ready);
  printf("parent locks byte 0: %s\n", err(lk(fd, F_SETLK, F_WRLCK, SEEK_SET, 0, 1)));
  fflush(stdout);
  pid_t p = fork();
  if (p == 0) {
    int f2 = open(PATH, O_RDWR);
    printf("child locks byte 1: %s\n", err(lk(f2, F_SETLK, F_WRLCK, SEEK_SET, 1, 1)));
    fflush(stdout);
    write(ready[1], "x", 1);
    int r = lk(f2, F_SETLKW, F_WRLCK, SEEK_SET, 0, 1);
    printf("child: waited for byte 0: %s\n", err(r));
    _exit(0);
  }
  char ch;
  read(ready[0], &ch, 1);
  msleep(100);
  printf("parent waits for byte 1: %s\n", err(lk(fd, F_SETLKW, F_WRLCK, SEEK_SET, 1, 1)));
  printf("parent unlocks byte 0\n");
  fflush(stdout);
  lk(fd, F_SETLK, F_UNLCK, SEEK_SET, 0, 1);
  reap(p);
  // A blocked F_SETLKW interrupted by a handler without SA_RESTART.
  lk(fd, F_SETLK, F_WRLCK, SEEK_SET, 0, 1);
  fflush(stdout);
  p = fork();
  if (p == 0) {
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_alarm;
    sigaction(SIGALRM, &sa, 0);
    struct itimerval it = {{0, 0}, {0, 30000}};
    setitimer(ITIMER_REAL, &it, 0);
    int f2 = open(PATH, O_RDWR);
    printf("child: F_SETLKW interrupted: %s\n", err(lk(f2, F_SETLKW, F_RDLCK, SEEK_SET, 0, 1)));
    _exit(0);
  }
  reap(p);
  close(fd);
  // Locks on a pipe.
  int pp[2];
  pipe(pp);
  printf("pipe lock WR: %s\n", err(lk(pp[1], F_SETLK, F_WRLCK, SEEK_SET, 0, 0)));
  fflush(stdout);
  p = fork();
  if (p == 0) {
    close(pp[1]);
    int w = open("/dev/null", O_RDONLY);
    (void)w;
    struct flock fl = {.l_type = F_RDLCK, .l_whence = SEEK_SET, .l_start = 0, .l_len = 0};
    int r = fcntl(pp[0], F_GETLK, &fl);
    printf("child getlk on the pipe: %s %s\n", err(r), tname(fl.l_type));
    _exit(0);
  }
  reap(p);
}

int main(void) {
  setvbuf(stdout, 0, _IONBF, 0);
  int fd = open(PATH, O_RDWR | O_CREAT | O_TRUNC, 0644);
  char buf[300];
  memset(buf, 'x', sizeof buf);
  write(fd, buf, sizeof buf);
  close(fd);
  pid_t me = getpid();
  flock_tests();
  posix_tests(me);
  ofd_tests(me);
  deadlock_tests();
  unlink(PATH);
  printf("done\n");
  return 0;
}
