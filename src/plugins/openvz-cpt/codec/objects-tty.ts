// CPT_OBJ_TTY (ours): one pty pair, in the optional CPT_SECT_TTY section. Its fields are the pair
// id; its DATA content is the record body shared with ckpt (core/cr/tty-wire.ts: version, index,
// lock, the slave node's owner, then both ends' termios, window size, line discipline and
// buffers), which may exceed the 64 KiB a cpt_hdrlen can span. Pids are ids, as everywhere in cpt.
import { readTtyBody, writeTtyBody, type TtyRecord } from "../../../core/cr/index.ts";
import { CPT_CONTENT_DATA, CPT_OBJ_TTY } from "./layout.ts";
import type { ImageReader } from "./reader.ts";
import type { ImageWriter } from "./writer.ts";

export function writeTty(w: ImageWriter, t: TtyRecord): void {
  w.data(CPT_OBJ_TTY, `pty ${t.index}`, () => {
    w.ref(t.id, "tty id");
    w.u32(0, "pad");
  }, () => writeTtyBody({
    u32: (v, what) => w.u32(v, what), num: (v, what) => w.num(v, what), bytes: (b) => w.bytes(b),
    pid: (id, what) => w.ref(id, what),
  }, t));
}

export function readTty(r: ImageReader, where: string): TtyRecord {
  return r.object(CPT_OBJ_TTY, CPT_CONTENT_DATA, where, (o) => {
    const id = r.id("tty id");
    r.flags("pad", 0);
    r.content(o);
    const t = readTtyBody({
      u32: (what) => r.u32(what), num: (what) => r.num(what), flags: (what, known) => r.flags(what, known),
      bytes: (n, what) => r.view(n, what), pid: (what) => r.ref(what), fail: (m) => r.fail(m),
    });
    if (t.id !== id) r.fail(`the tty body names tty ${t.id}, its object tty ${id}`);
    return t;
  });
}
