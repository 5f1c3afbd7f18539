// The owners, O_ASYNC registrations, locks and leases of the restored files (model-file-state.ts),
// once every file and fd table exists: each lock goes back into its inode's lists at the place it
// had (F_GETLK reports the first conflict), owned by the fd table or file it belonged to. Nothing
// here is allocated: closing the files (a failed restart's release) drops all of it again, as a
// last close drops a file's locks, lease and fasync entry.
//
// Tasks that were asleep in F_SETLKW, flock() or an open breaking a lease are not touched: they
// re-execute their call from the start (-ERESTARTSYS), meet the restored locks and wait again,
// as after any signal that restarts the call.
import type { FilesStruct } from "../../../machine/fs/fdtable.ts";
import type { File } from "../../../machine/fs/file.ts";
import { FASYNC } from "../../../machine/fs/constants.ts";
import type { Lease } from "../../../machine/fs/leases.ts";
import { lockContext, type FileLock } from "../../../machine/fs/locks.ts";
import type { Kernel } from "../../../machine/kernel/kernel.ts";
import type { Pid } from "../../../machine/kernel/pid.ts";
import { CrError, EINVAL } from "../errors.ts";
import type { CheckpointModel } from "../model.ts";

export function restoreFileState(
  k: Kernel, m: CheckpointModel, files: ReadonlyMap<number, File>, tables: ReadonlyMap<number, FilesStruct>,
  pidOf: (id: number) => Pid,
): void {
  // pidOf throws for a pid the restart has not made (validation refused one the image lacks).
  const pid = (id: number, _what: string): Pid => pidOf(id);
  const placed = new Map<object, Map<string, (FileLock | Lease)[]>>();
  const place = (f: File, list: string, seq: number, x: FileLock | Lease, what: string): void => {
    const ctx = lockContext(k, f);
    let lists = placed.get(ctx);
    if (lists === undefined) placed.set(ctx, (lists = new Map()));
    const slots = lists.get(list) ?? [];
    lists.set(list, slots);
    if (slots[seq] !== undefined) throw new CrError(EINVAL, `${what} takes place ${seq} of inode ${f.inode.ino}'s ${list} list, which another lock has`);
    slots[seq] = x;
  };
  for (const rec of m.files) {
    const f = files.get(rec.id)!;
    const what = `file ${rec.id}`;
    const o = rec.fown;
    const async = (f.flags & FASYNC) !== 0 && f.ops.fasync !== undefined;
    if (async !== (o?.fasyncFd !== undefined)) throw new CrError(EINVAL, `${what} has O_ASYNC ${async ? "without" : "not set but with"} a SIGIO registration`);
    if (o !== undefined) {
      f.fown = { pid: o.pidId === undefined ? null : pid(o.pidId, `the owner of ${what}`), type: o.type, uid: o.uid, euid: o.euid, signum: o.signum };
      if (o.fasyncFd !== undefined) f.ops.fasync!(f, o.fasyncFd, true);
    }
    for (const l of rec.locks ?? []) {
      const lwhat = `a ${l.kind} lock of ${what}`;
      let owner: object = f;
      if (l.kind === "posix") {
        const t = l.ownerFilesId === undefined ? undefined : tables.get(l.ownerFilesId);
        if (t === undefined) throw new CrError(EINVAL, `${lwhat} names fd table ${String(l.ownerFilesId)}, which the image does not have`);
        // fl_owner's table closes its locks when it closes any fd of the inode: it must hold the file.
        if (!t.fds().some((fd) => t.get(fd) === f)) throw new CrError(EINVAL, `${lwhat} is owned by fd table ${l.ownerFilesId}, which does not hold the file`);
        owner = t;
      } else if (l.ownerFilesId !== undefined) throw new CrError(EINVAL, `${lwhat} names an owning fd table: only POSIX locks have one`);
      const fl: FileLock = { kind: l.kind, type: l.type, start: l.start, end: l.end, owner, file: f, pid: pid(l.pidId, lwhat) };
      place(f, l.kind === "flock" ? "flock" : "posix", l.seq, fl, lwhat);
    }
    if (rec.lease !== undefined) {
      const l = rec.lease;
      // A break in progress goes on from the time it had left (breakLease's times are never 0).
      const lease: Lease = {
        file: f, type: l.type, pid: pid(l.pidId, `the lease of ${what}`), unlockPending: l.unlockLeft !== undefined, downgradePending: l.downgradeLeft !== undefined,
        breakTime: l.unlockLeft === undefined ? 0 : Math.max(1, k.clock + l.unlockLeft),
        downgradeTime: l.downgradeLeft === undefined ? 0 : Math.max(1, k.clock + l.downgradeLeft),
        fasync: [{ file: f, fd: l.fasyncFd }],
      };
      place(f, "lease", l.seq, lease, `the lease of ${what}`);
    }
  }
  for (const [ctx, lists] of placed) {
    const c = ctx as ReturnType<typeof lockContext>;
    for (const [list, slots] of lists) {
      const got = slots.filter((x) => x !== undefined);
      if (got.length !== slots.length) throw new CrError(EINVAL, `the ${list} locks of an inode leave a gap in their order (places 0 to ${slots.length - 1}, ${got.length} locks)`);
      if (list === "flock") c.flocks.push(...(got as FileLock[]));
      else if (list === "posix") c.posix.push(...(got as FileLock[]));
      else c.leases.push(...(got as Lease[]));
    }
  }
}
