// What a restart must not change outside the container it builds (the "escape" and "leak"
// classes): every file of the machine outside the restarter's directory (CT_DIR, where the
// container's tree goes) and /var/cpt (the image and the restarter's log); the tasks of the
// restarter's pid namespace; live kernel objects by type and page frames in use — the accounting
// of the leak tests (test/core/cr/restore-leaks.test.ts).
import { createHash } from "node:crypto";
import type { Machine } from "../../machine/machine.ts";
import type { Task } from "../../machine/kernel/task.ts";
import { TmpfsDir, TmpfsFile, TmpfsSymlink } from "../../machine/fs/tmpfs/tmpfs.ts";
import type { Dentry } from "../../machine/fs/inode.ts";
import { CT_DIR } from "../scenario/setup.ts";
import { liveObjects, objectDelta } from "../cases/kernel-state.ts";

/** Directories whose changes belong to the restart: its jail and its image and log. */
const OWN = [CT_DIR, "/var/cpt"];

export interface MachineSnapshot {
  /** sha256 of names, modes, owners, sizes, link targets and contents outside OWN. */
  outside: string;
  /** The first paths outside OWN, for a readable escape report. */
  paths: Set<string>;
  objects: Record<string, number>;
  frames: number;
}

function digestOutside(m: Machine): { digest: string; paths: Set<string> } {
  const h = createHash("sha256");
  const paths = new Set<string>();
  const walk = (d: Dentry, path: string): void => {
    if (OWN.includes(path)) return;
    const i = d.inode;
    paths.add(path);
    h.update(`${path}\0${i.mode.toString(8)}\0${i.uid}:${i.gid}\0${i.size}\0`);
    if (i instanceof TmpfsFile) h.update(i.readBytes());
    else if (i instanceof TmpfsSymlink) h.update(i.target);
    else if (i instanceof TmpfsDir) {
      for (const c of [...i.children.values()].sort((a, b) => (a.name < b.name ? -1 : 1))) walk(c, `${path === "/" ? "" : path}/${c.name}`);
    }
  };
  walk(m.kernel.vfs.root.dentry, "/");
  return { digest: h.digest("hex"), paths };
}

export function snapshot(m: Machine): MachineSnapshot {
  const { digest, paths } = digestOutside(m);
  return { outside: digest, paths, objects: liveObjects(m.kernel), frames: m.kernel.frames.inUse };
}

/** What differs outside the restart's own directories between two snapshots, or "". */
export function outsideChange(a: MachineSnapshot, b: MachineSnapshot): string {
  if (a.outside === b.outside) return "";
  const added = [...b.paths].filter((p) => !a.paths.has(p));
  const removed = [...a.paths].filter((p) => !b.paths.has(p));
  const parts = [
    ...(added.length > 0 ? [`created ${added.slice(0, 3).join(", ")}`] : []),
    ...(removed.length > 0 ? [`removed ${removed.slice(0, 3).join(", ")}`] : []),
  ];
  return parts.length > 0 ? parts.join("; ") : "a file outside the container's directory changed";
}

/** Kernel objects and frames that a failed restart left behind, or "". */
export function leftBehind(a: MachineSnapshot, b: MachineSnapshot): string {
  const objs = objectDelta(a.objects, b.objects);
  const frames = b.frames - a.frames;
  return [objs, frames !== 0 ? `frames ${frames > 0 ? "+" : ""}${frames}` : ""].filter((s) => s !== "").join(", ");
}

/**
 * User tasks alive in the restarter's pid namespace that were not there before: neither the
 * restarter nor the machine's init (booted with the first program). Kernel threads are the
 * restart's own (cpt_rst may still be on its way out when the restarter is gone); a restored
 * task runs in user mode.
 */
export function newHostTasks(m: Machine, before: ReadonlySet<Task>, restarter: Task | null): Task[] {
  const k = m.kernel;
  return [...k.tasks.values()].filter((t) => t.alive && t.kthread === null && t.pidNs === k.initNs && t !== restarter && t !== k.initNs.reaper && !before.has(t));
}
