// What the conformance run of 2026-12-07 found at random checkpoint points (issue 16), each as a
// case that fails on the code before its fix:
// - a host file outside the container's tree open for writing was collected, and only the restart
//   refused it: the checkpoint now refuses it (EOPNOTSUPP, an "unsupported" cell with the reason);
// - /proc/<pid>/fdinfo/<fd> open in the container could not be reopened: proc files were opened
//   before any restored task held its fd table, so every fd/ and fdinfo/ entry was missing;
// - pages fallocate(FALLOC_FL_KEEP_SIZE) allocated past i_size were refused by validation, and
//   which pages were allocated but never written (SEEK_DATA/SEEK_HOLE see holes there) was lost;
// - a /proc file read in part came back with its contents made again, which differ when the
//   original still runs (a restored pidfd's fdinfo shows another inode number): the contents its
//   first read made (procfs's single_open snapshot) now go through C/R with it.
// And what the ZDTM run showed: a working directory outside the tree (fifo_upon_unix_socket01's
// chdir("/")) is refused at checkpoint rather than at restart, and a symlink unlinked while held
// with O_PATH (symlink01) comes back.
import { describe, expect, it } from "vitest";
import { collectContainer } from "../../../src/core/cr/collect/collect.ts";
import { EOPNOTSUPP } from "../../../src/core/cr/errors.ts";
import type { CheckpointModel } from "../../../src/core/cr/model.ts";
import { AT_FDCWD, O_CREAT, O_NOFOLLOW, O_PATH, O_RDONLY, O_RDWR } from "../../../src/machine/fs/constants.ts";
import type { File } from "../../../src/machine/fs/file.ts";
import { KernelIter } from "../../../src/machine/fs/iov.ts";
import { doMmap, MAP_SHARED } from "../../../src/machine/mm/mmap.ts";
import { PROT_READ, PROT_WRITE } from "../../../src/machine/mm/vma.ts";
import { openAt } from "../../../src/machine/fs/open.ts";
import { TmpfsFile, TmpfsSymlink } from "../../../src/machine/fs/tmpfs/tmpfs.ts";
import { FALLOC_FL_KEEP_SIZE, tmpfsFallocate } from "../../../src/machine/fs/tmpfs/fallocate.ts";
import type { Kernel } from "../../../src/machine/kernel/kernel.ts";
import { frozenForkTree, refusal } from "../../support/cr.ts";
import { checkpointedIn, DESIGNS, restartFrom, tampered } from "../../support/tamper.ts";

describe("a host file outside the container's tree", () => {
  it("open read-only is collected by path", () => {
    const { k, init } = frozenForkTree();
    const f = openAt({ k, t: init }, AT_FDCWD, "/var/cpt/host-file", O_RDWR | O_CREAT, 0o644, "test") as File;
    k.kobj.put(f, "test");
    const ro = openAt({ k, t: init }, AT_FDCWD, "/var/cpt/host-file", O_RDONLY, 0, "test") as File;
    init.files!.installNew(ro, false);
    const m = collectContainer(k, init, "test");
    expect(m.inodes.filter((i) => i.externalPath === "/var/cpt/host-file").length).toBe(1);
  });

  it("mapped shared: read-only is collected, writable is refused by the checkpoint", () => {
    for (const prot of [PROT_READ, PROT_READ | PROT_WRITE]) {
      const { k, init } = frozenForkTree();
      const f = openAt({ k, t: init }, AT_FDCWD, "/var/cpt/host-file", O_RDWR | O_CREAT, 0o644, "test") as File;
      const inode = f.inode as TmpfsFile;
      inode.growTo(4096);
      const addr = doMmap(init.mm!, 0, 4096, prot, MAP_SHARED, 0, { inode, path: f.path, readable: true, writable: (prot & PROT_WRITE) !== 0 });
      expect(addr).toBeGreaterThan(0);
      k.kobj.put(f, "test");
      if (prot === PROT_READ) {
        expect(collectContainer(k, init, "test").inodes.some((i) => i.externalPath === "/var/cpt/host-file")).toBe(true);
        continue;
      }
      const e = refusal(k, init);
      expect(e.errno).toBe(EOPNOTSUPP);
      expect(e.message).toBe("a shared writable mapping of /var/cpt/host-file, outside the container's tree: a restart never maps host files for writing, so it cannot be checkpointed");
    }
  });

  it("open for writing is refused by the checkpoint, which names it", () => {
    const { k, init } = frozenForkTree();
    const f = openAt({ k, t: init }, AT_FDCWD, "/var/cpt/host-file", O_RDWR | O_CREAT, 0o644, "test") as File;
    init.files!.installNew(f, false);
    const e = refusal(k, init);
    expect(e.errno).toBe(EOPNOTSUPP);
    expect(e.message).toBe("/var/cpt/host-file is outside the container's tree and open for writing: a restart never opens host files for writing, so it cannot be checkpointed");
  });
});

