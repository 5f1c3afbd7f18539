// The checklist of what C/R carries (src/core/cr/task-fields.ts), held against live objects:
// every own field of every live Task and ThreadGroup is listed as saved, saved by other records
// or transient; every field the collector writes into a task or thread-group record is claimed by
// one of them; and the collector really reads each field listed as saved (changing it on a frozen
// container changes the model, or makes the collector refuse it), while changing a transient one
// that can safely be changed leaves the model as it was.
import { beforeAll, describe, expect, it } from "vitest";
import { collectContainer, containerTasks } from "../../../src/core/cr/collect/collect.ts";
import type { CheckpointModel } from "../../../src/core/cr/model.ts";
import { TASK_FIELDS, THREAD_GROUP_FIELDS, type FieldRule } from "../../../src/core/cr/task-fields.ts";
import { Cred } from "../../../src/machine/kernel/cred.ts";
import type { Kernel } from "../../../src/machine/kernel/kernel.ts";
import { SigHand, type Task, type ThreadGroup } from "../../../src/machine/kernel/task.ts";
import { WaitQueue } from "../../../src/machine/kernel/wait-queue.ts";
import { TtyStruct } from "../../../src/machine/fs/tty/tty-struct.ts";
import { frozenAtMark, modelDiff, workloadRef } from "../../support/cr.ts";

interface Scene {
  k: Kernel;
  init: Task;
  /** A workload task held at its cpt_mark: inside a syscall. */
  t: Task;
  /** A container task of another process than t's. */
  other: Task;
  /** The container's last task in collection order, a process of its own below t's. */
  last: Task;
}

/** Any table's rule, for code that walks both tables. */
type Rule = FieldRule<Record<string, unknown>>;

/** Change one field of the scene; returns how to put it back. */
type Probe = (s: Scene) => () => void;

/** Flip a number, bigint, boolean or string field to another value of its type. */
function bump<T extends object>(obj: T, key: keyof T): () => void {
  const o = obj as Record<keyof T, unknown>;
  const v = o[key];
  if (typeof v === "number") o[key] = v + 1;
  else if (typeof v === "bigint") o[key] = v ^ 1n;
  else if (typeof v === "boolean") o[key] = !v;
  else if (typeof v === "string") o[key] = `${v}x`;
  else throw new Error(`bump: ${String(key)} is ${typeof v}; give it a probe of its own`);
  return () => {
    o[key] = v;
  };
}

/** Set a field for the probe; the undo puts the old value back. */
function set<T extends object, K extends keyof T>(obj: T, key: K, value: T[K], after?: () => void): () => void {
  const v = obj[key];
  obj[key] = value;
  return () => {
    obj[key] = v;
    after?.();
  };
}

