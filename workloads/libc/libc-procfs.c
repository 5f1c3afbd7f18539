// /proc as a musl program reads it: /proc/self/exe (a link that opens to the ELF itself), the
// executable's segments in maps named like that link, cmdline, environ and auxv as exec left
// them, the comm field of stat, comm written and read back, status ids, fd links of a file and a
// pipe, fdinfo (pos, flags, ino), and the formats of uptime, loadavg and meminfo.
// Under qemu-riscv32 most of /proc is the host's (qemu emulates exe, maps, stat, cmdline, auxv):
// this prints only what the two agree on — no pids, addresses, inode numbers or host paths.
#define _GNU_SOURCE
#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/auxv.h>
#include <sys/stat.h>
#include <unistd.h>

static char buf[1 << 16];

/** The whole of a /proc file into buf (NUL-terminated); its length, or -errno. */
static long slurp(const char *path) {
  int fd = open(path, O_RDONLY);
  if (fd < 0) return -errno;
  long n = 0, r;
  while ((r = read(fd, buf + n, sizeof buf - 1 - n)) > 0) n += r;
  close(fd);
  buf[n] = 0;
  return r < 0 ? -errno : n;
}

/** The value after "name" at the start of a line of buf, up to the newline (static copy). */
static const char *field(const char *name) {
  static char out[256];
  size_t len = strlen(name);
  for (const char *p = buf; p && *p; p = strchr(p, '\n'), p = p ? p + 1 : p) {
    if (strncmp(p, name, len) == 0) {
      const char *e = strchr(p, '\n');
      size_t n = e ? (size_t)(e - p - len) : strlen(p + len);
      if (n >= sizeof out) n = sizeof out - 1;
      memcpy(out, p + len, n);
      out[n] = 0;
      return out;
    }
  }
  return NULL;
}

static void exe_and_maps(void) {
  char exe[512];
  ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
  if (n < 0) {
    printf("readlink exe: %s\n", strerror(errno));
    return;
  }
  exe[n] = 0;
  printf("exe is absolute: %d\n", exe[0] == '/');
  int fd = open("/proc/self/exe", O_RDONLY);
  Elf32_Ehdr eh;
  printf("exe opens: %d\n", fd >= 0);
  if (fd >= 0 && read(fd, &eh, sizeof eh) == (ssize_t)sizeof eh) {
    printf("exe is an ELF: %d, class %d, machine %d, type %d, entry matches AT_ENTRY: %d\n",
           memcmp(eh.e_ident, ELFMAG, SELFMAG) == 0, eh.e_ident[EI_CLASS], eh.e_machine, eh.e_type,
           eh.e_entry == getauxval(AT_ENTRY));
    struct stat st;
    fstat(fd, &st);
    printf("exe is a regular file: %d, readable again from 0: %d\n", S_ISREG(st.st_mode), pread(fd, &eh, 4, 0) == 4);
  }
  if (fd >= 0) close(fd);

  // The executable's own areas: named like the link, the text one at file offset 0.
  slurp("/proc/self/maps");
  int named = 0, text_at_0 = 0;
  for (char *line = buf; *line;) {
    char *nl = strchr(line, '\n');
    if (nl) *nl = 0;
    char perms[8];
    unsigned long off;
    int name_at = 0;
    if (sscanf(line, "%*x-%*x %7s %lx %*s %*u %n", perms, &off, &name_at) == 2 && name_at > 0 && strcmp(line + name_at, exe) == 0) {
      named++;
      if (perms[2] == 'x' && off == 0) text_at_0 = 1;
    }
    if (!nl) break;
    line = nl + 1;
  }
  printf("maps: areas named like exe: %d, text at offset 0: %d\n", named > 0, text_at_0);
}

static void args_env_auxv(void) {
  long n = slurp("/proc/self/cmdline");
  printf("cmdline (%ld bytes):", n);
  for (long i = 0; i < n; i += strlen(buf + i) + 1) printf(" [%s]", buf + i);
  printf("\n");
  n = slurp("/proc/self/environ");
  printf("environ (%ld bytes):", n);
  for (long i = 0; i < n; i += strlen(buf + i) + 1) printf(" [%s]", buf + i);
  printf("\n");
  n = slurp("/proc/self/auxv");
  const unsigned long *av = (const unsigned long *)buf;
  int pagesz = 0, entry = 0, phent = 0, ends_null = n >= 8 && av[n / 4 - 2] == AT_NULL;
  for (long i = 0; i + 1 < n / 4; i += 2) {
    if (av[i] == AT_PAGESZ) pagesz = av[i + 1] == 4096;
    if (av[i] == AT_ENTRY) entry = av[i + 1] == getauxval(AT_ENTRY);
    if (av[i] == AT_PHENT) phent = av[i + 1] == sizeof(Elf32_Phdr);
  }
  printf("auxv: pairs of words: %d, AT_PAGESZ 4096: %d, AT_ENTRY as getauxval: %d, AT_PHENT: %d, ends with AT_NULL: %d\n",
         n > 0 && n % 8 == 0, pagesz, entry, phent, ends_null);
}

