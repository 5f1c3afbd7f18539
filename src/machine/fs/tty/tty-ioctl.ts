// Terminal ioctls (Linux's tty_ioctl, pty_unix98_ioctl, n_tty_ioctl and tty_mode_ioctl, in the
// order Linux tries them). A master answers the settings, window-size and job-control requests
// about its slave (tty_pair_get_tty): that is how a terminal emulator sets up its child's
// terminal. Settings changes, flushes and breaks by a background process stop it with SIGTTOU.
import { SIGTTOU, SIGWINCH } from "../../kernel/signal-names.ts";
import { devMajor, devMinor, mkdev } from "../constants.ts";
import { EFAULT, EINVAL, ENOTTY } from "../errno.ts";
import type { File } from "../file.ts";
import type { FsCtx } from "../inode.ts";
import { killPgrp, ldiscSetTermios, ptyWrite, resetBuffer, startTty } from "./n-tty.ts";
import {
  CREAD, CS8, CSIZE, DISABLED_CHAR, ICANON, PARENB, TCFLSH, TCGETS, TCGETS2, TCIFLUSH, TCIOFF, TCIOFLUSH, TCION, TCOFLUSH, TCOOFF, TCOON,
  TCSBRK, TCSBRKP, TCSETS, TCSETS2, TCSETSF, TCSETSF2, TCSETSW, TCSETSW2, TCXONC, TERMIOS2_SIZE, TERMIOS_SIZE, TIOCGDEV, TIOCGPGRP,
  TIOCGPTLCK, TIOCGPTN, TIOCGSID, TIOCGWINSZ, TIOCINQ, TIOCNOTTY, TIOCOUTQ, TIOCSCTTY, TIOCSPGRP, TIOCSPTLCK, TIOCSWINSZ, VSTART, VSTOP,
  cflagBaud, decodeTermios, encodeTermios,
} from "./termios.ts";
import { tiocgpgrp, tiocgsid, tiocnotty, tiocsctty, tiocspgrp, ttyCheckChange } from "./tty-jobctrl.ts";
import { UNIX98_PTY_SLAVE_MAJOR, type TtyStruct, type Winsize } from "./tty-struct.ts";

/** new_encode_dev: the 32-bit device number TIOCGDEV reports. */
const encodeDev = (dev: number): number => {
  const major = devMajor(dev);
  const minor = devMinor(dev);
  return ((minor & 0xff) | (major << 8) | ((minor & ~0xff) << 12)) >>> 0;
};

function putU32(c: FsCtx, arg: number, v: number): number {
  return c.t.mm.writeU32(arg, v) ? 0 : -EFAULT;
}

/** pty_resize: a new size signals the slave's foreground group with SIGWINCH. */
function ptyResize(c: FsCtx, real: TtyStruct, ws: Winsize): number {
  const old = real.winsize;
  if (old.row === ws.row && old.col === ws.col && old.xpixel === ws.xpixel && old.ypixel === ws.ypixel) return 0;
  killPgrp(c.k, real.pgrp, SIGWINCH);
  real.winsize = ws;
  real.link.winsize = { ...ws };
  return 0;
}

/** tty_perform_flush: drop buffered input (TCIFLUSH), output not yet read by the other end (TCOFLUSH), or both. */
function performFlush(tty: TtyStruct, arg: number): number {
  if (arg !== TCIFLUSH && arg !== TCOFLUSH && arg !== TCIOFLUSH) return -EINVAL;
  if (arg !== TCOFLUSH) {
    tty.flip.length = 0;
    resetBuffer(tty);
  }
  if (arg !== TCIFLUSH) {
    tty.link.flip.length = 0;
    tty.k.wakeAll(tty.writeWait);
  }
  return 0;
}

/** set_termios: TCSETS and friends on the slave (a pty keeps CS8 | CREAD and no parity). */
function setTermios(c: FsCtx, real: TtyStruct, cmd: number, arg: number): number {
  const r = ttyCheckChange(c.k, c.t, real, SIGTTOU);
  if (r !== 0) return r;
  const two = cmd === TCSETS2 || cmd === TCSETSW2 || cmd === TCSETSF2;
  const raw = c.t.mm.copyIn(arg, two ? TERMIOS2_SIZE : TERMIOS_SIZE);
  if (raw === null) return -EFAULT;
  const old = real.termios;
  const next = decodeTermios(raw, old);
  if (!two) next.ispeed = next.ospeed = cflagBaud(next.cflag);
  next.cflag = (next.cflag & ~(CSIZE | PARENB)) | CS8 | CREAD;
  if (cmd === TCSETSF || cmd === TCSETSF2) {
    real.flip.length = 0;
    resetBuffer(real);
  }
  real.termios = next;
  ldiscSetTermios(real, old);
  return 0;
}

