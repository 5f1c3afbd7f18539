// memfd_create, file seals, fallocate and SEEK_DATA/SEEK_HOLE against musl: the memfd itself
// (name in /proc/self/fd and maps, mode, fstatfs, flags), memfd_create's errors, every seal's
// effect on write, ftruncate, fallocate, mmap and chmod with Linux's EPERM/EBUSY/EINVAL, a
// reopen through /proc/self/fd, sharing with a child through a MAP_SHARED mapping; then
// fallocate and hole punching on a file in the working directory, with SEEK_DATA/SEEK_HOLE,
// st_blocks and the data read back; and mtime moving on the first write through a shared
// mapping. Inode numbers and addresses are never printed.
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "cptbench.h"

#ifndef F_SEAL_FUTURE_WRITE
#define F_SEAL_FUTURE_WRITE 0x10
#endif
#ifndef F_SEAL_EXEC
#define F_SEAL_EXEC 0x20
#endif
#ifndef MFD_NOEXEC_SEAL
#define MFD_NOEXEC_SEAL 8
#define MFD_EXEC 0x10
#endif

static void show(const char *what, long r) {
  printf("%-52s %ld %s\n", what, r, r < 0 ? strerror(errno) : "");
}

#define TRY(x) (errno = 0, show(#x, (long)(x)))

static void fdlink(int fd) {
  char path[64], link[128];
  snprintf(path, sizeof path, "/proc/self/fd/%d", fd);
  ssize_t n = readlink(path, link, sizeof link - 1);
  link[n > 0 ? n : 0] = 0;
  printf("fd link: %s\n", link);
}

/** The maps lines of memfds, without addresses and inode numbers. */
static void maps(void) {
  FILE *f = fopen("/proc/self/maps", "r");
  char line[256];
  while (fgets(line, sizeof line, f)) {
    char perms[8], dev[16], name[128];
    unsigned long off, ino;
    if (!strstr(line, "memfd:")) continue;
    if (sscanf(line, "%*x-%*x %7s %lx %15s %lu %127[^\n]", perms, &off, dev, &ino, name) == 5)
      printf("  maps: %s %08lx %s %s\n", perms, off, dev, name);
  }
  fclose(f);
}

static void basics(void) {
  int fd = memfd_create("somename", MFD_CLOEXEC);
  fdlink(fd);
  struct stat st;
  struct statfs sf;
  fstat(fd, &st);
  fstatfs(fd, &sf);
  printf("mode 0%o nlink %d size %lld fstype 0x%lx F_GETFL 0%o F_GETFD %d\n", st.st_mode, (int)st.st_nlink,
         (long long)st.st_size, (long)sf.f_type, fcntl(fd, F_GETFL), fcntl(fd, F_GETFD));
  TRY(fcntl(fd, F_GET_SEALS));
  TRY(fcntl(fd, F_ADD_SEALS, F_SEAL_WRITE));
  TRY(memfd_create("x", 0x100));
  TRY(memfd_create("x", MFD_NOEXEC_SEAL | MFD_EXEC));
  TRY(memfd_create((const char *)1, 0));
  char big[260];
  memset(big, 'a', sizeof big - 1);
  big[249] = 0;
  int ok = memfd_create(big, 0);
  show("a 249-byte name", ok >= 0 ? 0 : -1);
  close(ok);
  big[249] = 'a';
  big[250] = 0;
  TRY(memfd_create(big, 0));
  TRY(fcntl(1, F_GET_SEALS));
  // Data, mode bits and a second open through /proc.
  TRY(write(fd, "hello", 5));
  TRY(fchmod(fd, 0642));
  fstat(fd, &st);
  printf("after fchmod: mode 0%o size %lld\n", st.st_mode, (long long)st.st_size);
  char path[64];
  snprintf(path, sizeof path, "/proc/self/fd/%d", fd);
  int ro = open(path, O_RDONLY);
  cpt_mark("two-fds-on-one-memfd");
  char buf[8] = {0};
  printf("reopened read-only: read %zd '%s'\n", read(ro, buf, 5), buf);
  TRY(write(ro, "x", 1));
  close(ro);
  close(fd);
}

