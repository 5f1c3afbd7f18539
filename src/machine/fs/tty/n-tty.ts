// The line discipline (Linux's drivers/tty/n_tty.c), for both ends of a pty: input processing
// (ISTRIP, INLCR/IGNCR/ICRNL, IXON flow control, ISIG signal characters), canonical editing
// (ERASE, WERASE, KILL, LNEXT, REPRINT, EOF, EOL), echo with ECHOCTL/ECHOE/ECHOK/ECHOKE/ECHONL,
// output processing (OPOST with ONLCR, OCRNL, ONOCR, ONLRET, OLCUC, XTABS and the column it
// tracks), and how much a reader may take (one line in canonical mode; VMIN/VTIME otherwise).
//
// Bytes move as Linux moves them, minus the work queue: a writer's bytes go through its own
// output processing into the other end's flip buffer (pty_write), and from there into that end's
// read buffer as far as it has room (flush_to_ldisc, done at once here). Echoes are written at
// once instead of through an echo buffer. A master's settings are raw and cannot be changed (its
// termios ioctls act on the slave), so its discipline only buffers.
//
// One file past 500 lines, as n_tty.c is one: input processing, canonical editing, echo and output
// processing read and move the same buffers and output column, which splitting would make public.
import { sendSignal } from "../../kernel/signal.ts";
import { SIGINT, SIGQUIT, SIGTSTP } from "../../kernel/signal-names.ts";
import type { Kernel } from "../../kernel/kernel.ts";
import {
  DISABLED_CHAR, ECHO, ECHOCTL, ECHOE, ECHOK, ECHOKE, ECHONL, ECHOPRT, ICANON, ICRNL, IEXTEN, IGNCR, INLCR, ISIG, ISTRIP, IUCLC, IUTF8, IXANY, IXON,
  NOFLSH, OCRNL, OLCUC, ONLCR, ONLRET, ONOCR, OPOST, TABDLY, VEOF, VEOL, VEOL2, VERASE, VINTR, VKILL, VLNEXT, VQUIT, VREPRINT, VSTART, VSTOP,
  VSUSP, VWERASE, XTABS, isAlnum, isCntrl, type Termios,
} from "./termios.ts";
import { FLIP_LIMIT, N_TTY_BUF_SIZE, type TtyStruct } from "./tty-struct.ts";

/** kill_pgrp(pgrp, sig, 1): every process of the group, as the kernel (SI_KERNEL). */
export function killPgrp(k: Kernel, pgrp: TtyStruct["pgrp"], sig: number): void {
  if (pgrp === null) return;
  for (const g of [...pgrp.pgrpGroups]) {
    if (g.leader !== null && g.leader.group === g && g.threads.size > 0) sendSignal(k, g.leader, { signo: sig, code: 0x80 }, true);
  }
}

/** pty_write_room: what the other end's flip buffer takes now (nothing while output is stopped). */
export function writeRoom(tty: TtyStruct): number {
  return tty.stopped ? 0 : Math.max(0, FLIP_LIMIT - tty.link.flip.length);
}

/**
 * pty_write: queue bytes as input of the other end and let its discipline take them. Echoes
 * (`defer`) wait in the flip buffer until the input that caused them has all been taken, as
 * Linux's second work item runs after the first: a ^C in the same write flushes them unread.
 */
export function ptyWrite(tty: TtyStruct, bytes: number[], defer = false): number {
  const n = Math.min(bytes.length, writeRoom(tty));
  if (n === 0) return 0;
  const to = tty.link;
  for (let i = 0; i < n; i++) to.flip.push(bytes[i]);
  if (!defer) flushToLdisc(to);
  return n;
}

/** Bytes a reader may take now: complete lines in canonical mode, else everything buffered. */
export function inputAvailable(tty: TtyStruct): number {
  const ld = tty.ldata;
  return tty.lflag(ICANON) ? ld.canonLen : ld.buf.length;
}

