// Removed directories through C/R (issue 15's cwd02 bug; issue 16's "removed directories held as
// cwd or open"). libc-rmdir-cwd holds two removed directories at its first mark: "a" as the cwd
// of its main thread and of a CLONE_FS thread (one fs context), of a forked child (its own
// context) and as fd 4; "b" as fd 5 only. Linux keeps each an unlinked directory inode, and so
// must a restart: the collector records the inode (kind dir, nlink 0) and the fs contexts name it
// (FsRecord.cwdInodeId), both codecs carry it (a versioned record), confinement checks it, and
// both creators give every holder the one restored inode.
import { describe, expect, it } from "vitest";
import { collectContainer } from "../../../src/core/cr/collect/collect.ts";
import { CrError } from "../../../src/core/cr/errors.ts";
import { ImageError } from "../../../src/core/cr/interfaces.ts";
import type { CheckpointModel } from "../../../src/core/cr/model.ts";
import { confineModel } from "../../../src/core/cr/restore/confine.ts";
import { walkTmpfs } from "../../../src/core/cr/restore/tree.ts";
import { dPath } from "../../../src/machine/fs/dpath.ts";
import { isDirInode } from "../../../src/machine/fs/inode.ts";
import type { Kernel } from "../../../src/machine/kernel/kernel.ts";
import type { Task } from "../../../src/machine/kernel/task.ts";
import { CptCodec } from "../../../src/plugins/openvz-cpt/codec/cpt-codec.ts";
import { CkptCodec } from "../../../src/plugins/self-cpt/codec/ckpt-codec.ts";
import { frozenAtMark, workloadRef } from "../../support/cr.ts";
import { concat } from "../../support/cr-models.ts";
import { DESIGNS, checkpointedIn, live, restartFrom, tampered } from "../../support/tamper.ts";

const EPERM = 1;
const EINVAL = 22;
const CT = "/ct/libc-rmdir-cwd";

/**
 * What the restored container looks like when its main thread reaches its next mark (the
 * child and the thread still wait): taken then, as the tasks drop their fs contexts at exit.
 */
function look(k: Kernel, main: Task): Record<string, unknown> {
  const tasks = [...k.tasks.values()].filter((t) => t.pidNs !== k.initNs && t.alive);
  const fs = main.fs!;
  const a = fs.pwd.dentry;
  const thread = tasks.find((t) => t !== main && t.group === main.group)!;
  const child = tasks.find((t) => t.group !== main.group && t.parent === main)!;
  const b = main.files!.get(5)!;
  return {
    cwdDeleted: a.deleted,
    cwdName: dPath(fs.pwd, k.vfs.root).name,
    cwdIsDir: isDirInode(a.inode),
    cwdNlink: a.inode.nlink,
    // fchmod through fd 4 after the restart reached the cwd's inode: they are one.
    cwdMode: a.inode.mode & 0o7777,
    fd4IsCwd: main.files!.get(4)!.inode === a.inode,
    // ".." of the removed directory is the container's directory, as it was.
    dotdotIsCt: a.parent === walkTmpfs(k.vfs, CT),
    aGone: walkTmpfs(k.vfs, `${CT}/a`) === null,
    // The CLONE_FS thread shares the fs context; the forked child has its own, on the same inode.
    threadSharesFs: thread.fs === fs,
    childOwnFs: child.fs !== fs,
    childCwdIsA: child.fs!.pwd.dentry.inode === a.inode,
    childFd4IsA: child.files!.get(4)!.inode === a.inode,
    // b: an open fd only, a second unlinked directory.
    bDeleted: b.path.dentry.deleted,
    bName: dPath(b.path, k.vfs.root).name,
    bOther: b.inode !== a.inode,
    bDir: isDirInode(b.inode) && b.inode.nlink === 0 && (b.inode.mode & 0o7777) === 0o700,
    childFd5IsB: child.files!.get(5)!.inode === b.inode,
  };
}

