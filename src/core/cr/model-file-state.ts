// The state an open file carries beside its target and offset (issue 16): its owner for SIGIO
// (fown_struct) with F_SETSIG's signal and O_ASYNC's registration, the file locks taken through
// it (flock, POSIX record locks, OFD locks) and its lease. Each is optional on FileRecord and
// absent for a file that never had it, so images of such files keep their bytes.
//
// Pids are pid ids of the model (the container's), never numbers; a POSIX lock's owner is the fd
// table's id (fl_owner = current->files), a flock or OFD lock's owner is the file itself.

/** fown_struct: the owner F_SETOWN / F_SETOWN_EX (or a lease) set, and F_SETSIG's signal. */
export interface FownRecord {
  /** The owner's pid id; absent: no owner (F_SETSIG alone, or an O_ASYNC file nobody owns). */
  pidId?: number;
  /** F_OWNER_TID ("pid"), F_OWNER_PID ("tgid") or F_OWNER_PGRP ("pgid"). */
  type: "pid" | "tgid" | "pgid";
  /** The real and effective uid of who set the owner (sigio_perm). */
  uid: number;
  euid: number;
  /** F_SETSIG: 0 for a plain SIGIO. */
  signum: number;
  /** O_ASYNC: the fd the file joined its object's fasync list through (fa_fd, si_fd); absent: not on it. */
  fasyncFd?: number;
}

export const LOCK_KINDS = ["posix", "ofd", "flock"] as const;
export type LockKindRecord = (typeof LOCK_KINDS)[number];

/** One file_lock held through this file. */
export interface FileLockRecord {
  kind: LockKindRecord;
  /** F_RDLCK (0) or F_WRLCK (1). */
  type: number;
  /** Byte range, end inclusive; OFFSET_MAX (2^63 - 1) is "to EOF". flock locks: 0 to OFFSET_MAX. */
  start: bigint;
  end: bigint;
  /** POSIX locks: the owning fd table's id. */
  ownerFilesId?: number;
  /** The thread group (leader's pid id) that took it: F_GETLK's l_pid, /proc/locks. */
  pidId: number;
  /**
   * Its place in the inode's list (flock locks in one, POSIX and OFD locks in another): F_GETLK
   * reports the first conflicting lock, so the order is restored with the locks.
   */
  seq: number;
}

/**
 * A lease (F_SETLEASE) held through this file. One being broken (an open conflicted with it and
 * the holder has not answered yet) carries what it is becoming and when that is forced: ZDTM's
 * file_lease02..04 check F_GETLEASE reports the target type after the restart, with no second
 * break signal. An open waiting for it re-executes after the restart and finds it breaking.
 */
export interface LeaseRecord {
  /** F_RDLCK (0) or F_WRLCK (1). */
  type: number;
  /** The process that took it (fl_pid), as a pid id. */
  pidId: number;
  /** The fd its break is signalled through (the lease's fasync entry). */
  fasyncFd: number;
  /** Its place in the inode's list of leases. */
  seq: number;
  /** Breaking toward F_UNLCK (FL_UNLOCK_PENDING): cycles left until lease-break-time forces it. */
  unlockLeft?: number;
  /** Breaking toward F_RDLCK (FL_DOWNGRADE_PENDING, a write lease only): cycles left likewise. */
  downgradeLeft?: number;
}

/** LeaseRecord's optional fields, in their order in both codecs' extension (writeExt). */
export const LEASE_EXT = ["unlockLeft", "downgradeLeft"] as const;
