// Credentials (Linux's struct cred): ids and capabilities. Shared between tasks until one changes
// them (copy on write, like prepare_creds/commit_creds); never mutated while shared. The cap
// arithmetic and the setuid/capset rules are security/commoncap.c's.
export const CAP_CHOWN = 0;
export const CAP_DAC_OVERRIDE = 1;
export const CAP_KILL = 5;
export const CAP_SETGID = 6;
export const CAP_SETUID = 7;
export const CAP_SETPCAP = 8;
export const CAP_SYS_RESOURCE = 24;
export const CAP_LEASE = 28;
export const CAP_SYS_ADMIN = 21;
export const CAP_AUDIT_CONTROL = 30;
/**
 * Linux 5.9's CAP_CHECKPOINT_RESTORE: set_tid and ns_last_pid without CAP_SYS_ADMIN; here also
 * checkpoint and restart of tasks whose credentials the holder could set itself (core/cr/creds.ts).
 */
export const CAP_CHECKPOINT_RESTORE = 40;
/** setgroups(2)'s limit on the number of supplementary groups. */
export const NGROUPS_MAX = 65536;
/** CAP_LAST_CAP of Linux 6.1 (/proc/sys/kernel/cap_last_cap). */
export const CAP_LAST_CAP = 40;
/** Every capability bit (CAP_LAST_CAP is 40). */
export const CAP_FULL_SET = 2 ** 41 - 1;

import { KObject, type KObjectRegistry } from "./kref.ts";

// Capability sets are plain numbers: 41 bits fit a double exactly, but JavaScript's bitwise
// operators see 32, so each operation works on the two 32-bit words (Linux's cap[0], cap[1]).
const W = 2 ** 32;
export const capLo = (v: number): number => v % W >>> 0;
export const capHi = (v: number): number => Math.floor(v / W) >>> 0;
/** A set from its two words, the upper one cut to the valid bits (CAP_LAST_U32_VALID_MASK). */
export const capFrom = (lo: number, hi: number): number => (lo >>> 0) + ((hi & capHi(CAP_FULL_SET)) >>> 0) * W;
const word2 = (a: number, b: number, f: (x: number, y: number) => number): number => capFrom(f(capLo(a), capLo(b)), f(capHi(a), capHi(b)));
export const capAnd = (a: number, b: number): number => word2(a, b, (x, y) => x & y);
export const capOr = (a: number, b: number): number => word2(a, b, (x, y) => x | y);
export const capAndNot = (a: number, b: number): number => word2(a, b, (x, y) => x & ~y);
/** cap_issubset: every bit of a is in b. */
export const capIsSubset = (a: number, b: number): boolean => capAndNot(a, b) === 0;
export const capRaised = (set: number, cap: number): boolean => Math.floor(set / 2 ** cap) % 2 === 1;
export const capRaise = (set: number, cap: number): number => (capRaised(set, cap) ? set : set + 2 ** cap);
export const capLower = (set: number, cap: number): number => (capRaised(set, cap) ? set - 2 ** cap : set);
/** cap_valid: a capability number this kernel knows. */
export const capValid = (cap: number): boolean => Number.isInteger(cap) && cap >= 0 && cap <= CAP_LAST_CAP;

/**
 * CAP_FS_SET: what follows fsuid between 0 and non-0 (chown, dac_override, dac_read_search,
 * fowner, fsetid, linux_immutable, mknod, mac_override).
 */
export const CAP_FS_SET = [0, 1, 2, 3, 4, 9, 27, 32].reduce((s, c) => s + 2 ** c, 0);

