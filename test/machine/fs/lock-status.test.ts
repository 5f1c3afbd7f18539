// The "lock:" lines of fdinfo (fs/lock-status.ts), in lock_get_status's format: what CRIU's ZDTM
// lock tests parse with sscanf to find their own locks.
import { describe, expect, it } from "vitest";
import { devMajor, devMinor } from "../../../src/machine/fs/constants.ts";
import { showFdinfo } from "../../../src/machine/fs/fdinfo.ts";
import type { File } from "../../../src/machine/fs/file.ts";
import { showFdLocks } from "../../../src/machine/fs/lock-status.ts";
import { F_RDLCK, F_WRLCK, flockLock, OFFSET_MAX, posixLock, type FileLock, type LockKind } from "../../../src/machine/fs/locks.ts";
import type { Task } from "../../../src/machine/kernel/task.ts";
import { boot, fork, open, shutdown } from "./helpers.ts";

function req(t: Task, f: File, type: number, start: number, end: bigint | number, kind: LockKind): FileLock {
  return { kind, type, start: BigInt(start), end: BigInt(end), owner: kind === "posix" ? t.files! : f, file: f, pid: t.group.leader.pid };
}

describe("fdinfo lock lines", () => {
  it("lists the flock, POSIX and OFD locks taken through the file by its holder, numbered from 1", () => {
    const b = boot();
    const { k, t, c } = b;
    const f = open(c, "/a");
    const g = open(c, "/b");
    const other = fork(k, t);
    const h = open({ k, t: other }, "/b");
    const dev = `${devMajor(f.inode.sb.dev).toString(16).padStart(2, "0")}:${devMinor(f.inode.sb.dev).toString(16).padStart(2, "0")}`;
    const pid = t.group.leader.pid.nrIn(t.pidNs);
    expect(showFdLocks(f, t)).toBe("");
    expect(flockLock(k, t, req(t, f, F_WRLCK, 0, OFFSET_MAX, "flock"), false)).toBe(0);
    expect(posixLock(k, t, req(t, f, F_RDLCK, 128, 255, "posix"), false)).toBe(0);
    expect(posixLock(k, t, req(t, g, F_WRLCK, 10, OFFSET_MAX, "ofd"), false)).toBe(0);
    expect(posixLock(k, other, req(other, h, F_RDLCK, 0, 4, "posix"), false)).toBe(0);
    expect(showFdLocks(f, t)).toBe(
      `lock:\t1: FLOCK  ADVISORY  WRITE ${pid} ${dev}:${f.inode.ino} 0 EOF\n` + `lock:\t2: POSIX  ADVISORY  READ ${pid} ${dev}:${f.inode.ino} 128 255\n`,
    );
    // An OFD lock has no pid; another process's lock on the same inode is not this file's.
    expect(showFdLocks(g, t)).toBe(`lock:\t1: OFDLCK ADVISORY  WRITE -1 ${dev}:${g.inode.ino} 10 EOF\n`);
    expect(showFdinfo(t, 3, g)).toContain(`\nlock:\t1: OFDLCK ADVISORY  WRITE -1`);
    for (const x of [f, g, h]) k.kobj.put(x);
    expect(shutdown(b)).toBe(0);
  });
});
