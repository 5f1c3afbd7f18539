// Supplementary groups and resource limits go through C/R (issue 16: "groups and rlimits"): the
// collector puts them in the cred and signal records, both codecs carry them (appended fields, so a
// task without them keeps its bytes), validation holds them to setgroups' and setrlimit's rules,
// both creators restore them, and an unprivileged restarter may restore only its own groups.
import { describe, expect, it } from "vitest";
import { collectContainer } from "../../../src/core/cr/collect/collect.ts";
import type { CheckpointModel, RlimitRecord } from "../../../src/core/cr/model.ts";
import { initRlimits, RLIM_INFINITY, RLIMIT_NOFILE, RLIMIT_STACK, setRlimit } from "../../../src/machine/kernel/rlimit.ts";
import { CAP_CHECKPOINT_RESTORE, Cred } from "../../../src/machine/kernel/cred.ts";
import type { Kernel } from "../../../src/machine/kernel/kernel.ts";
import type { Task } from "../../../src/machine/kernel/task.ts";
import { walkTmpfs } from "../../../src/core/cr/restore/tree.ts";
import { IMAGE_PATH, RESTART_LOG } from "../../../src/workbench/scenario/setup.ts";
import { frozenAtMark, workloadRef } from "../../support/cr.ts";
import { checkpointedIn, codecFor, DESIGNS, live, restartFrom, tampered, type Checkpointed } from "../../support/tamper.ts";

const EPERM = 1;
const EINVAL = 22;
const USER = 1000;

const withGroups = (groups: number[]) => (m: CheckpointModel): void => {
  for (const c of m.creds) c.groups = [...groups];
};

/** The groups of the restored container's live tasks, as they run. */
function containerGroups(seen: Set<string>) {
  return (k: Kernel): void => {
    for (const t of k.tasks.values()) if (t.alive && t.pidNs !== k.initNs) seen.add(t.cred.groups.join(","));
  };
}

describe.each(DESIGNS)("supplementary groups through C/R ($codec, $creator creator)", ({ codec, creator }) => {
  it("are collected into the cred record and survive the codec", () => {
    const { m, init } = frozenAtMark(workloadRef("fork-tree"), 1);
    const k = m.kernel;
    const c = init.cred.withGroups([27495, 48244, 48244], "test: setgroups");
    init.setCred(c);
    k.kobj.put(c);
    const model = collectContainer(k, init, "test");
    const rec = model.creds.find((r) => r.groups !== undefined);
    expect(rec?.groups).toEqual([27495, 48244, 48244]);
    // Tasks that never called setgroups keep a record without the field.
    expect(model.creds.filter((r) => r.groups === undefined).length).toBe(model.creds.length - 1);
    const cc = codecFor(codec);
    const back = cc.decode(Buffer.concat([...cc.encode(model)]));
    expect(back.creds).toEqual(model.creds);
    k.killAll();
    k.run();
    k.shutdown();
  });

  it("are restored; a list setgroups could not have made is refused and leaves nothing behind", () => {
    const c = checkpointedIn("fork-tree", codec, creator);
    const before = live(c.k);
    const unsorted = restartFrom(c, tampered(c, withGroups([9, 3])));
    expect(unsorted.log[0]).toEqual(["restart", -EINVAL]);
    expect(unsorted.op?.error).toMatch(/cred \d+ groups\[1\] = 3: not in ascending order/);
    // An empty list is no list: the codecs write the fields only for a task with groups.
    expect(c.codec.decode(tampered(c, withGroups([]))).creds.every((r) => r.groups === undefined)).toBe(true);
    const bad = restartFrom(c, tampered(c, withGroups([0xffffffff])));
    expect(bad.op?.error).toMatch(/cred \d+ groups\[0\] = 4294967295: not a valid id/);
    c.k.run(Infinity, true);
    expect(live(c.k)).toEqual(before);
    const seen = new Set<string>();
    const ok = restartFrom(c, tampered(c, withGroups([5, 7, 7])), undefined, containerGroups(seen));
    expect(ok.log[0][1]).toBeGreaterThan(0);
    expect(ok.log[1]).toEqual(["exit", 0]);
    expect([...seen]).toEqual(["5,7,7"]);
    c.k.shutdown();
    expect(c.k.oopses.count).toBe(0);
  });
});

