// Issue 16's per-process state through C/R: POSIX timers (ids, clock, notify kind, signal, value,
// target thread, time left, interval, overruns, the signal of their last expiry still queued),
// scheduling parameters and affinity per thread, PR_SET_NO_NEW_PRIVS / PR_SET_KEEPCAPS, dumpable
// and membarrier registrations. The model as collected, both codecs, both creators, and the
// refusal of images no kernel could have produced.
import { describe, expect, it } from "vitest";
import { collectContainer } from "../../../src/core/cr/collect/collect.ts";
import { CrError } from "../../../src/core/cr/errors.ts";
import { CPT_KILL, ImageError } from "../../../src/core/cr/interfaces.ts";
import type { CheckpointModel } from "../../../src/core/cr/model.ts";
import { validateModel } from "../../../src/core/cr/restore/validate.ts";
import { DEFAULT_LIMITS } from "../../../src/core/cr/restore/validate-fields.ts";
import { crTrace } from "../../../src/core/cr/trace.ts";
import type { Kernel } from "../../../src/machine/kernel/kernel.ts";
import { allocTimerId, arm, type PosixTimer } from "../../../src/machine/kernel/posix-timers.ts";
import type { Task } from "../../../src/machine/kernel/task.ts";
import { CptCodec } from "../../../src/plugins/openvz-cpt/codec/cpt-codec.ts";
import { CkptCodec } from "../../../src/plugins/self-cpt/codec/ckpt-codec.ts";
import { ctlLog, IMAGE_PATH, readGuestFile, RESTART_LOG, startRestart, writeGuestFile } from "../../../src/workbench/scenario/setup.ts";
import { armAtMark, experiment, frozenAtMark, openvzDesign, workloadRef } from "../../support/cr.ts";
import { concat } from "../../support/cr-models.ts";
import { codecFor, DESIGNS, type Checkpointed } from "../../support/tamper.ts";

const EINVAL = 22;
/** SIGRTMIN+1 as musl numbers it (its SIGRTMIN is 35). */
const SIGRTMIN_1 = 36;

/**
 * The model with the armed timer's last expiry still queued for the process, three overruns
 * counted on it: what libc-timers' second mark holds (the signal blocked while a 1 ms timer runs).
 */
function withQueuedSignal(m: CheckpointModel): CheckpointModel {
  const x = structuredClone(m);
  const g = x.threadGroups.find((y) => y.posixTimers !== undefined)!;
  const tm = g.posixTimers![0];
  tm.signalQueued = true;
  g.sharedPending.signals |= 1n << BigInt(tm.signo - 1);
  g.sharedPending.queue.push({ signo: tm.signo, code: -2, value: tm.value, timerId: tm.id, overrun: 3 });
  return x;
}

/** fork-tree at its first mark with a periodic SIGRTMIN+1 timer (value 42) made on its init, then collected. */
function collectedWithTimer(): CheckpointModel {
  const { m, init } = frozenAtMark(workloadRef("fork-tree"), 1);
  const k = m.kernel;
  const g = init.group;
  const id = allocTimerId(g);
  const tm: PosixTimer = { id, clock: 1, notify: 0, signo: SIGRTMIN_1, value: 42, target: init, expires: 0, interval: 5000, queueId: 0, info: null, overrunLast: 0 };
  g.posixTimers.set(id, tm);
  arm(k, tm, k.clock + 20_000);
  return collectContainer(k, init, "test");
}

function collectedAt(name: string, mark: number): CheckpointModel {
  const { m, init } = frozenAtMark(workloadRef(name), mark);
  return collectContainer(m.kernel, init, "test");
}

