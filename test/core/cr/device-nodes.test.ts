// Device nodes of the container's own tree through C/R (ZDTM's deleted_dev; libc-fifo's mknod):
// a character device node made in the tree (linked) or unlinked while open is carried as an
// inode of kind "chr" with its device number, mode and owner, and made anew at the restart — but
// only for the harmless devices (1:3 null, 1:5 zero, 1:7 full). The collector refuses any other
// number by name, validation and confinement refuse a bad image, and both codecs and both
// creators carry it.
import { describe, expect, it } from "vitest";
import { collectContainer } from "../../../src/core/cr/collect/collect.ts";
import { CrError, EOPNOTSUPP } from "../../../src/core/cr/errors.ts";
import type { CheckpointModel, InodeRecord } from "../../../src/core/cr/model.ts";
import { confineModel } from "../../../src/core/cr/restore/confine.ts";
import { walkTmpfs } from "../../../src/core/cr/restore/tree.ts";
import { validateModel } from "../../../src/core/cr/restore/validate.ts";
import { AT_FDCWD, O_PATH, O_RDWR, S_IFBLK, S_IFCHR, S_IFMT, S_IFSOCK, mkdev } from "../../../src/machine/fs/constants.ts";
import { CharDevInode, DEV_NULL, DEV_ZERO } from "../../../src/machine/fs/devices.ts";
import { dPath } from "../../../src/machine/fs/dpath.ts";
import type { File } from "../../../src/machine/fs/file.ts";
import { openAt } from "../../../src/machine/fs/open.ts";
import { mknodAt, unlinkAt } from "../../../src/machine/fs/vfs-ops.ts";
import type { Kernel } from "../../../src/machine/kernel/kernel.ts";
import type { Task } from "../../../src/machine/kernel/task.ts";
import { CptCodec } from "../../../src/plugins/openvz-cpt/codec/cpt-codec.ts";
import { CkptCodec } from "../../../src/plugins/self-cpt/codec/ckpt-codec.ts";
import { frozenForkTree, refusal } from "../../support/cr.ts";
import { concat } from "../../support/cr-models.ts";
import { DESIGNS, checkpointedIn, live, restartFrom, tampered } from "../../support/tamper.ts";

const EPERM = 1;
/** mknod's dev argument (new_encode_dev) for a small major and minor. */
const encodeDev = (major: number, minor: number): number => (major << 8) | minor;

/** mknod a character device node `name` in init's working directory (the container's tree). */
function mknod(k: Kernel, init: Task, name: string, major: number, minor: number, perm = 0o640): void {
  expect(mknodAt({ k, t: init }, AT_FDCWD, name, S_IFCHR | perm, encodeDev(major, minor))).toBe(0);
}

/** Open `name` in init's tree, install it, and unlink the name: deleted_dev's state. */
function openUnlinked(k: Kernel, init: Task, name: string, flags = O_RDWR): number {
  const f = openAt({ k, t: init }, AT_FDCWD, name, flags, 0, "test") as File;
  expect(typeof f).toBe("object");
  const fd = init.files!.installNew(f, false);
  expect(unlinkAt({ k, t: init }, AT_FDCWD, name)).toBe(0);
  return fd;
}

/** fork-tree's container with a null node unlinked while open (fd returned) and a zero node linked, owned 7:8. */
function withNodes(): { m: CheckpointModel; fd: number } {
  const { k, init } = frozenForkTree();
  mknod(k, init, "gone", 1, 3, 0o600);
  const fd = openUnlinked(k, init, "gone");
  mknod(k, init, "zero-node", 1, 5);
  const node = init.fs!.pwd.dentry.inode as unknown as { children: Map<string, { inode: CharDevInode }> };
  Object.assign(node.children.get("zero-node")!.inode, { uid: 7, gid: 8 });
  return { m: collectContainer(k, init, "test"), fd };
}

