// Whose credentials a checkpoint or restart may handle (issue 17 item 2), after Linux's rules
// for CAP_CHECKPOINT_RESTORE: a task with CAP_SYS_ADMIN may checkpoint and restore anything; one
// with CAP_CHECKPOINT_RESTORE only tasks whose credentials it could have set itself — every uid
// one of its own uids (what setresuid allows an unprivileged task), every gid one of its gids,
// and capabilities within its own permitted set. The same test serves both directions: a
// checkpoint must not read out a more privileged task's state, a restart must not make one.
import { CAP_CHECKPOINT_RESTORE, CAP_FULL_SET, CAP_SYS_ADMIN, capOr, type Cred } from "../../machine/kernel/cred.ts";
import { CrError, EPERM } from "./errors.ts";
import type { CheckpointModel } from "./model.ts";
import { capSubset } from "./restore/validate-fields.ts";

/** What is compared of a credential (a live Cred or an image's CredRecord). */
export interface CredIds {
  readonly uid: number; readonly euid: number; readonly suid: number; readonly fsuid: number;
  readonly gid: number; readonly egid: number; readonly sgid: number; readonly fsgid: number;
  readonly capEffective: number; readonly capPermitted: number;
  readonly capInheritable?: number; readonly capBset?: number; readonly capAmbient?: number;
  /** Supplementary groups (a CredRecord without any has none). */
  readonly groups?: readonly number[];
}

/** Whether `who` may checkpoint or restart at all: CAP_SYS_ADMIN or CAP_CHECKPOINT_RESTORE. */
export function mayCheckpointRestore(who: Cred): boolean {
  return who.capable(CAP_SYS_ADMIN) || who.capable(CAP_CHECKPOINT_RESTORE);
}

/** Why `who` could not have set credentials `c` itself, or null if it could (or is privileged). */
export function credsBeyond(who: Cred, c: CredIds): string | null {
  if (who.capable(CAP_SYS_ADMIN)) return null;
  const uids = [who.uid, who.euid, who.suid];
  const gids = [who.gid, who.egid, who.sgid];
  for (const f of ["uid", "euid", "suid", "fsuid"] as const) if (!uids.includes(c[f])) return `${f} ${c[f]} is none of the caller's uids (${uids.join(", ")})`;
  for (const f of ["gid", "egid", "sgid", "fsgid"] as const) if (!gids.includes(c[f])) return `${f} ${c[f]} is none of the caller's gids (${gids.join(", ")})`;
  if (!capSubset(c.capPermitted, who.capPermitted)) return `capabilities 0x${c.capPermitted.toString(16)} exceed the caller's 0x${who.capPermitted.toString(16)}`;
  if (!capSubset(c.capEffective, who.capPermitted)) return `effective capabilities 0x${c.capEffective.toString(16)} exceed the caller's 0x${who.capPermitted.toString(16)}`;
  // What capset would have let the caller give itself: inheritable within its inheritable and
  // permitted sets, ambient within its permitted set, a bounding set no fuller than its own.
  const inh = c.capInheritable ?? 0;
  if (!capSubset(inh, capOr(who.capInheritable, who.capPermitted))) return `inheritable capabilities 0x${inh.toString(16)} exceed the caller's`;
  if (!capSubset(c.capAmbient ?? 0, who.capPermitted)) return `ambient capabilities 0x${(c.capAmbient ?? 0).toString(16)} exceed the caller's permitted set`;
  if (!capSubset(c.capBset ?? CAP_FULL_SET, who.capBset)) return `a bounding set 0x${(c.capBset ?? CAP_FULL_SET).toString(16)} fuller than the caller's 0x${who.capBset.toString(16)}`;
  // setgroups needs CAP_SETGID: without it a task has exactly its creator's groups. Dropping one
  // is refused too, since a group can also deny access (a file mode like 0707).
  const mine = who.groups ?? [];
  const theirs = c.groups ?? [];
  if (theirs.length !== mine.length || theirs.some((g, i) => g !== mine[i])) {
    return `supplementary groups [${theirs.join(", ")}] are not the caller's [${mine.join(", ")}]`;
  }
  return null;
}

/** Whether `who` could own a file of `uid`:`gid` it made (no chown to another user without CAP_CHOWN). */
export function ownerBeyond(who: Cred, uid: number, gid: number): string | null {
  if (who.capable(CAP_SYS_ADMIN)) return null;
  if (![who.uid, who.euid, who.suid, who.fsuid].includes(uid)) return `owner uid ${uid} is not the caller's`;
  if (![who.gid, who.egid, who.sgid, who.fsgid].includes(gid)) return `group ${gid} is not one of the caller's`;
  return null;
}

/**
 * Refuse an image `who` could not have made itself (CrError EPERM naming the record): a
 * credential it could not set, or a file of the tree or an unlinked file owned by someone else
 * (a restart by an unprivileged user must not plant a set-uid root file).
 */
export function refuseImageCreds(m: CheckpointModel, who: Cred): void {
  if (who.capable(CAP_SYS_ADMIN)) return;
  for (const c of m.creds) {
    const why = credsBeyond(who, c);
    if (why !== null) throw new CrError(EPERM, `cred ${c.id}: ${why}; restoring it needs CAP_SYS_ADMIN`);
  }
  for (const i of m.inodes) {
    if (i.externalPath !== undefined) continue; // the machine's own file, found where it is
    const why = ownerBeyond(who, i.uid, i.gid);
    if (why !== null) throw new CrError(EPERM, `inode ${i.id}: ${why}; restoring it needs CAP_SYS_ADMIN`);
  }
  // A pty's slave node is made in the machine's /dev/pts, as ptmx's open makes it for its opener.
  for (const t of m.ttys ?? []) {
    const why = ownerBeyond(who, t.slaveUid, t.slaveGid);
    if (why !== null) throw new CrError(EPERM, `pty ${t.id} (/dev/pts/${t.index}): ${why}; restoring it needs CAP_SYS_ADMIN`);
  }
}
