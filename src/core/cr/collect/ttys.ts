// Pseudo-terminals into the model: each pty pair a file of the container holds, or that one of
// its processes has as controlling terminal, once by id (TtyRecord): both ends' settings, line
// discipline state, buffered bytes and job-control state, the slave node's owner and mode. A pty
// with a file open outside the container (its master held by a terminal emulator on the host, a
// slave another container uses) is refused: the restart could not give that holder its file back.
import type { File } from "../../../machine/fs/file.ts";
import { PtsInode } from "../../../machine/fs/tty/devpts.ts";
import { ttyFileOf } from "../../../machine/fs/tty/pty.ts";
import { ttyOps } from "../../../machine/fs/tty/tty-io.ts";
import type { TtyStruct } from "../../../machine/fs/tty/tty-struct.ts";
import type { Kernel } from "../../../machine/kernel/kernel.ts";
import type { Pid } from "../../../machine/kernel/pid.ts";
import { CrError, EBUSY, EOPNOTSUPP } from "../errors.ts";
import {
  TTY_ERASING, TTY_HUPPED, TTY_IO_ERROR, TTY_LNEXT, TTY_OTHER_CLOSED, TTY_STOPPED, TTY_TCO_STOPPED,
  type FileTargetRecord, type TtyEndRecord, type TtyRecord,
} from "../model.ts";
import { IdMap } from "./ids.ts";

/** Whether a file is open on a pty end (through /dev/ptmx, /dev/pts/N or /dev/tty). */
export const isTtyFile = (f: File): boolean => f.ops === ttyOps;

export class TtyCollector {
  readonly ttys: TtyRecord[] = [];
  /** Pairs by their master. */
  private readonly ids = new IdMap<TtyStruct>();
  private readonly masters: TtyStruct[] = [];

  constructor(
    private readonly k: Kernel,
    private readonly pidId: (p: Pid, what: string) => number,
  ) {}

  /** The id of the pair `tty` (either end) belongs to, collecting it the first time. */
  pairId(tty: TtyStruct): number {
    const master = tty.isMaster ? tty : tty.link;
    const { id, fresh } = this.ids.lookup(master);
    if (!fresh) return id;
    this.masters.push(master);
    const slave = master.link;
    const node = slave.dentry?.inode ?? [...slave.files].map((f) => f.inode).find((i) => i instanceof PtsInode);
    this.ttys.push({
      id, index: master.index, locked: master.ptyLocked,
      slaveUid: node?.uid ?? 0, slaveGid: node?.gid ?? 0, slaveMode: (node?.mode ?? 0o20600) & 0o7777,
      master: this.end(master), slave: this.end(slave),
    });
    return id;
  }

  private end(tty: TtyStruct): TtyEndRecord {
    const t = tty.termios;
    const ld = tty.ldata;
    const bit = (b: boolean, v: number): number => (b ? v : 0);
    const who = `/dev/${tty.name}`;
    return {
      termios: { iflag: t.iflag, oflag: t.oflag, cflag: t.cflag, lflag: t.lflag, line: t.line, cc: [...t.cc.subarray(0, 19)], ispeed: t.ispeed, ospeed: t.ospeed },
      winsize: { ...tty.winsize },
      state: bit(tty.ioError, TTY_IO_ERROR) | bit(tty.otherClosed, TTY_OTHER_CLOSED) | bit(tty.hupped, TTY_HUPPED) |
        bit(tty.stopped, TTY_STOPPED) | bit(tty.tcoStopped, TTY_TCO_STOPPED) | bit(ld.lnext, TTY_LNEXT) | bit(ld.erasing, TTY_ERASING),
      readBuf: Uint8Array.from(ld.buf), readEol: Uint8Array.from(ld.eol, (e) => (e ? 1 : 0)),
      canonLen: ld.canonLen, column: ld.column, canonColumn: ld.canonColumn,
      lastRxAgo: Math.max(0, this.k.clock - ld.lastRx),
      flip: Uint8Array.from(tty.flip),
      sessionPidId: tty.session === null ? null : this.pidId(tty.session, `the session of ${who}`),
      pgrpPidId: tty.pgrp === null ? null : this.pidId(tty.pgrp, `the foreground process group of ${who}`),
    };
  }

  /** An open file on a pty end, as a file target. */
  target(f: File, path: string): FileTargetRecord {
    const { tty, hungUp } = ttyFileOf(f);
    // A hang-up cuts off every file of the slave and the slave is marked hung up with them: the
    // restart derives one from the other.
    if (hungUp !== (!tty.isMaster && tty.hupped)) throw new CrError(EOPNOTSUPP, `an open file on ${path} is hung up apart from its terminal: checkpoint/restart of it is not implemented`);
    return { kind: "pty", ttyId: this.pairId(tty), master: tty.isMaster, path };
  }

  /**
   * After every task: each file open on a collected pty must be one of the container's, held by
   * no one else (`slots`: how many fd-table slots of the container name each file).
   */
  checkClosed(slots: ReadonlyMap<File, number>, name: (f: File) => string): void {
    for (const master of this.masters) {
      for (const tty of [master, master.link]) {
        for (const f of tty.files) {
          const n = slots.get(f);
          const end = tty.isMaster ? `the master of /dev/pts/${tty.index}` : `/dev/pts/${tty.index}`;
          if (n === undefined) throw new CrError(EBUSY, `${end} is open outside the container (${name(f)}): a pseudo-terminal held from outside cannot be checkpointed`);
          if (f.refcount > n) throw new CrError(EBUSY, `open file ${name(f)} (${end}) is shared with a task outside the container (${f.refcount} references, ${n} inside)`);
        }
      }
    }
  }
}