describe.each(DESIGNS)("removed directories through C/R ($codec, $creator)", ({ codec, creator }) => {
  it("come back as unlinked directory inodes, one per directory, shared as the tasks shared them", () => {
    const c = checkpointedIn("libc-rmdir-cwd", codec, creator);
    const k = c.k;
    const objects = live(k);
    // A removed cwd that names a directory of the tree (a live one) is refused before anything is made.
    const bad = restartFrom(c, tampered(c, (m) => {
      const fs = m.fsContexts.find((f) => f.cwdInodeId !== undefined)!;
      fs.cwdInodeId = m.tree[0].inodeId;
    }));
    expect(bad.log[0]).toEqual(["restart", -EPERM]);
    expect(bad.op?.error).toMatch(/fs context \d+: its removed cwd \/ct\/libc-rmdir-cwd\/a \(inode \d+\) is not an unlinked directory of the container/);
    k.run(Infinity, true);
    expect(live(k)).toEqual(objects);

    let seen: Record<string, unknown> | null = null;
    k.onCptMark = (t) => {
      if (t.pidNs !== k.initNs && seen === null) seen = look(k, t);
      return false;
    };
    const r = restartFrom(c, c.image);
    expect(r.log[0][1]).toBeGreaterThan(0);
    expect(r.log[1]).toEqual(["exit", 0]);
    expect(seen).toEqual({
      cwdDeleted: true, cwdName: `${CT}/a (deleted)`, cwdIsDir: true, cwdNlink: 0, cwdMode: 0o751, fd4IsCwd: true,
      dotdotIsCt: true, aGone: true, threadSharesFs: true, childOwnFs: true, childCwdIsA: true, childFd4IsA: true,
      bDeleted: true, bName: `${CT}/b (deleted)`, bOther: true, bDir: true, childFd5IsB: true,
    });
    k.shutdown();
    expect(k.oopses.count).toBe(0);
  });
});

/** The container of libc-rmdir-cwd at its first mark, collected. */
function collected(): CheckpointModel {
  const { m, init } = frozenAtMark(workloadRef("libc-rmdir-cwd"), 1);
  return collectContainer(m.kernel, init, "test");
}