/** Like tamper.ts's checkpointedIn, at any mark. */
function checkpointedAt(name: string, mark: number, codec: string, creator: string): Checkpointed {
  const exp = experiment({ codec, creator });
  const d = openvzDesign(exp);
  const w = workloadRef(name);
  const a = armAtMark(w, CPT_KILL, mark, d, exp);
  const k = a.m.kernel;
  for (let i = 0; i < 100_000 && crTrace(k).ops[0]?.done !== true; i++) if (k.run(20_000, true) === 0 && crTrace(k).ops[0]?.done !== true) break;
  k.releaseCptMarks();
  k.run(Infinity, true);
  expect(crTrace(k).ops[0]?.result).toBe(0);
  return { w, m: a.m, k, d, image: readGuestFile(a.m, IMAGE_PATH)!, codec: codecFor(codec) };
}

/**
 * Restart from `image`, calling `look` every few hundred cycles (the restored program may take
 * its timer's signal and delete the timer within one of restartFrom's slices); returns the log.
 */
function restartWatching(c: Checkpointed, image: Uint8Array, look: (k: Kernel) => boolean): [string, number][] {
  writeGuestFile(c.m, IMAGE_PATH, image);
  const log0 = ctlLog(c.m, RESTART_LOG).length;
  const t = startRestart(c.m, c.w, c.d.restarter);
  let seen = false;
  for (let i = 0; i < 10_000_000 && t.alive; i++) {
    // Small slices until `look` has seen what it wants, then the rest of the run at full speed.
    seen ||= look(c.k);
    if (c.k.run(seen ? 50_000 : 200, true) === 0) break;
  }
  return ctlLog(c.m, RESTART_LOG).slice(log0);
}

/** The restored container's tasks (outside the machine's own namespace). */
const containerTasks = (k: Kernel): Task[] => [...k.tasks.values()].filter((t) => t.pidNs !== k.initNs && t.alive);

describe("per-process state in the model", () => {
  const armed = collectedWithTimer();
  const queued = withQueuedSignal(armed);
  const sched = collectedAt("libc-sched", 1);

  it("an armed periodic timer: its clock, signal, value, target, time left and interval, and the next id", () => {
    const g = armed.threadGroups.find((x) => x.posixTimers !== undefined)!;
    expect(g.posixTimers!.length).toBe(1);
    const tm = g.posixTimers![0];
    expect(tm).toMatchObject({ clock: 1, notify: 0, signo: SIGRTMIN_1, value: 42, targetTaskId: g.leaderTaskId, signalQueued: false, overrunLast: 0, left: 20_000, interval: 5000 });
    expect(g.nextPosixTimerId).toBe(tm.id + 1);
    expect(() => validateModel(queued)).not.toThrow();
  });

  it("nice values per task and a process without changes records none", () => {
    expect(sched.tasks.filter((t) => t.nice === 3).length).toBeGreaterThanOrEqual(2);
    const plain = collectedAt("fork-tree", 1);
    for (const t of plain.tasks) for (const k of ["nice", "schedPolicy", "schedPriority", "cpusAllowed", "atomicFlags", "securebits"] as const) expect(t[k]).toBeUndefined();
    for (const g of plain.threadGroups) expect([g.dumpable, g.nextPosixTimerId, g.posixTimers]).toEqual([undefined, undefined, undefined]);
    for (const mm of plain.mms) expect(mm.membarrierState).toBeUndefined();
  });

  const codecs = [
    { name: "cpt", make: () => new CptCodec(), record: "CPT_OBJ_POSIX_TIMER", versionAt: 16 },
    // Without run checksums, so that a patched byte reaches the record's own check.
    { name: "ckpt", make: () => new CkptCodec({ runChecksums: false }), record: "CKPT_HDR_POSIX_TIMER", versionAt: 8 },
  ];
  describe.each(codecs)("$name", ({ make, record, versionAt }) => {
    it("carries every field and reads it back as it was", () => {
      const codec = make();
      const rich = structuredClone(queued);
      const t = rich.tasks[0];
      Object.assign(t, { nice: -7, schedPolicy: 0x40000002, schedPriority: 20, cpusAllowed: 1, atomicFlags: 1, securebits: 16 });
      rich.threadGroups[0].dumpable = 0;
      rich.mms[0].membarrierState = 0x50;
      for (const m of [rich, armed, sched]) expect(codec.decode(concat(codec.encode(m)))).toStrictEqual(m);
      expect(codec.records!(concat(codec.encode(rich))).filter((x) => x.name === record).length).toBe(1);
    });

    it("refuses a timer record of another version", () => {
      const codec = make();
      const image = concat(codec.encode(queued));
      const rec = codec.records!(image).find((x) => x.name === record)!;
      const at = rec.offset + versionAt;
      expect(new DataView(image.buffer, image.byteOffset).getUint32(at, true)).toBe(1);
      const bad = image.slice();
      new DataView(bad.buffer).setUint32(at, 2, true);
      expect(() => codec.decode(bad)).toThrow(ImageError);
      expect(() => codec.decode(bad)).toThrow(/version 2 at byte \d+ is not 1/);
    });
  });
});