describe("supplementary groups and an unprivileged restarter", () => {
  const asUser = (c: Checkpointed, groups: number[]) => (t: Task): void => {
    for (const p of ["/ct", "/var/cpt", IMAGE_PATH, RESTART_LOG]) {
      const d = walkTmpfs(c.m.kernel.vfs, p);
      if (d !== null) Object.assign(d.inode, { uid: USER, gid: USER });
    }
    const caps = 2 ** CAP_CHECKPOINT_RESTORE;
    const cred = new Cred(c.k.kobj, "test: unprivileged restarter", USER, USER, USER, USER, USER, USER, USER, USER, caps, caps, groups);
    t.setCred(cred);
    c.k.kobj.put(cred);
  };
  const mine = (groups: number[]) => (m: CheckpointModel): void => {
    for (const r of m.creds) Object.assign(r, { uid: USER, euid: USER, suid: USER, fsuid: USER, gid: USER, egid: USER, sgid: USER, fsgid: USER, capEffective: 0, capPermitted: 0 });
    for (const i of m.inodes) if (i.externalPath === undefined) Object.assign(i, { uid: USER, gid: USER });
    withGroups(groups)(m);
  };

  it("restores its own groups, and refuses groups it does not have (gaining one, or dropping one)", () => {
    const c = checkpointedIn("fork-tree", "cpt", "kernel");
    const gain = restartFrom(c, tampered(c, mine([5, 10])), asUser(c, [5]));
    expect(gain.log[0]).toEqual(["restart", -EPERM]);
    expect(gain.op?.error).toMatch(/supplementary groups \[5, 10\] are not the caller's \[5\]/);
    const drop = restartFrom(c, tampered(c, mine([5])), asUser(c, [5, 10]));
    expect(drop.op?.error).toMatch(/supplementary groups \[5\] are not the caller's \[5, 10\]/);
    const seen = new Set<string>();
    const own = restartFrom(c, tampered(c, mine([5, 10])), asUser(c, [5, 10]), containerGroups(seen));
    expect(own.op?.error).toBeUndefined();
    expect(own.log[1]).toEqual(["exit", 0]);
    expect([...seen]).toEqual(["5,10"]);
    c.k.shutdown();
    expect(c.k.oopses.count).toBe(0);
  });
});

describe.each(DESIGNS)("resource limits through C/R ($codec, $creator creator)", ({ codec, creator }) => {
  it("a process that set its limits gets them back; limits setrlimit would refuse are refused", () => {
    const c = checkpointedIn("fork-tree", codec, creator);
    const before = live(c.k);
    const limits = (edit: (l: RlimitRecord[]) => void) => (m: CheckpointModel): void => {
      for (const g of m.threadGroups) {
        const l = initRlimits(c.k).map((x) => ({ cur: x.cur, max: x.max }));
        edit(l);
        g.rlimits = l;
      }
    };
    const above = restartFrom(c, tampered(c, limits((l) => (l[RLIMIT_NOFILE] = { cur: 300n, max: 200n }))));
    expect(above.log[0]).toEqual(["restart", -EINVAL]);
    expect(above.op?.error).toMatch(/thread group \d+ rlimits\[7\]\.cur = 0x12c: above its max 200/);
    const nofile = restartFrom(c, tampered(c, limits((l) => (l[RLIMIT_NOFILE] = { cur: 10n, max: 2n ** 40n }))));
    expect(nofile.op?.error).toMatch(/rlimits\[7\]\.max = 0x10000000000: RLIMIT_NOFILE above fs\.nr_open/);
    const short = restartFrom(c, tampered(c, (m) => { limits(() => undefined)(m); m.threadGroups[0].rlimits!.pop(); }));
    expect(short.op?.error).toMatch(/rlimits length = 15: a process has 16 limits/);
    c.k.run(Infinity, true);
    expect(live(c.k)).toEqual(before);
    const seen = new Set<string>();
    const ok = restartFrom(c, tampered(c, limits((l) => {
      l[RLIMIT_NOFILE] = { cur: 100n, max: 200n };
      l[RLIMIT_STACK] = { cur: 1n << 20n, max: RLIM_INFINITY };
    })), undefined, (k) => {
      // The mm keeps its own copy of RLIMIT_STACK for stack growth: the restart sets it too.
      for (const t of k.tasks.values()) if (t.alive && t.pidNs !== k.initNs) seen.add(`${t.group.rlimits?.[RLIMIT_NOFILE].cur} ${t.mm.stackLimit}`);
    });
    expect(ok.log[1]).toEqual(["exit", 0]);
    expect([...seen]).toEqual([`100 ${1 << 20}`]);
    c.k.shutdown();
    expect(c.k.oopses.count).toBe(0);
  });

  it("a limit set before the checkpoint is collected, and the codec keeps every one", () => {
    const { m, init } = frozenAtMark(workloadRef("fork-tree"), 1);
    const k = m.kernel;
    setRlimit(k, init.group, RLIMIT_NOFILE, { cur: 100n, max: 200n });
    const model = collectContainer(k, init, "test");
    const g = model.threadGroups.find((x) => x.rlimits !== undefined)!;
    expect(g.rlimits![RLIMIT_NOFILE]).toEqual({ cur: 100n, max: 200n });
    expect(model.threadGroups.filter((x) => x.rlimits === undefined).length).toBe(model.threadGroups.length - 1);
    const cc = codecFor(codec);
    expect(cc.decode(Buffer.concat([...cc.encode(model)])).threadGroups).toEqual(model.threadGroups);
    k.killAll();
    k.run();
    k.shutdown();
  });
});
