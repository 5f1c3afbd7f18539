// Memfds, pidfds and inotify instances through C/R (issue 16). The collector records a memfd as
// the unlinked tmpfs inode it is plus its name and seals (InodeRecord.memfd), a pidfd by the pid
// it refers to (a pid of the container, a reaped one included), an inotify instance with its
// watches by inode id, its wd cursor and its queued events; both codecs carry them in versioned
// records; validation and confinement refuse what no kernel could have made; and both creators
// give them back: a memfd on the shm mount with its seals, shared by every fd and mapping, a
// pidfd on the restored pid, an inotify instance that goes on with the same wds.
import { describe, expect, it } from "vitest";
import { collectContainer } from "../../../src/core/cr/collect/collect.ts";
import { CrError, EOPNOTSUPP } from "../../../src/core/cr/errors.ts";
import { CPT_KILL, ImageError } from "../../../src/core/cr/interfaces.ts";
import type { CheckpointModel, FileTargetRecord } from "../../../src/core/cr/model.ts";
import { confineModel } from "../../../src/core/cr/restore/confine.ts";
import { validateModel } from "../../../src/core/cr/restore/validate.ts";
import { crTrace } from "../../../src/core/cr/trace.ts";
import { F_SEAL_GROW, F_SEAL_SEAL, F_SEAL_SHRINK, F_SEAL_WRITE, MemfdInode } from "../../../src/machine/fs/memfd.ts";
import { groupOf, inotifyFile, inotifyOps } from "../../../src/machine/fs/notify/inotify.ts";
import { IN_CREATE, IN_MOVED_FROM, IN_MOVED_TO } from "../../../src/machine/fs/notify/fsnotify.ts";
import { pidNsInum } from "../../../src/machine/fs/proc/pid-misc.ts";
import { pidfdCreate, pidfdPid, pidTask } from "../../../src/machine/kernel/pidfd.ts";
import type { Kernel } from "../../../src/machine/kernel/kernel.ts";
import type { Task } from "../../../src/machine/kernel/task.ts";
import { ctlLog, IMAGE_PATH, readGuestFile, RESTART_LOG, startRestart, writeGuestFile } from "../../../src/workbench/scenario/setup.ts";
import { CptCodec } from "../../../src/plugins/openvz-cpt/codec/cpt-codec.ts";
import { CkptCodec } from "../../../src/plugins/self-cpt/codec/ckpt-codec.ts";
import { armAtMark, experiment, frozenAtMark, openvzDesign, refusal, workloadRef } from "../../support/cr.ts";
import { concat } from "../../support/cr-models.ts";
import { codecFor, DESIGNS, live, restartFrom, tampered } from "../../support/tamper.ts";

const EPERM = 1;

/** The container of `name` at its `mark`-th mark, collected (and the machine taken down). */
function collected(name: string, mark: number): CheckpointModel {
  const { m, init } = frozenAtMark(workloadRef(name), mark);
  const model = collectContainer(m.kernel, init, "test");
  m.kernel.killAll();
  return model;
}

const targets = <K extends FileTargetRecord["kind"]>(m: CheckpointModel, kind: K) =>
  m.files.flatMap((f) => (f.target.kind === kind ? [{ file: f, t: f.target as Extract<FileTargetRecord, { kind: K }> }] : []));