describe("device nodes in the model", () => {
  const { m, fd } = withNodes();
  const root = m.container.treeRoot;

  it("records a node of the tree and one unlinked while open as chr inodes with number, mode and owner", () => {
    const linked = m.inodes.find((i) => i.kind === "chr" && i.nlink === 1)!;
    expect(linked).toMatchObject({ rdev: DEV_ZERO, uid: 7, gid: 8, size: 0, pages: [] });
    expect(linked.mode & S_IFMT).toBe(S_IFCHR);
    expect(linked.mode & 0o7777).toBe(0o640);
    expect(m.tree.find((d) => d.inodeId === linked.id)?.path).toBe("zero-node");
    const gone = m.inodes.find((i) => i.kind === "chr" && i.nlink === 0)!;
    expect(gone).toMatchObject({ rdev: DEV_NULL, uid: 0, gid: 0 });
    expect(gone.mode & 0o7777).toBe(0o600);
    expect(gone.externalPath).toBeUndefined();
    const fileId = m.fdTables.flatMap((t) => t.fds).find((x) => x.fd === fd)!.fileId;
    expect(m.files.find((f) => f.id === fileId)!.target).toEqual({ kind: "inode", inodeId: gone.id, path: `${root}/gone (deleted)` });
    // No other inode carries a number: their records keep the bytes they had.
    expect(m.inodes.filter((i) => i.rdev !== undefined)).toHaveLength(2);
    expect(() => validateModel(m)).not.toThrow();
    expect(() => confineModel(m, { jail: "/", restarterRoot: "/" })).not.toThrow();
  });

  it("refuses, by name and number, a node of any other device in the tree or unlinked while open", () => {
    const a = frozenForkTree();
    mknod(a.k, a.init, "tty-node", 5, 0);
    const e = refusal(a.k, a.init);
    expect(e.errno).toBe(EOPNOTSUPP);
    expect(e.message).toMatch(/\/tty-node is a character device node 5:0 of the container: a restart makes only 1:3 \(null\), 1:5 \(zero\), 1:7 \(full\) and 5:1 \(console\) anew$/);
    const b = frozenForkTree();
    mknod(b.k, b.init, "odd", 1, 8);
    // O_PATH: a device without a driver cannot be opened otherwise (ENXIO), but can be held.
    openUnlinked(b.k, b.init, "odd", O_PATH);
    const e2 = refusal(b.k, b.init);
    expect(e2.errno).toBe(EOPNOTSUPP);
    expect(e2.message).toMatch(/\/odd \(deleted\) is a character device node 1:8 of the container/);
    // The console (5:1, ZDTM's console test) is carried: the machine's output stream.
    const c = frozenForkTree();
    mknod(c.k, c.init, "console-node", 5, 1);
    const m = collectContainer(c.k, c.init, "test");
    const id = m.tree.find((d) => d.path === "console-node")!.inodeId;
    expect(m.inodes.find((i) => i.id === id)).toMatchObject({ kind: "chr", rdev: mkdev(5, 1), nlink: 1 });
  });

  it("records a socket name made by mknod as a socket name, and refuses a block device node by name", () => {
    const a = frozenForkTree();
    expect(mknodAt({ k: a.k, t: a.init }, AT_FDCWD, "sk", S_IFSOCK | 0o755, 0)).toBe(0);
    const m2 = collectContainer(a.k, a.init, "test");
    const id = m2.tree.find((d) => d.path === "sk")!.inodeId;
    expect(m2.inodes.find((i) => i.id === id)).toMatchObject({ kind: "sock", nlink: 1 });
    expect(m2.inodes.find((i) => i.id === id)!.rdev).toBeUndefined();
    const b = frozenForkTree();
    expect(mknodAt({ k: b.k, t: b.init }, AT_FDCWD, "blk", S_IFBLK | 0o600, encodeDev(7, 0))).toBe(0);
    const e = refusal(b.k, b.init);
    expect(e.errno).toBe(EOPNOTSUPP);
    expect(e.message).toMatch(/\/blk is a block device node 7:0: a restart makes no block device nodes$/);
  });

  const codecs = [
    { name: "cpt", make: () => new CptCodec() },
    { name: "ckpt", make: () => new CkptCodec() },
  ];
  describe.each(codecs)("$name codec", ({ make }) => {
    it("reads the device nodes back, number included", () => {
      const codec = make();
      expect(codec.decode(concat(codec.encode(m)))).toStrictEqual(m);
    });

    it("writes the extension only on device nodes: without them the image is shorter by exactly it", () => {
      const codec = make();
      const plain = structuredClone(m);
      plain.inodes = plain.inodes.filter((i) => i.kind !== "chr");
      plain.tree = plain.tree.filter((d) => plain.inodes.some((i) => i.id === d.inodeId));
      const lessRdev = structuredClone(m);
      // The same two inodes as other kinds of node, without numbers: each loses mask, pad and number.
      for (const i of lessRdev.inodes) if (i.kind === "chr") Object.assign(i, { kind: "fifo", rdev: undefined });
      for (const i of lessRdev.inodes) if (i.rdev === undefined) delete i.rdev;
      expect(concat(codec.encode(m)).length - concat(codec.encode(lessRdev)).length).toBe(2 * 16);
    });
  });
});

