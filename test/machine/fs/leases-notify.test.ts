// Below the syscalls: what a C program under qemu cannot reach in reasonable time. A lease
// whose holder ignores the break is forced to its target after lease-break-time (45 s of
// virtual time, read by the next look at the leases); an inotify queue holds at most
// max_queued_events and then one IN_Q_OVERFLOW, and the fsnotify hooks cost nothing without
// watches (no mark list is made on an unwatched inode).
import { describe, expect, it } from "vitest";
import { O_NONBLOCK, O_RDONLY, O_WRONLY } from "../../../src/machine/fs/constants.ts";
import { EAGAIN } from "../../../src/machine/fs/errno.ts";
import { addLease, breakLease, getLease, LEASE_BREAK_TIME_S } from "../../../src/machine/fs/leases.ts";
import { F_RDLCK, F_UNLCK, F_WRLCK } from "../../../src/machine/fs/locks.ts";
import { IN_CREATE, IN_Q_OVERFLOW } from "../../../src/machine/fs/notify/fsnotify.ts";
import { inotifyFile, groupOf, MAX_QUEUED_EVENTS } from "../../../src/machine/fs/notify/inotify.ts";
import { boot, open, shutdown } from "./helpers.ts";

describe("lease breaks time out", () => {
  it("forces a write lease to F_RDLCK, then F_UNLCK, once lease-break-time has passed", () => {
    const b = boot();
    const { k, t, c } = b;
    const f = open(c, "/leased");
    expect(addLease(k, t, f, 3, F_WRLCK)).toBe(0);
    // A read-only open starts a downgrade; the holder does nothing.
    expect(breakLease(k, t, f.inode, O_RDONLY | O_NONBLOCK)).toBe(-EAGAIN);
    expect(getLease(k, f)).toBe(F_RDLCK);
    expect(f.inode.flctx!.leases[0].type).toBe(F_WRLCK);
    k.clock += k.nsToCycles(LEASE_BREAK_TIME_S * 1e9) - 10;
    expect(getLease(k, f)).toBe(F_RDLCK);
    expect(f.inode.flctx!.leases[0].type).toBe(F_WRLCK);
    k.clock += 20;
    expect(getLease(k, f)).toBe(F_RDLCK);
    expect(f.inode.flctx!.leases[0].type).toBe(F_RDLCK);
    // A write open starts the unlock; past its break time the lease is gone and opens go ahead.
    expect(breakLease(k, t, f.inode, O_WRONLY | O_NONBLOCK)).toBe(-EAGAIN);
    expect(breakLease(k, t, f.inode, O_WRONLY | O_NONBLOCK)).toBe(-EAGAIN);
    k.clock += k.nsToCycles(LEASE_BREAK_TIME_S * 1e9) + 10;
    expect(breakLease(k, t, f.inode, O_WRONLY | O_NONBLOCK)).toBe(0);
    expect(getLease(k, f)).toBe(F_UNLCK);
    expect(f.fown?.pid ?? null).toBeNull();
    k.kobj.put(f);
    expect(shutdown(b)).toBe(0);
  });
});

describe("inotify queue", () => {
  it("keeps max_queued_events, then one IN_Q_OVERFLOW, and merges only identical neighbours", () => {
    const b = boot();
    const { k, c } = b;
    const f = inotifyFile(k, 0, "test");
    const g = groupOf(f);
    const dir = c.t.fs!.pwd.dentry.inode;
    expect(dir.fsnotifyMarks).toBeNull();
    const wd = g.updateWatch(dir, IN_CREATE);
    for (let i = 0; i < MAX_QUEUED_EVENTS + 5; i++) k.kobj.put(open(c, `/f${i % 2 === 0 ? "a" : "b"}${i}`));
    expect(g.events.length).toBe(MAX_QUEUED_EVENTS + 1);
    expect(g.events[MAX_QUEUED_EVENTS]).toEqual({ wd: -1, mask: IN_Q_OVERFLOW, cookie: 0, name: null });
    expect(g.events[0]).toEqual({ wd, mask: IN_CREATE, cookie: 0, name: "fa0" });
    // The overflow event counts: one read leaves the queue full, a second makes room.
    g.shift();
    k.kobj.put(open(c, "/late1"));
    expect(g.events.length).toBe(MAX_QUEUED_EVENTS);
    g.shift();
    k.kobj.put(open(c, "/late2"));
    expect(g.events[g.events.length - 1].name).toBe("late2");
    while (g.events.length > 0) g.shift(); // as reads do: the overflow event going lets events in again
    g.queue({ wd, mask: IN_CREATE, cookie: 0, name: "x" });
    g.queue({ wd, mask: IN_CREATE, cookie: 0, name: "x" });
    g.queue({ wd, mask: IN_CREATE, cookie: 0, name: "y" });
    g.queue({ wd, mask: IN_CREATE, cookie: 0, name: "x" });
    expect(g.events.map((e) => e.name)).toEqual(["x", "y", "x"]);
    k.kobj.put(f);
    // Closing the instance removes its watches from the inode.
    expect(dir.fsnotifyMarks).toBeNull();
    expect(shutdown(b)).toBe(0);
  });
});
