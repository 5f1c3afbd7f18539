// procfs building blocks: the superblock, files whose contents are generated when read (Linux's
// seq_file single_open: generated at a read from position 0, then served from that snapshot),
// static directories, and stable inode numbers for the per-pid entries (proc makes its dentries
// afresh at every lookup, so a number must follow from what the entry is).
import { S_IFDIR, S_IFREG, SEEK_CUR, SEEK_SET } from "../constants.ts";
import { EFAULT, EINVAL, ENOENT } from "../errno.ts";
import type { File, FileOperations, Pos } from "../file.ts";
import { Dentry, DirInode, Inode, type DirEntry, type FsCtx, type SuperBlock } from "../inode.ts";
import type { IoIter } from "../iov.ts";
import { dirFileOps } from "../readdir.ts";
import { PAGE_SIZE } from "../../mm/frame.ts";

export const PROC_SUPER_MAGIC = 0x9fa0;
export const PROC_ROOT_INO = 1;

export class ProcFs implements SuperBlock {
  readonly type: string = "proc";
  readonly magic: number = PROC_SUPER_MAGIC;
  /** Numbers for the fixed entries (the root is 1). */
  nextIno = 2;

  constructor(
    readonly dev: number,
    readonly nowNs: () => bigint,
  ) {}
}

/** Inode numbers of per-task entries: a block of 4096 numbers per task (by its global id). */
export function pidIno(globalId: number, slot: number): number {
  return 0x100000 + globalId * 4096 + slot;
}

/** A file whose contents are generated: text, bytes, or -errno (the task is gone: ESRCH). */
export abstract class ProcFile extends Inode {
  declare readonly sb: ProcFs;

  constructor(sb: ProcFs, ino: number, mode: number) {
    super(sb, ino, S_IFREG | mode, sb.nowNs());
    this.nlink = 1;
  }

  abstract show(c: FsCtx): string | Uint8Array | number;

  /** A write of data; returns the bytes taken or -errno. Files without it refuse writes (EINVAL). */
  store?: (c: FsCtx, data: Uint8Array, pos: number) => number;

  open(_c: FsCtx, f: File): number {
    f.ops = this.store !== undefined ? procRwOps : procRoOps;
    return 0;
  }
}

function render(c: FsCtx, f: File): Uint8Array | number {
  const out = (f.inode as ProcFile).show(c);
  if (typeof out === "number") return out;
  return typeof out === "string" ? Buffer.from(out, "latin1") : out;
}

function procRead(c: FsCtx, f: File, to: IoIter, pos: Pos): number {
  if (pos.value === 0 || !(f.priv instanceof Uint8Array)) {
    const data = render(c, f);
    if (typeof data === "number") return data;
    f.priv = data;
  }
  const data = f.priv as Uint8Array;
  if (pos.value >= data.length || to.remaining === 0) return 0;
  const chunk = data.subarray(pos.value, pos.value + to.remaining);
  const n = to.copyOut(chunk);
  if (n === 0) return -EFAULT;
  pos.value += n;
  return n;
}

function procWrite(c: FsCtx, f: File, from: IoIter, pos: Pos): number {
  const want = Math.min(from.remaining, PAGE_SIZE);
  const data = from.copyIn(want);
  if (data.length < want) return -EFAULT;
  const r = (f.inode as ProcFile).store!(c, data, pos.value);
  if (r > 0) pos.value += r;
  return r;
}

/** seq_lseek: SEEK_SET and SEEK_CUR only. */
function procLlseek(_c: FsCtx, f: File, offset: number, whence: number): number {
  if (whence === SEEK_CUR) offset += f.pos;
  else if (whence !== SEEK_SET) return -EINVAL;
  if (offset < 0) return -EINVAL;
  f.pos = offset;
  return offset;
}

const procRoOps: FileOperations = { positional: true, read: procRead, llseek: procLlseek };
const procRwOps: FileOperations = { positional: true, read: procRead, write: procWrite, llseek: procLlseek };

/** A proc file made from functions (most of them). */
export class ProcFnFile extends ProcFile {
  constructor(
    sb: ProcFs,
    ino: number,
    mode: number,
    private readonly fn: (c: FsCtx) => string | Uint8Array | number,
    store?: (c: FsCtx, data: Uint8Array, pos: number) => number,
  ) {
    super(sb, ino, mode);
    if (store !== undefined) this.store = store;
  }

  show(c: FsCtx): string | Uint8Array | number {
    return this.fn(c);
  }
}

/** An entry of a static proc directory: its name and how to make its inode. */
export interface ProcEntry {
  name: string;
  make(c: FsCtx): Inode;
}

/**
 * What every proc directory shares: it is read with the generic directory code, and a lookup of
 * a missing name fails with ENOENT (proc has no negative dentries), so creating in it does too.
 */
export abstract class ProcDirBase extends DirInode {
  constructor(sb: ProcFs, ino: number, mode: number) {
    super(sb, ino, S_IFDIR | mode, sb.nowNs());
    this.nlink = 2;
  }

  open(_c: FsCtx, f: File): number {
    f.ops = dirFileOps;
    return 0;
  }

  override missingErr(): number {
    return -ENOENT;
  }
}

/** A directory whose entries are a fixed table (per task, or global like /proc/sys). */
export class ProcDir extends ProcDirBase {
  constructor(
    sb: ProcFs,
    ino: number,
    mode: number,
    private readonly entries: () => ProcEntry[],
  ) {
    super(sb, ino, mode);
  }

  lookup(c: FsCtx, dir: Dentry, name: string): Dentry | null {
    const e = this.entries().find((x) => x.name === name);
    return e === undefined ? null : new Dentry(name, dir, e.make(c));
  }

  list(c: FsCtx): DirEntry[] {
    return this.entries().map((e) => {
      const inode = e.make(c);
      return { name: e.name, ino: inode.ino, type: inode.type >>> 12 };
    });
  }
}
