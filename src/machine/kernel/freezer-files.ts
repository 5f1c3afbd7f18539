// The files of a freezer cgroup directory, as text in and text out. The file system mounts
// these at /sys/fs/cgroup/freezer/<group>/: `tasks` (one pid per line, as the reader's pid
// namespace sees them; writing a pid moves that task), `cgroup.procs` (the same for whole
// processes), `freezer.state` (THAWED, FREEZING or FROZEN; writing FROZEN or THAWED),
// `freezer.self_freezing` and `freezer.parent_freezing` (0 or 1).
import { CAP_SYS_ADMIN } from "./cred.ts";
import { EINVAL, EPERM, ESRCH } from "./errno.ts";
import type { FreezerCgroup } from "./freezer.ts";

/** PID_MAX_LIMIT on a 32-bit kernel (PAGE_SIZE * 8): the largest pids.max accepted. */
const PID_MAX_LIMIT = 32768;
import type { Kernel } from "./kernel.ts";
import type { Task } from "./task.ts";

export const FREEZER_FILES = ["tasks", "cgroup.procs", "freezer.state", "freezer.self_freezing", "freezer.parent_freezing"] as const;
/** The pids controller's files, co-mounted: not on the root group (CFTYPE_NOT_ON_ROOT). */
export const PIDS_FILES = ["pids.current", "pids.max"] as const;
export type FreezerFile = (typeof FREEZER_FILES)[number] | (typeof PIDS_FILES)[number];

/** The control files a group's directory has. */
export function groupFiles(g: FreezerCgroup): readonly FreezerFile[] {
  return g.parent === null ? FREEZER_FILES : [...FREEZER_FILES, ...PIDS_FILES];
}

/** The text a read of the file returns. */
export function readFreezerFile(k: Kernel, g: FreezerCgroup, file: FreezerFile, reader: Task): string {
  switch (file) {
    case "tasks":
    case "cgroup.procs": {
      const seen = new Set<number>();
      // The root group holds every task not moved elsewhere (its set lists only those moved back).
      const members = g.parent === null ? [...k.tasks.values()].filter((t) => k.freezer.groupOf(t) === g) : g.tasks;
      for (const t of members) {
        if (!t.alive) continue;
        const nr = (file === "tasks" ? t.pid : t.group.leader.pid).nrIn(reader.pidNs);
        if (nr > 0) seen.add(nr);
      }
      return [...seen].sort((a, b) => a - b).map((n) => `${n}\n`).join("");
    }
    case "freezer.state":
      return `${k.freezer.state(g)}\n`;
    case "freezer.self_freezing":
      return g.selfFreezing ? "1\n" : "0\n";
    case "freezer.parent_freezing":
      return g.parent?.freezing ? "1\n" : "0\n";
    case "pids.current":
      return `${g.pidsCurrent()}\n`;
    case "pids.max":
      return g.pidsMax === Infinity ? "max\n" : `${g.pidsMax}\n`;
  }
}

/** Apply a write; returns the byte count written or -errno. */
export function writeFreezerFile(k: Kernel, g: FreezerCgroup, file: FreezerFile, writer: Task, text: string): number {
  const len = new TextEncoder().encode(text).length;
  const value = text.trim();
  switch (file) {
    case "freezer.state":
      if (g.parent === null) return -EINVAL; // the root group cannot be frozen
      if (value === "FROZEN") k.freezer.freeze(g);
      else if (value === "THAWED") k.freezer.thaw(g);
      else return -EINVAL;
      return len;
    case "tasks":
    case "cgroup.procs": {
      if (!/^\d+$/.test(value)) return -EINVAL;
      const nr = Number(value);
      const t = nr === 0 ? writer : k.findTask(writer.pidNs, nr);
      if (t === undefined || !t.alive) return -ESRCH;
      if (!writer.cred.capable(CAP_SYS_ADMIN) && writer.cred.euid !== t.cred.uid) return -EPERM;
      const targets = file === "tasks" ? [t] : [...t.group.threads];
      for (const x of targets) k.freezer.attach(g, x);
      return len;
    }
    case "pids.max": {
      // pids_max_write: "max" or a number in [0, PID_MAX_LIMIT]; a lower limit than the
      // current count is allowed (only new forks fail).
      if (g.parent === null) return -EINVAL;
      if (!writer.cred.capable(CAP_SYS_ADMIN)) return -EPERM;
      if (value === "max") g.pidsMax = Infinity;
      else if (/^\d+$/.test(value) && Number(value) <= PID_MAX_LIMIT) g.pidsMax = Number(value);
      else return -EINVAL;
      return len;
    }
    default:
      return -EINVAL; // the *_freezing files and pids.current are read-only
  }
}
