// CPT_OBJ_POSIX_TIMER (ours): one POSIX timer of a thread group, after the group's siginfo queue
// in its CPT_OBJ_SIGNAL_STRUCT. OpenVZ kept no POSIX timers in its images (a container with one
// could not be checkpointed); the fields follow CRIU's posix_timer_entry.
import type { PosixTimerRecord } from "../../../core/cr/index.ts";
import { CPT_CONTENT_VOID, CPT_OBJ_POSIX_TIMER, CPT_POSIX_TIMER_VERSION } from "./layout.ts";
import type { ImageReader } from "./reader.ts";
import type { ImageWriter } from "./writer.ts";

const PT_SIGNAL_QUEUED = 1;
const NUMS = ["id", "clock", "notify", "signo", "value", "left", "interval", "overrunLast"] as const;

export function writePosixTimer(w: ImageWriter, t: PosixTimerRecord, what: string): void {
  w.leaf(CPT_OBJ_POSIX_TIMER, what, () => {
    w.u32(CPT_POSIX_TIMER_VERSION, "posix timer record version");
    w.u32(t.signalQueued ? PT_SIGNAL_QUEUED : 0, "posix timer flags");
    w.ref(t.targetTaskId, "posix timer target task id");
    w.u32(0);
    for (const k of NUMS) w.num(t[k], k);
  });
}

export function readPosixTimer(r: ImageReader, where: string): PosixTimerRecord {
  return r.object(CPT_OBJ_POSIX_TIMER, CPT_CONTENT_VOID, where, () => {
    const verAt = r.pos;
    const version = r.u32("posix timer record version");
    if (version !== CPT_POSIX_TIMER_VERSION) r.fail(`CPT_OBJ_POSIX_TIMER version ${version} at byte ${verAt} is not ${CPT_POSIX_TIMER_VERSION}, the only one this cptbench reads`, verAt);
    const flags = r.flags("posix timer flags", PT_SIGNAL_QUEUED);
    const targetTaskId = r.id("posix timer target task id");
    r.flags("posix timer pad", 0);
    const [id, clock, notify, signo, value, left, interval, overrunLast] = NUMS.map((k) => r.num(k));
    return { id, clock, notify, signo, value, targetTaskId, left, interval, overrunLast, signalQueued: (flags & PT_SIGNAL_QUEUED) !== 0 };
  });
}