/** The tasks of the restarted container that hold a procfs file at `fd`. */
function procHolders(k: Kernel, fd: number): number {
  return [...k.tasks.values()].filter((t) => t.files?.get(fd)?.inode.sb === k.vfs.proc).length;
}

describe.each(DESIGNS)("restart with $codec and the $creator creator", ({ codec, creator }) => {
  it("reopens /proc/<pid>/fdinfo/<fd> of an fd the restored task holds", () => {
    const c = checkpointedIn("libc-pidfd", codec, creator);
    // The fd the container's tasks hold as a pidfd, and the number of its holder in the container.
    let fdinfo = "";
    const image = tampered(c, (m: CheckpointModel) => {
      const pidfd = m.files.find((f) => f.target.kind === "pidfd")!;
      const table = m.fdTables.find((t) => t.fds.some((fd) => fd.fileId === pidfd.id))!;
      const holder = m.tasks.find((t) => t.filesId === table.id)!;
      const nr = m.pids.find((p) => p.id === holder.pidId)!.numbers.at(-1)!;
      const fd = table.fds.find((x) => x.fileId === pidfd.id)!.fd;
      fdinfo = `/proc/${nr}/fdinfo/${fd}`;
      const id = Math.max(...m.files.map((f) => f.id)) + 1;
      m.files.push({ id, flags: O_RDONLY, pos: 0, target: { kind: "proc", path: fdinfo } });
      table.fds.push({ fd: 60, fileId: id, cloexec: false });
    });
    // Seen between the restarted container's slices, before it runs to its end.
    let held = 0;
    const r = restartFrom(c, image, undefined, (k) => {
      held = Math.max(held, procHolders(k, 60));
    });
    // A restart returns the new init's pid.
    expect(r.log[0][1], JSON.stringify(r.op)).toBeGreaterThan(0);
    expect(fdinfo).toMatch(/^\/proc\/\d+\/fdinfo\/\d+$/);
    expect(held).toBeGreaterThan(0);
  });
});

describe("pages fallocate allocated and nothing wrote", () => {
  /** fork-tree's init with a file of 1 page written, then 3 pages allocated past its end. */
  function withFallocated(): { k: Kernel; m: CheckpointModel } {
    const { k, init } = frozenForkTree();
    const f = openAt({ k, t: init }, AT_FDCWD, "sparse", O_RDWR | O_CREAT, 0o644, "test") as File;
    init.files!.installNew(f, false);
    const inode = f.inode as TmpfsFile;
    // Page 0 allocated, then written (100 bytes of i_size); pages 1..3 allocated past the end.
    expect(tmpfsFallocate(inode, 0, 0, 100)).toBe(0);
    inode.markWritten(0);
    expect(tmpfsFallocate(inode, FALLOC_FL_KEEP_SIZE, 4096, 3 * 4096)).toBe(0);
    expect(inode.size).toBe(100);
    return { k, m: collectContainer(k, init, "test") };
  }

  it("are collected past i_size, marked unwritten, and carried by both codecs", () => {
    const { m } = withFallocated();
    const i = m.inodes.find((x) => x.pages.length === 4)!;
    expect(i.pages.map((p) => p.index)).toEqual([0, 1, 2, 3]);
    expect(i.unwritten).toEqual([1, 2, 3]);
  });

  it.each(["cpt", "ckpt"])("come back unwritten after a restart (%s)", (codec) => {
    const c = checkpointedIn("libc-memfd", codec, "kernel");
    let inodeId = -1;
    const image = tampered(c, (m) => {
      // The memfd at the mark ("somename", 5 bytes): a tmpfs file like any other here.
      const i = m.inodes.find((x) => x.memfd !== undefined)!;
      inodeId = i.id;
      // One page past the end, allocated and never written; the file's own pages stay as they
      // are. Held at fd 61 in every table, so that the next mark finds it whoever reaches it.
      const end = Math.ceil(i.size / 4096) + 2;
      i.pages.push({ index: end, data: new Uint8Array(4096) });
      i.unwritten = [end];
      const id = Math.max(...m.files.map((f) => f.id)) + 1;
      m.files.push({ id, flags: O_RDONLY, pos: 0, target: { kind: "inode", inodeId: i.id, path: "/memfd:somename (deleted)" } });
      for (const t of m.fdTables) t.fds.push({ fd: 61, fileId: id, cloexec: false });
    });
    const rec = c.codec.decode(image.slice()).inodes.find((x) => x.id === inodeId)!;
    const end = rec.unwritten![0];
    // The restored file, as the restarted container's next mark finds it.
    let seen: { unwritten: number[]; cached: boolean } | null = null;
    c.k.onCptMark = (t) => {
      const f = t.pidNs === c.k.initNs || seen !== null ? undefined : t.files?.get(61)?.inode;
      if (!(f instanceof TmpfsFile)) return false;
      seen = { unwritten: f.unwritten === null ? [] : [...f.unwritten], cached: f.cache.find(end) !== undefined };
      return false;
    };
    const r = restartFrom(c, image);
    expect(r.log[0][1], JSON.stringify(r.op)).toBeGreaterThan(0);
    // Held past the end, and still unwritten (a hole to SEEK_DATA / SEEK_HOLE once i_size reaches it).
    expect(seen).toEqual({ unwritten: [end], cached: true });
  });

  it("are refused when a page marked unwritten is not one the inode holds", () => {
    const c = checkpointedIn("libc-memfd", "cpt", "kernel");
    const image = tampered(c, (m) => {
      m.inodes.find((x) => x.memfd !== undefined)!.unwritten = [123456];
    });
    const r = restartFrom(c, image);
    expect(r.log[0][1]).toBeLessThan(0);
    expect(r.op?.error).toMatch(/unwritten\[0\] = 123456: not a page the inode holds/);
  });
});