describe("the collector", () => {
  it("records a memfd once, with its name, seals and contents, for both of its fds", () => {
    const m = collected("libc-memfd", 1);
    const memfds = m.inodes.filter((i) => i.memfd !== undefined);
    expect(memfds.map((i) => i.memfd)).toEqual([{ name: "somename", seals: F_SEAL_SEAL }]);
    const i = memfds[0];
    expect(i).toMatchObject({ kind: "file", nlink: 0, size: 5, mode: 0o100642 });
    expect(i.externalPath).toBeUndefined();
    expect(Buffer.from(i.pages[0].data.subarray(0, 5)).toString()).toBe("hello");
    const files = targets(m, "inode").filter(({ t }) => t.inodeId === i.id);
    // The memfd_create fd (read-write) and the /proc/self/fd reopen (read-only): two files, one inode.
    expect(files.map(({ t }) => t.path)).toEqual(["/memfd:somename (deleted)", "/memfd:somename (deleted)"]);
    expect(files.map(({ file }) => file.flags & 3)).toEqual([2, 0]);
    const fds = m.fdTables.flatMap((t) => t.fds).filter((fd) => files.some(({ file }) => file.id === fd.fileId));
    expect(fds.map((fd) => fd.cloexec)).toEqual([true, false]);
  });

  it("gives a memfd's mappings and its fd one inode id, with the seals set so far", () => {
    const m = collected("libc-memfd", 2);
    const i = m.inodes.find((x) => x.memfd?.name === "seal")!;
    expect(i.memfd!.seals).toBe(F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_WRITE);
    const maps = m.mms.flatMap((mm) => mm.vmas).filter((v) => v.backing.kind === "file" && v.backing.inodeId === i.id);
    // The shared read-only mapping and the private one.
    expect(maps.length).toBe(2);
    expect(targets(m, "inode").some(({ t }) => t.inodeId === i.id)).toBe(true);
  });

  it("records pidfds by pid: of a live child, and of a reaped one (a pid no task has)", () => {
    const live1 = collected("libc-pidfd", 1);
    const pidfds = targets(live1, "pidfd");
    expect(pidfds.length).toBe(2);
    const child = live1.tasks.find((t) => t.pidId === pidfds[0].t.pidId);
    expect(child?.state).toBe("running");
    expect(pidfds[1].t.pidId).toBe(pidfds[0].t.pidId);
    const reaped = collected("libc-pidfd", 3);
    const r = targets(reaped, "pidfd");
    expect(r.length).toBe(2);
    expect(reaped.pids.some((p) => p.id === r[0].t.pidId)).toBe(true);
    expect(reaped.tasks.some((t) => t.pidId === r[0].t.pidId)).toBe(false);
  });

  it("records an inotify instance: watches by inode id, the wd cursor, queued events with names and cookies", () => {
    const m = collected("libc-inotify", 2);
    const [{ t }] = targets(m, "inotify");
    const d = m.tree.find((x) => x.path === "d")!;
    const f = m.tree.find((x) => x.path === "d/f")!;
    expect(t.watches).toEqual([{ wd: 1, inodeId: d.inodeId, mask: 0xfff }, { wd: 2, inodeId: f.inodeId, mask: 0xfff }]);
    expect(t.lastWd).toBe(2);
    const moves = t.events.filter((e) => (e.mask & (IN_MOVED_FROM | IN_MOVED_TO)) !== 0);
    expect(moves.map((e) => [e.wd, e.name])).toEqual([[1, "g"], [1, "h"]]);
    expect(moves[0].cookie).toBe(moves[1].cookie);
    expect(moves[0].cookie).toBeGreaterThan(0);
    expect(t.lastCookie).toBe(moves[0].cookie);
  });
});

describe("namespace files", () => {
  it("records a pid namespace file by the container's namespace id, others by kind", () => {
    const m = collected("libc-procself", 1);
    const ns = targets(m, "ns");
    // pid_for_children: the container's own pid namespace.
    expect(ns.map(({ t }) => t)).toEqual([{ kind: "ns", nsKind: "pid", pidNsId: m.container.pidNsId }]);
    const other = structuredClone(m);
    targets(other, "ns")[0].file.target = { kind: "ns", nsKind: "net" };
    for (const codec of ["cpt", "ckpt"]) {
      const c = codecFor(codec);
      expect(c.decode(concat(c.encode(m)))).toStrictEqual(m);
      expect(c.decode(concat(c.encode(other)))).toStrictEqual(other);
    }
    const bad = structuredClone(m);
    delete (targets(bad, "ns")[0].t as { pidNsId?: number }).pidNsId;
    expect(() => validateModel(bad)).toThrow(/is a pid namespace file without a pid namespace id/);
  });

  it.each(DESIGNS)("reopens it in the restored container's pid namespace ($codec, $creator)", ({ codec, creator }) => {
    const c = checkpointedAt("libc-procself", 1, codec, creator);
    let seen: Record<string, unknown> | null = null;
    restartLooking(c, (k) => {
      const tasks = seen === null ? restoredTasks(k) : null;
      if (tasks === null) return;
      for (const t of tasks) {
        const f = [...t.files!.fds()].map((fd) => t.files!.get(fd)!).find((x) => x.inode.sb === k.vfs.nsfs.sb);
        if (f !== undefined) seen = { name: f.path.dentry.name, own: f.path.dentry.name === `pid:[${pidNsInum(t.pidNs)}]` };
      }
    });
    expect(seen).toMatchObject({ own: true });
    c.k.shutdown();
    expect(c.k.oopses.count).toBe(0);
  });
});