/** TCXONC (tcflow): suspend or resume output, or send STOP / START to the other end. */
function tcxonc(c: FsCtx, tty: TtyStruct, arg: number): number {
  const r = ttyCheckChange(c.k, c.t, tty, SIGTTOU);
  if (r !== 0) return r;
  switch (arg) {
    case TCOOFF:
      tty.tcoStopped = tty.stopped = true;
      return 0;
    case TCOON:
      tty.tcoStopped = false;
      startTty(tty);
      return 0;
    case TCIOFF:
    case TCION: {
      const ch = tty.cc(arg === TCIOFF ? VSTOP : VSTART);
      if (ch !== DISABLED_CHAR) ptyWrite(tty, [ch]);
      return 0;
    }
    default:
      return -EINVAL;
  }
}

/** Canonical mode counts only complete lines, without EOF markers (inq_canon). */
function inq(tty: TtyStruct): number {
  const ld = tty.ldata;
  if (!tty.lflag(ICANON)) return ld.buf.length;
  let n = ld.canonLen;
  for (let i = 0; i < ld.canonLen; i++) if (ld.eol[i] && ld.buf[i] === DISABLED_CHAR) n--;
  return n;
}

export function ttyIoctl(c: FsCtx, f: File, tty: TtyStruct, cmd: number, arg: number): number {
  const { k, t } = c;
  const real = tty.realTty;
  switch (cmd) {
    case TIOCGWINSZ: {
      const b = new Uint8Array(8);
      const dv = new DataView(b.buffer);
      const w = real.winsize;
      [w.row, w.col, w.xpixel, w.ypixel].forEach((v, i) => dv.setUint16(i * 2, v, true));
      return t.mm.copyOut(arg, b) ? 0 : -EFAULT;
    }
    case TIOCSWINSZ: {
      const b = t.mm.copyIn(arg, 8);
      if (b === null) return -EFAULT;
      const dv = new DataView(b.buffer, b.byteOffset, 8);
      return ptyResize(c, real, { row: dv.getUint16(0, true), col: dv.getUint16(2, true), xpixel: dv.getUint16(4, true), ypixel: dv.getUint16(6, true) });
    }
    case TIOCGDEV:
      return putU32(c, arg, encodeDev(mkdev(UNIX98_PTY_SLAVE_MAJOR, real.index)));
    case TCSBRK:
    case TCSBRKP:
      // A pty has no break to send and nothing waiting to drain (tcdrain, tcsendbreak).
      return ttyCheckChange(k, t, tty, SIGTTOU);
    case TIOCSCTTY:
      return tiocsctty(k, t, real, f.readable, arg);
    case TIOCNOTTY:
      return tiocnotty(k, t, tty);
    case TIOCGPGRP:
      return tiocgpgrp(t, tty, real, arg);
    case TIOCSPGRP:
      return tiocspgrp(k, t, real, arg);
    case TIOCGSID:
      return tiocgsid(t, tty, real, arg);
  }
  if (tty.isMaster) {
    switch (cmd) {
      case TIOCSPTLCK: {
        const v = t.mm.readU32(arg);
        if (v === null) return -EFAULT;
        tty.ptyLocked = v !== 0;
        return 0;
      }
      case TIOCGPTLCK:
        return putU32(c, arg, tty.ptyLocked ? 1 : 0);
      case TIOCGPTN:
        return putU32(c, arg, tty.index);
    }
  }
  switch (cmd) {
    case TIOCOUTQ:
      // A pty passes output on at once: nothing waits in a driver queue.
      return putU32(c, arg, 0);
    case TIOCINQ:
      return putU32(c, arg, inq(tty));
    case TCXONC:
      return tcxonc(c, tty, arg);
    case TCFLSH: {
      const r = ttyCheckChange(k, t, tty, SIGTTOU);
      return r !== 0 ? r : performFlush(tty, arg);
    }
    case TCGETS:
    case TCGETS2:
      return t.mm.copyOut(arg, encodeTermios(real.termios, cmd === TCGETS ? TERMIOS_SIZE : TERMIOS2_SIZE)) ? 0 : -EFAULT;
    case TCSETS:
    case TCSETSW:
    case TCSETSF:
    case TCSETS2:
    case TCSETSW2:
    case TCSETSF2:
      return setTermios(c, real, cmd, arg);
  }
  return -ENOTTY;
}
