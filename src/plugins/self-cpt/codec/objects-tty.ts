// CKPT_HDR_TTY (ours): one pty pair, written before the first file open on it. objref, slot,
// then the record body shared with cpt (core/cr/tty-wire.ts); its pids are objrefs of
// CKPT_HDR_PID records written before it (0: none). Counted in CKPT_HDR_CONTAINER where a zero
// pad was, so images without ptys keep their bytes.
import { readTtyBody, writeTtyBody, type TtyRecord } from "../../../core/cr/index.ts";
import type { ModelBuilder } from "./build.ts";
import { CKPT_HDR_TTY } from "./layout.ts";
import type { ObjRefs } from "./objhash.ts";
import type { FieldReader } from "./reader.ts";
import type { RecordWriter } from "./writer.ts";

export function writeTty(w: RecordWriter, refs: ObjRefs, t: TtyRecord, slot: number): void {
  const what = `pty ${t.index}`;
  w.record(CKPT_HDR_TTY, what, () => {
    w.u32(refs.assign("tty", t.id), "objref"); w.u32(slot, "slot");
    writeTtyBody({
      u32: (v, f) => w.u32(v, f), num: (v, f) => w.num(v, f), bytes: (b) => w.bytes(b),
      pid: (id, f) => w.u32(refs.ref("pid", id, `${what} ${f}`), f),
    }, t);
  });
}

export function readTty(b: ModelBuilder, r: FieldReader): void {
  const at = r.here();
  const objref = r.u32("objref"), slot = r.u32("slot");
  // Defined after its body, which names only pids (a tty never refers to itself).
  const t = readTtyBody({
    u32: (f) => r.u32(f), num: (f) => r.num(f), flags: (f, known) => r.flags(f, known),
    bytes: (n, f) => r.bytes(n, f), pid: (f) => b.objs.refOrNull(r, "pid", f), fail: (m) => r.fail(m),
  });
  r.done();
  b.objs.define(r, "tty", objref, t.id, at);
  b.placeTty(slot, t, r, at);
}
