// fifo_open's wait for a partner under the restart model: the open sleeps and is re-executed from
// the start when woken. Like Linux's wait_for_partner (which waits for the other end's open count
// to move), a partner that opened, wrote and closed again before the sleeper ran once more still
// lets the sleeper's open go on, and its bytes wait for it. This is the order a restart of
// libc-fifo at its first mark produces (the parent's read open waits before the restored writer
// re-executes its own open), where the reader slept forever. A handler in between (the restart
// block cleared) or an EINTR starts the wait afresh.
import { describe, expect, it } from "vitest";
import { O_RDONLY, O_WRONLY } from "../../../src/machine/fs/constants.ts";
import { ERESTARTSYS } from "../../../src/machine/kernel/errno.ts";
import type { File } from "../../../src/machine/fs/file.ts";
import type { FsCtx } from "../../../src/machine/fs/inode.ts";
import { openPath } from "../../../src/machine/fs/open.ts";
import { walkTmpfs } from "../../../src/core/cr/restore/tree.ts";
import { boot, fork, readAll, shutdown, write } from "./helpers.ts";

function setup() {
  const b = boot();
  const inode = b.k.vfs.installFifo("/fifo", 0o666);
  const path = { mnt: b.k.vfs.rootMount, dentry: walkTmpfs(b.k.vfs, "/fifo")! };
  const other: FsCtx = { k: b.k, t: fork(b.k, b.t) };
  const open = (c: FsCtx, flags: number): File | number => openPath(c, path, flags, "test");
  return { b, inode, other, open };
}

describe("FIFO open waiting for a partner", () => {
  it("a reader woken after its writer came and went opens, and reads what the writer left", () => {
    const { b, inode, other, open } = setup();
    expect(open(b.c, O_RDONLY)).toBe(-ERESTARTSYS);
    expect(b.t.state).toBe("sleeping");
    // The writer goes ahead (a reader waits), writes and closes before the reader runs again.
    const w = open(other, O_WRONLY) as File;
    expect(typeof w).toBe("object");
    expect(write(other, w, "hello")).toBe(5);
    b.k.kobj.put(w, "test");
    expect(inode.pipe.bytes).toBe(5);
    expect(b.t.state).toBe("running");
    // The re-executed open: the writer's count moved since the wait began.
    const r = open(b.c, O_RDONLY) as File;
    expect(typeof r).toBe("object");
    expect(readAll(b.c, r)).toBe("hello");
    expect(readAll(b.c, r)).toBe("");
    b.k.kobj.put(r, "test");
    expect(inode.pipe.bufs.length).toBe(0);
    expect(shutdown(b)).toBe(0);
  });

  it("a writer woken after its reader came and went opens too (its write then finds no reader)", () => {
    const { b, other, open } = setup();
    expect(open(b.c, O_WRONLY)).toBe(-ERESTARTSYS);
    const r = open(other, O_RDONLY) as File;
    expect(typeof r).toBe("object");
    b.k.kobj.put(r, "test");
    const w = open(b.c, O_WRONLY) as File;
    expect(typeof w).toBe("object");
    b.k.kobj.put(w, "test");
    expect(shutdown(b)).toBe(0);
  });

  it("a re-executed open that nobody came for sleeps on; one started afresh (a handler ran) waits anew", () => {
    const { b, inode, other, open } = setup();
    expect(open(b.c, O_RDONLY)).toBe(-ERESTARTSYS);
    // Woken by something else: nothing moved, it waits again.
    b.k.wakeAll(inode.pipe.openWait);
    expect(open(b.c, O_RDONLY)).toBe(-ERESTARTSYS);
    const w = open(other, O_WRONLY) as File;
    b.k.kobj.put(w, "test");
    // A handler ran in between (rt_sigreturn cleared the restart block): the wait begins again.
    b.t.restart = null;
    b.k.wakeAll(inode.pipe.openWait);
    expect(open(b.c, O_RDONLY)).toBe(-ERESTARTSYS);
    // EINTR ends the wait: the reader is no longer counted as one.
    b.t.restart!.interrupted!(b.t);
    expect(inode.pipe.waitingReaders.size).toBe(0);
    expect(inode.pipe.hasReaders).toBe(false);
    expect(shutdown(b)).toBe(0);
  });
});
