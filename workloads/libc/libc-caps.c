// Capabilities and fs ids against musl: capget/capset (the version probe and the version written
// back, v1's one word, the pid rules, every capset refusal), the bounding set (PR_CAPBSET_READ,
// PR_CAPBSET_DROP), the ambient set (PR_CAP_AMBIENT and how capset and setresuid clear it), what
// setresuid does to the sets with and without PR_SET_KEEPCAPS, setfsuid/setfsgid (old value back,
// -1 reads, silent refusal, CAP_FS_SET following fsuid, fsuid deciding a file's access) and the
// status lines. The machine's root may lack some capabilities (a container's root often has no
// CAP_SYS_RESOURCE), so the program first reduces its sets to a known one and prints only those.
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/fsuid.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>
#include "cptbench.h"

struct hdr { unsigned version; int pid; };
struct data { unsigned eff, prm, inh; };
#define V1 0x19980330
#define V2 0x20071026
#define V3 0x20080522
#define BIT(c) (1u << (c))
// CHOWN DAC_OVERRIDE FOWNER KILL SETGID SETUID SETPCAP NET_ADMIN SYS_ADMIN AUDIT_CONTROL
#define KNOWN (BIT(0) | BIT(1) | BIT(3) | BIT(5) | BIT(6) | BIT(7) | BIT(8) | BIT(12) | BIT(21) | BIT(30))

static const char *err(long r) {
  static char buf[32];
  if (r >= 0) {
    snprintf(buf, sizeof buf, "%ld", r);
    return buf;
  }
  switch (errno) {
    case EINVAL: return "EINVAL";
    case EPERM: return "EPERM";
    case ESRCH: return "ESRCH";
    case EACCES: return "EACCES";
    case EFAULT: return "EFAULT";
  }
  snprintf(buf, sizeof buf, "errno %d", errno);
  return buf;
}

static long capget_(unsigned version, int pid, struct data *d) {
  struct hdr h = {version, pid};
  return syscall(SYS_capget, &h, d);
}

static long capset_(unsigned version, int pid, unsigned eff, unsigned prm, unsigned inh) {
  struct hdr h = {version, pid};
  struct data d[2] = {{eff, prm, inh}, {0, 0, 0}};
  return syscall(SYS_capset, &h, d);
}

static void show(const char *what) {
  struct data d[2];
  memset(d, 0, sizeof d);
  long r = capget_(V3, 0, d);
  printf("%s: capget %s eff %08x prm %08x inh %08x upper %x/%x/%x\n", what, err(r), d[0].eff, d[0].prm, d[0].inh, d[1].eff, d[1].prm, d[1].inh);
}

/** The status lines with a prefix; Cap lines masked to the known capabilities. */
static void status(const char *prefix) {
  char buf[4096];
  int fd = open("/proc/self/status", O_RDONLY);
  int n = read(fd, buf, sizeof buf - 1);
  close(fd);
  buf[n < 0 ? 0 : n] = 0;
  for (char *line = strtok(buf, "\n"); line; line = strtok(0, "\n")) {
    if (strncmp(line, prefix, strlen(prefix)) != 0) continue;
    if (strncmp(line, "Cap", 3) == 0) {
      unsigned long long v = strtoull(line + 7, 0, 16);
      printf("  %.6s %016llx\n", line, v & KNOWN);
    } else {
      printf("  %s\n", line);
    }
  }
}

static long amb(int op, int cap) { return prctl(PR_CAP_AMBIENT, op, cap, 0, 0); }

