// Terminal settings (Linux's struct ktermios, asm-generic termbits.h and ioctls.h): the flag bits,
// the control characters, the ioctl numbers of the tty layer, and the defaults a new pty end gets
// (tty_std_termios as the pts and ptm drivers adjust it). The guest sees `struct termios` of the
// asm-generic ABI: four 32-bit flag words, c_line and 19 control characters (36 bytes); termios2
// adds the two speeds (44 bytes).

// c_iflag
export const IGNBRK = 0o1;
export const BRKINT = 0o2;
export const PARMRK = 0o10;
export const ISTRIP = 0o40;
export const INLCR = 0o100;
export const IGNCR = 0o200;
export const ICRNL = 0o400;
export const IUCLC = 0o1000;
export const IXON = 0o2000;
export const IXANY = 0o4000;
export const IUTF8 = 0o40000;
// c_oflag
export const OPOST = 0o1;
export const OLCUC = 0o2;
export const ONLCR = 0o4;
export const OCRNL = 0o10;
export const ONOCR = 0o20;
export const ONLRET = 0o40;
export const TABDLY = 0o14000;
export const XTABS = 0o14000;
// c_cflag
export const B38400 = 0o17;
export const CBAUD = 0o10017;
export const CSIZE = 0o60;
export const CS8 = 0o60;
export const CREAD = 0o200;
export const PARENB = 0o400;
// c_lflag
export const ISIG = 0o1;
export const ICANON = 0o2;
export const ECHO = 0o10;
export const ECHOE = 0o20;
export const ECHOK = 0o40;
export const ECHONL = 0o100;
export const NOFLSH = 0o200;
export const TOSTOP = 0o400;
export const ECHOCTL = 0o1000;
export const ECHOPRT = 0o2000;
export const ECHOKE = 0o4000;
export const IEXTEN = 0o100000;

// c_cc indexes
export const VINTR = 0;
export const VQUIT = 1;
export const VERASE = 2;
export const VKILL = 3;
export const VEOF = 4;
export const VTIME = 5;
export const VMIN = 6;
export const VSTART = 8;
export const VSTOP = 9;
export const VSUSP = 10;
export const VEOL = 11;
export const VREPRINT = 12;
export const VWERASE = 14;
export const VLNEXT = 15;
export const VEOL2 = 16;
/** NCCS of the kernel's struct termios (musl's has 32 and copies these 19). */
export const NCCS = 19;
/** __DISABLED_CHAR: a control character set to 0 is off; the EOF marker in the read buffer. */
export const DISABLED_CHAR = 0;

// ioctl numbers (asm-generic/ioctls.h)
export const TCGETS = 0x5401;
export const TCSETS = 0x5402;
export const TCSETSW = 0x5403;
export const TCSETSF = 0x5404;
export const TCSBRK = 0x5409;
export const TCXONC = 0x540a;
export const TCFLSH = 0x540b;
export const TIOCSCTTY = 0x540e;
export const TIOCGPGRP = 0x540f;
export const TIOCSPGRP = 0x5410;
export const TIOCOUTQ = 0x5411;
export const TIOCGWINSZ = 0x5413;
export const TIOCSWINSZ = 0x5414;
export const TIOCINQ = 0x541b;
export const TIOCNOTTY = 0x5422;
export const TCSBRKP = 0x5425;
export const TIOCGSID = 0x5429;
export const TCGETS2 = 0x802c542a;
export const TCSETS2 = 0x402c542b;
export const TCSETSW2 = 0x402c542c;
export const TCSETSF2 = 0x402c542d;
export const TIOCGPTN = 0x80045430;
export const TIOCSPTLCK = 0x40045431;
export const TIOCGDEV = 0x80045432;
export const TIOCGPTLCK = 0x80045439;
export const TIOCGPTPEER = 0x5441;

// TCFLSH and TCXONC arguments
export const TCIFLUSH = 0;
export const TCOFLUSH = 1;
export const TCIOFLUSH = 2;
export const TCOOFF = 0;
export const TCOON = 1;
export const TCIOFF = 2;
export const TCION = 3;

