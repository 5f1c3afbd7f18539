// The CheckpointModel's pseudo-terminal records (CheckpointModel.ttys): a pty pair with both ends'
// termios, window size, line-discipline state and buffers. Split out of model.ts to keep it
// readable; model.ts re-exports everything here.

/** struct ktermios: the four flag words, c_line, the NCCS control characters, the two speeds. */
export interface TermiosRecord {
  iflag: number;
  oflag: number;
  cflag: number;
  lflag: number;
  line: number;
  cc: number[];
  ispeed: number;
  ospeed: number;
}

/** TtyEndRecord.state bits: tty->flags and flow state of one end. */
export const TTY_IO_ERROR = 1;
export const TTY_OTHER_CLOSED = 2;
export const TTY_HUPPED = 4;
export const TTY_STOPPED = 8;
export const TTY_TCO_STOPPED = 16;
/** n_tty_data's editing state: the next byte is literal (VLNEXT); inside an ECHOPRT erase. */
export const TTY_LNEXT = 32;
export const TTY_ERASING = 64;
export const TTY_STATE_KNOWN = 127;

/** One end of a pty (tty_struct with its n_tty_data and the bytes its port buffers). */
export interface TtyEndRecord {
  termios: TermiosRecord;
  winsize: { row: number; col: number; xpixel: number; ypixel: number };
  state: number;
  /** The discipline's read buffer, and per byte 1 where a line ends (read_flags). */
  readBuf: Uint8Array;
  readEol: Uint8Array;
  /** Bytes of readBuf that form complete lines (canonical mode). */
  canonLen: number;
  /** The output column and the column where the line being edited began. */
  column: number;
  canonColumn: number;
  /** Cycles since a byte last arrived (the VMIN/VTIME inter-byte timer). */
  lastRxAgo: number;
  /** Bytes the other end wrote that this end's discipline has not taken yet (flip buffer). */
  flip: Uint8Array;
  /** Controlling-terminal state: the session and foreground process group (pid ids). */
  sessionPidId: number | null;
  pgrpPidId: number | null;
}

/**
 * A pty pair (devpts index N). The slave's node /dev/pts/N exists while the master is open; its
 * owner and mode are the node's (grantpt, chmod). Restored at the same index, so the names the
 * container knows stay true.
 */
export interface TtyRecord {
  id: number;
  index: number;
  /** TTY_PTY_LOCK: unlockpt has not run. */
  locked: boolean;
  slaveUid: number;
  slaveGid: number;
  slaveMode: number;
  master: TtyEndRecord;
  slave: TtyEndRecord;
}
