// Orphaned process groups (POSIX): a group none of whose members has a parent in another group
// of the same session. Exit sends SIGHUP/SIGCONT to one that has stopped members, and a terminal
// refuses to stop a background process of one (tty-jobctrl.ts): nobody could continue it.
import type { Task } from "./task.ts";

/**
 * will_become_orphaned_pgrp: no member of the group (but `ignored`) has a parent in another
 * group of the same session. Children of the global init do not count, as in Linux.
 */
export function orphanedPgrp(pgrp: Task["group"]["pgrp"], ignored: Task | null): boolean {
  for (const g of pgrp.pgrpGroups) {
    const p = g.leader;
    // p.group === g: the leader of a live group of this pgrp (a restart may leave a task's
    // old group behind with it as leader until the last reference to that group goes).
    if (p === null || p.group !== g || p === ignored || !p.alive) continue;
    const parent = p.parent;
    if (parent === null || parent.kthread !== null) continue;
    if (parent.group.pgrp !== pgrp && parent.group.session === p.group.session) return false;
  }
  return true;
}