/** flush_to_ldisc: move flip-buffer bytes into the read buffer while it has room. */
export function flushToLdisc(tty: TtyStruct): void {
  const ld = tty.ldata;
  const flip = tty.flip;
  let moved = 0;
  // The bytes taken leave the flip buffer in one splice at the end (a shift per byte would be
  // quadratic in a 64 KiB buffer). Nothing in receiveChar touches this end's flip buffer.
  while (moved < flip.length) {
    const room = N_TTY_BUF_SIZE - 1 - ld.buf.length;
    if (room <= 0) {
      // A full buffer without a complete line still takes bytes in canonical mode, overwriting
      // its last one, so that a newline can end the line (n_tty_receive_buf_common's overflow).
      if (!(tty.lflag(ICANON) && ld.canonLen === 0)) break;
      ld.buf.pop();
      ld.eol.pop();
    }
    receiveChar(tty, flip[moved++]);
  }
  if (moved === 0) return;
  flip.splice(0, moved);
  ld.lastRx = tty.k.clock;
  if (inputAvailable(tty) > 0) tty.k.wakeAll(tty.readWait);
  // The writer may go on: the flip buffer has room again (tty_wakeup of the other end).
  tty.k.wakeAll(tty.link.writeWait);
  // The echoes this input caused reach the other end now.
  if (tty.link.flip.length > 0) flushToLdisc(tty.link);
}

function put(tty: TtyStruct, c: number, eol = false): void {
  tty.ldata.buf.push(c);
  tty.ldata.eol.push(eol);
}

/** A line (or an EOF) is complete: every byte up to here may be read. */
function endLine(tty: TtyStruct, c: number): void {
  put(tty, c, true);
  tty.ldata.canonLen = tty.ldata.buf.length;
}

// --- echo and output processing ----------------------------------------------------------------

/** do_output_char: one byte through OPOST into out; false if the room is short. */
function outputChar(tty: TtyStruct, c: number, out: number[], room: number): boolean {
  const ld = tty.ldata;
  const space = room - out.length;
  if (space <= 0) return false;
  switch (c) {
    case 10:
      if (tty.oflag(ONLRET)) ld.column = 0;
      if (tty.oflag(ONLCR)) {
        if (space < 2) return false;
        ld.canonColumn = ld.column = 0;
        out.push(13, 10);
        return true;
      }
      ld.canonColumn = ld.column;
      break;
    case 13:
      if (tty.oflag(ONOCR) && ld.column === 0) return true;
      if (tty.oflag(OCRNL)) {
        c = 10;
        if (tty.oflag(ONLRET)) ld.canonColumn = ld.column = 0;
        break;
      }
      ld.canonColumn = ld.column = 0;
      break;
    case 9: {
      const spaces = 8 - (ld.column & 7);
      if ((tty.termios.oflag & TABDLY) === XTABS) {
        if (space < spaces) return false;
        ld.column += spaces;
        for (let i = 0; i < spaces; i++) out.push(32);
        return true;
      }
      ld.column += spaces;
      break;
    }
    case 8:
      if (ld.column > 0) ld.column--;
      break;
    default:
      if (!isCntrl(c)) {
        if (tty.oflag(OLCUC) && c >= 97 && c <= 122) c -= 32;
        if (!isContinuation(tty, c)) ld.column++;
      }
  }
  out.push(c);
  return true;
}

const isContinuation = (tty: TtyStruct, c: number): boolean => tty.iflag(IUTF8) && (c & 0xc0) === 0x80;

/**
 * Echo bytes to the terminal's output (process_echoes): through OPOST when it is on, except a
 * control character echoed as "^X" (`ctl`), which takes two columns.
 */
class Echo {
  readonly out: number[] = [];

  constructor(private readonly tty: TtyStruct) {}

  raw(c: number): void {
    if (this.tty.oflag(OPOST)) outputChar(this.tty, c, this.out, Infinity);
    else this.out.push(c);
  }

  /** echo_char: "^X" for a control character under ECHOCTL (but a tab), else the byte. */
  char(c: number): void {
    if (this.tty.lflag(ECHOCTL) && isCntrl(c) && c !== 9) {
      this.out.push(94, c ^ 0o100);
      this.tty.ldata.column += 2;
    } else {
      this.raw(c);
    }
  }

  /** echo_set_canon_col, when the line is empty. */
  lineStart(): void {
    const ld = this.tty.ldata;
    if (ld.buf.length === ld.canonLen) ld.canonColumn = ld.column;
  }

