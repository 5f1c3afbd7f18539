// One terminal (Linux's struct tty_struct): a pty end, with its settings, its line discipline's
// state, the bytes the other end wrote that the discipline has not taken yet (the port's flip
// buffer), the open files on it, and its controlling-terminal state (session and foreground
// process group). A pty is two of them linked: what one end writes is input of the other.
//
// Ownership: the pair lives while a file is open on either end (count); a controlling-terminal
// pointer (ThreadGroup.tty) does not keep it alive — a hang-up clears those first (tty-jobctrl.ts).
// session and pgrp are counted references on their Pids.
import type { Kernel } from "../../kernel/kernel.ts";
import type { Pid } from "../../kernel/pid.ts";
import { WaitQueue } from "../../kernel/wait-queue.ts";
import type { File } from "../file.ts";
import type { Dentry } from "../inode.ts";
import { masterTermios, slaveTermios, type Termios } from "./termios.ts";

/** The major of /dev/pts/N. */
export const UNIX98_PTY_SLAVE_MAJOR = 136;
/** N_TTY_BUF_SIZE: the discipline's read buffer. */
export const N_TTY_BUF_SIZE = 4096;
/** TTYB_DEFAULT_MEM_LIMIT: bytes a port buffers between a writer and the discipline. */
export const FLIP_LIMIT = 65536;

export interface Winsize {
  row: number;
  col: number;
  xpixel: number;
  ypixel: number;
}

/** n_tty_data: the line discipline's buffer and editing state. */
export class NTtyData {
  /** read_buf from read_tail on; eol marks a line's last byte (read_flags). */
  buf: number[] = [];
  eol: boolean[] = [];
  /** Bytes of buf that form complete lines (canon_head - read_tail). */
  canonLen = 0;
  /** The next byte is literal (after VLNEXT). */
  lnext = false;
  /** Inside an ECHOPRT erase ("\" ... "/"). */
  erasing = false;
  /** The output column, and the column where the current line's input began. */
  column = 0;
  canonColumn = 0;
  /** The machine clock when a byte last arrived (the VMIN/VTIME inter-byte timer). */
  lastRx = 0;
}

export class TtyStruct {
  termios: Termios;
  winsize: Winsize = { row: 0, col: 0, xpixel: 0, ypixel: 0 };
  ldata = new NTtyData();
  /** Bytes written by the other end, waiting for room in ldata (tty_buffer). */
  flip: number[] = [];
  /** Opens: one per file; the slave also counts one for its master while that is open. */
  count = 0;
  /** TTY_IO_ERROR, TTY_OTHER_CLOSED, TTY_HUPPED; TTY_PTY_LOCK (on the master). */
  ioError = false;
  otherClosed = false;
  hupped = false;
  ptyLocked = false;
  /** Output stopped by VSTOP (flow.stopped) or by TCOOFF (flow.tco_stopped). */
  stopped = false;
  tcoStopped = false;
  /** The session this is the controlling terminal of, and its foreground group. */
  session: Pid | null = null;
  pgrp: Pid | null = null;
  readonly readWait = new WaitQueue();
  readonly writeWait = new WaitQueue();
  /** tty_files: every open file on this end (a hang-up replaces their operations). */
  readonly files = new Set<File>();
  link!: TtyStruct;
  /** The slave's /dev/pts/N entry, dropped when the master closes (devpts_pty_kill). */
  dentry: Dentry | null = null;

  constructor(
    readonly k: Kernel,
    readonly index: number,
    readonly isMaster: boolean,
  ) {
    this.termios = isMaster ? masterTermios() : slaveTermios();
  }

  /** The slave, for the ioctls a master answers about its pair (tty_pair_get_tty). */
  get realTty(): TtyStruct {
    return this.isMaster ? this.link : this;
  }

  get name(): string {
    return this.isMaster ? `ptm${this.index}` : `pts/${this.index}`;
  }

  lflag(bit: number): boolean {
    return (this.termios.lflag & bit) !== 0;
  }

  iflag(bit: number): boolean {
    return (this.termios.iflag & bit) !== 0;
  }

  oflag(bit: number): boolean {
    return (this.termios.oflag & bit) !== 0;
  }

  cc(i: number): number {
    return this.termios.cc[i];
  }

  /** Replace the session / foreground group, moving the Pid references. */
  setCtrl(session: Pid | null, pgrp: Pid | null): void {
    const r = this.k.kobj;
    if (session !== null) r.get(session);
    if (pgrp !== null) r.get(pgrp);
    if (this.session !== null) r.put(this.session);
    if (this.pgrp !== null) r.put(this.pgrp);
    this.session = session;
    this.pgrp = pgrp;
  }
}
