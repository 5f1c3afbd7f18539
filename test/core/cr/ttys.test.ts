// Pseudo-terminals through C/R (issue 16). libc-pty's marks: 1 a line the slave has not read and
// its echo the master has not read; 2 a canonical line half typed ("one two", no newline yet);
// 3 a child session whose controlling terminal's foreground group is a background child's. The
// collector records each pair once (TtyRecord) and each group's terminal (ttyId); both codecs
// carry it in a versioned record; validation bounds it; both creators give it back at its number,
// and a pty with a file open outside the container is refused by name.
import { describe, expect, it } from "vitest";
import { collectContainer, containerTasks } from "../../../src/core/cr/collect/collect.ts";
import { CrError, EBUSY } from "../../../src/core/cr/errors.ts";
import { ImageError } from "../../../src/core/cr/interfaces.ts";
import type { CheckpointModel } from "../../../src/core/cr/model.ts";
import { Restorer } from "../../../src/core/cr/restore/restorer.ts";
import { validateModel } from "../../../src/core/cr/restore/validate.ts";
import { AT_FDCWD, O_NOCTTY, O_RDWR } from "../../../src/machine/fs/constants.ts";
import type { File } from "../../../src/machine/fs/file.ts";
import { openAt } from "../../../src/machine/fs/open.ts";
import { TtyStruct } from "../../../src/machine/fs/tty/tty-struct.ts";
import type { Kernel } from "../../../src/machine/kernel/kernel.ts";
import type { Task } from "../../../src/machine/kernel/task.ts";
import { CptCodec } from "../../../src/plugins/openvz-cpt/codec/cpt-codec.ts";
import { CkptCodec } from "../../../src/plugins/self-cpt/codec/ckpt-codec.ts";
import { frozenAtMark, workloadRef } from "../../support/cr.ts";
import { concat } from "../../support/cr-models.ts";
import { DESIGNS, checkpointedIn, live, restartFrom } from "../../support/tamper.ts";

const EINVAL = 22;
const text = (b: Uint8Array): string => Buffer.from(b).toString("latin1");

function collectedAt(mark: number): { k: Kernel; init: Task; model: CheckpointModel } {
  const { m, init } = frozenAtMark(workloadRef("libc-pty"), mark);
  return { k: m.kernel, init, model: collectContainer(m.kernel, init, "test") };
}

describe("ptys in the model", () => {
  it("a half-typed canonical line: in the slave's read buffer, not a complete line; its echo on the master's side", () => {
    const { model } = collectedAt(2);
    expect(model.ttys?.length).toBe(1);
    const p = model.ttys![0];
    expect(text(p.slave.readBuf)).toBe("one two");
    expect(p.slave.canonLen).toBe(0);
    expect(text(p.master.readBuf)).toBe("one two");
    expect(p.locked).toBe(false);
    const files = model.files.flatMap((f) => (f.target.kind === "pty" ? [f.target] : []));
    expect(files.map((t) => [t.master, t.path]).sort()).toEqual([[false, `/dev/pts/${p.index}`], [true, "/dev/ptmx"]]);
  });

  it("a controlling terminal: the group names it, the slave keeps its session and another foreground group", () => {
    const { model } = collectedAt(3);
    const leader = model.threadGroups.find((g) => g.ttyId !== undefined)!;
    const p = model.ttys!.find((t) => t.id === leader.ttyId)!;
    expect(p.slave.sessionPidId).toBe(leader.sessionPidId);
    expect(p.slave.pgrpPidId).not.toBeNull();
    expect(p.slave.pgrpPidId).not.toBe(leader.pgrpPidId);
    expect(p.slave.winsize).toEqual({ row: 30, col: 100, xpixel: 0, ypixel: 0 });
    // The master controls nothing: its session is never set.
    expect(p.master.sessionPidId).toBeNull();
    expect(model.files.some((f) => f.target.kind === "pty" && f.target.path === "/dev/tty")).toBe(true);
  });

  const codecs = [
    { name: "cpt", make: () => new CptCodec(), record: "CPT_OBJ_TTY", versionAt: 24 },
    // Without run checksums, so that a patched byte reaches the record's own check.
    { name: "ckpt", make: () => new CkptCodec({ runChecksums: false }), record: "CKPT_HDR_TTY", versionAt: 16 },
  ];
  describe.each(codecs)("$name", ({ make, record, versionAt }) => {
    const { model } = collectedAt(3);

    it("carries every pair in one record and reads the model back as it was", () => {
      const codec = make();
      const image = concat(codec.encode(model));
      expect(codec.records!(image).filter((x) => x.name === record).length).toBe(model.ttys!.length);
      expect(codec.decode(image)).toStrictEqual(model);
    });

    it("refuses a tty record of another version", () => {
      const codec = make();
      const image = concat(codec.encode(model));
      const rec = codec.records!(image).find((x) => x.name === record)!;
      const at = rec.offset + versionAt;
      expect(new DataView(image.buffer, image.byteOffset).getUint32(at, true)).toBe(1);
      const bad = image.slice();
      new DataView(bad.buffer).setUint32(at, 2, true);
      expect(() => codec.decode(bad)).toThrow(ImageError);
      expect(() => codec.decode(bad)).toThrow(/tty record version 2 is not 1/);
    });
  });
});

