// procfs contents: status and stat in Linux's formats, pids as the reader's pid namespace sees
// them, the fd links, cmdline and maps, ns_last_pid per namespace, and entries of a task that
// is gone.
import { describe, expect, it } from "vitest";
import { AT_FDCWD, O_RDONLY, O_RDWR, O_WRONLY } from "../../../src/machine/fs/constants.ts";
import { EINVAL, ENOENT, EPERM, ESRCH } from "../../../src/machine/fs/errno.ts";
import type { FsCtx } from "../../../src/machine/fs/inode.ts";
import { KernelIter } from "../../../src/machine/fs/iov.ts";
import { openAt, openPath } from "../../../src/machine/fs/open.ts";
import { parseProcInt } from "../../../src/machine/fs/proc/root.ts";
import { vfsRead } from "../../../src/machine/fs/read-write.ts";
import { readlinkAt, unlinkAt } from "../../../src/machine/fs/vfs-ops.ts";
import { readdirFrom } from "../../../src/machine/fs/readdir.ts";
import { releaseTask } from "../../../src/machine/kernel/exit.ts";
import { showMaps } from "../../../src/machine/mm/maps.ts";
import { boot, CLONE_NEWPID, fork, open, readAll, shutdown, write } from "./helpers.ts";

function cat(c: FsCtx, path: string): string | number {
  const f = openAt(c, AT_FDCWD, path, O_RDONLY, 0, "test");
  if (typeof f === "number") return f;
  const it = new KernelIter(new Uint8Array(1 << 16));
  const n = vfsRead(c, f, it);
  c.k.kobj.put(f);
  return n < 0 ? n : Buffer.from(it.done).toString("latin1");
}

function ls(c: FsCtx, path: string): string[] {
  const f = open(c, path, O_RDONLY);
  const names = readdirFrom(c, f, 1000).map((e) => e.name);
  c.k.kobj.put(f);
  return names;
}

