// Pipes' ring sizes and FIFOs, file owners, locks and leases of a decoded model (model-file-state.ts)
// against the kernel's own limits and against each other: a ring F_SETPIPE_SZ could have made,
// a signal F_SETSIG accepts, a lock range fcntl could have set, every pid, fd table and FIFO inode
// they name present in the image. A bad image is refused here, before anything is made from it.
import { OFFSET_MAX } from "../../../machine/fs/locks.ts";
import { NSIG } from "../../../machine/kernel/signal-defs.ts";
import { CrError, EINVAL } from "../errors.ts";
import { LOCK_KINDS, type CheckpointModel } from "../model.ts";
import type { KernelLimits } from "./validate-fields.ts";

/** F_SETPIPE_SZ takes at most 2^31 bytes: a ring of at most 2^19 pages, always a power of two. */
const PIPE_MAX_PAGES = 2 ** 31 / 4096;
const ID_MAX = 0xfffffffe;
const U32 = 0xffffffff;
const OWNER_TYPES = ["pid", "tgid", "pgid"];

function bad(what: string, why: string): never {
  throw new CrError(EINVAL, `bad image: ${what}: ${why}`);
}

const isInt = (v: unknown, min: number, max: number): boolean => typeof v === "number" && Number.isSafeInteger(v) && v >= min && v <= max;

export function validateFileState(m: CheckpointModel, lim: KernelLimits): void {
  const pids = new Set(m.pids.map((p) => p.id));
  const tables = new Set(m.fdTables.map((t) => t.id));
  const inodes = new Map(m.inodes.map((i) => [i.id, i]));
  for (const i of m.inodes) {
    if ((i.kind === "chr") !== (i.rdev !== undefined)) bad(`inode ${i.id} device number`, "a device node (kind chr), and only it, has one");
    if (i.kind === "chr") {
      if (!isInt(i.rdev, 0, U32)) bad(`device node inode ${i.id}`, `${i.rdev} is not a device number`);
      if (i.pages.length > 0 || i.size !== 0 || i.target !== undefined) bad(`device node inode ${i.id}`, "a device node has no pages, size or target");
      if (i.externalPath !== undefined) bad(`device node inode ${i.id}`, `it names ${i.externalPath} outside the container: the machine's devices are reopened by path, never made from an inode record`);
    }
    if (i.kind !== "fifo") continue;
    if (i.pages.length > 0 || i.size !== 0 || i.target !== undefined) bad(`FIFO inode ${i.id}`, "a FIFO has no pages, size or target of its own (its bytes are its pipe's)");
    if (i.externalPath !== undefined) bad(`FIFO inode ${i.id}`, `it names ${i.externalPath} outside the container: a restart never opens a host FIFO`);
  }
  const fifoPipes = new Set<number>();
  for (const p of m.pipes) {
    const what = `pipe ${p.id}`;
    if (p.sizePages !== undefined) {
      if (!isInt(p.sizePages, 1, PIPE_MAX_PAGES) || (p.sizePages & (p.sizePages - 1)) !== 0) bad(`${what} ring size`, `${p.sizePages} pages is not a power of two from 1 to ${PIPE_MAX_PAGES} (what F_SETPIPE_SZ makes)`);
    }
    const pages = p.sizePages ?? 16;
    if (p.buffered.length > pages * 4096) bad(`${what} buffered length`, `${p.buffered.length} bytes do not fit its ${pages}-page ring`);
    if (p.inodeId !== undefined) {
      if (inodes.get(p.inodeId)?.kind !== "fifo") bad(`${what} FIFO inode`, `inode ${p.inodeId} is not a FIFO of the image`);
      if (fifoPipes.has(p.inodeId)) bad(`${what} FIFO inode`, `FIFO inode ${p.inodeId} has two pipes`);
      fifoPipes.add(p.inodeId);
    }
  }
  const pid = (id: number | undefined, what: string): void => {
    if (id !== undefined && !pids.has(id)) bad(what, `pid ${id} is not in the image`);
  };
  for (const f of m.files) {
    const what = `file ${f.id}`;
    if (f.target.kind === "pipe" && m.pipes.find((p) => p.id === (f.target as { pipeId: number }).pipeId)?.inodeId !== undefined) {
      bad(what, "it names a FIFO's pipe directly: a FIFO end is opened on its inode");
    }
    const o = f.fown;
    if (o !== undefined) {
      if (!OWNER_TYPES.includes(o.type)) bad(`${what} owner type`, `${String(o.type)} is not pid, tgid or pgid`);
      if (!isInt(o.uid, 0, ID_MAX) || !isInt(o.euid, 0, ID_MAX)) bad(`${what} owner uids`, "not valid ids (0..4294967294)");
      if (!isInt(o.signum, 0, NSIG)) bad(`${what} owner signal`, `${o.signum} is not 0 or a signal F_SETSIG accepts (1..${NSIG})`);
      if (o.fasyncFd !== undefined && !isInt(o.fasyncFd, 0, lim.fdLimit - 1)) bad(`${what} fasync fd`, `${o.fasyncFd} is outside [0, RLIMIT_NOFILE ${lim.fdLimit})`);
      pid(o.pidId, `${what} owner`);
    }
    for (const l of f.locks ?? []) {
      const lw = `${what} ${String(l.kind)} lock`;
      if (!LOCK_KINDS.includes(l.kind)) bad(lw, "not a posix, ofd or flock lock");
      if (l.type !== 0 && l.type !== 1) bad(`${lw} type`, `${l.type} is not F_RDLCK or F_WRLCK`);
      if (typeof l.start !== "bigint" || typeof l.end !== "bigint" || l.start < 0n || l.end < l.start || l.end > OFFSET_MAX) bad(`${lw} range`, "not 0 <= start <= end <= OFFSET_MAX");
      if (l.kind === "flock" && (l.start !== 0n || l.end !== OFFSET_MAX)) bad(`${lw} range`, "a flock lock covers the whole file");
      if ((l.kind === "posix") !== (l.ownerFilesId !== undefined)) bad(`${lw} owner`, "a POSIX lock, and only it, is owned by an fd table");
      if (l.ownerFilesId !== undefined && !tables.has(l.ownerFilesId)) bad(`${lw} owner`, `fd table ${l.ownerFilesId} is not in the image`);
      if (!isInt(l.seq, 0, 1 << 20)) bad(`${lw} place`, `${l.seq} is not a place in an inode's list`);
      pid(l.pidId, lw);
    }
    if (f.lease !== undefined) {
      const l = f.lease;
      if (l.type !== 0 && l.type !== 1) bad(`${what} lease type`, `${l.type} is not F_RDLCK or F_WRLCK`);
      if (!isInt(l.fasyncFd, 0, lim.fdLimit - 1)) bad(`${what} lease fasync fd`, `${l.fasyncFd} is outside [0, RLIMIT_NOFILE ${lim.fdLimit})`);
      if (!isInt(l.seq, 0, 1 << 20)) bad(`${what} lease place`, `${l.seq} is not a place in an inode's list`);
      for (const k of ["unlockLeft", "downgradeLeft"] as const) {
        const v = l[k];
        if (v !== undefined && !isInt(v, 0, Number.MAX_SAFE_INTEGER)) bad(`${what} lease ${k}`, `${v} is not a number of cycles`);
      }
      if (l.downgradeLeft !== undefined && l.type !== 1) bad(`${what} lease downgradeLeft`, "only a write lease is downgraded");
      pid(l.pidId, `${what} lease`);
    }
  }
}
