// The freezer as files at /sys/fs/cgroup/freezer (a cgroup-v1 freezer mount) and /proc/modules:
// mkdir makes a group, tasks moves a task into it, freezer.state freezes and thaws it, rmdir
// removes an empty group (EBUSY while it has tasks or children).
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { AT_FDCWD, O_RDONLY, O_RDWR, O_WRONLY } from "../../../src/machine/fs/constants.ts";
import type { FsCtx } from "../../../src/machine/fs/inode.ts";
import { kernelRead } from "../../../src/machine/fs/read-write.ts";
import { readdirFrom } from "../../../src/machine/fs/readdir.ts";
import { mkdirAt, rmdirAt, unlinkAt } from "../../../src/machine/fs/vfs-ops.ts";
import { EBUSY, EEXIST, EINVAL, ENOENT, EPERM } from "../../../src/machine/kernel/errno.ts";
import { Machine } from "../../../src/machine/machine.ts";
import { open, readAll, write } from "./helpers.ts";

const FREEZER = "/sys/fs/cgroup/freezer";
const elf = readFileSync(join(import.meta.dirname, "../../fixtures/guest/freeze-mix.elf"));
const EXPECTED = "sleeper: code=1 status=2\nwaiter: code=1 status=3\nbusy: code=2 status=9\n";

const read = (c: FsCtx, path: string): string => {
  const f = open(c, path, O_RDONLY);
  const s = readAll(c, f);
  c.k.kobj.put(f);
  return s;
};

/** The names getdents64 returns, without "." and "..", sorted. */
const readdirNames = (c: FsCtx, path: string): string[] => {
  const f = open(c, path, O_RDONLY);
  const names = readdirFrom(c, f, 1000).map((e) => e.name).filter((n) => n !== "." && n !== "..");
  c.k.kobj.put(f);
  return names.sort();
};

const put = (c: FsCtx, path: string, text: string): number => {
  const f = open(c, path, O_WRONLY);
  const r = write(c, f, text);
  c.k.kobj.put(f);
  return r;
};

describe("the freezer cgroup file system", () => {
  it("mkdir, tasks, freezer.state FROZEN / FREEZING / THAWED, rmdir", () => {
    const m = new Machine({ seed: 3, cpus: 1, quantum: 2_000 });
    const k = m.kernel;
    const main = k.spawn(elf, ["freeze-mix"], []);
    const c: FsCtx = { k, t: main };
    k.run(20_000, true); // main has forked its three children
    const children = [...k.tasks.values()].filter((t) => t.kthread === null && t !== main);
    expect(children.length).toBe(3);

    expect(readdirNames(c, FREEZER)).toEqual(["cgroup.procs", "freezer.parent_freezing", "freezer.self_freezing", "freezer.state", "tasks"]);
    // The root group holds every task, the kernel's threads included, as in Linux.
    const pids = (ts: Iterable<{ pid: { nrIn(ns: unknown): number } }>): string =>
      [...ts].map((t) => t.pid.nrIn(main.pidNs)).sort((a, b) => a - b).map((n) => `${n}\n`).join("");
    const all = [...k.tasks.values()];
    expect(read(c, `${FREEZER}/tasks`)).toBe(pids(all));
    expect(read(c, `${FREEZER}/tasks`).split("\n").length).toBe(6);
    expect(put(c, `${FREEZER}/freezer.state`, "FROZEN\n")).toBe(-EINVAL); // the root cannot freeze
    expect(mkdirAt(c, AT_FDCWD, `${FREEZER}/ct`, 0o755)).toBe(0);
    expect(mkdirAt(c, AT_FDCWD, `${FREEZER}/ct`, 0o755)).toBe(-EEXIST);
    expect(mkdirAt(c, AT_FDCWD, `${FREEZER}/ct/inner`, 0o755)).toBe(0);
    expect(readdirNames(c, `${FREEZER}/ct`)).toContain("inner");
    expect(read(c, `${FREEZER}/ct/freezer.state`)).toBe("THAWED\n");
    for (const t of children) expect(put(c, `${FREEZER}/ct/tasks`, `${t.pid.nrIn(main.pidNs)}\n`)).toBeGreaterThan(0);
    expect(read(c, `${FREEZER}/ct/tasks`)).toBe(pids(children));
    expect(read(c, `${FREEZER}/tasks`)).toBe(pids(all.filter((t) => !children.includes(t))));

    expect(put(c, `${FREEZER}/ct/freezer.state`, "FROZEN\n")).toBe(7);
    expect(read(c, `${FREEZER}/ct/freezer.self_freezing`)).toBe("1\n");
    expect(read(c, `${FREEZER}/ct/inner/freezer.parent_freezing`)).toBe("1\n");
    // The busy child is still in user code: FREEZING until it reaches a safe point.
    expect(read(c, `${FREEZER}/ct/freezer.state`)).toBe("FREEZING\n");
    k.run(50_000, true);
    expect(read(c, `${FREEZER}/ct/freezer.state`)).toBe("FROZEN\n");
    expect(Buffer.from(m.console.stdout).toString()).toBe("");

    expect(rmdirAt(c, AT_FDCWD, `${FREEZER}/ct`)).toBe(-EBUSY); // tasks and a child group
    expect(rmdirAt(c, AT_FDCWD, `${FREEZER}/ct/inner`)).toBe(0);
    expect(rmdirAt(c, AT_FDCWD, `${FREEZER}/ct/inner`)).toBe(-ENOENT);
    expect(rmdirAt(c, AT_FDCWD, `${FREEZER}/ct`)).toBe(-EBUSY); // still its tasks
    expect(unlinkAt(c, AT_FDCWD, `${FREEZER}/ct/tasks`)).toBe(-EPERM);
    expect(put(c, `${FREEZER}/ct/freezer.state`, "BOILING")).toBe(-EINVAL);

    expect(put(c, `${FREEZER}/ct/freezer.state`, "THAWED")).toBe(6);
    expect(read(c, `${FREEZER}/ct/freezer.state`)).toBe("THAWED\n");
    // Moved back to the root, the tasks leave the group empty, and it may go.
    for (const t of children) expect(put(c, `${FREEZER}/cgroup.procs`, `${t.pid.nrIn(main.pidNs)}`)).toBeGreaterThan(0);
    expect(read(c, `${FREEZER}/ct/tasks`)).toBe("");
    expect(rmdirAt(c, AT_FDCWD, `${FREEZER}/ct`)).toBe(0);
    expect(readdirNames(c, FREEZER)).not.toContain("ct");
    k.run();
    expect(Buffer.from(m.console.stdout).toString()).toBe(EXPECTED);
    k.shutdown();
    expect(k.oopses.count).toBe(0);
  });

  it("/proc/modules lists the loaded modules", () => {
    const m = new Machine({ seed: 1 });
    const t = m.kernel.spawn(elf, ["freeze-mix"], []);
    const c: FsCtx = { k: m.kernel, t };
    expect(read(c, "/proc/modules")).toBe(m.kernel.modules.procModules());
    const f = open(c, "/proc/modules", O_RDWR);
    expect(typeof kernelRead(c, f, 10)).not.toBe("number");
    m.kernel.kobj.put(f);
    m.kernel.shutdown();
  });
});
