// What an open file carries beside its target (model-file-state.ts): its SIGIO owner with
// F_SETSIG's signal and O_ASYNC's registration, the flock / POSIX / OFD locks taken through it,
// and its lease (with the time a break in progress has left). Pids become the container's pid
// ids; a POSIX lock's owner its fd table's id.
//
// Refused, with the reason: an owner or lock holder whose process has exited (Linux keeps the
// number, a restart would have to invent a pid for it), a lock or lease on a container's inode
// held through a file outside the container, a POSIX lock owned by an fd table outside it, and
// O_ASYNC on a kind of file whose fasync list the model does not know.
import type { File } from "../../../machine/fs/file.ts";
import { PipeInode } from "../../../machine/fs/pipe.ts";
import { FASYNC } from "../../../machine/fs/constants.ts";
import type { Pid } from "../../../machine/kernel/pid.ts";
import { CrError, EBUSY, EOPNOTSUPP } from "../errors.ts";
import type { FileLockRecord, FileRecord, FownRecord, LeaseRecord } from "../model.ts";
import type { FilesCollector } from "./files.ts";

/** A pid the record names: it must still be some task's (or a live process group's). */
function livePid(fc: FilesCollector, p: Pid, what: string): number {
  if (p.freed) throw new CrError(EOPNOTSUPP, `${what} names a process that has exited: checkpoint/restart cannot give back a pid nobody holds`);
  return fc.pidId(p, what);
}

/** The fd through which f is on its pipe's fasync list (fa_fd), or null. */
function fasyncFdOf(f: File): number | null {
  if (!(f.inode instanceof PipeInode)) return null;
  const p = f.inode.pipe;
  return [...p.fasyncReaders, ...p.fasyncWriters].find((e) => e.file === f)?.fd ?? null;
}

/** f's owner, F_SETSIG signal and O_ASYNC registration (first met under fd). */
export function collectFileState(fc: FilesCollector, f: File, fd: number, rec: FileRecord): void {
  const fown = f.fown;
  const async = (f.flags & FASYNC) !== 0;
  let fasyncFd: number | undefined;
  if (async && f.ops.fasync !== undefined) {
    const at = fasyncFdOf(f);
    if (at === null) throw new CrError(EOPNOTSUPP, `fd ${fd} has O_ASYNC on a kind of file whose SIGIO registration checkpoint/restart does not carry yet`);
    fasyncFd = at;
  }
  if ((fown === null || (fown.pid === null && fown.signum === 0)) && fasyncFd === undefined) return;
  const r: FownRecord = { type: fown?.type ?? "pid", uid: fown?.uid ?? 0, euid: fown?.euid ?? 0, signum: fown?.signum ?? 0 };
  if (fown?.pid !== null && fown?.pid !== undefined) r.pidId = livePid(fc, fown.pid, `the SIGIO owner of fd ${fd}`);
  if (fasyncFd !== undefined) r.fasyncFd = fasyncFd;
  rec.fown = r;
}

/**
 * After every task: each collected file's locks and lease, in their inode's order. A lock on
 * such an inode held through a file the container does not hold is refused (EBUSY), as an
 * external lock would not come back and a waiter of the container would then get it.
 */
export function collectLocks(fc: FilesCollector): void {
  const files = fc.collected();
  const byFile = new Map(files.map((x) => [x.f, x]));
  const seen = new Set<object>();
  for (const { f } of files) {
    const ctx = f.inode.flctx;
    if (ctx === null || seen.has(ctx)) continue;
    seen.add(ctx);
    const where = (x: File): string => `inode ${x.inode.ino} (${fc.name(x.path)})`;
    const lists = [ctx.flocks, ctx.posix] as const;
    for (const list of lists) {
      list.forEach((fl, seq) => {
        const c = byFile.get(fl.file);
        if (c === undefined) throw new CrError(EBUSY, `${where(fl.file)} has a ${fl.kind} lock held through a file outside the container`);
        const what = `the ${fl.kind} lock of fd ${c.fd} on ${where(fl.file)}`;
        const lock: FileLockRecord = { kind: fl.kind as FileLockRecord["kind"], type: fl.type, start: fl.start, end: fl.end, pidId: livePid(fc, fl.pid, what), seq };
        if (fl.kind === "posix") {
          const owner = fc.filesIdOf(fl.owner);
          if (owner === undefined) throw new CrError(EBUSY, `${what} belongs to an fd table outside the container`);
          lock.ownerFilesId = owner;
        } else if (fl.owner !== fl.file) throw new CrError(EOPNOTSUPP, `${what} is owned by another file than the one it was taken through`);
        (c.rec.locks ??= []).push(lock);
      });
    }
    ctx.leases.forEach((l, seq) => {
      const c = byFile.get(l.file);
      if (c === undefined) throw new CrError(EBUSY, `${where(l.file)} has a lease held through a file outside the container`);
      const fasyncFd = l.fasync.find((e) => e.file === l.file)?.fd;
      if (fasyncFd === undefined) throw new CrError(EOPNOTSUPP, `the lease of fd ${c.fd} has no SIGIO registration`);
      const lease: LeaseRecord = { type: l.type, pidId: livePid(fc, l.pid, `the lease of fd ${c.fd}`), fasyncFd, seq };
      // A break in progress: the time it has left (a time already past is forced at the next look).
      if (l.unlockPending) lease.unlockLeft = Math.max(0, l.breakTime - fc.clock());
      if (l.downgradePending) lease.downgradeLeft = Math.max(0, l.downgradeTime - fc.clock());
      c.rec.lease = lease;
    });
  }
}