/** Size of the guest's struct termios and struct termios2. */
export const TERMIOS_SIZE = 36;
export const TERMIOS2_SIZE = 44;

export interface Termios {
  iflag: number;
  oflag: number;
  cflag: number;
  lflag: number;
  line: number;
  cc: Uint8Array;
  ispeed: number;
  ospeed: number;
}

/** INIT_C_CC: ^C ^\ DEL ^U ^D, VTIME 0, VMIN 1, ^Q ^S ^Z, ^R ^O ^W ^V. */
const INIT_C_CC = [0o3, 0o34, 0o177, 0o25, 0o4, 0, 1, 0, 0o21, 0o23, 0o32, 0, 0o22, 0o17, 0o27, 0o26, 0, 0, 0];

/** tty_std_termios as the pts driver sets it: cooked, echoing, CS8 | CREAD at 38400 baud. */
export function slaveTermios(): Termios {
  return {
    iflag: ICRNL | IXON, oflag: OPOST | ONLCR, cflag: B38400 | CS8 | CREAD,
    lflag: ISIG | ICANON | ECHO | ECHOE | ECHOK | ECHOCTL | ECHOKE | IEXTEN,
    line: 0, cc: Uint8Array.from(INIT_C_CC), ispeed: 38400, ospeed: 38400,
  };
}

/** The ptm driver's: no input, output or local processing (what the master reads is raw). */
export function masterTermios(): Termios {
  return { ...slaveTermios(), iflag: 0, oflag: 0, lflag: 0, cc: Uint8Array.from(INIT_C_CC) };
}

/** kernel_termios_to_user_termios(2): the bytes TCGETS (36) or TCGETS2 (44) copies out. */
export function encodeTermios(t: Termios, size: number): Uint8Array {
  const out = new Uint8Array(size);
  const dv = new DataView(out.buffer);
  dv.setUint32(0, t.iflag, true);
  dv.setUint32(4, t.oflag, true);
  dv.setUint32(8, t.cflag, true);
  dv.setUint32(12, t.lflag, true);
  out[16] = t.line;
  out.set(t.cc.subarray(0, NCCS), 17);
  if (size >= TERMIOS2_SIZE) {
    dv.setUint32(36, t.ispeed, true);
    dv.setUint32(40, t.ospeed, true);
  }
  return out;
}

/** user_termios_to_kernel_termios(2); without termios2 the speeds stay the caller's to derive. */
export function decodeTermios(b: Uint8Array, old: Termios): Termios {
  const dv = new DataView(b.buffer, b.byteOffset, b.byteLength);
  const t: Termios = {
    iflag: dv.getUint32(0, true), oflag: dv.getUint32(4, true), cflag: dv.getUint32(8, true), lflag: dv.getUint32(12, true),
    line: b[16], cc: Uint8Array.from(b.subarray(17, 17 + NCCS)), ispeed: old.ispeed, ospeed: old.ospeed,
  };
  if (b.length >= TERMIOS2_SIZE) {
    t.ispeed = dv.getUint32(36, true);
    t.ospeed = dv.getUint32(40, true);
  }
  return t;
}

/** The c_cflag CBAUD codes' rates (tty_termios_baud_rate), for the speeds TCSETS derives. */
const BAUD_TABLE = [0, 50, 75, 110, 134, 150, 200, 300, 600, 1200, 1800, 2400, 4800, 9600, 19200, 38400,
  57600, 115200, 230400, 460800, 500000, 576000, 921600, 1000000, 1152000, 1500000, 2000000, 2500000, 3000000, 3500000, 4000000];

export function cflagBaud(cflag: number): number {
  let i = cflag & CBAUD;
  if ((i & 0o10000) !== 0) i = (i & ~0o10000) + 15;
  return BAUD_TABLE[i] ?? 0;
}

/** iscntrl() of the kernel's ctype: C0, DEL and the C1 range. */
export const isCntrl = (c: number): boolean => c < 32 || c === 127 || (c >= 128 && c < 160);

/** isalnum() of the kernel's Latin-1 ctype (WERASE's word characters). */
export const isAlnum = (c: number): boolean =>
  (c >= 48 && c <= 57) || (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || (c >= 192 && c !== 215 && c !== 247);
