// File locks below the syscalls (fs/locks.ts): an owner's locks split, merged and kept in
// Linux's list order; EDEADLK over a cycle of three processes (libc-locks has two); waiters
// woken by an unlock; which close drops which lock; no lock outlives its owner.
import { describe, expect, it } from "vitest";
import { EAGAIN, EDEADLK } from "../../../src/machine/fs/errno.ts";
import type { File } from "../../../src/machine/fs/file.ts";
import { F_RDLCK, F_UNLCK, F_WRLCK, flockLock, holdsLocks, OFFSET_MAX, posixLock, type FileLock, type LockKind } from "../../../src/machine/fs/locks.ts";
import type { Task } from "../../../src/machine/kernel/task.ts";
import { boot, fork, open, shutdown } from "./helpers.ts";

function req(t: Task, f: File, type: number, start: number, end: bigint | number, kind: LockKind = "posix"): FileLock {
  return { kind, type, start: BigInt(start), end: BigInt(end), owner: kind === "posix" ? t.files! : f, file: f, pid: t.group.leader.pid };
}

const ranges = (f: File): string[] => f.inode.flctx!.posix.map((l) => `${l.type === F_RDLCK ? "R" : "W"}${l.start}-${l.end === OFFSET_MAX ? "EOF" : l.end}`);

describe("file locks", () => {
  it("splits, merges and replaces an owner's POSIX locks, keeping each owner's locks together in start order", () => {
    const b = boot();
    const { k, t, c } = b;
    const f = open(c, "/locks");
    const other = fork(k, t);
    const g = open({ k, t: other }, "/locks");
    expect(posixLock(k, t, req(t, f, F_WRLCK, 0, 99), false)).toBe(0);
    expect(posixLock(k, other, req(other, g, F_RDLCK, 200, 209), false)).toBe(0);
    expect(posixLock(k, t, req(t, f, F_UNLCK, 40, 59), false)).toBe(0);
    expect(ranges(f)).toEqual(["W0-39", "W60-99", "R200-209"]);
    // Adjacent ranges of one type merge; another type takes over its part.
    expect(posixLock(k, t, req(t, f, F_WRLCK, 40, 59), false)).toBe(0);
    expect(ranges(f)).toEqual(["W0-99", "R200-209"]);
    expect(posixLock(k, t, req(t, f, F_RDLCK, 10, 19), false)).toBe(0);
    expect(ranges(f)).toEqual(["W0-9", "R10-19", "W20-99", "R200-209"]);
    // To EOF over another owner's read lock: refused; up to it: merged with the adjacent range.
    expect(posixLock(k, t, req(t, f, F_WRLCK, 100, OFFSET_MAX), false)).toBe(-EAGAIN);
    expect(posixLock(k, t, req(t, f, F_WRLCK, 100, 149), false)).toBe(0);
    expect(ranges(f)).toEqual(["W0-9", "R10-19", "W20-149", "R200-209"]);
    expect(posixLock(k, other, req(other, g, F_RDLCK, 50, 50), false)).toBe(-EAGAIN);
    expect(posixLock(k, other, req(other, g, F_RDLCK, 15, 15), false)).toBe(0);
    expect(ranges(f)).toEqual(["W0-9", "R10-19", "W20-149", "R15-15", "R200-209"]);
    k.kobj.put(f);
    k.kobj.put(g);
    expect(ranges(f)).toEqual(["W0-9", "R10-19", "W20-149", "R15-15", "R200-209"]); // a put file is no close of an fd
    expect(shutdown(b)).toBe(0);
  });

  it("fails with EDEADLK where waiting would close a cycle of three processes, and wakes the waiters on unlock", () => {
    const b = boot();
    const { k, t } = b;
    const p2 = fork(k, t);
    const p3 = fork(k, t);
    const [f1, f2, f3] = [t, p2, p3].map((x) => open({ k, t: x }, "/dl"));
    for (const [x, f, byte] of [[t, f1, 0], [p2, f2, 1], [p3, f3, 2]] as const) expect(posixLock(k, x, req(x, f, F_WRLCK, byte, byte), false)).toBe(0);
    // 1 waits for 2, 2 waits for 3: 3 asking for byte 0 (1's) would close the cycle.
    expect(posixLock(k, t, req(t, f1, F_WRLCK, 1, 1), true)).toBeLessThan(-500);
    expect(t.state).toBe("sleeping");
    expect(posixLock(k, p2, req(p2, f2, F_WRLCK, 2, 2), true)).toBeLessThan(-500);
    expect(posixLock(k, p3, req(p3, f3, F_WRLCK, 0, 0), true)).toBe(-EDEADLK);
    // An OFD request is never checked for deadlock: it just waits.
    expect(posixLock(k, p3, req(p3, f3, F_WRLCK, 0, 0, "ofd"), true)).toBeLessThan(-500);
    expect(p3.state).toBe("sleeping");
    k.wake(p3);
    // Process 3 gives up byte 2: the waiters on the file are woken to try again (every one of
    // them: a waiter whose lock is still taken just sleeps again).
    expect(posixLock(k, p3, req(p3, f3, F_UNLCK, 2, 2), false)).toBe(0);
    expect(p2.state).toBe("running");
    expect(posixLock(k, p2, req(p2, f2, F_WRLCK, 2, 2), true)).toBe(0);
    expect(posixLock(k, t, req(t, f1, F_WRLCK, 1, 1), true)).toBeLessThan(-500);
    expect(t.state).toBe("sleeping");
    for (const f of [f1, f2, f3]) k.kobj.put(f);
    expect(shutdown(b)).toBe(0);
  });

  it("drops a process's POSIX locks at the close of any fd of the file, flock and OFD locks at the file's last close", () => {
    const b = boot();
    const { k, t, c } = b;
    const files = t.files!;
    const f = open(c, "/cl");
    const fd = files.installNew(f, false);
    expect(posixLock(k, t, req(t, f, F_WRLCK, 0, 9), false)).toBe(0);
    expect(holdsLocks(f, files)).toBe("posix");
    // Another open of the same file, closed: the POSIX lock goes with it.
    const again = files.installNew(open(c, "/cl"), false);
    files.close(again);
    expect(holdsLocks(f, files)).toBeNull();
    expect(flockLock(k, t, req(t, f, F_WRLCK, 0, OFFSET_MAX, "flock"), false)).toBe(0);
    expect(posixLock(k, t, req(t, f, F_RDLCK, 0, 0, "ofd"), false)).toBe(0);
    const dup = files.installNew(f, false);
    k.kobj.get(f);
    files.close(fd);
    expect(holdsLocks(f, files)).not.toBeNull(); // the dup still holds the open file
    files.close(dup);
    expect(f.inode.flctx!.empty).toBe(true);
    expect(shutdown(b)).toBe(0);
  });
});