static void probes(void) {
  struct hdr h = {0, 0};
  printf("probe NULL data: %s version %08x\n", err(syscall(SYS_capget, &h, 0)), h.version);
  struct data d[2];
  h.version = 0x1234;
  printf("bad version: %s version %08x\n", err(syscall(SYS_capget, &h, d)), h.version);
  h.version = 0x1234;
  printf("capset bad version: %s version %08x\n", err(syscall(SYS_capset, &h, d)), h.version);
  memset(d, 0xab, sizeof d);
  printf("v1 capget: %s second word untouched %d\n", err(capget_(V1, 0, d)), d[1].eff == 0xabababab && d[1].inh == 0xabababab);
  printf("v2 capget: %s\n", err(capget_(V2, 0, d)));
  printf("capget pid -1: %s\n", err(capget_(V3, -1, d)));
  printf("capget pid 99999: %s\n", err(capget_(V3, 99999, d)));
  printf("capget own pid: %s\n", err(capget_(V3, getpid(), d)));
  printf("capget bad data: %s\n", err(capget_(V3, 0, (struct data *)16)));
}

static void run(const char *name, void (*fn)(void)) {
  printf("== %s\n", name);
  pid_t c = fork();
  if (c == 0) {
    fn();
    exit(0);
  }
  int st;
  waitpid(c, &st, 0);
  if (!WIFEXITED(st) || WEXITSTATUS(st) != 0) printf("%s: child status %x\n", name, st);
}

static void capset_rules(void) {
  printf("capset other pid: %s\n", err(capset_(V3, getppid(), KNOWN, KNOWN, 0)));
  printf("capset own pid: %s\n", err(capset_(V3, getpid(), KNOWN, KNOWN, 0)));
  printf("raise permitted: %s\n", err(capset_(V3, 0, KNOWN, KNOWN | BIT(2), 0)));
  printf("eff beyond prm: %s\n", err(capset_(V3, 0, KNOWN | BIT(2), KNOWN, 0)));
  printf("inh beyond prm with SETPCAP: %s\n", err(capset_(V3, 0, KNOWN, KNOWN, BIT(2) | BIT(0))));
  show("inh set");
  const unsigned k = KNOWN & ~BIT(8);
  printf("drop SETPCAP: %s\n", err(capset_(V3, 0, k, k, BIT(2) | BIT(0))));
  printf("inh beyond prm without SETPCAP: %s\n", err(capset_(V3, 0, k, k, BIT(2) | BIT(0) | BIT(4))));
  printf("inh within prm without SETPCAP: %s\n", err(capset_(V3, 0, k, k, BIT(2) | BIT(0) | BIT(5))));
  printf("SETPCAP back: %s\n", err(capset_(V3, 0, KNOWN, KNOWN, 0)));
  show("no setpcap");
  printf("v1 capset: %s\n", err(capset_(V1, 0, k & ~BIT(1), k, BIT(0) | BIT(5))));
  show("after v1");
  status("Cap");
}

static void bounding(void) {
  printf("CAPBSET_READ 0/12/40: %s", err(prctl(PR_CAPBSET_READ, 0)));
  printf(" %s", err(prctl(PR_CAPBSET_READ, 12)));
  printf(" %s\n", err(prctl(PR_CAPBSET_READ, 40)));
  printf("CAPBSET_READ 41: %s\n", err(prctl(PR_CAPBSET_READ, 41)));
  printf("CAPBSET_DROP 12: %s\n", err(prctl(PR_CAPBSET_DROP, 12)));
  printf("CAPBSET_DROP 12 again: %s\n", err(prctl(PR_CAPBSET_DROP, 12)));
  printf("CAPBSET_READ 12: %s\n", err(prctl(PR_CAPBSET_READ, 12)));
  printf("CAPBSET_DROP 99: %s\n", err(prctl(PR_CAPBSET_DROP, 99)));
  status("CapBnd");
  show("after drop");
  printf("inh outside the bounding set: %s\n", err(capset_(V3, 0, KNOWN, KNOWN, BIT(12))));
  printf("inh inside it: %s\n", err(capset_(V3, 0, KNOWN, KNOWN, BIT(21))));
  pid_t c = fork();
  if (c == 0) {
    printf("child CAPBSET_READ 12: %s\n", err(prctl(PR_CAPBSET_READ, 12)));
    exit(0);
  }
  waitpid(c, 0, 0);
  printf("drop SETPCAP: %s\n", err(capset_(V3, 0, KNOWN & ~BIT(8), KNOWN & ~BIT(8), 0)));
  printf("CAPBSET_DROP without SETPCAP: %s\n", err(prctl(PR_CAPBSET_DROP, 0)));
}

