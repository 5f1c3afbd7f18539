// The fuzzer's unprivileged restarter (`--as-user UID`): the restarter runs as uid and gid UID
// with CAP_CHECKPOINT_RESTORE only, restarting its own image (every credential and every file of
// the container's tree made UID's, as an image its own checkpoint would have written). Then a
// mutant whose restored tasks hold credentials the restarter could not have set itself (uid 0,
// capabilities it lacks) is a privilege gain: an escape from the restarter's authority.
import { CAP_CHECKPOINT_RESTORE, Cred } from "../../machine/kernel/cred.ts";
import type { Task } from "../../machine/kernel/task.ts";
import type { Machine } from "../../machine/machine.ts";
import { walkTmpfs } from "../../core/cr/restore/tree.ts";
import { credsBeyond } from "../../core/cr/creds.ts";
import type { CheckpointModel } from "../../core/cr/model.ts";
import { CT_DIR, IMAGE_PATH, RESTART_LOG } from "../scenario/setup.ts";

/** The image made `uid`'s own: credentials without capabilities, the tree's files owned by it. */
export function ownImage(m: CheckpointModel, uid: number): void {
  for (const c of m.creds) Object.assign(c, { uid, euid: uid, suid: uid, fsuid: uid, gid: uid, egid: uid, sgid: uid, fsgid: uid, capEffective: 0, capPermitted: 0 });
  for (const i of m.inodes) if (i.externalPath === undefined) Object.assign(i, { uid, gid: uid });
}

/** Where an unprivileged restarter reads its image, logs and puts the tree: made its own. */
export function handOver(m: Machine, uid: number): void {
  for (const p of [CT_DIR, "/var/cpt", IMAGE_PATH, RESTART_LOG]) {
    const d = walkTmpfs(m.kernel.vfs, p);
    if (d !== null) Object.assign(d.inode, { uid, gid: uid });
  }
}

/** Make the restarter uid/gid `uid` with CAP_CHECKPOINT_RESTORE alone. */
export function demote(m: Machine, t: Task, uid: number): void {
  const k = m.kernel;
  const caps = 2 ** CAP_CHECKPOINT_RESTORE;
  const cred = new Cred(k.kobj, "fuzz: unprivileged restarter", uid, uid, uid, uid, uid, uid, uid, uid, caps, caps);
  t.setCred(cred);
  k.kobj.put(cred);
}

/** The first restored task whose credentials `restarter` could not have set, and why; or "". */
export function privilegeGain(m: Machine, restarter: Task): string {
  const k = m.kernel;
  for (const t of k.tasks.values()) {
    if (!t.alive || t.pidNs === k.initNs) continue;
    const why = credsBeyond(restarter.cred, t.cred);
    if (why !== null) return `privilege gain: restored task ${t.comm} (pid ${t.id}): ${why}`;
  }
  return "";
}
