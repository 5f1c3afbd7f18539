// CKPT_HDR_POSIX_TIMER (ours): one POSIX timer of a thread group, a child of its CKPT_HDR_SIGNAL
// after the siginfo queue. Linux's own checkpoint/restart never got to timers; the fields follow
// CRIU's posix_timer_entry (id, clock, notify, signal, value, target thread, value and interval).
import type { PosixTimerRecord } from "../../../core/cr/index.ts";
import type { ModelBuilder } from "./build.ts";
import { CKPT_HDR_POSIX_TIMER, CKPT_POSIX_TIMER_VERSION } from "./layout.ts";
import type { ObjRefs } from "./objhash.ts";
import type { FieldReader } from "./reader.ts";
import type { RecordWriter } from "./writer.ts";

const PT_SIGNAL_QUEUED = 1;
const NUMS = ["id", "clock", "notify", "signo", "value", "left", "interval", "overrunLast"] as const;

export function writePosixTimer(w: RecordWriter, refs: ObjRefs, t: PosixTimerRecord, what: string): void {
  w.record(CKPT_HDR_POSIX_TIMER, what, () => {
    w.u32(CKPT_POSIX_TIMER_VERSION, "version");
    w.u32(t.signalQueued ? PT_SIGNAL_QUEUED : 0, "flags");
    w.u32(refs.ref("task", t.targetTaskId, what), "target task");
    w.pad();
    for (const k of NUMS) w.num(t[k], k);
  });
}

export function readPosixTimer(b: ModelBuilder, r: FieldReader): PosixTimerRecord {
  const vAt = r.here();
  const version = r.u32("version");
  if (version !== CKPT_POSIX_TIMER_VERSION) r.fail(`CKPT_HDR_POSIX_TIMER version ${version} at byte ${vAt} is not ${CKPT_POSIX_TIMER_VERSION}, the only one this cptbench reads`, vAt);
  const flags = r.flags("flags", PT_SIGNAL_QUEUED);
  const targetTaskId = b.objs.ref(r, "task", "target task");
  r.pad();
  const [id, clock, notify, signo, value, left, interval, overrunLast] = NUMS.map((k) => r.num(k));
  r.done();
  return { id, clock, notify, signo, value, targetTaskId, left, interval, overrunLast, signalQueued: (flags & PT_SIGNAL_QUEUED) !== 0 };
}
