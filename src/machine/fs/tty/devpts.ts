// devpts (Linux's fs/devpts/inode.c), mounted at /dev/pts: a directory with "ptmx" (mode 000, as
// the kernel's default ptmxmode) and one character device N (major 136) per pty whose master is
// open. Inode numbers are Linux's: the root 1, ptmx 2, pts N N+3. A slave node is made by
// ptmx's open with the opener's fsuid/fsgid and mode 0600 (the mount's defaults), and leaves the
// directory when the master closes (devpts_pty_kill); its number is free again once both ends are
// closed.
import type { Kernel } from "../../kernel/kernel.ts";
import { mkdev, S_IFCHR, S_IFDIR } from "../constants.ts";
import { EIO } from "../errno.ts";
import type { File } from "../file.ts";
import { Dentry, DirInode, Inode, timeNow, type DirEntry, type FsCtx, type SuperBlock } from "../inode.ts";
import { ptmxOpen, ptsOpen } from "./tty-io.ts";
import { UNIX98_PTY_SLAVE_MAJOR, type TtyStruct } from "./tty-struct.ts";

export const DEVPTS_SUPER_MAGIC = 0x1cd1;
/** /dev/tty (the caller's controlling terminal) and /dev/ptmx. */
export const DEV_TTY = mkdev(5, 0);
export const DEV_PTMX = mkdev(5, 2);
/** /proc/sys/kernel/pty/max: the default limit on ptys. */
export const PTY_MAX = 4096;

/** A slave's node: opening it opens the slave end of its pty. */
export class PtsInode extends Inode {
  constructor(sb: SuperBlock, readonly tty: TtyStruct, uid: number, gid: number, now: bigint) {
    super(sb, tty.index + 3, S_IFCHR | 0o600, now);
    this.rdev = mkdev(UNIX98_PTY_SLAVE_MAJOR, tty.index);
    this.uid = uid;
    this.gid = gid;
  }

  open(c: FsCtx, f: File): number {
    return this.tty.dentry === null ? -EIO : ptsOpen(c, f, this.tty);
  }
}

/** /dev/pts/ptmx: another way to the multiplexer. */
class DevptsPtmxInode extends Inode {
  open(c: FsCtx, f: File): number {
    return ptmxOpen(c, f);
  }
}

class DevptsRoot extends DirInode {
  constructor(private readonly fs: Devpts, now: bigint) {
    super(fs, 1, S_IFDIR | 0o755, now);
  }

  open(): number {
    return 0;
  }

  lookup(_c: FsCtx, _dir: Dentry, name: string): Dentry | null {
    if (name === "ptmx") return this.fs.ptmx;
    if (!/^(0|[1-9][0-9]*)$/.test(name)) return null;
    return this.fs.slaves.get(Number(name))?.dentry ?? null;
  }

  list(): DirEntry[] {
    const out: DirEntry[] = [{ name: "ptmx", ino: 2, type: S_IFCHR >> 12 }];
    for (const [n, tty] of [...this.fs.slaves].sort((a, b) => a[0] - b[0])) {
      if (tty.dentry !== null) out.push({ name: String(n), ino: n + 3, type: S_IFCHR >> 12 });
    }
    return out;
  }
}

/** The one devpts instance of a machine (the initial mount's pts_fs_info). */
export class Devpts implements SuperBlock {
  readonly type = "devpts";
  readonly magic = DEVPTS_SUPER_MAGIC;
  nextIno = 4;
  readonly root: Dentry;
  readonly ptmx: Dentry;
  /** Slaves by index, from ptmx's open until both ends are closed (the allocated_ptys ida). */
  readonly slaves = new Map<number, TtyStruct>();

  constructor(
    readonly dev: number,
    readonly k: Kernel,
  ) {
    const now = timeNow(k);
    this.root = new Dentry("/", null, new DevptsRoot(this, now));
    const ptmx = new DevptsPtmxInode(this, 2, S_IFCHR, now);
    ptmx.rdev = DEV_PTMX;
    this.ptmx = new Dentry("ptmx", this.root, ptmx);
  }

  /** devpts_new_index: the lowest free number, or -1 at the limit. */
  newIndex(): number {
    for (let i = 0; i < PTY_MAX; i++) if (!this.slaves.has(i)) return i;
    return -1;
  }

  /** devpts_pty_new: the slave's node, owned by whoever opened ptmx. */
  ptyNew(c: FsCtx, slave: TtyStruct): void {
    const inode = new PtsInode(this, slave, c.t.cred.fsuid, c.t.cred.fsgid, timeNow(c.k));
    slave.dentry = new Dentry(String(slave.index), this.root, inode);
    this.slaves.set(slave.index, slave);
  }

  /** devpts_pty_kill: the node leaves the directory (open files keep it, "(deleted)"). */
  ptyKill(slave: TtyStruct): void {
    const d = slave.dentry;
    if (d === null) return;
    d.deleted = true;
    d.inode.nlink = 0;
    slave.dentry = null;
  }
}
