// An mm's executable (Linux's mm->exe_file, /proc/PID/exe) through C/R: ZDTM's selfexe00 reads
// /proc/self/exe before the checkpoint and after the restart and wants the same name. The
// collector records the executable as an inode of the model (MmRecord.exeInodeId: here the
// workload's /bin file, outside the container's tree, so an externalPath inode), both codecs carry
// it as an optional field (model.ts MM_EXT: an mm without it has the bytes it had before),
// confinement checks it names a regular file of the image, and both creators set it again.
import { describe, expect, it } from "vitest";
import { collectContainer } from "../../../src/core/cr/collect/collect.ts";
import { dPath } from "../../../src/machine/fs/dpath.ts";
import { walkTmpfs } from "../../../src/core/cr/restore/tree.ts";
import type { Kernel } from "../../../src/machine/kernel/kernel.ts";
import { lookupAt } from "../../../src/machine/fs/namei.ts";
import { CptCodec } from "../../../src/plugins/openvz-cpt/codec/cpt-codec.ts";
import { CkptCodec } from "../../../src/plugins/self-cpt/codec/ckpt-codec.ts";
import { frozenAtMark, workloadRef } from "../../support/cr.ts";
import { concat } from "../../support/cr-models.ts";
import { DESIGNS, checkpointedIn, live, restartFrom, tampered } from "../../support/tamper.ts";

const NAME = "libc-rmdir-cwd";
const EXE = `/bin/${NAME}`;
const EINVAL = 22;
const AT_FDCWD = -100;

describe.each(DESIGNS)("the executable through C/R ($codec, $creator)", ({ codec, creator }) => {
  it("/proc/PID/exe names the same file after the restart; an image naming no regular file is refused", () => {
    const c = checkpointedIn(NAME, codec, creator);
    const k = c.k;
    const objects = live(k);
    const bad = restartFrom(c, tampered(c, (m) => {
      m.mms[0].exeInodeId = m.inodes.find((i) => i.kind === "dir")!.id;
    }));
    expect(bad.log[0]).toEqual(["restart", -EINVAL]);
    expect(bad.op?.error).toMatch(/mm \d+: its executable, inode \d+, is a dir, not a regular file/);
    k.run(Infinity, true);
    expect(live(k)).toEqual(objects);

    let seen: { exe: string | null; same: boolean; link: string | number } | null = null;
    k.onCptMark = (t) => {
      if (t.pidNs !== k.initNs && seen === null) {
        const exe = t.mm.exe?.path ?? null;
        // What readlink("/proc/self/exe") follows to, as the task itself looks it up.
        const p = lookupAt({ k, t }, AT_FDCWD, "/proc/self/exe", 1);
        seen = {
          exe: exe === null ? null : dPath(exe, k.vfs.root).name,
          same: exe?.dentry.inode === walkTmpfs(k.vfs, EXE)?.inode,
          link: typeof p === "number" ? p : dPath(p, k.vfs.root).name,
        };
      }
      return false;
    };
    const r = restartFrom(c, c.image);
    expect(r.log[0][1]).toBeGreaterThan(0);
    expect(seen).toEqual({ exe: EXE, same: true, link: EXE });
    k.shutdown();
    expect(k.oopses.count).toBe(0);
  });
});

describe("the executable in the model and the images", () => {
  const { m: machine, init } = frozenAtMark(workloadRef(NAME), 1);
  const m = collectContainer(machine.kernel, init, "test");
  const k: Kernel = machine.kernel;

  it("an mm records its executable: the workload's /bin file, kept by path (outside the tree)", () => {
    const withExe = m.mms.filter((mm) => mm.exeInodeId !== undefined);
    // The workload's processes; the container's init is cptbench-ctl, started from bytes outside
    // the VFS (no file, so nothing to record, as /proc/PID/exe of it is ENOENT before too).
    expect(withExe.length).toBeGreaterThan(0);
    for (const mm of withExe) expect(m.inodes.find((x) => x.id === mm.exeInodeId)).toMatchObject({ kind: "file", externalPath: EXE, pages: [] });
    const live = [...k.tasks.values()].filter((t) => t.pidNs !== k.initNs && t.alive && t.mm !== null);
    expect(new Set(live.filter((t) => t.mm.exe?.path != null).map((t) => t.mm)).size).toBe(withExe.length);
    expect(k.oopses.count).toBe(0);
  });

  it.each([
    { name: "cpt", make: () => new CptCodec() },
    { name: "ckpt", make: () => new CkptCodec() },
  ])("$name carries it, and an mm without it (an older image) reads back without it", ({ make }) => {
    const codec = make();
    expect(codec.decode(concat(codec.encode(m)))).toStrictEqual(m);
    const old = structuredClone(m);
    for (const mm of old.mms) delete mm.exeInodeId;
    const oldBytes = concat(codec.encode(old));
    expect(oldBytes.length).toBeLessThan(concat(codec.encode(m)).length);
    const back = codec.decode(oldBytes);
    expect(back.mms.every((mm) => !("exeInodeId" in mm))).toBe(true);
    expect(back).toStrictEqual(old);
  });
});