static void seals(void) {
  int s = memfd_create("seal", MFD_ALLOW_SEALING);
  TRY(fcntl(s, F_GET_SEALS));
  TRY(write(s, "hello", 5));
  TRY(fcntl(s, F_ADD_SEALS, 0x100));
  TRY(fcntl(s, F_ADD_SEALS, F_SEAL_SHRINK));
  TRY(ftruncate(s, 2));
  TRY(ftruncate(s, 10));
  TRY(fcntl(s, F_ADD_SEALS, F_SEAL_GROW));
  TRY(ftruncate(s, 20));
  TRY(ftruncate(s, 10));
  TRY(pwrite(s, "ab", 2, 9));
  TRY(pwrite(s, "ab", 2, 0));
  TRY(fallocate(s, 0, 0, 8192));
  TRY(fallocate(s, FALLOC_FL_KEEP_SIZE, 0, 8192));
  char *m = mmap(0, 4096, PROT_READ | PROT_WRITE, MAP_SHARED, s, 0);
  printf("shared writable mapping: %s\n", m == MAP_FAILED ? strerror(errno) : "ok");
  TRY(fcntl(s, F_ADD_SEALS, F_SEAL_WRITE));
  munmap(m, 4096);
  char *r = mmap(0, 4096, PROT_READ, MAP_SHARED, s, 0);
  printf("shared read-only mapping of an O_RDWR memfd: %s\n", r == MAP_FAILED ? strerror(errno) : "ok");
  TRY(fcntl(s, F_ADD_SEALS, F_SEAL_WRITE));
  munmap(r, 4096);
  TRY(fcntl(s, F_ADD_SEALS, F_SEAL_WRITE));
  TRY(fcntl(s, F_GET_SEALS));
  TRY(write(s, "x", 1));
  TRY(fallocate(s, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE, 0, 4096));
  errno = 0;
  show("mmap shared writable, sealed", mmap(0, 4096, PROT_READ | PROT_WRITE, MAP_SHARED, s, 0) == MAP_FAILED ? -1 : 0);
  char *ro = mmap(0, 4096, PROT_READ, MAP_SHARED, s, 0);
  show("mmap shared read-only, sealed", ro == MAP_FAILED ? -1 : 0);
  TRY(mprotect(ro, 4096, PROT_READ | PROT_WRITE));
  char *pv = mmap(0, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE, s, 0);
  show("mmap private writable, sealed", pv == MAP_FAILED ? -1 : 0);
  pv[0] = 'J';
  cpt_mark("sealed-and-mapped");
  printf("private copy '%.5s', file still '%.5s'\n", pv, ro);
  maps();
  TRY(fcntl(s, F_ADD_SEALS, F_SEAL_SEAL));
  TRY(fcntl(s, F_ADD_SEALS, F_SEAL_SHRINK));
  TRY(fcntl(s, F_GET_SEALS));
  munmap(ro, 4096);
  munmap(pv, 4096);
  close(s);

  // F_SEAL_FUTURE_WRITE: the mappings made before stay writable, no new ones, no write(2).
  int f = memfd_create("future", MFD_ALLOW_SEALING);
  ftruncate(f, 4096);
  char path[64];
  snprintf(path, sizeof path, "/proc/self/fd/%d", f);
  int rdonly = open(path, O_RDONLY);
  TRY(fcntl(rdonly, F_ADD_SEALS, F_SEAL_SHRINK));
  close(rdonly);
  char *old = mmap(0, 4096, PROT_READ | PROT_WRITE, MAP_SHARED, f, 0);
  TRY(fcntl(f, F_ADD_SEALS, F_SEAL_FUTURE_WRITE));
  cpt_mark("future-write-sealed");
  TRY(write(f, "x", 1));
  old[0] = 'z';
  char c = 0;
  pread(f, &c, 1, 0);
  printf("write through the older mapping: '%c'\n", c);
  errno = 0;
  show("new shared writable mapping", mmap(0, 4096, PROT_READ | PROT_WRITE, MAP_SHARED, f, 0) == MAP_FAILED ? -1 : 0);
  munmap(old, 4096);
  close(f);

  // MFD_NOEXEC_SEAL: mode 0666 and F_SEAL_EXEC.
  int ne = memfd_create("noexec", MFD_NOEXEC_SEAL);
  struct stat st;
  fstat(ne, &st);
  printf("noexec: mode 0%o\n", st.st_mode);
  TRY(fcntl(ne, F_GET_SEALS));
  TRY(fchmod(ne, 0755));
  TRY(fchmod(ne, 0600));
  close(ne);
  int ex = memfd_create("exec", MFD_EXEC | MFD_ALLOW_SEALING);
  TRY(fcntl(ex, F_ADD_SEALS, F_SEAL_EXEC));
  TRY(fcntl(ex, F_GET_SEALS));
  close(ex);
}

