// Credentials at restart and checkpoint follow CAP_CHECKPOINT_RESTORE's rules (issue 17 item 2):
// root restores any credentials; a restarter with only CAP_CHECKPOINT_RESTORE restores an image
// whose credentials (and file owners) it could have set itself, and nothing else; capability
// bits above CAP_LAST_CAP are refused for everyone; a checkpoint by an unprivileged task checks
// gids and capabilities, not only uids. The images are real ones, edited through the codec API.
import { describe, expect, it } from "vitest";
import type { CheckpointModel } from "../../../src/core/cr/model.ts";
import { CAP_CHECKPOINT_RESTORE, CAP_FULL_SET, Cred } from "../../../src/machine/kernel/cred.ts";
import type { Task } from "../../../src/machine/kernel/task.ts";
import type { Machine } from "../../../src/machine/machine.ts";
import { walkTmpfs } from "../../../src/core/cr/restore/tree.ts";
import { IMAGE_PATH, RESTART_LOG } from "../../../src/workbench/scenario/setup.ts";
import { crTrace } from "../../../src/core/cr/trace.ts";
import { experiment, frozenAtMark, workloadRef } from "../../support/cr.ts";
import { checkpointedIn, live, restartFrom, tampered, type Checkpointed } from "../../support/tamper.ts";

const EPERM = 1;
const EINVAL = 22;
const USER = 1000;
const CAP_CR = 2 ** CAP_CHECKPOINT_RESTORE;

/** Every credential and every file of the container's own becomes uid/gid `id`, with no capability. */
function ownedBy(id: number) {
  return (m: CheckpointModel): void => {
    for (const c of m.creds) Object.assign(c, { uid: id, euid: id, suid: id, fsuid: id, gid: id, egid: id, sgid: id, fsgid: id, capEffective: 0, capPermitted: 0 });
    for (const i of m.inodes) if (i.externalPath === undefined) Object.assign(i, { uid: id, gid: id });
  };
}

function chown(m: Machine, path: string, id: number): void {
  const d = walkTmpfs(m.kernel.vfs, path);
  if (d !== null) Object.assign(d.inode, { uid: id, gid: id });
}

/** The restarter becomes an unprivileged user with CAP_CHECKPOINT_RESTORE (or with no capability). */
function asUser(c: Checkpointed, caps = CAP_CR) {
  return (t: Task): void => {
    // Where an unprivileged restarter reads its image, writes its log and puts the tree: its own.
    for (const p of ["/ct", "/var/cpt", IMAGE_PATH, RESTART_LOG]) chown(c.m, p, USER);
    const cred = new Cred(c.k.kobj, "test: unprivileged restarter", USER, USER, USER, USER, USER, USER, USER, USER, caps, caps);
    t.setCred(cred);
    c.k.kobj.put(cred);
  };
}

/** The credentials of the restored container's tasks, as seen while they run. */
function containerCreds(seen: Set<string>) {
  return (k: Checkpointed["k"]): void => {
    for (const t of k.tasks.values()) if (t.alive && t.pidNs !== k.initNs) seen.add(`${t.cred.uid}:${t.cred.gid}:${t.cred.capPermitted}`);
  };
}

