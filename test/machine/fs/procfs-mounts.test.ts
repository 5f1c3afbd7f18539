// /proc/<pid>/mountinfo and /proc/<pid>/mounts: the machine's tree in Linux's formats. qemu-riscv32
// shows the host's mounts, so the format is pinned here against Linux's show_mountinfo and
// show_vfsmnt (one line per mount: ids, dev, root, mount point, options, " - ", type, source,
// super options; and devname, mount point, type, options, "0 0"), with paths as the task's root
// sees them: a chrooted task does not see the mounts outside its root.
import { describe, expect, it } from "vitest";
import { O_RDONLY } from "../../../src/machine/fs/constants.ts";
import { boot, fork, open, readAll } from "./helpers.ts";

describe("/proc/<pid>/mountinfo and mounts", () => {
  it("list tmpfs at /, proc, the freezer cgroup and devpts in mount order", () => {
    const b = boot();
    expect(readAll(b.c, open(b.c, "/proc/self/mountinfo", O_RDONLY))).toBe(
      "1 1 0:20 / / rw,relatime - tmpfs tmpfs rw\n" +
        "2 1 0:21 / /proc rw,relatime - proc proc rw\n" +
        "3 1 0:22 / /sys/fs/cgroup/freezer rw,relatime - cgroup cgroup rw,freezer\n" +
        // Mount ids 4 and 5 are internal (sockfs, exeimage...): never shown, as Linux's are not.
        "6 1 0:24 / /dev/pts rw,relatime - devpts devpts rw\n",
    );
    expect(readAll(b.c, open(b.c, "/proc/mounts", O_RDONLY))).toBe(
      "tmpfs / tmpfs rw,relatime 0 0\nproc /proc proc rw,relatime 0 0\ncgroup /sys/fs/cgroup/freezer cgroup rw,relatime,freezer 0 0\n" +
        "devpts /dev/pts devpts rw,relatime 0 0\n",
    );
  });

  it("shows a task's mounts from its own root, leaving out what lies outside it", () => {
    const b = boot();
    const child = fork(b.k, b.t);
    const cc = { k: b.k, t: child };
    const proc = b.k.vfs.procMount;
    child.fs!.root = { mnt: proc, dentry: proc.root };
    expect(readAll(cc, open(cc, "/self/mountinfo", O_RDONLY))).toBe("2 1 0:21 / / rw,relatime - proc proc rw\n");
    // The parent reads the child's file with the child's root: the same text.
    expect(readAll(b.c, open(b.c, `/proc/${child.pid.nrIn(b.t.pidNs)}/mounts`, O_RDONLY))).toBe("proc / proc rw,relatime 0 0\n");
  });
});