describe("validation refuses what no kernel could have made", () => {
  const base = withQueuedSignal(collectedWithTimer());
  const timerGroup = (m: CheckpointModel) => m.threadGroups.find((g) => g.posixTimers !== undefined)!;
  const cases: [string, (m: CheckpointModel) => void, RegExp, number?][] = [
    ["nice 20", (m) => (m.tasks[0].nice = 20), /task 1 nice = 20: outside MIN_NICE..MAX_NICE/],
    ["policy 4", (m) => (m.tasks[0].schedPolicy = 4), /task 1 schedPolicy = 4: not a policy/],
    ["SCHED_DEADLINE", (m) => (m.tasks[0].schedPolicy = 6), /schedPolicy = 6/],
    ["an rt priority under SCHED_OTHER", (m) => (m.tasks[0].schedPriority = 5), /schedPriority = 5: policy 0 takes 0/],
    ["SCHED_FIFO without a priority", (m) => (m.tasks[0].schedPolicy = 1), /schedPriority = 0: policy 1 takes 1..99/],
    ["rt priority 100", (m) => Object.assign(m.tasks[0], { schedPolicy: 2, schedPriority: 100 }), /schedPriority = 100/],
    ["an empty affinity mask", (m) => (m.tasks[0].cpusAllowed = 0), /cpusAllowed = 0: an affinity mask names at least one CPU/],
    ["a mask naming no CPU of a 2-CPU machine", (m) => (m.tasks[0].cpusAllowed = 0x30), /cpusAllowed = 0x30: names none of the 2 CPUs of the restoring machine \(sched_setaffinity would refuse it: EINVAL\)/, 2],
    ["an unknown atomic flag", (m) => (m.tasks[0].atomicFlags = 2), /atomicFlags = 2/],
    ["an unknown securebit", (m) => (m.tasks[0].securebits = 1), /securebits = 1/],
    ["dumpable 2", (m) => (m.threadGroups[0].dumpable = 2), /dumpable = 2: PR_SET_DUMPABLE takes 0 or 1/],
    ["a membarrier command as a registration", (m) => (m.mms[0].membarrierState = 1), /membarrierState = 1/],
    ["a timer id above INT_MAX", (m) => (timerGroup(m).posixTimers![0].id = 2 ** 31), /id = 2147483648: not a timer id/],
    ["two timers with one id", (m) => timerGroup(m).posixTimers!.push({ ...timerGroup(m).posixTimers![0], signalQueued: false }), /two timers of one process have this id/],
    ["a CPU-time clock", (m) => (timerGroup(m).posixTimers![0].clock = 2), /clock = 2: not a clock timer_create takes/],
    ["SIGEV_THREAD kept as such", (m) => (timerGroup(m).posixTimers![0].notify = 2), /notify = 2/],
    ["signal 65", (m) => (timerGroup(m).posixTimers![0].signo = 65), /signo = 65: not a signal number/],
    ["a disarmed timer with an interval", (m) => (timerGroup(m).posixTimers![0].left = 0), /a disarmed timer has no interval/],
    ["an overrun count above DELAYTIMER_MAX", (m) => (timerGroup(m).posixTimers![0].overrunLast = 2 ** 31), /overrunLast = 2147483648/],
    ["a target outside the process", (m) => (timerGroup(m).posixTimers![0].targetTaskId = 999), /targetTaskId = \d+: not a thread of the timer's process/],
    ["a queued signal that is not queued", (m) => (timerGroup(m).sharedPending.queue = []), /signalQueued = true: no siginfo of this timer is queued/],
    ["a timer id on a siginfo not from a timer", (m) => (timerGroup(m).sharedPending.queue[0].code = 0), /code = 0: a siginfo with a timer id comes from a timer/],
    ["si_tid without si_overrun", (m) => delete timerGroup(m).sharedPending.queue[0].overrun, /a timer's siginfo has both si_tid and si_overrun/],
  ];

  it("accepts the model as collected, on a 1-CPU machine too", () => {
    expect(() => validateModel(base)).not.toThrow();
    expect(() => validateModel(base, { ...DEFAULT_LIMITS, cpus: 1 })).not.toThrow();
  });

  it.each(cases)("%s", (_what, edit, message, cpus) => {
    const m = structuredClone(base);
    edit(m);
    let err: unknown;
    try {
      validateModel(m, { ...DEFAULT_LIMITS, cpus: cpus ?? 4 });
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(CrError);
    expect((err as CrError).errno).toBe(EINVAL);
    expect((err as CrError).message).toMatch(message);
  });
});

describe.each(DESIGNS)("per-process state through C/R ($codec, $creator)", ({ codec, creator }) => {
  it("nice values, policy, affinity, prctl flags and membarrier registrations come back per task", () => {
    const c = checkpointedAt("libc-sched", 1, codec, creator);
    const k = c.k;
    const model = c.codec.decode(c.image.slice());
    // The image as taken, with more state set on the idle child (nice 3 from setpriority on its
    // process group, asleep in pause until it is reaped): it does nothing that changes it.
    const rich = structuredClone(model);
    const idle = rich.tasks.find((t) => t.id !== rich.container.initTaskId && t.nice === 3 && t.state !== "zombie")!;
    const group = rich.threadGroups.find((g) => g.id === idle.threadGroupId)!;
    expect(rich.tasks.filter((t) => t.threadGroupId === group.id).length).toBe(1);
    Object.assign(idle, { schedPolicy: 0x40000002, schedPriority: 20, cpusAllowed: 1, atomicFlags: 1, securebits: 16 });
    group.dumpable = 0;
    rich.mms.find((m) => m.id === idle.mmId)!.membarrierState = 0x50;
    const pid = rich.pids.find((p) => p.id === idle.pidId)!.numbers[0];
    const restarts = (kk: Kernel): number => crTrace(kk).ops.filter((o) => o.op === "restart" && o.done === true).length;
    const done0 = restarts(k);
    let seen: Record<string, unknown> | null = null;
    const log = restartWatching(c, Buffer.concat([...c.codec.encode(rich)]), (kk) => {
      if (seen !== null) return true;
      if (restarts(kk) === done0) return false;
      const t = containerTasks(kk).find((x) => x.pid.nrIn(x.pidNs) === pid)!;
      const init = containerTasks(kk).find((x) => x.pid.nrIn(x.pidNs) === 1)!;
      seen = {
        nice: t.nice, policy: t.schedPolicy, prio: t.rtPriority, reset: t.resetOnFork, cpus: t.cpusAllowed,
        nnp: t.noNewPrivs, keepCaps: t.keepCaps, dumpable: t.group.dumpable, membarrier: t.mm.membarrierState,
        initUntouched: init.cpusAllowed === -1 && !init.noNewPrivs && !init.keepCaps && init.group.dumpable === 1 && init.mm.membarrierState === 0,
      };
      return true;
    });
    expect(log[0][1]).toBeGreaterThan(0);
    // The machine has one CPU: a mask of CPU 0 is all of them, which sched_setaffinity stores as -1.
    expect(seen).toEqual({ nice: 3, policy: 2, prio: 20, reset: true, cpus: -1, nnp: true, keepCaps: true, dumpable: 0, membarrier: 0x50, initUntouched: true });
    k.shutdown();
    expect(k.oopses.count).toBe(0);
  });
});