describe.each(["cpt", "ckpt"])("restart credentials (%s, kernel creator)", (codec) => {
  it("root restores uid 0 with every capability; out-of-range capability bits are refused", () => {
    const c = checkpointedIn("fork-tree", codec, "kernel");
    const before = live(c.k);
    const bad = restartFrom(c, tampered(c, (m) => (m.creds[0].capPermitted = CAP_FULL_SET * 2 + 1)));
    expect(bad.log[0]).toEqual(["restart", -EINVAL]);
    expect(bad.op?.error).toMatch(/cred \d+ capPermitted = \d+: has bits above CAP_LAST_CAP \(40\)/);
    const neg = restartFrom(c, tampered(c, (m) => (m.creds[0].uid = 0xffffffff)));
    expect(neg.op?.error).toMatch(/cred \d+ uid = 4294967295: not a valid id/);
    c.k.run(Infinity, true);
    expect(live(c.k)).toEqual(before);
    const seen = new Set<string>();
    const ok = restartFrom(c, c.image, undefined, containerCreds(seen));
    expect(ok.log[0][1]).toBeGreaterThan(0);
    expect(ok.log[1]).toEqual(["exit", 0]);
    expect([...seen]).toEqual([`0:0:${CAP_FULL_SET}`]);
    c.k.shutdown();
    expect(c.k.oopses.count).toBe(0);
  });

  it("an unprivileged restarter with CAP_CHECKPOINT_RESTORE restores its own image, and only that", () => {
    const c = checkpointedIn("fork-tree", codec, "kernel");
    const before = live(c.k);
    // Without the capability: refused before the image is read.
    const none = restartFrom(c, tampered(c, ownedBy(USER)), asUser(c, 0));
    expect(none.log[0]).toEqual(["restart", -EPERM]);
    expect(none.op?.error).toMatch(/restart needs CAP_SYS_ADMIN or CAP_CHECKPOINT_RESTORE/);
    // Root's image: its credentials are not the restarter's to set.
    const root = restartFrom(c, c.image, asUser(c));
    expect(root.log[0]).toEqual(["restart", -EPERM]);
    expect(root.op?.error).toMatch(/cred \d+: uid 0 is none of the caller's uids \(1000, 1000, 1000\); restoring it needs CAP_SYS_ADMIN/);
    // Its own credentials, but a file of the tree owned by root (as a set-uid root file would be).
    const file = restartFrom(c, tampered(c, (m) => {
      ownedBy(USER)(m);
      const f = m.inodes.find((i) => i.externalPath === undefined)!;
      f.uid = 0;
    }), asUser(c));
    expect(file.op?.error).toMatch(/inode \d+: owner uid 0 is not the caller's; restoring it needs CAP_SYS_ADMIN/);
    // A capability the restarter lacks.
    const caps = restartFrom(c, tampered(c, (m) => {
      ownedBy(USER)(m);
      m.creds[0].capPermitted = 2 ** 21;
    }), asUser(c));
    expect(caps.op?.error).toMatch(/capabilities 0x200000 exceed the caller's 0x10000000000/);
    c.k.run(Infinity, true);
    expect(live(c.k)).toEqual(before);
    // Its own image restores and runs to the end as the user.
    const seen = new Set<string>();
    const own = restartFrom(c, tampered(c, ownedBy(USER)), asUser(c), containerCreds(seen));
    expect(own.log[0][1]).toBeGreaterThan(0);
    expect([...seen]).toEqual([`${USER}:${USER}:0`]);
    expect(own.op?.error).toBeUndefined();
    expect(own.log[1]).toEqual(["exit", 0]);
    const tree = walkTmpfs(c.k.vfs, "/ct/fork-tree")!;
    expect(tree.inode.uid).toBe(USER);
    c.k.shutdown();
    expect(c.k.oopses.count).toBe(0);
  });
});

describe("checkpoint credentials", () => {
  it("a self checkpoint by uid 1000 refuses a container task with gid 0 or with capabilities", () => {
    const exp = experiment({ initiator: "self" });
    const { m, init } = frozenAtMark(workloadRef("fork-tree"), 1, exp);
    const k = m.kernel;
    const other = [...k.tasks.values()].find((t) => t.alive && t.pidNs === init.pidNs && t !== init)!;
    const set = (t: Task, gid: number, caps: number): void => {
      const c = new Cred(k.kobj, "test", USER, USER, USER, USER, gid, gid, gid, gid, caps, caps);
      t.setCred(c);
      k.kobj.put(c);
    };
    set(init, USER, 0);
    set(other, 0, 0);
    expect(k.cptOps!.checkpoint(k, init, 0, 1, 0)).toBe(-EPERM);
    expect(crTrace(k).ops.at(-1)!.error).toMatch(/task \d+ of the container: gid 0 is none of the caller's gids \(1000, 1000, 1000\)/);
    set(other, USER, 2 ** 21);
    expect(k.cptOps!.checkpoint(k, init, 0, 1, 0)).toBe(-EPERM);
    expect(crTrace(k).ops.at(-1)!.error).toMatch(/capabilities 0x200000 exceed the caller's 0x0/);
    k.killAll();
    k.run();
    k.shutdown();
    expect(k.oopses.count).toBe(0);
  });
});