describe("the checkpoint refuses cleanly what a restart could not give back", () => {
  it("a working directory outside the container's tree", () => {
    const { k, init } = frozenForkTree();
    const child = [...k.tasks.values()].find((t) => t !== init && t.pidNs === init.pidNs && t.fs !== null && t.fs !== init.fs)!;
    expect(child).toBeDefined();
    child.fs!.pwd = child.fs!.root;
    const e = refusal(k, init);
    expect(e.errno).toBe(EOPNOTSUPP);
    expect(e.message).toBe("a working directory outside the container's tree (/) cannot be checkpointed: a restart puts every working directory inside the tree");
  });
});

describe.each(DESIGNS)("an unlinked symlink held with O_PATH ($codec, $creator)", ({ codec, creator }) => {
  it("comes back with its target", () => {
    const c = checkpointedIn("libc-memfd", codec, creator);
    const image = tampered(c, (m) => {
      const id = Math.max(...m.inodes.map((i) => i.id)) + 1;
      const t = m.inodes[0];
      m.inodes.push({ ...t, id, ino: 90_000, kind: "symlink", mode: 0o120777, nlink: 0, size: 6, pages: [], target: "target", memfd: undefined, rdev: undefined, unwritten: undefined, externalPath: undefined });
      const fileId = Math.max(...m.files.map((f) => f.id)) + 1;
      m.files.push({ id: fileId, flags: O_PATH | O_NOFOLLOW, pos: 0, target: { kind: "inode", inodeId: id, path: `${m.container.treeRoot}/link (deleted)` } });
      for (const tb of m.fdTables) tb.fds.push({ fd: 62, fileId, cloexec: false });
    });
    let seen: { target: string; nlink: number; deleted: boolean } | null = null;
    c.k.onCptMark = (t) => {
      const f = t.pidNs === c.k.initNs || seen !== null ? undefined : t.files?.get(62);
      if (f === undefined || !(f.inode instanceof TmpfsSymlink)) return false;
      seen = { target: f.inode.target, nlink: f.inode.nlink, deleted: f.path.dentry.deleted };
      return false;
    };
    const r = restartFrom(c, image);
    expect(r.log[0][1], JSON.stringify(r.op)).toBeGreaterThan(0);
    expect(seen).toEqual({ target: "target", nlink: 0, deleted: true });
  });
});

describe.each(DESIGNS)("a /proc file read in part ($codec, $creator)", ({ codec, creator }) => {
  it("serves the rest of its first read's contents after the restart", () => {
    const c = checkpointedIn("libc-memfd", codec, creator);
    // As after reading the first 4 bytes of a file whose first read made "abcdefgh".
    const image = tampered(c, (m) => {
      const fileId = Math.max(...m.files.map((f) => f.id)) + 1;
      m.files.push({ id: fileId, flags: O_RDONLY, pos: 4, target: { kind: "proc", path: "/proc/1/status", snapshot: new TextEncoder().encode("abcdefgh") } });
      for (const tb of m.fdTables) tb.fds.push({ fd: 63, fileId, cloexec: false });
    });
    expect(c.codec.decode(image.slice()).files.at(-1)!.target).toEqual({ kind: "proc", path: "/proc/1/status", snapshot: new TextEncoder().encode("abcdefgh") });
    let seen: string | null = null;
    c.k.onCptMark = (t) => {
      const f = t.pidNs === c.k.initNs || seen !== null ? undefined : t.files?.get(63);
      if (f === undefined) return false;
      const to = new KernelIter(new Uint8Array(16));
      expect(f.ops.read!({ k: c.k, t }, f, to, { value: f.pos })).toBe(4);
      seen = new TextDecoder().decode(to.done);
      return false;
    };
    const r = restartFrom(c, image);
    expect(r.log[0][1], JSON.stringify(r.op)).toBeGreaterThan(0);
    expect(seen).toBe("efgh");
  });
});
