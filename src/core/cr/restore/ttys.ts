// Pty pairs from the model (TtyRecord) and the files open on them. A pair gets back its devpts
// number, so /dev/pts/N means inside the restored container what it meant before; a number this
// machine uses already refuses the restart (EBUSY: one devpts per machine, no per-container
// instance to renumber in). Its slave node is made again while the master is open, with its
// owner and mode; once the master is closed the slave's files keep a removed node, as
// devpts_pty_kill leaves them. Each file takes its count on its end as ptmx_open and pty_open do
// (the master's file also holds one on the slave), so the ordinary release path frees the pair
// when the last file goes; release() frees a pair that no file took (a failure halfway).
import { File } from "../../../machine/fs/file.ts";
import { S_IFCHR } from "../../../machine/fs/constants.ts";
import { Dentry, timeNow, type Path } from "../../../machine/fs/inode.ts";
import { PtsInode } from "../../../machine/fs/tty/devpts.ts";
import { releasePair, type TtyFile } from "../../../machine/fs/tty/pty.ts";
import { ttyOps } from "../../../machine/fs/tty/tty-io.ts";
import { TtyStruct } from "../../../machine/fs/tty/tty-struct.ts";
import type { Kernel } from "../../../machine/kernel/kernel.ts";
import type { Pid } from "../../../machine/kernel/pid.ts";
import type { ThreadGroup } from "../../../machine/kernel/task.ts";
import { CrError, EBUSY, EINVAL, ENOENT } from "../errors.ts";
import {
  TTY_ERASING, TTY_HUPPED, TTY_IO_ERROR, TTY_LNEXT, TTY_OTHER_CLOSED, TTY_STOPPED, TTY_TCO_STOPPED,
  type CheckpointModel, type FileRecord, type TtyEndRecord, type TtyRecord,
} from "../model.ts";
import { walkTmpfs } from "./tree.ts";

export class TtyRestore {
  /** Pairs by id: their master. */
  private readonly pairs = new Map<number, TtyStruct>();
  /** A slave's removed node, shared by its files, once its master is closed. */
  private readonly removed = new Map<number, Dentry>();

  constructor(
    private readonly k: Kernel,
    private readonly m: CheckpointModel,
    private readonly pid: (id: number) => Pid,
  ) {}

  /** Make every pair (before the files: a file attaches to its pair). */
  build(): void {
    const mastersOpen = new Set(this.m.files.flatMap((f) => (f.target.kind === "pty" && f.target.master ? [f.target.ttyId] : [])));
    for (const rec of this.m.ttys ?? []) this.pairs.set(rec.id, this.make(rec, mastersOpen.has(rec.id)));
  }

  private make(rec: TtyRecord, masterOpen: boolean): TtyStruct {
    const k = this.k;
    const pts = k.vfs.devpts;
    if (pts.slaves.has(rec.index)) throw new CrError(EBUSY, `/dev/pts/${rec.index} is in use on this machine: pty ${rec.id} cannot get its number back`);
    const master = new TtyStruct(k, rec.index, true);
    const slave = new TtyStruct(k, rec.index, false);
    master.link = slave;
    slave.link = master;
    master.ptyLocked = rec.locked;
    // Registered at once, so that release() (or the last file's close) finds and frees it.
    pts.slaves.set(rec.index, slave);
    this.end(master, rec.master);
    this.end(slave, rec.slave);
    const inode = new PtsInode(pts, slave, rec.slaveUid, rec.slaveGid, timeNow(k));
    inode.mode = S_IFCHR | rec.slaveMode;
    const d = new Dentry(String(rec.index), pts.root, inode);
    if (masterOpen) slave.dentry = d;
    else {
      d.deleted = true;
      inode.nlink = 0;
      this.removed.set(rec.id, d);
    }
    return master;
  }

