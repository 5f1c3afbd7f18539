// The body of a pty pair's record (TtyRecord), the same bytes in both codecs: cpt's CPT_OBJ_TTY
// and ckpt's CKPT_HDR_TTY differ only in their headers and in how a pid is referenced (an id in
// cpt, an objref in ckpt), which each codec passes in. Lengths are checked against the kernel's
// own limits before any byte array is taken, so a lying length cannot make a reader allocate.
import type { TermiosRecord, TtyEndRecord, TtyRecord } from "./model.ts";
import { TTY_STATE_KNOWN } from "./model.ts";

/** The record's own version: the image's stays, and images without ptys keep their bytes. */
export const TTY_RECORD_VERSION = 1;
/** NCCS: the kernel's struct termios has 19 control characters. */
export const TTY_NCCS = 19;
/** N_TTY_BUF_SIZE - 1: what the discipline's read buffer holds at most. */
export const TTY_READ_MAX = 4095;
/** The flip buffer's limit (TTYB_DEFAULT_MEM_LIMIT). */
export const TTY_FLIP_MAX = 65536;
/** PTY_MAX: devpts numbers ptys below this. */
export const TTY_INDEX_MAX = 4096;

export interface TtyWireWriter {
  u32(v: number, what: string): void;
  num(v: number, what: string): void;
  bytes(b: Uint8Array): void;
  /** A pid reference (null: none). */
  pid(id: number | null, what: string): void;
}

export interface TtyWireReader {
  u32(what: string): number;
  num(what: string): number;
  flags(what: string, known: number): number;
  bytes(n: number, what: string): Uint8Array;
  pid(what: string): number | null;
  fail(message: string): never;
}

const pad8 = (n: number): number => (8 - (n % 8)) % 8;

function writeBytes(w: TtyWireWriter, b: Uint8Array): void {
  w.bytes(b);
  w.bytes(new Uint8Array(pad8(b.length)));
}

function readBytes(r: TtyWireReader, n: number, what: string): Uint8Array {
  const b = Uint8Array.from(r.bytes(n, what));
  const p = r.bytes(pad8(n), `${what} padding`);
  if (p.some((x) => x !== 0)) r.fail(`the padding after ${what} is not zero`);
  return b;
}

function writeTermios(w: TtyWireWriter, t: TermiosRecord): void {
  w.u32(t.iflag, "c_iflag"); w.u32(t.oflag, "c_oflag"); w.u32(t.cflag, "c_cflag"); w.u32(t.lflag, "c_lflag");
  w.u32(t.line, "c_line"); w.u32(t.ispeed, "c_ispeed"); w.u32(t.ospeed, "c_ospeed");
  writeBytes(w, Uint8Array.from(t.cc));
}

function readTermios(r: TtyWireReader): TermiosRecord {
  const t = {
    iflag: r.u32("c_iflag"), oflag: r.u32("c_oflag"), cflag: r.u32("c_cflag"), lflag: r.u32("c_lflag"),
    line: r.u32("c_line"), ispeed: r.u32("c_ispeed"), ospeed: r.u32("c_ospeed"), cc: [] as number[],
  };
  t.cc = [...readBytes(r, TTY_NCCS, "c_cc")];
  return t;
}

function writeEnd(w: TtyWireWriter, e: TtyEndRecord, what: string): void {
  if (e.termios.cc.length !== TTY_NCCS) throw new RangeError(`${what}: ${e.termios.cc.length} control characters, not ${TTY_NCCS}`);
  writeTermios(w, e.termios);
  const ws = e.winsize;
  w.u32(ws.row, "ws_row"); w.u32(ws.col, "ws_col"); w.u32(ws.xpixel, "ws_xpixel"); w.u32(ws.ypixel, "ws_ypixel");
  w.u32(e.state, "tty state");
  w.num(e.canonLen, "canon length"); w.num(e.column, "column"); w.num(e.canonColumn, "canon column"); w.num(e.lastRxAgo, "last byte age");
  w.pid(e.sessionPidId, "session"); w.pid(e.pgrpPidId, "foreground group");
  w.u32(e.readBuf.length, "read buffer length"); w.u32(e.flip.length, "flip buffer length");
  writeBytes(w, e.readBuf);
  writeBytes(w, e.readEol);
  writeBytes(w, e.flip);
}

function readEnd(r: TtyWireReader, what: string): TtyEndRecord {
  const termios = readTermios(r);
  const winsize = { row: r.u32("ws_row"), col: r.u32("ws_col"), xpixel: r.u32("ws_xpixel"), ypixel: r.u32("ws_ypixel") };
  const state = r.flags("tty state", TTY_STATE_KNOWN);
  const canonLen = r.num("canon length"), column = r.num("column"), canonColumn = r.num("canon column"), lastRxAgo = r.num("last byte age");
  const sessionPidId = r.pid("session"), pgrpPidId = r.pid("foreground group");
  const nRead = r.u32("read buffer length"), nFlip = r.u32("flip buffer length");
  if (nRead > TTY_READ_MAX) r.fail(`${what}: read buffer length ${nRead} is over the discipline's ${TTY_READ_MAX}`);
  if (nFlip > TTY_FLIP_MAX) r.fail(`${what}: flip buffer length ${nFlip} is over the port's limit ${TTY_FLIP_MAX}`);
  const readBuf = readBytes(r, nRead, `${what} read buffer`);
  const readEol = readBytes(r, nRead, `${what} line ends`);
  const flip = readBytes(r, nFlip, `${what} flip buffer`);
  return { termios, winsize, state, readBuf, readEol, canonLen, column, canonColumn, lastRxAgo, flip, sessionPidId, pgrpPidId };
}

export function writeTtyBody(w: TtyWireWriter, t: TtyRecord): void {
  w.u32(TTY_RECORD_VERSION, "tty record version");
  w.u32(t.id, "tty id"); w.u32(t.index, "pty index"); w.u32(t.locked ? 1 : 0, "pty lock");
  w.u32(t.slaveUid, "slave uid"); w.u32(t.slaveGid, "slave gid"); w.u32(t.slaveMode, "slave mode"); w.u32(0, "pad");
  writeEnd(w, t.master, `pty ${t.index} master`);
  writeEnd(w, t.slave, `pty ${t.index} slave`);
}

export function readTtyBody(r: TtyWireReader): TtyRecord {
  const version = r.u32("tty record version");
  if (version !== TTY_RECORD_VERSION) r.fail(`tty record version ${version} is not ${TTY_RECORD_VERSION}, the only one this cptbench reads`);
  const id = r.u32("tty id"), index = r.u32("pty index");
  const locked = r.flags("pty lock", 1) === 1;
  const slaveUid = r.u32("slave uid"), slaveGid = r.u32("slave gid"), slaveMode = r.u32("slave mode");
  r.flags("pad", 0);
  if (id === 0) r.fail("tty id 0: ids start at 1");
  if (index >= TTY_INDEX_MAX) r.fail(`pty index ${index} is not below the devpts limit ${TTY_INDEX_MAX}`);
  const master = readEnd(r, `pty ${index} master`);
  const slave = readEnd(r, `pty ${index} slave`);
  return { id, index, locked, slaveUid, slaveGid, slaveMode, master, slave };
}
