// The pty records of a decoded model, checked before anything is made (validate.ts calls this):
// every number within what the tty layer itself allows, every pid and tty id named exists, each
// pair held by at least one file (a pair nobody holds was freed), at most one master file, and
// each file's path one the tty layer gives its kind of end: /dev/ptmx or /dev/pts/ptmx for a
// master; /dev/tty, or /dev/pts/N of its own pair for a slave (" (deleted)" exactly when the
// master is closed, as devpts_pty_kill leaves it). Throws CrError(EINVAL).
import { CrError, EINVAL } from "../errors.ts";
import { TTY_ERASING, TTY_HUPPED, TTY_LNEXT, TTY_STATE_KNOWN, type CheckpointModel, type TtyEndRecord } from "../model.ts";
import { TTY_FLIP_MAX, TTY_INDEX_MAX, TTY_NCCS, TTY_READ_MAX } from "../tty-wire.ts";

function fail(what: string): never {
  throw new CrError(EINVAL, `inconsistent image: ${what}`);
}

const U32 = 0xffff_ffff;
const isU = (v: number, max: number): boolean => Number.isInteger(v) && v >= 0 && v <= max;
/** A column never passes what a read buffer and a line of output could move it: generous. */
const COLUMN_MAX = 0x7fff_ffff;

export const MASTER_PATHS: readonly string[] = ["/dev/ptmx", "/dev/pts/ptmx"];

function validateEnd(e: TtyEndRecord, who: string, pids: ReadonlySet<number>): void {
  const t = e.termios;
  for (const [k, v] of [["c_iflag", t.iflag], ["c_oflag", t.oflag], ["c_cflag", t.cflag], ["c_lflag", t.lflag], ["c_ispeed", t.ispeed], ["c_ospeed", t.ospeed]] as const) {
    if (!isU(v, U32)) fail(`${who} ${k} ${v} is not a u32`);
  }
  if (!isU(t.line, 255)) fail(`${who} c_line ${t.line} is not a byte`);
  if (t.cc.length !== TTY_NCCS || t.cc.some((c) => !isU(c, 255))) fail(`${who} has ${t.cc.length} control characters, not ${TTY_NCCS} bytes`);
  const w = e.winsize;
  for (const [k, v] of [["ws_row", w.row], ["ws_col", w.col], ["ws_xpixel", w.xpixel], ["ws_ypixel", w.ypixel]] as const) {
    if (!isU(v, 0xffff)) fail(`${who} ${k} ${v} is not an unsigned short`);
  }
  if (!isU(e.state, TTY_STATE_KNOWN)) fail(`${who} state 0x${e.state.toString(16)} has unknown bits`);
  if (e.readBuf.length > TTY_READ_MAX) fail(`${who} read buffer holds ${e.readBuf.length} bytes, over N_TTY_BUF_SIZE - 1 (${TTY_READ_MAX})`);
  if (e.readEol.length !== e.readBuf.length || e.readEol.some((b) => b > 1)) fail(`${who} line-end marks do not match its read buffer`);
  if (!isU(e.canonLen, e.readBuf.length)) fail(`${who} canonical length ${e.canonLen} is outside its ${e.readBuf.length}-byte read buffer`);
  if (e.canonLen > 0 && e.readEol[e.canonLen - 1] !== 1) fail(`${who} complete lines (${e.canonLen} bytes) do not end at a line end`);
  if (!isU(e.column, COLUMN_MAX) || !isU(e.canonColumn, COLUMN_MAX)) fail(`${who} output column ${e.column}/${e.canonColumn} is out of range`);
  if (!isU(e.lastRxAgo, Number.MAX_SAFE_INTEGER)) fail(`${who} last byte age ${e.lastRxAgo} is negative`);
  if (e.flip.length > TTY_FLIP_MAX) fail(`${who} flip buffer holds ${e.flip.length} bytes, over the port's ${TTY_FLIP_MAX}`);
  for (const [k, id] of [["session", e.sessionPidId], ["foreground group", e.pgrpPidId]] as const) {
    if (id !== null && !pids.has(id)) fail(`${who} ${k} names pid ${id}, which the image does not have`);
  }
  if ((e.sessionPidId === null) !== (e.pgrpPidId === null)) fail(`${who} has a ${e.sessionPidId === null ? "foreground group without a session" : "session without a foreground group"}`);
}