  finishErasing(): void {
    if (this.tty.ldata.erasing) {
      this.raw(47);
      this.tty.ldata.erasing = false;
    }
  }

  /** ECHO_OP_ERASE_TAB: back over a tab, which took up to 8 columns. */
  eraseTab(numChars: number, afterTab: boolean): void {
    const n = afterTab ? numChars : numChars + this.tty.ldata.canonColumn;
    for (let bs = 8 - (n & 7); bs > 0; bs--) {
      this.out.push(8);
      if (this.tty.ldata.column > 0) this.tty.ldata.column--;
    }
  }

  commit(): void {
    if (this.out.length > 0) ptyWrite(this.tty, this.out, true);
    this.out.length = 0;
  }
}

// --- input --------------------------------------------------------------------------------------

/** Whether c is one of the characters the discipline acts on under these settings (char_map). */
function isSpecial(t: Termios, c: number): boolean {
  if (c === DISABLED_CHAR) return false;
  const cc = t.cc;
  if ((t.iflag & IXON) !== 0 && (c === cc[VSTART] || c === cc[VSTOP])) return true;
  if ((t.lflag & ISIG) !== 0 && (c === cc[VINTR] || c === cc[VQUIT] || c === cc[VSUSP])) return true;
  if ((t.iflag & (IGNCR | ICRNL)) !== 0 && c === 13) return true;
  if ((t.iflag & INLCR) !== 0 && c === 10) return true;
  if ((t.lflag & ICANON) !== 0) {
    if (c === cc[VERASE] || c === cc[VKILL] || c === cc[VEOF] || c === 10 || c === cc[VEOL]) return true;
    if ((t.lflag & IEXTEN) !== 0 && (c === cc[VWERASE] || c === cc[VLNEXT] || c === cc[VEOL2])) return true;
    if ((t.lflag & (IEXTEN | ECHO)) === (IEXTEN | ECHO) && c === cc[VREPRINT]) return true;
  }
  return false;
}

/** Drop what the read buffer holds (reset_buffer_flags). */
export function resetBuffer(tty: TtyStruct): void {
  const ld = tty.ldata;
  ld.buf = [];
  ld.eol = [];
  ld.canonLen = 0;
  ld.erasing = false;
  ld.lnext = false;
  tty.k.wakeAll(tty.link.writeWait);
}

/** start_tty / stop_tty. */
export function startTty(tty: TtyStruct): void {
  if (!tty.stopped || tty.tcoStopped) return;
  tty.stopped = false;
  tty.k.wakeAll(tty.writeWait);
}

export function stopTty(tty: TtyStruct): void {
  tty.stopped = true;
}

/** n_tty_receive_signal_char: signal the foreground group, flush unless NOFLSH, echo. */
function signalChar(tty: TtyStruct, sig: number, c: number, echo: Echo): void {
  killPgrp(tty.k, tty.pgrp, sig);
  if (!tty.lflag(NOFLSH)) {
    tty.link.flip.length = 0; // tty_driver_flush_buffer: the pty's pending output
    resetBuffer(tty);
  }
  if (tty.iflag(IXON)) startTty(tty);
  if (tty.lflag(ECHO)) echo.char(c);
}

/** n_tty_receive_char(_special) for one byte; echoes are written before it returns. */
function receiveChar(tty: TtyStruct, c: number): void {
  const ld = tty.ldata;
  const echo = new Echo(tty);
  if (ld.lnext) {
    // The byte after VLNEXT is data, whatever it is.
    ld.lnext = false;
    if (tty.iflag(ISTRIP)) c &= 0x7f;
    if (tty.lflag(ECHO)) {
      echo.finishErasing();
      echo.lineStart();
      echo.char(c);
    }
    put(tty, c);
    echo.commit();
    return;
  }
  if (tty.iflag(ISTRIP)) c &= 0x7f;
  if (tty.iflag(IUCLC) && tty.lflag(IEXTEN) && c >= 65 && c <= 90) c += 32;
  if (isSpecial(tty.termios, c)) {
    if (!receiveSpecial(tty, c, echo)) put(tty, c);
  } else {
    if (tty.stopped && !tty.tcoStopped && tty.iflag(IXON) && tty.iflag(IXANY)) startTty(tty);
    if (tty.lflag(ECHO)) {
      echo.finishErasing();
      echo.lineStart();
      echo.char(c);
    }
    put(tty, c);
  }
  echo.commit();
}

