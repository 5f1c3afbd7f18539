// Credentials (Linux's struct cred): ids and capabilities. Shared between tasks until one changes
// them (copy on write, like prepare_creds/commit_creds); never mutated while shared.
export const CAP_CHOWN = 0;
export const CAP_KILL = 5;
export const CAP_SETGID = 6;
export const CAP_SETUID = 7;
export const CAP_SYS_RESOURCE = 24;
export const CAP_LEASE = 28;
export const CAP_SYS_ADMIN = 21;
/**
 * Linux 5.9's CAP_CHECKPOINT_RESTORE: set_tid and ns_last_pid without CAP_SYS_ADMIN; here also
 * checkpoint and restart of tasks whose credentials the holder could set itself (core/cr/creds.ts).
 */
export const CAP_CHECKPOINT_RESTORE = 40;
/** CAP_LAST_CAP of Linux 6.1 is 40: every capability bit. */
export const CAP_FULL_SET = 2 ** 41 - 1;

import { KObject, type KObjectRegistry } from "./kref.ts";

export class Cred extends KObject {
  constructor(
    registry: KObjectRegistry,
    createdAt: string,
    readonly uid = 0,
    readonly euid = 0,
    readonly suid = 0,
    readonly fsuid = 0,
    readonly gid = 0,
    readonly egid = 0,
    readonly sgid = 0,
    readonly fsgid = 0,
    /** Effective and permitted capability sets, as bitmasks (plain numbers: 41 bits fit). */
    readonly capEffective = CAP_FULL_SET,
    readonly capPermitted = CAP_FULL_SET,
    /** Supplementary groups (group_info), sorted as setgroups leaves them. */
    readonly groups: readonly number[] = [],
  ) {
    super(registry, "cred", createdAt);
  }

  static root(registry: KObjectRegistry): Cred {
    return new Cred(registry, "boot (root)");
  }

  capable(cap: number): boolean {
    return Math.floor(this.capEffective / 2 ** cap) % 2 === 1;
  }

  /** A new cred with the changes (prepare_creds + edits); the caller owns its one reference. */
  with(changes: Partial<Pick<Cred, "uid" | "euid" | "suid" | "fsuid" | "gid" | "egid" | "sgid" | "fsgid">>, createdAt: string, keepCaps = false): Cred {
    const c = {
      uid: this.uid, euid: this.euid, suid: this.suid, fsuid: this.fsuid,
      gid: this.gid, egid: this.egid, sgid: this.sgid, fsgid: this.fsgid,
      capEffective: this.capEffective, capPermitted: this.capPermitted, ...changes,
    };
    let eff = c.capEffective;
    let perm = c.capPermitted;
    // Linux (cap_emulate_setxuid): when uid, euid and suid all leave 0, both sets are cleared;
    // when euid leaves 0, the effective set is cleared; when euid becomes 0 again, effective = permitted.
    const wasRoot = this.uid === 0 || this.euid === 0 || this.suid === 0;
    if (wasRoot && c.uid !== 0 && c.euid !== 0 && c.suid !== 0) {
      eff = 0;
      // SECBIT_KEEP_CAPS (PR_SET_KEEPCAPS) keeps the permitted set.
      if (!keepCaps) perm = 0;
    } else if (this.euid === 0 && c.euid !== 0) {
      eff = 0;
    } else if (this.euid !== 0 && c.euid === 0) {
      eff = perm;
    }
    return new Cred(this.kobjRegistry, createdAt, c.uid, c.euid, c.suid, c.fsuid, c.gid, c.egid, c.sgid, c.fsgid, eff, perm, this.groups);
  }

  /** A new cred with other supplementary groups (set_groups); the caller owns its reference. */
  withGroups(groups: readonly number[], createdAt: string): Cred {
    return new Cred(this.kobjRegistry, createdAt, this.uid, this.euid, this.suid, this.fsuid, this.gid, this.egid, this.sgid, this.fsgid,
      this.capEffective, this.capPermitted, groups);
  }

  /** in_group_p: gid is the fs gid or a supplementary group. */
  inGroup(gid: number): boolean {
    return this.fsgid === gid || this.groups.includes(gid);
  }
}