export function validateTtys(m: CheckpointModel): void {
  const ttys = m.ttys ?? [];
  if (m.ttys !== undefined && ttys.length === 0) fail("the model has an empty pty list: an image without ptys has none");
  const pids = new Set(m.pids.map((p) => p.id));
  const byId = new Map<number, (typeof ttys)[number]>();
  const indexes = new Set<number>();
  for (const t of ttys) {
    const who = `pty ${t.id} (/dev/pts/${t.index})`;
    if (byId.has(t.id)) fail(`pty ${t.id} appears twice`);
    byId.set(t.id, t);
    if (!isU(t.index, TTY_INDEX_MAX - 1)) fail(`${who}: index ${t.index} is not below the devpts limit ${TTY_INDEX_MAX}`);
    if (indexes.has(t.index)) fail(`${who}: two ptys have index ${t.index}`);
    indexes.add(t.index);
    if (!isU(t.slaveUid, U32 - 1) || !isU(t.slaveGid, U32 - 1)) fail(`${who}: slave owner ${t.slaveUid}:${t.slaveGid} is not a valid id`);
    if (!isU(t.slaveMode, 0o7777)) fail(`${who}: slave mode 0${t.slaveMode.toString(8)} has bits beyond 07777`);
    validateEnd(t.master, `${who} master`, pids);
    validateEnd(t.slave, `${who} slave`, pids);
    if ((t.master.state & (TTY_LNEXT | TTY_ERASING)) !== 0) fail(`${who}: the master's discipline never edits (its settings are raw)`);
  }
  const masters = new Map<number, number>();
  const held = new Set<number>();
  for (const f of m.files) {
    const tg = f.target;
    if (tg.kind !== "pty") continue;
    const t = byId.get(tg.ttyId);
    if (t === undefined) fail(`file ${f.id} names pty ${tg.ttyId}, which the image does not have`);
    held.add(t.id);
    if (tg.master) {
      if (!MASTER_PATHS.includes(tg.path)) fail(`file ${f.id}: a pty master is opened through /dev/ptmx or /dev/pts/ptmx, not ${JSON.stringify(tg.path)}`);
      masters.set(t.id, (masters.get(t.id) ?? 0) + 1);
    }
  }
  for (const f of m.files) {
    const tg = f.target;
    if (tg.kind !== "pty" || tg.master) continue;
    const t = byId.get(tg.ttyId)!;
    const open = masters.has(t.id);
    const node = `/dev/pts/${t.index}${open ? "" : " (deleted)"}`;
    if (tg.path !== "/dev/tty" && tg.path !== node) fail(`file ${f.id}: the slave of /dev/pts/${t.index} is opened as ${node} or /dev/tty, not ${JSON.stringify(tg.path)}`);
  }
  for (const t of ttys) {
    if (!held.has(t.id)) fail(`pty ${t.id} (/dev/pts/${t.index}) is held by no file: a pty nobody holds is freed`);
    if ((masters.get(t.id) ?? 0) > 1) fail(`pty ${t.id} (/dev/pts/${t.index}) has ${masters.get(t.id)} master files: a master is opened once`);
    const hupped = (t.slave.state & TTY_HUPPED) !== 0;
    if (masters.has(t.id) && hupped) fail(`pty ${t.id} (/dev/pts/${t.index}): its slave is hung up though its master is open`);
  }
  for (const g of m.threadGroups) {
    if (g.ttyId !== undefined && !byId.has(g.ttyId)) fail(`thread group ${g.id}'s controlling terminal is pty ${g.ttyId}, which the image does not have`);
  }
}