describe("validation and confinement of device nodes", () => {
  const { m } = withNodes();
  const chr = (x: CheckpointModel): InodeRecord => x.inodes.find((i) => i.kind === "chr" && i.nlink === 1)!;
  const invalid: [string, (x: CheckpointModel) => void, RegExp][] = [
    ["a device number on a regular file", (x) => (x.inodes.find((i) => i.kind === "file" || i.kind === "dir")!.rdev = DEV_NULL), /device number: a device node \(kind chr\), and only it, has one/],
    ["a device node without a number", (x) => delete chr(x).rdev, /device number: a device node \(kind chr\), and only it, has one/],
    ["a device node with pages", (x) => Object.assign(chr(x), { size: 4096, pages: [{ index: 0, data: new Uint8Array(4096) }] }), /a device node has no pages, size or target/],
    ["a device node of the machine", (x) => (chr(x).externalPath = "/dev/zero"), /the machine's devices are reopened by path/],
  ];
  it.each(invalid)("validation refuses %s", (_n, edit, msg) => {
    const x = structuredClone(m);
    edit(x);
    expect(() => validateModel(x)).toThrow(CrError);
    expect(() => validateModel(x)).toThrow(msg);
  });

  it("confinement refuses a node of a device that is not harmless", () => {
    const x = structuredClone(m);
    chr(x).rdev = mkdev(8, 0);
    let err: unknown;
    try {
      confineModel(x, { jail: "/", restarterRoot: "/" });
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(CrError);
    expect((err as CrError).errno).toBe(EPERM);
    expect((err as CrError).message).toMatch(/^inode \d+: device node 8:0 is not one a restart may make \(1:3 null, 1:5 zero, 1:7 full/);
  });
});

/** libc-rmdir-cwd's container: its tree is /ct/libc-rmdir-cwd, and it reaches a second mark. */
const CT = "/ct/libc-rmdir-cwd";
const FD = 20;

/** Add to a model a zero node in the tree (0640, 7:8) and a null node unlinked, open as fd FD. */
function addNodes(x: CheckpointModel, rdev = DEV_ZERO): void {
  const next = Math.max(...x.inodes.map((i) => i.id)) + 1;
  const base = { ino: 90000, uid: 7, gid: 8, size: 0, atimeNs: 1n, mtimeNs: 2n, ctimeNs: 3n, pages: [] };
  x.inodes.push({ ...base, id: next, kind: "chr", mode: S_IFCHR | 0o640, nlink: 1, rdev });
  x.inodes.push({ ...base, id: next + 1, ino: 90001, kind: "chr", mode: S_IFCHR | 0o600, nlink: 0, rdev: DEV_NULL });
  x.tree.push({ path: "zero-node", inodeId: next });
  const fileId = Math.max(...x.files.map((f) => f.id)) + 1;
  x.files.push({ id: fileId, flags: O_RDWR, pos: 0, target: { kind: "inode", inodeId: next + 1, path: `${CT}/gone (deleted)` } });
  // In every fd table: one file shared by all, whichever task reaches the next mark.
  for (const t of x.fdTables) t.fds.push({ fd: FD, fileId, cloexec: false });
}

describe.each(DESIGNS)("device nodes through C/R ($codec, $creator)", ({ codec, creator }) => {
  it("come back made anew with number, mode and owner, linked in the tree or unlinked and open", () => {
    const c = checkpointedIn("libc-rmdir-cwd", codec, creator);
    const k = c.k;
    const objects = live(k);
    // A node of another device is refused before anything is made.
    const bad = restartFrom(c, tampered(c, (x) => addNodes(x, mkdev(5, 0))));
    expect(bad.log[0]).toEqual(["restart", -EPERM]);
    expect(bad.op?.error).toMatch(/device node 5:0 is not one a restart may make/);
    k.run(Infinity, true);
    expect(live(k)).toEqual(objects);
    expect(walkTmpfs(k.vfs, `${CT}/zero-node`)).toBeNull();

    let seen: Record<string, unknown> | null = null;
    k.onCptMark = (t) => {
      if (t.pidNs === k.initNs || seen !== null || t.files?.get(FD) === undefined) return false;
      const node = walkTmpfs(k.vfs, `${CT}/zero-node`)?.inode;
      const f = t.files.get(FD)!;
      seen = {
        node: node instanceof CharDevInode ? { rdev: node.rdev, mode: node.mode, uid: node.uid, gid: node.gid, nlink: node.nlink } : null,
        open: f.inode instanceof CharDevInode ? { rdev: f.inode.rdev, mode: f.inode.mode, nlink: f.inode.nlink } : null,
        name: dPath(f.path, k.vfs.root).name,
        deleted: f.path.dentry.deleted,
      };
      return false;
    };
    const r = restartFrom(c, tampered(c, (x) => addNodes(x)));
    expect(r.log[0][1]).toBeGreaterThan(0);
    expect(seen).toEqual({
      node: { rdev: DEV_ZERO, mode: S_IFCHR | 0o640, uid: 7, gid: 8, nlink: 1 },
      open: { rdev: DEV_NULL, mode: S_IFCHR | 0o600, nlink: 0 },
      name: `${CT}/gone (deleted)`,
      deleted: true,
    });
    k.run(Infinity, true);
    k.shutdown();
    expect(k.oopses.count).toBe(0);
  });
});