describe("removed directories in the model and the images", () => {
  const m = collected();

  it("the collector records the removed cwd once, as an unlinked directory inode under the name it had", () => {
    const removed = m.fsContexts.filter((f) => f.cwdInodeId !== undefined);
    // The main thread and its CLONE_FS thread share one context, the child has the other.
    expect(removed.length).toBe(2);
    expect(new Set(removed.map((f) => f.cwdInodeId)).size).toBe(1);
    for (const f of removed) expect(f.cwd).toBe(`${CT}/a`);
    const id = removed[0].cwdInodeId!;
    const inode = m.inodes.find((i) => i.id === id)!;
    expect(inode).toMatchObject({ kind: "dir", nlink: 0 });
    expect(inode.externalPath).toBeUndefined();
    expect(m.tree.some((d) => d.inodeId === id)).toBe(false);
    const openDirs = m.files.flatMap((f) => (f.target.kind === "inode" ? [f.target] : []));
    expect(openDirs.find((t) => t.path === `${CT}/a (deleted)`)?.inodeId).toBe(id);
    expect(openDirs.find((t) => t.path === `${CT}/b (deleted)`)?.inodeId).not.toBe(id);
    expect(m.fsContexts.every((f) => f.rootInodeId === undefined)).toBe(true);
  });

  const codecs = [
    { name: "cpt", make: () => new CptCodec(), record: "CPT_OBJ_FS_DEAD_DIR", versionAt: 16 },
    // Without run checksums, so that a patched byte reaches the record's own check.
    { name: "ckpt", make: () => new CkptCodec({ runChecksums: false }), record: "CKPT_HDR_FS_DEAD_DIR", versionAt: 8 },
  ];
  describe.each(codecs)("$name", ({ make, record, versionAt }) => {
    it("carries a removed root and cwd (one record each, version 1) and reads them back", () => {
      const codec = make();
      const withRoot = structuredClone(m);
      const fs = withRoot.fsContexts.find((f) => f.cwdInodeId !== undefined)!;
      fs.rootInodeId = fs.cwdInodeId;
      const image = concat(codec.encode(withRoot));
      expect(codec.decode(image)).toStrictEqual(withRoot);
      const recs = codec.records!(image).filter((x) => x.name === record);
      // root + cwd of the edited context, cwd of the other one.
      expect(recs.length).toBe(3);
      expect(codec.decode(concat(codec.encode(m)))).toStrictEqual(m);
    });

    it("writes no such record for an fs context whose directories are all there", () => {
      const codec = make();
      const plain = structuredClone(m);
      for (const f of plain.fsContexts) delete f.cwdInodeId;
      const image = concat(codec.encode(plain));
      expect(codec.records!(image).some((x) => x.name === record)).toBe(false);
      expect(codec.decode(image)).toStrictEqual(plain);
    });

    it("refuses a removed-directory record of another version", () => {
      const codec = make();
      const image = concat(codec.encode(m));
      const rec = codec.records!(image).find((x) => x.name === record)!;
      const at = rec.offset + versionAt;
      expect(new DataView(image.buffer, image.byteOffset).getUint32(at, true)).toBe(1);
      const bad = image.slice();
      new DataView(bad.buffer).setUint32(at, 2, true);
      expect(() => codec.decode(bad)).toThrow(ImageError);
      expect(() => codec.decode(bad)).toThrow(/version 2 at byte \d+ is not 1/);
    });
  });

  describe("confinement", () => {
    const jail = { jail: "/ct", restarterRoot: "/" };
    const refusal = (edit: (x: CheckpointModel) => void): CrError => {
      const x = structuredClone(m);
      edit(x);
      try {
        confineModel(x, jail);
      } catch (e) {
        expect(e).toBeInstanceOf(CrError);
        return e as CrError;
      }
      throw new Error("not refused");
    };
    const removedFs = (x: CheckpointModel) => x.fsContexts.find((f) => f.cwdInodeId !== undefined)!;

    it("accepts the image as collected", () => {
      expect(() => confineModel(m, jail)).not.toThrow();
    });

    it("refuses a removed cwd that is a directory with a name, a host file or no inode at all", () => {
      const named = refusal((x) => (removedFs(x).cwdInodeId = x.tree[0].inodeId));
      expect(named.errno).toBe(EPERM);
      expect(named.message).toMatch(/is not an unlinked directory of the container/);
      const host = refusal((x) => {
        const id = Math.max(...x.inodes.map((i) => i.id)) + 1;
        x.inodes.push({ id, ino: 9, kind: "dir", mode: 0o40755, uid: 0, gid: 0, nlink: 0, size: 0, atimeNs: 0n, mtimeNs: 0n, ctimeNs: 0n, pages: [], externalPath: "/bin" });
        removedFs(x).cwdInodeId = id;
      });
      expect(host.errno).toBe(EPERM);
      const missing = refusal((x) => (removedFs(x).cwdInodeId = 9999));
      expect(missing.errno).toBe(EINVAL);
      expect(missing.message).toMatch(/its removed cwd names inode 9999, which the image does not have/);
    });

    it("refuses a removed root or cwd whose name was outside the container's tree", () => {
      const e = refusal((x) => {
        const f = removedFs(x);
        f.rootInodeId = f.cwdInodeId;
        // The restarter's root: a live root may be it, a removed one never (it was removed).
        f.root = "/";
      });
      expect(e.errno).toBe(EPERM);
      expect(e.message).toMatch(/removed root \/ was outside the container's tree \/ct\/libc-rmdir-cwd/);
    });
  });
});