static void ambient(void) {
  printf("RAISE 0 not inheritable: %s\n", err(amb(PR_CAP_AMBIENT_RAISE, 0)));
  printf("inh 0,1,7: %s\n", err(capset_(V3, 0, KNOWN, KNOWN, BIT(0) | BIT(1) | BIT(7))));
  printf("RAISE 0, 1: %s", err(amb(PR_CAP_AMBIENT_RAISE, 0)));
  printf(" %s\n", err(amb(PR_CAP_AMBIENT_RAISE, 1)));
  printf("IS_SET 0, 3: %s", err(amb(PR_CAP_AMBIENT_IS_SET, 0)));
  printf(" %s\n", err(amb(PR_CAP_AMBIENT_IS_SET, 3)));
  printf("IS_SET 41: %s\n", err(amb(PR_CAP_AMBIENT_IS_SET, 41)));
  printf("RAISE 3: %s\n", err(amb(PR_CAP_AMBIENT_RAISE, 3)));
  printf("op 9: %s\n", err(amb(9, 0)));
  printf("IS_SET with arg4: %s\n", err(prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_IS_SET, 0, 1, 0)));
  printf("CLEAR_ALL with arg3: %s\n", err(prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 1, 0, 0)));
  status("CapAmb");
  printf("capset drops inh 0: %s\n", err(capset_(V3, 0, KNOWN, KNOWN, BIT(1) | BIT(7))));
  printf("IS_SET 0, 1: %s", err(amb(PR_CAP_AMBIENT_IS_SET, 0)));
  printf(" %s\n", err(amb(PR_CAP_AMBIENT_IS_SET, 1)));
  printf("LOWER 1: %s\n", err(amb(PR_CAP_AMBIENT_LOWER, 1)));
  printf("IS_SET 1: %s\n", err(amb(PR_CAP_AMBIENT_IS_SET, 1)));
  printf("RAISE 7: %s\n", err(amb(PR_CAP_AMBIENT_RAISE, 7)));
  printf("CLEAR_ALL: %s\n", err(prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0)));
  printf("IS_SET 7: %s\n", err(amb(PR_CAP_AMBIENT_IS_SET, 7)));
  printf("RAISE 7, 1: %s", err(amb(PR_CAP_AMBIENT_RAISE, 7)));
  printf(" %s\n", err(amb(PR_CAP_AMBIENT_RAISE, 1)));
  pid_t c = fork();
  if (c == 0) {
    printf("child IS_SET 7: %s\n", err(amb(PR_CAP_AMBIENT_IS_SET, 7)));
    exit(0);
  }
  waitpid(c, 0, 0);
  printf("KEEPCAPS: %s\n", err(prctl(PR_SET_KEEPCAPS, 1)));
  cpt_mark("keepcaps set");
  printf("setresuid 1000: %s\n", err(setresuid(1000, 1000, 1000)));
  printf("IS_SET 7 after setresuid: %s\n", err(amb(PR_CAP_AMBIENT_IS_SET, 7)));
  show("non-root, kept");
  status("Cap");
}

static void setuid_drops(void) {
  pid_t c = fork();
  if (c == 0) {
    printf("setresuid 1000: %s\n", err(setresuid(1000, 1000, 1000)));
    show("dropped");
    exit(0);
  }
  waitpid(c, 0, 0);
  c = fork();
  if (c == 0) {
    printf("seteuid 1000: %s\n", err(setresuid(-1, 1000, -1)));
    show("euid 1000");
    printf("capset eff while euid 1000: %s\n", err(capset_(V3, 0, BIT(0), KNOWN, 0)));
    show("raised");
    printf("seteuid 0: %s\n", err(setresuid(-1, 0, -1)));
    show("euid 0 again");
    exit(0);
  }
  waitpid(c, 0, 0);
}

static char file[64], mine[64];