/** The fields a new cred may change; the rest are copied from the old one. */
export type CredChanges = Partial<Pick<Cred, "uid" | "euid" | "suid" | "fsuid" | "gid" | "egid" | "sgid" | "fsgid"
  | "capEffective" | "capPermitted" | "capInheritable" | "capBset" | "capAmbient" | "groups">>;

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
    /** What an execve may pass on (pI), the bounding set (X) and the ambient set (pA). */
    readonly capInheritable = 0,
    readonly capBset = CAP_FULL_SET,
    readonly capAmbient = 0,
  ) {
    super(registry, "cred", createdAt);
  }

  static root(registry: KObjectRegistry): Cred {
    return new Cred(registry, "boot (root)");
  }

  capable(cap: number): boolean {
    return capRaised(this.capEffective, cap);
  }

  /** prepare_creds + the edits, nothing else; the caller owns the new cred's one reference. */
  copy(changes: CredChanges, createdAt: string): Cred {
    const c = { ...this.fields(), ...changes };
    return new Cred(this.kobjRegistry, createdAt, c.uid, c.euid, c.suid, c.fsuid, c.gid, c.egid, c.sgid, c.fsgid,
      c.capEffective, c.capPermitted, c.groups, c.capInheritable, c.capBset, c.capAmbient);
  }

  private fields(): Required<CredChanges> {
    return {
      uid: this.uid, euid: this.euid, suid: this.suid, fsuid: this.fsuid, gid: this.gid, egid: this.egid, sgid: this.sgid, fsgid: this.fsgid,
      capEffective: this.capEffective, capPermitted: this.capPermitted, capInheritable: this.capInheritable,
      capBset: this.capBset, capAmbient: this.capAmbient, groups: this.groups,
    };
  }

  /**
   * A new cred with changed ids, the capabilities adjusted as a set*uid call does
   * (cap_emulate_setxuid); the caller owns its one reference. keepCaps is SECBIT_KEEP_CAPS.
   */
  with(changes: CredChanges, createdAt: string, keepCaps = false): Cred {
    const n = { ...this.fields(), ...changes };
    const wasRoot = this.uid === 0 || this.euid === 0 || this.suid === 0;
    if (wasRoot && n.uid !== 0 && n.euid !== 0 && n.suid !== 0) {
      if (!keepCaps) {
        n.capPermitted = 0;
        n.capEffective = 0;
      }
      // Pre-ambient programs expect setresuid to non-root then execve to drop every capability.
      n.capAmbient = 0;
    }
    if (this.euid === 0 && n.euid !== 0) n.capEffective = 0;
    if (this.euid !== 0 && n.euid === 0) n.capEffective = n.capPermitted;
    return this.copy(n, createdAt);
  }

  /** setfsuid's new cred: the fs capabilities follow fsuid leaving or reaching 0 (LSM_SETID_FS). */
  withFsuid(fsuid: number, createdAt: string): Cred {
    let eff = this.capEffective;
    if (this.fsuid === 0 && fsuid !== 0) eff = capAndNot(eff, CAP_FS_SET);
    if (this.fsuid !== 0 && fsuid === 0) eff = capOr(eff, capAnd(this.capPermitted, CAP_FS_SET));
    return this.copy({ fsuid, capEffective: eff }, createdAt);
  }

  /**
   * The cred an execve gives (cap_bprm_creds_from_file) for a file with neither set-id bits nor
   * file capabilities, the only kind this kernel has: root (real or effective uid 0) gets the
   * bounding set plus the inheritable one, everyone keeps the ambient set, and the effective
   * set is the new permitted one for euid 0, the ambient one otherwise. The saved and fs ids
   * become the effective ones.
   */
  forExec(createdAt: string): Cred {
    const root = this.uid === 0 || this.euid === 0;
    const prm = capOr(root ? capOr(this.capBset, this.capInheritable) : 0, this.capAmbient);
    const eff = this.euid === 0 ? prm : this.capAmbient;
    return this.copy({ suid: this.euid, fsuid: this.euid, sgid: this.egid, fsgid: this.egid, capPermitted: prm, capEffective: eff }, createdAt);
  }

  /** A new cred with other supplementary groups (set_groups); the caller owns its reference. */
  withGroups(groups: readonly number[], createdAt: string): Cred {
    return this.copy({ groups }, createdAt);
  }

  /** in_group_p: gid is the fs gid or a supplementary group. */
  inGroup(gid: number): boolean {
    return this.fsgid === gid || this.groups.includes(gid);
  }
}