describe("refusals at checkpoint time", () => {
  it("refuses a pidfd of a process outside the container", () => {
    const { m, init } = frozenAtMark(workloadRef("fork-tree"), 1);
    const k = m.kernel;
    const host = [...k.tasks.values()].find((t) => t.pidNs === k.initNs)!;
    const fd = init.files!.installNew(pidfdCreate(k, host.pid, 0, "test"), false);
    const e = refusal(k, init);
    expect(e.errno).toBe(EOPNOTSUPP);
    expect(e.message).toMatch(/the process fd's pidfd refers to \(pid \d+\) is outside the container's pid namespace/);
    init.files!.close(fd);
    expect(() => collectContainer(k, init, "test")).not.toThrow();
  });

  it("refuses a watch on an inode the model does not carry (a host directory outside the tree)", () => {
    const { m, init } = frozenAtMark(workloadRef("fork-tree"), 1);
    const k = m.kernel;
    const f = inotifyFile(k, 0, "test");
    const fd = init.files!.installNew(f, false);
    expect(groupOf(f).updateWatch(k.vfs.rootMount.root.inode, IN_CREATE)).toBe(1);
    const e = refusal(k, init);
    expect(e.errno).toBe(EOPNOTSUPP);
    expect(e.message).toMatch(/anon_inode:inotify watches inode \d+ \(tmpfs\), which is neither in the container's tree nor open or mapped by it/);
    init.files!.close(fd);
    expect(() => collectContainer(k, init, "test")).not.toThrow();
  });
});

const CODECS = [
  { name: "cpt", make: () => new CptCodec(), memfd: "CPT_OBJ_MEMFD", inotify: "CPT_OBJ_INOTIFY", versionAt: 16 },
  // Without run checksums, so that a patched byte reaches the record's own check.
  { name: "ckpt", make: () => new CkptCodec({ runChecksums: false }), memfd: "CKPT_HDR_MEMFD", inotify: "CKPT_HDR_INOTIFY", versionAt: 8 },
];

describe.each(CODECS)("the $name codec", ({ make, memfd, inotify, versionAt }) => {
  const models = { memfd: collected("libc-memfd", 2), pidfd: collected("libc-pidfd", 3), inotify: collected("libc-inotify", 2) };

  it.each(Object.keys(models))("reads back the %s model exactly", (which) => {
    const m = models[which as keyof typeof models];
    const codec = make();
    expect(codec.decode(concat(codec.encode(m)))).toStrictEqual(m);
  });

  it("writes one versioned record per memfd and per inotify instance, and none without them", () => {
    const codec = make();
    const names = (m: CheckpointModel) => codec.records!(concat(codec.encode(m))).map((r) => r.name);
    expect(names(models.memfd).filter((n) => n === memfd).length).toBe(models.memfd.inodes.filter((i) => i.memfd !== undefined).length);
    expect(names(models.inotify).filter((n) => n === inotify).length).toBe(1);
    expect(names(models.pidfd).some((n) => n === memfd || n === inotify)).toBe(false);
  });

  it.each(["memfd", "inotify"] as const)("refuses a %s record of another version", (which) => {
    const codec = make();
    const image = concat(codec.encode(models[which]));
    const rec = codec.records!(image).find((x) => x.name === (which === "memfd" ? memfd : inotify))!;
    const at = rec.offset + versionAt;
    expect(new DataView(image.buffer, image.byteOffset).getUint32(at, true)).toBe(1);
    const bad = image.slice();
    new DataView(bad.buffer).setUint32(at, 3, true);
    expect(() => codec.decode(bad)).toThrow(ImageError);
    expect(() => codec.decode(bad)).toThrow(/version 3 at byte \d+ is not 1/);
  });
});

describe("validation and confinement", () => {
  const memfd = collected("libc-memfd", 2);
  const inotify = collected("libc-inotify", 2);
  const pidfd = collected("libc-pidfd", 3);
  const rows: { what: string; base: CheckpointModel; edit: (m: CheckpointModel) => void; error: RegExp }[] = [
    { what: "unknown seals", base: memfd, edit: (m) => (m.inodes.find((i) => i.memfd)!.memfd!.seals = 0x100), error: /memfd seals = 256: not a set of F_SEAL_\* bits/ },
    { what: "a long memfd name", base: memfd, edit: (m) => (m.inodes.find((i) => i.memfd)!.memfd!.name = "x".repeat(250)), error: /memfd name = "x+": memfd_create takes a name of at most 249 bytes/ },
    { what: "wd 0", base: inotify, edit: (m) => (targets(m, "inotify")[0].t.watches[0].wd = 0), error: /inotify wd = 0/ },
    { what: "a repeated wd", base: inotify, edit: (m) => (targets(m, "inotify")[0].t.watches[1].wd = 1), error: /has two watches with wd 1/ },
    { what: "one inode watched twice", base: inotify, edit: (m) => { const w = targets(m, "inotify")[0].t.watches; w[1].inodeId = w[0].inodeId; }, error: /watches inode \d+ twice/ },
    { what: "a watch mask with IN_MASK_ADD", base: inotify, edit: (m) => (targets(m, "inotify")[0].t.watches[0].mask |= 0x20000000), error: /watch 1 mask = \d+: has bits outside/ },
    { what: "wd -1 on an ordinary event", base: inotify, edit: (m) => (targets(m, "inotify")[0].t.events[0].wd = -1), error: /wd -1 is only the IN_Q_OVERFLOW event/ },
    { what: "an event name with a slash", base: inotify, edit: (m) => (targets(m, "inotify")[0].t.events.find((e) => e.name !== null)!.name = "a/b"), error: /event \d+ name = "a\/b": not a file name/ },
  ];
  it("passes the models as collected", () => {
    for (const m of [memfd, inotify, pidfd]) expect(() => validateModel(m)).not.toThrow();
  });
  // The codecs refuse a dangling reference already (ImageError, EncodeError); a model from
  // elsewhere (the user-space creator's table) meets the same check in validateModel.
  it("refuses a pidfd of a missing pid and a watch on a missing inode", () => {
    const a = structuredClone(pidfd);
    targets(a, "pidfd")[0].t.pidId = 999;
    expect(() => validateModel(a)).toThrow(/file \d+ is a pidfd of pid 999, which the image does not have/);
    const b = structuredClone(inotify);
    targets(b, "inotify")[0].t.watches[0].inodeId = 9999;
    expect(() => validateModel(b)).toThrow(/watch 1 names inode 9999, which the image does not have/);
    for (const codec of ["cpt", "ckpt"]) {
      const c = codecFor(codec);
      expect(() => c.decode(concat(c.encode(a)))).toThrow(/pid 999/);
    }
  });
  describe.each(["cpt", "ckpt"])("through %s", (codec) => {
    it.each(rows)("refuses $what", ({ base, edit, error }) => {
      const m = structuredClone(base);
      edit(m);
      const c = codecFor(codec);
      const back = c.decode(concat(c.encode(m)));
      expect(() => validateModel(back)).toThrow(CrError);
      expect(() => validateModel(back)).toThrow(error);
    });
  });
  it("confines a memfd to an unlinked file the restart makes", () => {
    const jail = { jail: "/ct", restarterRoot: "/" };
    expect(() => confineModel(memfd, jail)).not.toThrow();
    const host = structuredClone(memfd);
    host.inodes.find((i) => i.memfd)!.externalPath = "/bin/sh";
    const e = (() => {
      try {
        confineModel(host, jail);
      } catch (x) {
        return x as CrError;
      }
      throw new Error("not refused");
    })();
    expect(e.errno).toBe(EPERM);
    expect(e.message).toMatch(/is a memfd but names a host file \(\/bin\/sh\)/);
  });
});

/** Checkpoint `name` at its `mark`-th mark (external initiator, kill mode) in the design. */
function checkpointedAt(name: string, mark: number, codec: string, creator: string) {
  const exp = experiment({ codec, creator });
  const d = openvzDesign(exp);
  const w = workloadRef(name);
  const a = armAtMark(w, CPT_KILL, mark, d, exp);
  const k = a.m.kernel;
  for (let i = 0; i < 100_000 && crTrace(k).ops[0]?.done !== true; i++) if (k.run(20_000, true) === 0 && crTrace(k).ops[0]?.done !== true) break;
  k.releaseCptMarks();
  k.run(Infinity, true);
  expect(crTrace(k).ops[0]?.result).toBe(0);
  return { w, m: a.m, k, d, image: readGuestFile(a.m, IMAGE_PATH)!, codec: codecFor(codec) };
}

/** The restored container's live tasks holding open files (none while the restart is at work). */
function restoredTasks(k: Kernel): Task[] | null {
  const tasks = [...k.tasks.values()].filter((t) => t.pidNs !== k.initNs && t.alive && t.files !== null && [...t.files.fds()].length > 0);
  return tasks.length > 0 ? tasks : null;
}

/**
 * Restart from the checkpoint's image, looking at the kernel every 50 instructions (so the
 * restored program has barely run when `each` first sees its files); returns the restarter's log.
 */
function restartLooking(c: ReturnType<typeof checkpointedAt>, each: (k: Kernel) => void): [string, number][] {
  writeGuestFile(c.m, IMAGE_PATH, c.image);
  const log0 = ctlLog(c.m, RESTART_LOG).length;
  const t = startRestart(c.m, c.w, c.d.restarter);
  for (let i = 0; i < 10_000_000 && t.alive; i++) {
    each(c.k);
    if (c.k.run(50, true) === 0) break;
  }
  return ctlLog(c.m, RESTART_LOG).slice(log0);
}

describe.each(DESIGNS)("restart ($codec, $creator)", ({ codec, creator }) => {
  it("gives back a memfd with its name, seals and contents, one inode for every fd and mapping", () => {
    const c = checkpointedAt("libc-memfd", 2, codec, creator);
    let seen: Record<string, unknown> | null = null;
    const log = restartLooking(c, (k) => {
      const tasks = seen === null ? restoredTasks(k) : null;
      if (tasks === null || tasks.length === 0) return;
      const t = tasks.find((x) => x.files !== null && [...x.files.fds()].some((fd) => x.files!.get(fd)!.inode instanceof MemfdInode));
      if (t === undefined) return;
      const files = [...t.files!.fds()].map((fd) => t.files!.get(fd)!).filter((f) => f.inode instanceof MemfdInode);
      const inode = files[0].inode as MemfdInode;
      const maps = t.mm.vmas.filter((v) => v.backing.kind === "file" && v.backing.inode === inode);
      seen = {
        name: files[0].path.dentry.name, deleted: files[0].path.dentry.deleted, onShm: files[0].path.mnt === k.vfs.shmMount,
        seals: inode.seals, size: inode.size, maps: maps.length, oneInode: files.every((f) => f.inode === inode),
      };
    });
    expect(log[log.length - 1]).toEqual(["exit", 0]);
    expect(seen).toEqual({ name: "memfd:seal", deleted: true, onShm: true, seals: F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_WRITE, size: 10, maps: 2, oneInode: true });
    c.k.shutdown();
    expect(c.k.oopses.count).toBe(0);
  });

  it("gives back a pidfd of a reaped child that still reads as reaped", () => {
    const c = checkpointedAt("libc-pidfd", 3, codec, creator);
    let seen: Record<string, unknown> | null = null;
    const log = restartLooking(c, (k) => {
      const tasks = seen === null ? restoredTasks(k) : null;
      if (tasks === null || tasks.length === 0) return;
      const t = tasks.find((x) => x.files !== null && [...x.files.fds()].some((fd) => pidfdPid(x.files!.get(fd)!) !== null));
      if (t === undefined) return;
      const pids = [...t.files!.fds()].map((fd) => pidfdPid(t.files!.get(fd)!)).filter((p) => p !== null);
      seen = { count: pids.length, reaped: pids.every((p) => pidTask(p) === null), inContainer: pids.every((p) => p.nrIn(t.pidNs) > 0) };
    });
    expect(log[log.length - 1]).toEqual(["exit", 0]);
    expect(seen).toEqual({ count: 2, reaped: true, inContainer: true });
    c.k.shutdown();
    expect(c.k.oopses.count).toBe(0);
  });

  it("gives back an inotify instance with its wds and queued events; a bad watch is refused before anything is made", () => {
    const c = checkpointedAt("libc-inotify", 2, codec, creator);
    const objects = live(c.k);
    const bad = restartFrom(c, tampered(c, (m) => {
      const [{ t }] = targets(m, "inotify");
      t.watches[1].inodeId = t.watches[0].inodeId;
    }));
    expect(bad.log[0][1]).toBeLessThan(0);
    expect(bad.op?.error).toMatch(/watches inode \d+ twice/);
    c.k.run(Infinity, true);
    expect(live(c.k)).toEqual(objects);
    let seen: Record<string, unknown> | null = null;
    const log = restartLooking(c, (k) => {
      const tasks = seen === null ? restoredTasks(k) : null;
      if (tasks === null || tasks.length === 0) return;
      const f = tasks.flatMap((t) => [...t.files!.fds()].map((fd) => t.files!.get(fd)!)).find((x) => x.ops === inotifyOps);
      if (f === undefined) return;
      const g = groupOf(f);
      seen = {
        wds: [...g.marks.keys()], names: [...g.marks.values()].map((x) => x.inode === k.vfs.rootMount.root.inode), lastWd: g.lastWd,
        events: g.events.length > 0, nonblock: (f.flags & 0o4000) !== 0,
      };
    });
    expect(log[log.length - 1]).toEqual(["exit", 0]);
    expect(seen).toEqual({ wds: [1, 2], names: [false, false], lastWd: 2, events: true, nonblock: true });
    c.k.shutdown();
    expect(c.k.oopses.count).toBe(0);
  });
});
