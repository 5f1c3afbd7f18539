// Character devices: /dev/null, /dev/zero, /dev/full, /dev/console (the machine console), and
// the terminal nodes /dev/tty and /dev/ptmx, whose opens tty/tty-io.ts answers.
// Device nodes are inodes with a device number; opening one finds its driver here by number,
// as chrdev_open does.
//
// The console reads from the machine's input and writes to its captured output. The first
// task's fds 0, 1 and 2 are three opens of it: fd 1's writes go to captured stdout and fd 2's to
// captured stderr (a file remembers its stream), so the output compares byte for byte with a
// qemu run whose stdout and stderr are separate files. It answers every ioctl, TCGETS included,
// with ENOTTY, as a redirected stdout does under qemu-riscv32.
import { PAGE_SIZE } from "../mm/frame.ts";
import { mkdev, S_IFCHR } from "./constants.ts";
import { EFAULT, ENOSPC, ENOTTY, ENXIO } from "./errno.ts";
import { noLlseek, type File, type FileOperations } from "./file.ts";
import { Inode, type FsCtx, type SuperBlock } from "./inode.ts";
import type { IoIter } from "./iov.ts";
import { POLLIN, POLLOUT, POLLRDNORM, POLLWRNORM } from "./poll.ts";
import { DEV_PTMX, DEV_TTY } from "./tty/devpts.ts";
import { ptmxOpen, ttyOpenCurrent } from "./tty/tty-io.ts";

export const DEV_NULL = mkdev(1, 3);
export const DEV_ZERO = mkdev(1, 5);
export const DEV_FULL = mkdev(1, 7);
export const DEV_CONSOLE = mkdev(5, 1);

/** Which captured stream a console file writes to. */
export type ConsoleStream = 1 | 2;

const ZEROS = new Uint8Array(PAGE_SIZE);
/** The console hands out input in chunks of at most this much per read. */
const CONSOLE_READ_CHUNK = 65536;

/** Copy zeros to the reader until it is full or faults (read_iter_zero). */
function readZeros(to: IoIter): number {
  let done = 0;
  while (to.remaining > 0) {
    const n = Math.min(PAGE_SIZE, to.remaining);
    const copied = to.copyOut(ZEROS.subarray(0, n));
    done += copied;
    if (copied < n) return done > 0 ? done : -EFAULT;
  }
  return done;
}

/** null_lseek: every seek succeeds and lands at 0. */
const nullLlseek = (_c: FsCtx, f: File): number => (f.pos = 0);

const nullOps: FileOperations = {
  positional: true,
  read: () => 0,
  write: (_c, _f, from) => from.remaining,
  llseek: nullLlseek,
};

const zeroOps: FileOperations = {
  positional: true,
  read: (_c, _f, to) => readZeros(to),
  write: (_c, _f, from) => from.remaining,
  llseek: nullLlseek,
};

const fullOps: FileOperations = {
  positional: true,
  read: (_c, _f, to) => readZeros(to),
  write: () => -ENOSPC,
  llseek: nullLlseek,
};

function consoleRead(c: FsCtx, _f: File, to: IoIter): number {
  if (to.remaining === 0) return 0;
  const data = c.k.console.read(Math.min(to.remaining, CONSOLE_READ_CHUNK));
  if (data.length === 0) return 0;
  const copied = to.copyOut(data);
  return copied > 0 ? copied : -EFAULT;
}

function consoleWrite(c: FsCtx, f: File, from: IoIter): number {
  const want = from.remaining;
  const data = from.copyIn(want);
  if (data.length > 0) c.k.console.write((f.priv as ConsoleStream | undefined) ?? 1, data);
  return data.length === 0 && want > 0 ? -EFAULT : data.length;
}

/**
 * tty_poll, for the console: its input never makes a reader wait (console.ts hands out what it
 * has, or end of file), so it is always readable, and its output always writable. No queue
 * needs registering, since nothing changes the mask.
 */
const consolePoll = (): number => POLLIN | POLLRDNORM | POLLOUT | POLLWRNORM;

const consoleOps: FileOperations = {
  positional: false,
  poll: consolePoll,
  read: consoleRead,
  write: consoleWrite,
  llseek: noLlseek,
  ioctl: () => -ENOTTY,
};

const DRIVERS = new Map<number, FileOperations>([
  [DEV_NULL, nullOps],
  [DEV_ZERO, zeroOps],
  [DEV_FULL, fullOps],
  [DEV_CONSOLE, consoleOps],
]);

export class CharDevInode extends Inode {
  constructor(sb: SuperBlock, ino: number, mode: number, rdev: number, now: bigint) {
    super(sb, ino, S_IFCHR | mode, now);
    this.rdev = rdev;
  }

  open(c: FsCtx, f: File): number {
    if (this.rdev === DEV_PTMX) return ptmxOpen(c, f);
    if (this.rdev === DEV_TTY) return ttyOpenCurrent(c, f);
    const ops = DRIVERS.get(this.rdev);
    if (ops === undefined) return -ENXIO;
    f.ops = ops;
    if (this.rdev === DEV_CONSOLE && f.priv === undefined) f.priv = 1;
    return 0;
  }
}

/**
 * A node no driver answers for: a block device (there are none) or a socket's name (S_IFSOCK made
 * by mknod, which only bind(2) could give a listener). Opening it is ENXIO, as Linux's no_open and
 * blkdev_open with no disk say.
 */
export class NoDeviceInode extends Inode {
  constructor(sb: SuperBlock, ino: number, mode: number, rdev: number, now: bigint) {
    super(sb, ino, mode, now);
    this.rdev = rdev;
  }

  open(): number {
    return -ENXIO;
  }
}