static void stat_comm_status(void) {
  slurp("/proc/self/stat");
  int pid;
  char comm[32];
  printf("stat: pid matches: %d", sscanf(buf, "%d (%31[^)])", &pid, comm) == 2 && pid == getpid());
  printf(", comm (%s)\n", comm);

  int fd = open("/proc/self/comm", O_WRONLY);
  printf("comm write: %ld\n", fd < 0 ? -errno : (long)write(fd, "renamed-by-procfs-test", 22));
  if (fd >= 0) close(fd);
  slurp("/proc/self/comm");
  printf("comm now: %s", buf);

  slurp("/proc/self/status");
  const char *v;
  printf("status Name: %s\n", (v = field("Name:\t")) ? v : "?");
  printf("status State: %s\n", (v = field("State:\t")) ? v : "?");
  printf("status Tgid is getpid: %d\n", (v = field("Tgid:\t")) && atoi(v) == getpid());
  printf("status Pid is gettid: %d\n", (v = field("Pid:\t")) && atoi(v) == gettid());
  printf("status PPid is getppid: %d\n", (v = field("PPid:\t")) && atoi(v) == getppid());
  char want[64];
  snprintf(want, sizeof want, "%d\t%d\t%d\t%d", getuid(), geteuid(), getuid(), geteuid());
  printf("status Uid as getuid/geteuid: %d\n", (v = field("Uid:\t")) && strcmp(v, want) == 0);
  printf("status has VmRSS: %d, NSpid: %d, CapEff: %d, TracerPid 0: %d\n", field("VmRSS:\t") != NULL,
         field("NSpid:\t") != NULL, field("CapEff:\t") != NULL, (v = field("TracerPid:\t")) && strcmp(v, "0") == 0);
}

static void fds(void) {
  char link[256], path[64];
  int fd = open("data.txt", O_RDWR | O_CREAT | O_TRUNC, 0600);
  write(fd, "0123456789", 10);
  lseek(fd, 7, SEEK_SET);
  snprintf(path, sizeof path, "/proc/self/fd/%d", fd);
  ssize_t n = readlink(path, link, sizeof link - 1);
  link[n > 0 ? n : 0] = 0;
  printf("fd link of a file ends in /data.txt: %d\n", n >= 9 && strcmp(link + n - 9, "/data.txt") == 0);

  struct stat st;
  fstat(fd, &st);
  snprintf(path, sizeof path, "/proc/self/fdinfo/%d", fd);
  slurp(path);
  const char *v;
  printf("fdinfo pos: %s\n", (v = field("pos:\t")) ? v : "?");
  printf("fdinfo flags: %s\n", (v = field("flags:\t")) ? v : "?");
  printf("fdinfo ino is st_ino: %d, has mnt_id: %d\n", (v = field("ino:\t")) && strtoul(v, 0, 10) == st.st_ino,
         field("mnt_id:\t") != NULL);
  int cfd = open("data.txt", O_RDONLY | O_CLOEXEC);
  snprintf(path, sizeof path, "/proc/self/fdinfo/%d", cfd);
  slurp(path);
  printf("fdinfo of an O_CLOEXEC read-only fd, flags: %s\n", (v = field("flags:\t")) ? v : "?");
  close(cfd);
  unlink("data.txt");
  snprintf(path, sizeof path, "/proc/self/fd/%d", fd);
  n = readlink(path, link, sizeof link - 1);
  link[n > 0 ? n : 0] = 0;
  printf("after unlink it ends in /data.txt (deleted): %d\n", n > 0 && strstr(link, "/data.txt (deleted)") != NULL);
  close(fd);

  int p[2];
  pipe2(p, O_NONBLOCK);
  snprintf(path, sizeof path, "/proc/self/fd/%d", p[0]);
  n = readlink(path, link, sizeof link - 1);
  link[n > 0 ? n : 0] = 0;
  printf("pipe link starts with pipe:[ and ends with ]: %d\n", strncmp(link, "pipe:[", 6) == 0 && link[n - 1] == ']');
  snprintf(path, sizeof path, "/proc/self/fdinfo/%d", p[1]);
  slurp(path);
  printf("pipe write end fdinfo pos: %s", (v = field("pos:\t")) ? v : "?");
  printf(", flags: %s\n", (v = field("flags:\t")) ? v : "?");
  printf("fdinfo of a closed fd: %ld\n", slurp("/proc/self/fdinfo/999"));
  close(p[0]);
  close(p[1]);
}

static void system_files(void) {
  double up, idle;
  slurp("/proc/uptime");
  printf("uptime: two numbers: %d\n", sscanf(buf, "%lf %lf", &up, &idle) == 2 && up >= 0);
  double a, b, c;
  int run, total, last;
  slurp("/proc/loadavg");
  printf("loadavg: five fields: %d\n", sscanf(buf, "%lf %lf %lf %d/%d %d", &a, &b, &c, &run, &total, &last) == 6 && run >= 1 && total >= run);
  slurp("/proc/meminfo");
  unsigned long kb;
  const char *v = field("MemTotal:");
  printf("meminfo MemTotal in kB: %d\n", v && sscanf(v, " %lu kB", &kb) == 1 && kb > 0);
  printf("meminfo has MemFree and MemAvailable: %d\n", field("MemFree:") != NULL && field("MemAvailable:") != NULL);
  printf("/proc/self/nope: %ld\n", slurp("/proc/self/nope"));
}

int main(int argc, char **argv) {
  exe_and_maps();
  args_env_auxv();
  stat_comm_status();
  fds();
  system_files();
  return 0;
}
