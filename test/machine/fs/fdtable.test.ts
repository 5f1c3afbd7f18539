// fd tables and open files as kernel objects: lowest-fd allocation, the 1024 limit, sharing by
// CLONE_FILES versus copying by fork, unshare and execve, FDSize growth, and the lifetime
// detectors catching a double fput and a leaked file.
import { describe, expect, it } from "vitest";
import { CLONE_FILES, CLONE_FS } from "../../../src/machine/kernel/clone-flags.ts";
import { O_RDONLY } from "../../../src/machine/fs/constants.ts";
import { EBADF, EMFILE } from "../../../src/machine/fs/errno.ts";
import { describeFile } from "../../../src/machine/fs/describe.ts";
import { execTaskFiles, unshareTaskFiles } from "../../../src/machine/fs/task-files.ts";
import { boot, fork, open, shutdown } from "./helpers.ts";

describe("fd tables", () => {
  it("gives the first task the console on 0, 1 and 2, each its own file", () => {
    const b = boot();
    const files = b.t.files!;
    expect(files.fds()).toEqual([0, 1, 2]);
    const [i, o, e] = [0, 1, 2].map((fd) => files.get(fd)!);
    expect(new Set([i, o, e]).size).toBe(3);
    expect(describeFile(i)).toMatchObject({ kind: "chardev", readable: true, writable: false, seekable: false });
    expect(describeFile(o)).toMatchObject({ kind: "chardev", readable: false, writable: true });
    expect([o.priv, e.priv]).toEqual([1, 2]);
    expect(shutdown(b)).toBe(0);
  });

  it("allocates the lowest free fd, up to the 1024 limit", () => {
    const b = boot();
    const files = b.t.files!;
    const f = open(b.c, "/f");
    for (let fd = 3; fd < 1024; fd++) {
      b.k.kobj.get(f);
      expect(files.installNew(f, false)).toBe(fd);
    }
    expect(files.allocFd()).toBe(-EMFILE);
    expect(files.maxFds).toBe(1024);
    expect(files.close(500)).toBe(0);
    expect(files.allocFd()).toBe(500);
    expect(files.close(500)).toBe(-EBADF);
    b.k.kobj.put(f);
    expect(f.refcount).toBe(1020);
    expect(shutdown(b)).toBe(0);
    expect(f.freed).toBe(true);
  });

  it("reports FDSize as Linux grows it on a 32-bit kernel: 32, then multiples of 256", () => {
    const b = boot();
    const files = b.t.files!;
    expect(files.maxFds).toBe(32);
    const f = open(b.c, "/f");
    files.install(40, f, false);
    expect(files.maxFds).toBe(256);
    b.k.kobj.get(f);
    files.install(300, f, false);
    expect(files.maxFds).toBe(512);
    expect(shutdown(b)).toBe(0);
  });

  it("shares the table with CLONE_FILES and copies it otherwise", () => {
    const b = boot();
    const { k, t } = b;
    const f = open(b.c, "/f");
    const fd = t.files!.installNew(f, true);
    const sharer = fork(k, t, CLONE_FILES | CLONE_FS);
    const copier = fork(k, t);
    expect(sharer.files).toBe(t.files);
    expect(sharer.fs).toBe(t.fs);
    expect(copier.files).not.toBe(t.files);
    expect(copier.fs).not.toBe(t.fs);
    // The copy holds the same open file (shared offset) and the close-on-exec bit.
    expect(copier.files!.get(fd)).toBe(f);
    expect(copier.files!.getCloexec(fd)).toBe(true);
    expect(f.refcount).toBe(2);
    sharer.files!.close(fd);
    expect(t.files!.get(fd)).toBeUndefined();
    expect(copier.files!.get(fd)).toBe(f);
    expect(shutdown(b)).toBe(0);
  });

  it("unshare(CLONE_FILES) and execve give a sharer its own table; execve closes close-on-exec fds", () => {
    const b = boot();
    const { k, t } = b;
    const keep = open(b.c, "/keep");
    const gone = open(b.c, "/gone", O_RDONLY | 0o100);
    t.files!.install(5, keep, false);
    t.files!.install(6, gone, true);
    const sharer = fork(k, t, CLONE_FILES);
    const shared = t.files!;
    expect(shared.refcount).toBe(2);
    expect(unshareTaskFiles(k, sharer, CLONE_FILES)).toBe(0);
    expect(sharer.files).not.toBe(shared);
    expect(shared.refcount).toBe(1);
    const sharer2 = fork(k, t, CLONE_FILES);
    execTaskFiles(k, sharer2);
    expect(sharer2.files!.fds()).toEqual([0, 1, 2, 5]);
    expect(t.files!.fds()).toEqual([0, 1, 2, 5, 6]);
    expect(describeFile(gone)).toMatchObject({ kind: "regular", readable: true, writable: false, seekable: true });
    expect(shutdown(b)).toBe(0);
  });

  it("catches a double fput as a refcount underflow, and a file never closed as a leak", () => {
    const b = boot();
    const f = open(b.c, "/f");
    b.k.kobj.put(f);
    b.k.kobj.put(f);
    const g = open(b.c, "/g");
    expect(g.freed).toBe(false);
    b.k.shutdown();
    const kinds = b.k.oopses.events.map((e) => `${e.kind} ${e.objectType}`);
    expect(kinds).toEqual(["refcount-underflow file", "leak file"]);
  });
});