/** The special characters; false when c (possibly translated) is still to be queued as data. */
function receiveSpecial(tty: TtyStruct, c: number, echo: Echo): boolean {
  const t = tty.termios;
  const cc = t.cc;
  if (tty.iflag(IXON)) {
    if (c === cc[VSTART]) {
      startTty(tty);
      return true;
    }
    if (c === cc[VSTOP]) {
      stopTty(tty);
      return true;
    }
  }
  if (tty.lflag(ISIG)) {
    const sig = c === cc[VINTR] ? SIGINT : c === cc[VQUIT] ? SIGQUIT : c === cc[VSUSP] ? SIGTSTP : 0;
    if (sig !== 0) {
      signalChar(tty, sig, c, echo);
      return true;
    }
  }
  if (tty.stopped && !tty.tcoStopped && tty.iflag(IXON) && tty.iflag(IXANY)) startTty(tty);
  if (c === 13) {
    if (tty.iflag(IGNCR)) return true;
    if (tty.iflag(ICRNL)) c = 10;
  } else if (c === 10 && tty.iflag(INLCR)) {
    c = 13;
  }
  if (tty.lflag(ICANON)) {
    const iexten = tty.lflag(IEXTEN);
    if (c === cc[VERASE] || c === cc[VKILL] || (c === cc[VWERASE] && iexten)) {
      eraser(tty, c, echo);
      return true;
    }
    if (c === cc[VLNEXT] && iexten) {
      tty.ldata.lnext = true;
      if (tty.lflag(ECHO)) {
        echo.finishErasing();
        if (tty.lflag(ECHOCTL)) {
          echo.raw(94);
          echo.raw(8);
        }
      }
      return true;
    }
    if (c === cc[VREPRINT] && tty.lflag(ECHO) && iexten) {
      echo.finishErasing();
      echo.char(c);
      echo.raw(10);
      for (const b of tty.ldata.buf.slice(tty.ldata.canonLen)) echo.char(b);
      return true;
    }
    if (c === 10) {
      if (tty.lflag(ECHO) || tty.lflag(ECHONL)) echo.raw(10);
      endLine(tty, c);
      return true;
    }
    if (c === cc[VEOF]) {
      endLine(tty, DISABLED_CHAR);
      return true;
    }
    if (c === cc[VEOL] || (c === cc[VEOL2] && iexten)) {
      if (tty.lflag(ECHO)) {
        echo.lineStart();
        echo.char(c);
      }
      endLine(tty, c);
      return true;
    }
  }
  if (tty.lflag(ECHO)) {
    echo.finishErasing();
    if (c === 10) {
      echo.raw(10);
    } else {
      echo.lineStart();
      echo.char(c);
    }
  }
  put(tty, c);
  return true;
}