describe("/proc/<pid>/status and stat", () => {
  it("prints status fields in Linux's order and format", () => {
    const b = boot();
    const { t, c } = b;
    t.blocked = 1n << 9n; // SIGUSR1
    t.sighand.actions[12].handler = 0x10000; // SIGUSR2 caught
    t.sighand.actions[13].handler = 1; // SIGPIPE ignored
    const s = cat(c, "/proc/self/status") as string;
    const keys = s.split("\n").filter((l) => l !== "").map((l) => l.split(":")[0]);
    expect(keys.slice(0, 16)).toEqual([
      "Name", "Umask", "State", "Tgid", "Ngid", "Pid", "PPid", "TracerPid", "Uid", "Gid", "FDSize", "Groups",
      "NStgid", "NSpid", "NSpgid", "NSsid",
    ]);
    expect(keys.indexOf("VmRSS")).toBeGreaterThan(keys.indexOf("VmSize"));
    expect(keys.slice(keys.indexOf("Threads"), keys.indexOf("Threads") + 7)).toEqual(["Threads", "SigQ", "SigPnd", "ShdPnd", "SigBlk", "SigIgn", "SigCgt"]);
    expect(s).toContain("Name:\thello\nUmask:\t0022\nState:\tR (running)\nTgid:\t1\nNgid:\t0\nPid:\t1\nPPid:\t0\nTracerPid:\t0\n");
    expect(s).toContain("Uid:\t0\t0\t0\t0\nGid:\t0\t0\t0\t0\nFDSize:\t32\n");
    expect(s).toContain("Threads:\t1\n");
    expect(s).toContain("SigBlk:\t0000000000000200\nSigIgn:\t0000000000001000\nSigCgt:\t0000000000000800\n");
    expect(s).toContain("CapEff:\t000001ffffffffff\n");
    expect(s).toMatch(/\nVmSize:\t +\d+ kB\n/);
    expect(shutdown(b)).toBe(0);
  });

  it("prints stat as 52 space-separated fields", () => {
    const b = boot();
    const f = (cat(b.c, "/proc/1/stat") as string).trim().split(" ");
    expect(f.length).toBe(52);
    expect(f.slice(0, 8)).toEqual(["1", "(hello)", "R", "0", "1", "1", "0", "-1"]);
    expect(Number(f[22])).toBe(b.t.mm.vmas.reduce((s, v) => s + v.end - v.start, 0));
    expect(cat(b.c, "/proc/1/statm")).toMatch(/^\d+ \d+ \d+ \d+ 0 \d+ 0\n$/);
    expect(shutdown(b)).toBe(0);
  });

  it("shows pids as the reader's namespace sees them", () => {
    const b = boot();
    const { k, t, c } = b;
    const child = fork(k, t, CLONE_NEWPID);
    const grandchild = fork(k, child);
    const cc: FsCtx = { k, t: child };
    expect(ls(c, "/proc").filter((n) => /^\d+$/.test(n))).toEqual(["1", "2", "3"]);
    expect(ls(cc, "/proc").filter((n) => /^\d+$/.test(n))).toEqual(["1", "2"]);
    expect(readlinkAt(cc, AT_FDCWD, "/proc/self")).toBe("1");
    const outer = cat(c, "/proc/3/status") as string;
    expect(outer).toContain("\nPid:\t3\nPPid:\t2\n");
    expect(outer).toContain("\nNSpid:\t3\t2\n");
    const inner = cat(cc, "/proc/2/status") as string;
    expect(inner).toContain("\nPid:\t2\nPPid:\t1\n");
    expect(inner).toContain("\nNSpid:\t2\n");
    // The namespace's init has no visible parent inside it.
    expect(cat(cc, "/proc/1/status")).toContain("\nPid:\t1\nPPid:\t0\n");
    expect(cat(cc, "/proc/3/status")).toBe(-ENOENT);
    expect(grandchild.pid.nrIn(child.pidNs)).toBe(2);
    expect(shutdown(b)).toBe(0);
  });

  it("lists a process's threads under task/ and its fds under fd/", () => {
    const b = boot();
    expect(ls(b.c, "/proc/1/task")).toEqual([".", "..", "1"]);
    expect(ls(b.c, "/proc/1/fd")).toEqual([".", "..", "0", "1", "2"]);
    expect(ls(b.c, "/proc/1")).toEqual([".", "..", "task", "fd", "fdinfo", "environ", "auxv", "status", "comm", "cmdline", "stat", "statm", "maps", "cwd", "root", "exe", "smaps", "oom_score_adj", "oom_score", "loginuid", "sessionid", "ns", "mountinfo", "mounts"]);
    expect(ls(b.c, "/proc/1/task/1")).not.toContain("task");
    expect(cat(b.c, "/proc/1/task/1/comm")).toBe("hello\n");
    expect(shutdown(b)).toBe(0);
  });
});