describe("pty records that no kernel could have made are refused before anything is made", () => {
  const { model } = collectedAt(3);
  const cases: [string, (m: CheckpointModel) => void, RegExp][] = [
    ["a canonical length past the read buffer", (m) => (m.ttys![0].slave.canonLen = m.ttys![0].slave.readBuf.length + 1), /canonical length \d+ is outside/],
    ["a read buffer over N_TTY_BUF_SIZE", (m) => {
      const e = m.ttys![0].slave;
      e.readBuf = new Uint8Array(4096);
      e.readEol = new Uint8Array(4096);
    }, /over N_TTY_BUF_SIZE - 1 \(4095\)/],
    ["a flip buffer over the port's limit", (m) => (m.ttys![0].master.flip = new Uint8Array(65537)), /flip buffer holds 65537 bytes/],
    ["an index past the devpts limit", (m) => (m.ttys![0].index = 4096), /index 4096 is not below the devpts limit/],
    ["a window size past an unsigned short", (m) => (m.ttys![0].slave.winsize.row = 70000), /ws_row 70000 is not an unsigned short/],
    ["unknown state bits", (m) => (m.ttys![0].slave.state = 1024), /state 0x400 has unknown bits/],
    ["a session pid the image does not have", (m) => (m.ttys![0].slave.sessionPidId = 999), /session names pid 999/],
    ["a master opened through another path", (m) => {
      const f = m.files.find((x) => x.target.kind === "pty" && x.target.master)!;
      if (f.target.kind === "pty") f.target.path = "/tmp/ptmx";
    }, /a pty master is opened through \/dev\/ptmx or \/dev\/pts\/ptmx, not "\/tmp\/ptmx"/],
    ["a slave named by another pair's number", (m) => {
      const f = m.files.find((x) => x.target.kind === "pty" && !x.target.master && x.target.path !== "/dev/tty")!;
      if (f.target.kind === "pty") f.target.path = "/dev/pts/9";
    }, /is opened as \/dev\/pts\/\d+ or \/dev\/tty, not "\/dev\/pts\/9"/],
    ["a controlling terminal the image does not have", (m) => (m.threadGroups.find((g) => g.ttyId !== undefined)!.ttyId = 77), /controlling terminal is pty 77/],
    ["a pair no file holds", (m) => {
      const p = m.ttys![0];
      m.ttys!.push({ ...structuredClone(p), id: 50, index: 50 });
    }, /pty 50 \(\/dev\/pts\/50\) is held by no file/],
  ];
  it.each(cases)("%s", (_what, edit, message) => {
    const m = structuredClone(model);
    edit(m);
    let err: unknown = null;
    try {
      validateModel(m);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(CrError);
    expect((err as CrError).errno).toBe(EINVAL);
    expect((err as Error).message).toMatch(message);
  });

  it("accepts the model as collected", () => {
    expect(() => validateModel(model)).not.toThrow();
  });
});

describe("a pty with a file open outside the container", () => {
  it("is refused with EBUSY, naming it, whether the outsider shares a file or opened its own", () => {
    const { k, init } = collectedAt(2);
    const outside = [...k.tasks.values()].find((t) => t.pidNs === k.initNs && t.files !== null && t.kthread === null)!;
    const refusal = (): string => {
      try {
        collectContainer(k, init, "test");
      } catch (e) {
        expect(e).toBeInstanceOf(CrError);
        expect((e as CrError).errno).toBe(EBUSY);
        return (e as Error).message;
      }
      return "collected";
    };
    expect(refusal()).toBe("collected");
    const inside = containerTasks(k, init).find((t) => t.files !== null && t.files.fds().some((fd) => t.files!.get(fd)!.path.dentry.name === "ptmx"))!;
    const fd = inside.files!.fds().find((x) => inside.files!.get(x)!.path.dentry.name === "ptmx")!;
    const master = inside.files!.get(fd)!;
    k.kobj.get(master);
    const shared = outside.files!.installNew(master, false);
    expect(refusal()).toMatch(/^open file \/dev\/ptmx \(the master of \/dev\/pts\/\d+\) is shared with a task outside the container/);
    outside.files!.close(shared);
    const slave = openAt({ k, t: outside }, AT_FDCWD, `/dev/pts/${k.vfs.devpts.slaves.keys().next().value}`, O_RDWR | O_NOCTTY, 0, "test") as File;
    expect(typeof slave).toBe("object");
    expect(refusal()).toMatch(/^\/dev\/pts\/\d+ is open outside the container \(\/dev\/pts\/\d+\): a pseudo-terminal held from outside cannot be checkpointed/);
    k.kobj.put(slave);
    expect(refusal()).toBe("collected");
  });
});

describe.each(DESIGNS)("ptys through a restart ($codec, $creator)", ({ codec, creator }) => {
  it("come back at their number with their unread bytes; a number in use refuses the restart and leaves nothing", () => {
    const c = checkpointedIn("libc-pty", codec, creator);
    const k = c.k;
    // The original is gone (kill mode): its number is taken meanwhile, as by another user's pty.
    expect(k.vfs.devpts.slaves.size).toBe(0);
    k.vfs.devpts.slaves.set(0, new TtyStruct(k, 0, false));
    const objects = live(k);
    const busy = restartFrom(c, c.image);
    expect(busy.log[0]).toEqual(["restart", -EBUSY]);
    expect(busy.op?.error).toMatch(/\/dev\/pts\/0 is in use on this machine: pty \d+ cannot get its number back/);
    expect(live(k)).toEqual(objects);
    expect(k.vfs.devpts.slaves.size).toBe(1);
    k.vfs.devpts.slaves.delete(0);

    let unread: string | null = null;
    k.onCptMark = (t) => {
      if (t.pidNs !== k.initNs && unread === null) {
        const p = k.vfs.devpts.slaves.get(0)!;
        unread = Buffer.from(p.ldata.buf).toString("latin1");
      }
      return false;
    };
    const r = restartFrom(c, c.image);
    expect(r.log[0][1]).toBeGreaterThan(0);
    expect(r.log[1]).toEqual(["exit", 0]);
    // At the next mark the half-typed line is in the restored slave's buffer.
    expect(unread).toBe("one two");
    k.shutdown();
    expect(k.oopses.count).toBe(0);
  });
});

/** Every helper of the in-kernel order, as restore-leaks.test.ts runs them. */
function restoreAll(k: Kernel, caller: Task, model: CheckpointModel): Restorer {
  const r = new Restorer(k, caller, model);
  try {
    r.makeNamespaces();
    r.makePids();
    r.makeShared();
    r.makeTree();
    r.makeMemory();
    for (const tr of model.tasks) r.createTask(tr, null, null);
    r.makeFiles();
    r.attachFiles();
  } catch (e) {
    r.abort();
    throw e;
  }
  return r;
}

describe("a restart with ptys failing at any kernel object leaves nothing behind", () => {
  it("frees the pairs, their numbers and their files", () => {
    const { k, model } = collectedAt(3);
    // The original still holds its numbers: the copy takes others (paths follow the number).
    const m = structuredClone(model);
    for (const p of m.ttys!) {
      const old = `/dev/pts/${p.index}`;
      p.index += 100;
      for (const f of m.files) if (f.target.kind === "pty" && f.target.ttyId === p.id && f.target.path === old) f.target.path = `/dev/pts/${p.index}`;
    }
    validateModel(m);
    const caller = [...k.tasks.values()].find((t) => t.pidNs === k.initNs && t.kthread === null)!;
    const objects = live(k);
    const numbers = [...k.vfs.devpts.slaves.keys()];
    let failures = 0;
    for (let n = 1; ; n++) {
      let seen = 0;
      const register = k.kobj.register;
      k.kobj.register = (o) => {
        if (++seen === n) throw new CrError(12, `test: kernel object ${seen} cannot be made`);
        register.call(k.kobj, o);
      };
      let r: Restorer | null = null;
      try {
        r = restoreAll(k, caller, m);
      } catch (e) {
        expect(e, `kobject ${n}`).toBeInstanceOf(CrError);
        failures++;
      } finally {
        k.kobj.register = register;
      }
      r?.abort();
      expect(live(k), `kobject ${n}`).toEqual(objects);
      expect([...k.vfs.devpts.slaves.keys()], `pty numbers after kobject ${n}`).toEqual(numbers);
      if (seen < n) break;
    }
    expect(failures).toBeGreaterThan(3);
  });
});