/** eraser: ERASE one character, WERASE a word, KILL the line, echoing as the flags say. */
function eraser(tty: TtyStruct, c: number, echo: Echo): void {
  const ld = tty.ldata;
  const cc = tty.termios.cc;
  if (ld.buf.length === ld.canonLen) return;
  const kind = c === cc[VERASE] ? "erase" : c === cc[VWERASE] ? "werase" : "kill";
  const echoOn = tty.lflag(ECHO);
  if (kind === "kill") {
    if (!echoOn || !tty.lflag(ECHOK) || !tty.lflag(ECHOKE) || !tty.lflag(ECHOE)) {
      ld.buf.length = ld.eol.length = ld.canonLen;
      if (!echoOn) return;
      echo.finishErasing();
      echo.char(cc[VKILL]);
      if (tty.lflag(ECHOK)) echo.raw(10);
      return;
    }
  }
  let seenAlnums = 0;
  while (ld.buf.length > ld.canonLen) {
    let head = ld.buf.length;
    let ch: number;
    do {
      head--;
      ch = ld.buf[head];
    } while (isContinuation(tty, ch) && head > ld.canonLen);
    if (isContinuation(tty, ch)) break;
    if (kind === "werase") {
      if (isAlnum(ch) || ch === 95) seenAlnums++;
      else if (seenAlnums > 0) break;
    }
    const erased = ld.buf.slice(head);
    ld.buf.length = ld.eol.length = head;
    if (echoOn) {
      if (tty.lflag(ECHOPRT)) {
        if (!ld.erasing) {
          echo.raw(92);
          ld.erasing = true;
        }
        echo.char(ch);
        for (const b of erased.slice(1)) {
          echo.raw(b);
          ld.column--;
        }
      } else if (kind === "erase" && !tty.lflag(ECHOE)) {
        echo.char(cc[VERASE]);
      } else if (ch === 9) {
        let numChars = 0;
        let afterTab = false;
        for (let i = head - 1; i >= ld.canonLen; i--) {
          const b = ld.buf[i];
          if (b === 9) {
            afterTab = true;
            break;
          } else if (isCntrl(b)) {
            if (tty.lflag(ECHOCTL)) numChars += 2;
          } else if (!isContinuation(tty, b)) {
            numChars++;
          }
        }
        echo.eraseTab(numChars, afterTab);
      } else {
        const backOne = (): void => [8, 32, 8].forEach((b) => echo.raw(b));
        if (isCntrl(ch) && tty.lflag(ECHOCTL)) backOne();
        if (!isCntrl(ch) || tty.lflag(ECHOCTL)) backOne();
      }
    }
    if (kind === "erase") break;
  }
  if (ld.buf.length === ld.canonLen && echoOn) echo.finishErasing();
}

/**
 * n_tty_set_termios: switching ICANON on makes what is buffered one line; switching it off makes
 * it all readable. Waiting readers and writers re-check.
 */
export function ldiscSetTermios(tty: TtyStruct, old: Termios): void {
  const ld = tty.ldata;
  if (((old.lflag ^ tty.termios.lflag) & ICANON) !== 0) {
    ld.eol.fill(false);
    if (tty.lflag(ICANON) && ld.buf.length > 0) {
      ld.eol[ld.eol.length - 1] = true;
      ld.canonLen = ld.buf.length;
    } else {
      ld.canonLen = 0;
    }
    ld.erasing = false;
    ld.lnext = false;
  }
  if (!tty.iflag(IXON) && (old.iflag & IXON) !== 0 && !tty.tcoStopped) startTty(tty);
  flushToLdisc(tty);
  tty.k.wakeAll(tty.writeWait);
  tty.k.wakeAll(tty.readWait);
}

// --- reading and writing --------------------------------------------------------------------

/**
 * Take up to max bytes a reader may have now: in canonical mode up to and including the end of
 * the first line (an EOF marker ends it but is not returned), else what is buffered.
 */
export function takeInput(tty: TtyStruct, max: number): number[] {
  const ld = tty.ldata;
  let n: number;
  let consumed: number;
  if (tty.lflag(ICANON)) {
    const avail = Math.min(max, ld.canonLen);
    const eolAt = ld.eol.indexOf(true);
    if (eolAt >= 0 && eolAt < avail) {
      consumed = eolAt + 1;
      n = ld.buf[eolAt] === DISABLED_CHAR ? eolAt : consumed;
    } else {
      n = consumed = avail;
    }
    ld.canonLen -= consumed;
  } else {
    n = consumed = Math.min(max, ld.buf.length);
    ld.canonLen = 0;
  }
  const out = ld.buf.slice(0, n);
  ld.buf.splice(0, consumed);
  ld.eol.splice(0, consumed);
  if (consumed > 0) flushToLdisc(tty);
  // Room in the read buffer: the other end's writer may go on (n_tty_check_unthrottle).
  tty.k.wakeAll(tty.link.writeWait);
  return out;
}

/** The n_tty_write loop's inner part: as much of bytes as fits, through OPOST when it is on. */
export function processOutput(tty: TtyStruct, bytes: Uint8Array): number {
  const room = writeRoom(tty);
  if (room === 0) return 0;
  if (!tty.oflag(OPOST)) return ptyWrite(tty, Array.from(bytes.subarray(0, room)));
  const out: number[] = [];
  let i = 0;
  for (; i < bytes.length; i++) if (!outputChar(tty, bytes[i], out, room)) break;
  ptyWrite(tty, out);
  return i;
}
