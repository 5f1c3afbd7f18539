// Closing a pty end and hanging up (Linux's pty_close, tty_release and __tty_hangup). The last
// close of the master hangs the slave up: its files read end of file and fail writes with EIO,
// its node leaves /dev/pts, its session loses it as controlling terminal and the session leader
// gets SIGHUP and SIGCONT. The last close of the slave makes the master's reads fail with EIO
// once its buffer is empty. The pair is freed when neither end has a file open.
import type { Kernel } from "../../kernel/kernel.ts";
import type { File } from "../file.ts";
import { resetBuffer } from "./n-tty.ts";
import { signalSessionLeader } from "./tty-jobctrl.ts";
import type { TtyStruct } from "./tty-struct.ts";

/** What a tty file's priv holds: its terminal, and whether a hang-up cut it off (hung_up_tty_fops). */
export interface TtyFile {
  readonly tty: TtyStruct;
  hungUp: boolean;
}

export const ttyFileOf = (f: File): TtyFile => f.priv as TtyFile;

function wakeBoth(k: Kernel, tty: TtyStruct): void {
  k.wakeAll(tty.readWait);
  k.wakeAll(tty.writeWait);
}

/** __tty_hangup: cut every file off the terminal, tell its session, drop what it buffered. */
export function ttyHangup(k: Kernel, tty: TtyStruct): void {
  if (tty.hupped) return;
  for (const f of tty.files) ttyFileOf(f).hungUp = true;
  signalSessionLeader(k, tty);
  tty.flip.length = 0;
  resetBuffer(tty);
  tty.setCtrl(null, null);
  tty.hupped = true;
  wakeBoth(k, tty);
}

/** tty_release for one file: the pty_close work on the last close of an end, then the counts. */
export function ttyRelease(k: Kernel, f: File): void {
  const tty = ttyFileOf(f).tty;
  tty.files.delete(f);
  const master = tty.isMaster ? tty : tty.link;
  const slave = master.link;
  if (tty.isMaster) {
    tty.ioError = true;
    wakeBoth(k, tty);
    slave.otherClosed = true;
    master.otherClosed = true;
    wakeBoth(k, slave);
    k.vfs.devpts.ptyKill(slave);
    ttyHangup(k, slave);
    master.count--;
    slave.count--; // the reference the master held
  } else {
    // The slave's count includes the master's reference while the master is open.
    if (!slave.ioError && slave.count <= 2) {
      slave.ioError = true;
      wakeBoth(k, slave);
      master.otherClosed = true;
      wakeBoth(k, master);
    }
    slave.count--;
  }
  if (master.count === 0 && slave.count === 0) releasePair(k, master);
}

/** release_tty: both ends are closed: the number is free, and nobody keeps the slave as terminal. */
export function releasePair(k: Kernel, master: TtyStruct): void {
  const slave = master.link;
  for (const t of k.tasks.values()) if (t.isLeader && t.group.tty === slave) t.group.tty = null;
  master.setCtrl(null, null);
  slave.setCtrl(null, null);
  master.flip.length = slave.flip.length = 0;
  const pts = k.vfs.devpts;
  pts.ptyKill(slave);
  if (pts.slaves.get(slave.index) === slave) pts.slaves.delete(slave.index);
}