describe("/proc/<pid>/fd links, cmdline, maps", () => {
  it("names files by path (deleted once unlinked), pipes as pipe:[ino], the console as /dev/console", () => {
    const b = boot();
    const { c, t, k } = b;
    const files = t.files!;
    const fd = files.installNew(open(c, "/tmp/x"), false);
    expect(readlinkAt(c, AT_FDCWD, `/proc/self/fd/${fd}`)).toBe("/tmp/x");
    unlinkAt(c, AT_FDCWD, "/tmp/x");
    expect(readlinkAt(c, AT_FDCWD, `/proc/self/fd/${fd}`)).toBe("/tmp/x (deleted)");
    const p = k.vfs.newPipe(c);
    const pfd = files.installNew(openPath(c, p, O_RDONLY, "test") as never, false);
    expect(readlinkAt(c, AT_FDCWD, `/proc/self/fd/${pfd}`)).toMatch(/^pipe:\[\d+\]$/);
    expect(readlinkAt(c, AT_FDCWD, "/proc/self/fd/1")).toBe("/dev/console");
    expect(readlinkAt(c, AT_FDCWD, "/proc/self/fd/9")).toBe(-ENOENT);
    expect(readlinkAt(c, AT_FDCWD, "/proc/1/cwd")).toBe("/");
    expect(readlinkAt(c, AT_FDCWD, "/dev/stdout")).toBe("/proc/self/fd/1");
    // Writing through /dev/stdout reaches the console, as fd 1 would.
    const out = open(c, "/dev/stdout", O_WRONLY);
    write(c, out, "via /dev/stdout\n");
    k.kobj.put(out);
    expect(Buffer.from(k.console.stdout).toString()).toBe("via /dev/stdout\n");
    expect(shutdown(b)).toBe(0);
  });

  it("reads cmdline from the argument strings, and maps with the mm's renderer", () => {
    const b = boot();
    // Found from start_stack (argc, argv[]) until exec records arg_start / arg_end.
    expect(cat(b.c, "/proc/self/cmdline")).toBe("hello\0");
    expect(cat(b.c, "/proc/self/maps")).toBe(showMaps(b.t.mm));
    expect(shutdown(b)).toBe(0);
  });

  it("answers ESRCH for a task reaped while its file was open", () => {
    const b = boot();
    const { k, t, c } = b;
    const child = fork(k, t);
    const f = open(c, `/proc/${child.id}/status`, O_RDONLY);
    k.exitTask(child, { code: 0 });
    expect(readAll(c, f)).toContain("State:\tZ (zombie)");
    // Reap it (what waitid does): its struct pid is freed, and the open file must not use it.
    releaseTask(k, child);
    expect(child.pid.freed).toBe(true);
    expect(vfsRead(c, f, new KernelIter(new Uint8Array(100)), { value: 0 })).toBe(-ESRCH);
    expect(cat(c, `/proc/${child.id}/status`)).toBe(-ENOENT);
    k.kobj.put(f);
    expect(shutdown(b)).toBe(0);
  });
});

describe("/proc/sys/kernel", () => {
  it("ns_last_pid reads and writes the last pid of the writer's own namespace", () => {
    const b = boot();
    const { k, t, c } = b;
    const nsChild = fork(k, t, CLONE_NEWPID);
    const cc: FsCtx = { k, t: nsChild };
    expect(cat(c, "/proc/sys/kernel/ns_last_pid")).toBe("2\n");
    expect(cat(cc, "/proc/sys/kernel/ns_last_pid")).toBe("1\n");
    const f = open(cc, "/proc/sys/kernel/ns_last_pid", O_RDWR);
    expect(write(cc, f, "41\n")).toBe(3);
    expect(cat(cc, "/proc/sys/kernel/ns_last_pid")).toBe("41\n");
    expect(fork(k, nsChild).pid.nrIn(nsChild.pidNs)).toBe(42);
    expect(cat(c, "/proc/sys/kernel/ns_last_pid")).toBe("3\n");
    expect(write(cc, f, "junk")).toBe(-EINVAL);
    expect(write(cc, f, "40000")).toBe(-EINVAL);
    k.kobj.put(f);
    expect(cat(c, "/proc/sys/kernel/pid_max")).toBe("32768\n");
    expect(shutdown(b)).toBe(0);
  });

  it("refuses writes without CAP_SYS_ADMIN (or CAP_CHECKPOINT_RESTORE)", () => {
    const b = boot();
    const { k, t, c } = b;
    const f = open(c, "/proc/sys/kernel/ns_last_pid", O_WRONLY);
    const user = t.cred.with({ uid: 1000, euid: 1000, suid: 1000, fsuid: 1000 }, "test");
    t.setCred(user);
    k.kobj.put(user);
    expect(write(c, f, "5")).toBe(-EPERM);
    k.kobj.put(f);
    expect(shutdown(b)).toBe(0);
  });

  it("parses integers as proc_dointvec does", () => {
    expect(parseProcInt(Buffer.from(" 12\n"))).toBe(12);
    expect(parseProcInt(Buffer.from("-3"))).toBe(-3);
    expect(parseProcInt(Buffer.from("1 2"))).toBeNull();
    expect(parseProcInt(Buffer.from(""))).toBeNull();
  });
});