  private end(tty: TtyStruct, e: TtyEndRecord): void {
    const t = e.termios;
    tty.termios = { iflag: t.iflag, oflag: t.oflag, cflag: t.cflag, lflag: t.lflag, line: t.line, cc: Uint8Array.from(t.cc), ispeed: t.ispeed, ospeed: t.ospeed };
    tty.winsize = { ...e.winsize };
    const on = (bit: number): boolean => (e.state & bit) !== 0;
    tty.ioError = on(TTY_IO_ERROR);
    tty.otherClosed = on(TTY_OTHER_CLOSED);
    tty.hupped = on(TTY_HUPPED);
    tty.stopped = on(TTY_STOPPED);
    tty.tcoStopped = on(TTY_TCO_STOPPED);
    const ld = tty.ldata;
    ld.buf = [...e.readBuf];
    ld.eol = [...e.readEol].map((b) => b === 1);
    ld.canonLen = e.canonLen;
    ld.lnext = on(TTY_LNEXT);
    ld.erasing = on(TTY_ERASING);
    ld.column = e.column;
    ld.canonColumn = e.canonColumn;
    ld.lastRx = this.k.clock - e.lastRxAgo;
    tty.flip = [...e.flip];
    tty.setCtrl(e.sessionPidId === null ? null : this.pid(e.sessionPidId), e.pgrpPidId === null ? null : this.pid(e.pgrpPidId));
  }

  /** Where a file on a pty end was opened, on this machine. */
  private path(rec: FileRecord, master: TtyStruct): Path {
    const t = rec.target;
    if (t.kind !== "pty") throw new CrError(EINVAL, `file ${rec.id} is not a pty file`);
    const vfs = this.k.vfs;
    if (t.path === "/dev/pts/ptmx") return { mnt: vfs.devptsMount, dentry: vfs.devpts.ptmx };
    if (t.path === "/dev/ptmx" || t.path === "/dev/tty") {
      const d = walkTmpfs(vfs, t.path);
      if (d === null) throw new CrError(ENOENT, `file ${rec.id}: this machine has no ${t.path}`);
      return { mnt: vfs.rootMount, dentry: d };
    }
    const d = master.link.dentry ?? this.removed.get(t.ttyId);
    if (d === undefined) throw new CrError(EINVAL, `file ${rec.id}: the slave of pty ${t.ttyId} has no node`);
    return { mnt: vfs.devptsMount, dentry: d };
  }

  /** A file on a pty end, attached as ptmx_open or pty_open attaches it. */
  open(rec: FileRecord, why: string): File {
    const t = rec.target;
    if (t.kind !== "pty") throw new CrError(EINVAL, `file ${rec.id} is not a pty file`);
    const master = this.pairs.get(t.ttyId);
    if (master === undefined) throw new CrError(EINVAL, `file ${rec.id} names pty ${t.ttyId}, which the image does not have`);
    const tty = t.master ? master : master.link;
    const f = new File(this.k.kobj, this.path(rec, master), rec.flags, why);
    const priv: TtyFile = { tty, hungUp: !t.master && tty.hupped };
    f.ops = ttyOps;
    f.priv = priv;
    tty.files.add(f);
    tty.count++;
    if (t.master) master.link.count++; // the master's reference on its slave (pty_common_install)
    f.pos = rec.pos;
    return f;
  }

  /** Give each thread group its controlling terminal (not a counted reference, as in Linux). */
  attachCtty(groups: ReadonlyMap<number, ThreadGroup>): void {
    for (const g of this.m.threadGroups) {
      if (g.ttyId === undefined) continue;
      const master = this.pairs.get(g.ttyId);
      if (master === undefined) throw new CrError(EINVAL, `thread group ${g.id}'s controlling terminal is pty ${g.ttyId}, which the image does not have`);
      groups.get(g.id)!.tty = master.link;
    }
  }

  /** Free the pairs no file holds (a restart that failed before opening them); forget the rest. */
  release(): void {
    for (const master of this.pairs.values()) {
      if (master.count === 0 && master.link.count === 0) releasePair(this.k, master);
    }
    this.pairs.clear();
    this.removed.clear();
  }
}