static void shared_with_child(void) {
  int fd = memfd_create("shared", 0);
  ftruncate(fd, 4096);
  char *m = mmap(0, 4096, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
  pid_t c = fork();
  if (c == 0) {
    cpt_mark("child-maps-the-memfd");
    strcpy(m, "from the child");
    _exit(0);
  }
  waitpid(c, 0, 0);
  char buf[32] = {0};
  pread(fd, buf, 14, 0);
  printf("the child's write through the mapping: '%s'\n", buf);
  TRY(ftruncate(fd, 0));
  munmap(m, 4096);
  close(fd);
}

static void holes(void) {
  int fd = open("sparse", O_RDWR | O_CREAT | O_TRUNC, 0644);
  char page[4096];
  memset(page, 'd', sizeof page);
  for (int i = 0; i < 4; i++) pwrite(fd, page, sizeof page, i * 8192L);
  TRY(fallocate(fd, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE, 8192, 4096));
  TRY(fallocate(fd, FALLOC_FL_PUNCH_HOLE, 0, 4096));
  TRY(fallocate(fd, 0x100, 0, 4096));
  TRY(fallocate(fd, 0, -1, 4096));
  TRY(fallocate(fd, 0, 0, 0));
  TRY(fallocate(0x7fff, 0, 0, 4096));
  struct stat st;
  fstat(fd, &st);
  printf("size %lld blocks %lld\n", (long long)st.st_size, (long long)st.st_blocks);
  for (off_t off = 0; off < st.st_size; off += 4096) {
    off_t d = lseek(fd, off, SEEK_DATA);
    off_t h = lseek(fd, off, SEEK_HOLE);
    printf("  at %6lld: data %6lld hole %6lld\n", (long long)off, (long long)d, (long long)h);
  }
  TRY(lseek(fd, st.st_size, SEEK_HOLE));
  TRY(lseek(fd, st.st_size, SEEK_DATA));
  // A punched range in the middle of a page reads as zeros; the rest stays.
  TRY(fallocate(fd, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE, 100, 50));
  char b[4];
  pread(fd, b, 4, 98);
  printf("bytes 98..101: %d %d %d %d\n", b[0], b[1], b[2], b[3]);
  TRY(fallocate(fd, 0, 30000, 10000));
  fstat(fd, &st);
  printf("after allocating past the end: size %lld blocks %lld\n", (long long)st.st_size, (long long)st.st_blocks);
  TRY(fallocate(fd, FALLOC_FL_KEEP_SIZE, 40000, 8192));
  fstat(fd, &st);
  printf("after KEEP_SIZE past the end: size %lld blocks %lld\n", (long long)st.st_size, (long long)st.st_blocks);
  // Allocated but never written: still a hole to SEEK_HOLE and SEEK_DATA (unwritten extents).
  TRY(lseek(fd, 36864, SEEK_HOLE));
  TRY(lseek(fd, 28672, SEEK_DATA));
  TRY(pwrite(fd, "w", 1, 36864));
  TRY(lseek(fd, 28672, SEEK_DATA));
  TRY(lseek(fd, 36864, SEEK_HOLE));
  int ro = open("sparse", O_RDONLY);
  TRY(fallocate(ro, 0, 0, 4096));
  close(ro);
  int app = open("sparse", O_WRONLY | O_APPEND);
  TRY(fallocate(app, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE, 0, 4096));
  TRY(fallocate(app, FALLOC_FL_KEEP_SIZE, 0, 4096));
  close(app);
  int p[2];
  pipe(p);
  TRY(fallocate(p[1], 0, 0, 4096));
  close(p[0]);
  close(p[1]);
  close(fd);
  unlink("sparse");
}

static void mtime(void) {
  int fd = open("mapped", O_RDWR | O_CREAT | O_TRUNC, 0644);
  char buf[8192];
  memset(buf, 1, sizeof buf);
  write(fd, buf, sizeof buf);
  struct stat a, b;
  fstat(fd, &a);
  char *m = mmap(0, sizeof buf, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
  sleep(1);
  volatile char x = m[0];
  (void)x;
  fstat(fd, &b);
  printf("mtime moved after a read through the mapping: %d\n", b.st_mtime != a.st_mtime);
  m[0]++;
  fstat(fd, &b);
  printf("mtime and ctime moved after a write through it: %d %d\n", b.st_mtime > a.st_mtime, b.st_ctime > a.st_ctime);
  munmap(m, sizeof buf);
  char c;
  pread(fd, &c, 1, 0);
  printf("the file has the write: %d\n", c);
  close(fd);
  unlink("mapped");
}

int main(void) {
  setvbuf(stdout, 0, _IONBF, 0);
  basics();
  seals();
  shared_with_child();
  holes();
  mtime();
  return 0;
}