static void fsids(void) {
  // In a sticky world-writable directory of its own (as /tmp is), where fsuid 1000 may create:
  // inside the working directory, so that the files are the container's and go through C/R
  // (files in the host's /tmp are not). Entered, so no lookup crosses the 0700 parent.
  mkdir("caps.d", 0777);
  chmod("caps.d", 01777);
  chdir("caps.d");
  snprintf(file, sizeof file, "libc-caps-%d", getpid());
  snprintf(mine, sizeof mine, "libc-caps-%d-mine", getpid());
  int fd = open(file, O_CREAT | O_WRONLY | O_TRUNC, 0600);
  close(fd);
  printf("setfsuid -1: %d\n", setfsuid(-1));
  printf("setfsuid 1000: %d\n", setfsuid(1000));
  printf("setfsuid -1: %d\n", setfsuid(-1));
  status("Uid");
  show("fsuid 1000");
  fd = open(file, O_RDONLY);
  printf("open root's 0600 file: %s\n", err(fd));
  if (fd >= 0) close(fd);
  fd = open(mine, O_CREAT | O_WRONLY | O_TRUNC, 0600);
  struct stat st;
  fstat(fd, &st);
  printf("new file owner: %u\n", (unsigned)st.st_uid);
  close(fd);
  printf("unlink it: %s\n", err(unlink(mine)));
  printf("setfsuid 0: %d\n", setfsuid(0));
  show("fsuid 0");
  fd = open(file, O_RDONLY);
  printf("open again: %s\n", fd >= 0 ? "ok" : err(fd));
  if (fd >= 0) close(fd);
  unlink(file);
  chdir("..");
  rmdir("caps.d");
  printf("setfsgid 55: %d\n", setfsgid(55));
  printf("setfsgid -1: %d\n", setfsgid(-1));
  status("Gid");
  // setresuid changes nothing, not even fsuid, when every id it names is already what it says.
  printf("setfsuid 1000: %d\n", setfsuid(1000));
  printf("setresuid(-1,-1,-1): %s\n", err(setresuid(-1, -1, -1)));
  printf("fsuid: %d\n", setfsuid(-1));
  printf("setresuid(0,0,0): %s\n", err(setresuid(0, 0, 0)));
  printf("fsuid: %d\n", setfsuid(-1));
  printf("setresgid(-1,-1,-1): %s\n", err(setresgid(-1, -1, -1)));
  printf("fsgid: %d\n", setfsgid(-1));
  printf("setresgid(-1,0,-1): %s\n", err(setresgid(-1, 0, -1)));
  printf("fsgid: %d\n", setfsgid(-1));
  printf("setfsuid 1000: %d\n", setfsuid(1000));
  printf("setuid(0): %s\n", err(setuid(0)));
  printf("fsuid: %d\n", setfsuid(-1));
  printf("setresgid 100: %s\n", err(setresgid(100, 100, 100)));
  printf("setresuid 1000,2000,3000: %s\n", err(setresuid(1000, 2000, 3000)));
  status("Uid");
  printf("setfsuid 0: %d\n", setfsuid(0));
  printf("setfsuid -1: %d\n", setfsuid(-1));
  printf("setfsuid 3000: %d\n", setfsuid(3000));
  printf("setfsuid -1: %d\n", setfsuid(-1));
  printf("setfsgid 0: %d\n", setfsgid(0));
  printf("setfsgid -1: %d\n", setfsgid(-1));
  status("Uid");
  show("unprivileged");
}

int main(void) {
  setvbuf(stdout, 0, _IONBF, 0);
  probes();
  // A known starting point: the known capabilities effective and permitted, none inheritable.
  printf("capset known: %s\n", err(capset_(V3, 0, KNOWN, KNOWN, 0)));
  show("known");
  status("Cap");
  run("capset rules", capset_rules);
  run("bounding set", bounding);
  run("ambient set", ambient);
  run("setuid and capabilities", setuid_drops);
  run("fs ids", fsids);
  show("parent at the end");
  return 0;
}