const TASK_PROBES: Partial<Record<keyof typeof TASK_FIELDS, Probe>> = {
  state: ({ t }) => set(t, "state", t.state === "stopped" ? "running" : "stopped"),
  exit: ({ t }) => set(t, "exit", { code: 5 }),
  exitSignal: ({ t }) => bump(t, "exitSignal"),
  pdeathSignal: ({ t }) => bump(t, "pdeathSignal"),
  parent: ({ t, init }) => set(t, "parent", t.parent === init ? null : init),
  children: ({ t }) => {
    const p = t.parent!;
    p.children.delete(t);
    return () => p.children.add(t);
  },
  blocked: ({ t }) => bump(t, "blocked"),
  savedMask: ({ t }) => set(t, "savedMask", (t.savedMask ?? 0n) ^ 2n),
  pending: ({ t }) => bump(t.pending, "signals"),
  sas: ({ t }) => set(t, "sas", { ...t.sas, sp: t.sas.sp + 16 }),
  clearChildTid: ({ t }) => bump(t, "clearChildTid"),
  loginuid: ({ t }) => set(t, "loginuid", 1000),
  sessionid: ({ t }) => set(t, "sessionid", 7),
  robustList: ({ t }) => set(t, "robustList", 0x1000),
  cpuCycles: ({ t }) => bump(t, "cpuCycles"),
  restartCode: ({ t }) => bump(t, "restartCode"),
  restart: ({ t }) => set(t, "restart", { ...(t.restart ?? { nr: 0 }), probe: 7 }),
  vforkParent: ({ t, init }) => set(t, "vforkParent", t.vforkParent === init ? null : init),
  sigWaitSet: ({ t }) => bump(t, "sigWaitSet"),
  freezerGroup: ({ t }) => set(t, "freezerGroup", null),
  files: ({ t }) => set(t, "files", null),
  fs: ({ t }) => set(t, "fs", null),
  rwAfterHandler: ({ t }) => set(t, "rwAfterHandler", { sig: "probe", done: 3 }),
  nsproxy: ({ t }) => set(t, "nsproxy", null),
  pid: ({ t, other }) => set(t, "pid", other.pid),
  group: ({ t, other }) => set(t, "group", other.group),
  sighand: ({ k, t }) => {
    const s = new SigHand(k.kobj, "probe", t.sighand);
    s.actions[10].handler = 0x1234;
    return set(t, "sighand", s, () => k.kobj.put(s));
  },
  cred: ({ k, t }) => {
    const c = new Cred(k.kobj, "probe", 1234);
    return set(t, "cred", c, () => k.kobj.put(c));
  },
  comm: ({ t }) => bump(t, "comm"),
  hart: ({ t }) => {
    t.hart.x[5] ^= 1;
    return () => {
      t.hart.x[5] ^= 1;
    };
  },
  cpusAllowed: ({ t }) => set(t, "cpusAllowed", 1),
  nice: ({ t }) => set(t, "nice", 5),
  schedPolicy: ({ t }) => set(t, "schedPolicy", 3),
  rtPriority: ({ t }) => set(t, "rtPriority", 10),
  resetOnFork: ({ t }) => set(t, "resetOnFork", true),
  noNewPrivs: ({ t }) => set(t, "noNewPrivs", true),
  keepCaps: ({ t }) => set(t, "keepCaps", true),
  // Transient: the model must not change.
  waitingOn: ({ t }) => set(t, "waitingOn", new WaitQueue()),
  wakeAt: ({ t }) => bump(t, "wakeAt"),
  wakeTimer: ({ t }) => bump(t, "wakeTimer"),
  sigPending: ({ t }) => bump(t, "sigPending"),
  frozen: ({ t }) => bump(t, "frozen"),
  crJob: ({ t }) => set(t, "crJob", { nr: 801 } as Task["crJob"]),
};

const GROUP_PROBES: Partial<Record<keyof typeof THREAD_GROUP_FIELDS, (g: ThreadGroup, s: Scene) => () => void>> = {
  // The collector takes a group's threads right after its leader: a task made a member moves up.
  threads: (g, { last }) => {
    g.threads.add(last);
    return () => g.threads.delete(last);
  },
  sharedPending: (g) => bump(g.sharedPending, "signals"),
  groupExit: (g) => bump(g, "groupExit"),
  groupExitStatus: (g) => set(g, "groupExitStatus", { signal: 9 }),
  stopped: (g) => bump(g, "stopped"),
  notifyStop: (g) => bump(g, "notifyStop"),
  notifyContinue: (g) => bump(g, "notifyContinue"),
  stopSignal: (g) => bump(g, "stopSignal"),
  isChildSubreaper: (g) => bump(g, "isChildSubreaper"),
  hasChildSubreaper: (g) => bump(g, "hasChildSubreaper"),
  didExec: (g) => bump(g, "didExec"),
  itimerReal: (g, { k }) => set(g, "itimerReal", { deadline: k.clock + 1000, interval: 5, timerId: 0 }),
  itimerVirt: (g) => set(g, "itimerVirt", { left: 7, interval: 3 }),
  itimerProf: (g) => set(g, "itimerProf", { left: 7, interval: 3 }),
  oomScoreAdj: (g) => set(g, "oomScoreAdj", 400),
  oomScoreAdjMin: (g) => set(g, "oomScoreAdjMin", -500),
  rlimits: (g) => set(g, "rlimits", Array.from({ length: 16 }, () => ({ cur: 5n, max: 9n }))),
  dumpable: (g) => set(g, "dumpable", 0),
  nextPosixTimerId: (g) => set(g, "nextPosixTimerId", 3),
  posixTimers: (g) => {
    g.posixTimers.set(0, { id: 0, clock: 1, notify: 0, signo: 14, value: 0, target: g.leader, expires: 0, interval: 0, queueId: 0, info: null, overrunLast: 0 });
    return () => g.posixTimers.delete(0);
  },
  leader: (g, { other }) => set(g, "leader", other),
  // Through the pgrp accessor, which moves the group between the two Pids' lists and back.
  pgrpPid: (g, { t, other }) => set(g, "pgrp", g.pgrp === t.pid ? other.pid : t.pid),
  session: (g, { t, other }) => set(g, "session", g.session === t.pid ? other.pid : t.pid),
  childWait: (g) => set(g, "childWait", new WaitQueue()),
  // A pty pair no file holds, linked as ptmx_open links one: the group's controlling terminal.
  tty: (g, { k }) => {
    const master = new TtyStruct(k, 77, true);
    const slave = new TtyStruct(k, 77, false);
    master.link = slave;
    slave.link = master;
    return set(g, "tty", slave);
  },
};

const isSaved = (r: Rule): boolean => "saved" in r || "savedAs" in r;

/** Own properties of the objects, with each object that has them (for the failure message). */
function ownFields(objs: object[]): Set<string> {
  const out = new Set<string>();
  for (const o of objs) for (const key of Object.keys(o)) out.add(key);
  return out;
}

/** The getter named `key` on obj's prototype chain, if any. */
function getterOf(obj: object, key: string): (() => unknown) | undefined {
  for (let p = Object.getPrototypeOf(obj); p !== null; p = Object.getPrototypeOf(p)) {
    const d = Object.getOwnPropertyDescriptor(p, key);
    if (d !== undefined) return d.get;
  }
  return undefined;
}

describe("every Task and ThreadGroup field is saved by C/R or listed as transient", () => {
  let s: Scene;
  let base: CheckpointModel;
  let tasks: Task[];

  /** Apply a probe, collect, undo; returns the differences from the base model ("refused: ..." if the collector threw). */
  const probed = (probe: () => () => void): string[] => {
    const undo = probe();
    let diff: string[];
    try {
      diff = modelDiff(collectContainer(s.k, s.init, "test"), base);
    } catch (e) {
      diff = [`refused: ${e instanceof Error ? e.message : String(e)}`];
    } finally {
      undo();
    }
    // The probe left nothing behind: the next one starts from the same container.
    expect(modelDiff(collectContainer(s.k, s.init, "test"), base)).toEqual([]);
    return diff;
  };

  beforeAll(() => {
    const { m, init } = frozenAtMark(workloadRef("pipe-tree"), 1);
    const k = m.kernel;
    tasks = containerTasks(k, init);
    const t = [...k.cptMarkHeld].find((x) => x.parent !== null);
    if (t === undefined) throw new Error("pipe-tree: no task is held at the mark");
    const other = tasks.find((x) => x.group !== t.group && x !== init);
    if (other === undefined) throw new Error(`pipe-tree: no other process than init and ${t.id} in the container (${tasks.map((x) => `${x.id} ${x.comm}`).join(", ")})`);
    const last = tasks[tasks.length - 1];
    if (last.group === t.group || last === other) throw new Error(`pipe-tree: the last task ${last.id} is not a third process`);
    s = { k, init, t, other, last };
    base = collectContainer(k, init, "test");
  });

  it("the scene has what the probes need: a task inside a syscall, several processes", () => {
    expect(s.t.restartCode).not.toBe(0);
    expect(tasks.length).toBeGreaterThanOrEqual(4);
  });

  it("each own field of a live task is listed as saved or transient", () => {
    const fields = ownFields([...s.k.tasks.values()]);
    expect(fields.size).toBeGreaterThan(20);
    for (const key of fields) {
      const rule = (TASK_FIELDS as Record<string, Rule>)[key];
      expect(rule, `Task field "${key}" is neither saved nor listed as transient in src/core/cr/task-fields.ts`).toBeDefined();
      expect("derived" in rule, `Task field "${key}" is an own field, not a getter: say whether C/R saves it`).toBe(false);
    }
  });

  it("each own field of a live thread group is listed as saved or transient", () => {
    const fields = ownFields([...new Set([...s.k.tasks.values()].map((t) => t.group))]);
    expect(fields.size).toBeGreaterThan(10);
    for (const key of fields) {
      const rule = (THREAD_GROUP_FIELDS as Record<string, Rule>)[key];
      expect(rule, `ThreadGroup field "${key}" is neither saved nor listed as transient in src/core/cr/task-fields.ts`).toBeDefined();
      expect("derived" in rule, `ThreadGroup field "${key}" is an own field, not a getter`).toBe(false);
    }
  });

  it("the entries listed as derived are getters", () => {
    for (const [table, obj] of [[TASK_FIELDS, s.t], [THREAD_GROUP_FIELDS, s.t.group]] as const) {
      for (const [key, rule] of Object.entries(table)) {
        if (!("derived" in rule)) continue;
        expect(Object.keys(obj), `"${key}" is listed as derived but is an own field`).not.toContain(key);
        expect(getterOf(obj, key), `"${key}" is listed as derived but has no getter`).toBeTypeOf("function");
      }
    }
  });

  it("every field of a task record and a thread-group record belongs to a field listed as saved", () => {
    const claimed = (table: Record<string, Rule>): Set<string> =>
      new Set(Object.values(table).flatMap((r) => ("saved" in r ? r.saved.map(String) : [])));
    const taskClaimed = claimed(TASK_FIELDS);
    const groupClaimed = claimed(THREAD_GROUP_FIELDS);
    expect(base.tasks.length).toBe(tasks.length);
    for (const key of ownFields(base.tasks)) if (key !== "id") expect(taskClaimed, `TaskRecord.${key} is written by no Task field in task-fields.ts`).toContain(key);
    for (const key of ownFields(base.threadGroups)) if (key !== "id") expect(groupClaimed, `ThreadGroupRecord.${key} is written by no ThreadGroup field in task-fields.ts`).toContain(key);
  });

  describe("the collector reads each Task field listed as saved", () => {
    for (const [key, rule] of Object.entries(TASK_FIELDS)) {
      if (!isSaved(rule)) continue;
      it(key, () => {
        const probe = TASK_PROBES[key as keyof typeof TASK_FIELDS];
        expect(probe, `no probe for the saved Task field "${key}": add one to TASK_PROBES`).toBeDefined();
        expect(probed(() => probe!(s)), `changing Task.${key} changed nothing in the model`).not.toEqual([]);
      });
    }
  });

  describe("the collector reads each ThreadGroup field listed as saved", () => {
    for (const [key, rule] of Object.entries(THREAD_GROUP_FIELDS)) {
      if (!isSaved(rule)) continue;
      it(key, () => {
        const probe = GROUP_PROBES[key as keyof typeof THREAD_GROUP_FIELDS];
        expect(probe, `no probe for the saved ThreadGroup field "${key}": add one to GROUP_PROBES`).toBeDefined();
        expect(probed(() => probe!(s.t.group, s)), `changing ThreadGroup.${key} changed nothing in the model`).not.toEqual([]);
      });
    }
  });

  describe("changing a transient field leaves the model as it was", () => {
    const transient = <T extends Record<string, Rule>>(table: T, probes: Partial<Record<keyof T, unknown>>): string[] =>
      Object.entries(table).filter(([key, r]) => "transient" in r && probes[key] !== undefined).map(([key]) => key);
    const taskKeys = transient(TASK_FIELDS, TASK_PROBES);
    const groupKeys = transient(THREAD_GROUP_FIELDS, GROUP_PROBES);
    // The kernel-object bookkeeping (refcount, registry...) is not changed here: it would corrupt the machine.
    it("probes exist for the transient fields that can be changed safely", () => {
      expect(taskKeys).toEqual(expect.arrayContaining(["waitingOn", "wakeAt", "wakeTimer", "sigPending", "frozen", "crJob"]));
      expect(groupKeys).toEqual(["childWait"]);
    });
    for (const key of taskKeys) it(`Task.${key}`, () => expect(probed(() => TASK_PROBES[key as keyof typeof TASK_FIELDS]!(s))).toEqual([]));
    for (const key of groupKeys) it(`ThreadGroup.${key}`, () => expect(probed(() => GROUP_PROBES[key as keyof typeof THREAD_GROUP_FIELDS]!(s.t.group, s))).toEqual([]));
  });
});
