// What C/R does with each field of a Task (task_struct) and a ThreadGroup (signal_struct): saved
// into the model (and by which record fields), carried by other records, left behind (and why),
// or derived (a getter). One entry per field, so adding a field to task.ts without deciding here
// fails to type-check, and test/core/cr/task-fields.test.ts checks the live objects against these
// tables and that the collector really reads each field marked saved.
import type { ThreadGroup, Task } from "../../machine/kernel/task.ts";
import type { ThreadGroupRecord, TaskRecord } from "./model.ts";

export type FieldRule<R> =
  /** Carried by these fields of the object's own record. */
  | { readonly saved: readonly (keyof R)[] }
  /** Carried by other objects' records: which, in words. */
  | { readonly savedAs: string }
  /** Not carried: why a restored object does without it. */
  | { readonly transient: string }
  /** A getter computed from other fields (not an own property). */
  | { readonly derived: string };

/** The keys of T that are not methods: its fields and getters. */
type DataKeys<T> = { [K in keyof T]-?: T[K] extends (...args: never[]) => unknown ? never : K }[keyof T];

/** One rule per field of T, its private fields (which keyof cannot see) named in P. */
type FieldTable<T, R, P extends string = never> = { readonly [K in DataKeys<T> | P]: FieldRule<R> };

/** Every kernel object's bookkeeping (kref.ts): a restored object is a new object with its own. */
const KOBJECT_FIELDS = {
  kobjType: { transient: "the registry's type tag: the restorer's constructor sets it" },
  kobjId: { transient: "a per-registry serial number: the restored object gets the next one" },
  refcount: { transient: "counts references on this machine; the restore takes its own" },
  createdAt: { transient: "why the object was made: the restored one says restart" },
  createdStack: { transient: "a host stack trace for debugging" },
  kobjRegistry: { transient: "the machine the object lives on" },
  kobjStats: { transient: "its type's counters on this machine" },
  kobjPrev: { transient: "its neighbour in this machine's list of live objects of its type" },
  kobjNext: { transient: "its neighbour in this machine's list of live objects of its type" },
  freed: { derived: "refcount === 0" },
} as const;

export const TASK_FIELDS: FieldTable<Task, TaskRecord> = {
  ...KOBJECT_FIELDS,
  state: { saved: ["state"] },
  exit: { saved: ["exit"] },
  exitSignal: { saved: ["exitSignal"] },
  pdeathSignal: { saved: ["pdeathSignal"] },
  parent: { saved: ["parentTaskId"] },
  children: { savedAs: "each child's TaskRecord.parentTaskId: the restorer links children to their parent" },
  blocked: { saved: ["blocked"] },
  savedMask: { saved: ["savedMask"] },
  pending: { saved: ["pending"] },
  sas: { saved: ["sas"] },
  clearChildTid: { saved: ["clearChildTid"] },
  cpuCycles: { saved: ["cpuCycles"] },
  loginuid: { saved: ["loginuid"] },
  sessionid: { saved: ["sessionid"] },
  robustList: { saved: ["robustList"] },
  restartCode: { saved: ["syscall"] },
  restart: { saved: ["syscall"] },
  waitingOn: { transient: "the re-executed syscall sleeps on its wait queue again" },
  pollWaits: { transient: "the re-executed poll, select or epoll_wait polls its files and collects their queues again" },
  wakeAt: { transient: "the timeout of the current sleep: saved as syscall.deadlineLeft from restart.deadline, re-armed by the re-executed call" },
  wakeTimer: { transient: "the timer queue entry of the current sleep, re-armed by the re-executed call" },
  vforkParent: { saved: ["vforkParentTaskId"] },
  sigPending: { transient: "recomputed from the pending signals and the mask at resume (recalc_sigpending)" },
  sigWaitSet: { saved: ["sigWaitSet"] },
  frozen: { transient: "every task is frozen while it is checkpointed; its restored freezer group decides whether it freezes again" },
  freezerGroup: { saved: ["freezerPath"] },
  kthread: { transient: "kernel threads live in the root pid namespace, never in a container; a restored task runs a kthread body only until ret-from-resume" },
  files: { saved: ["filesId"] },
  fs: { saved: ["fsId"] },
  rwAfterHandler: { saved: ["syscall"] },
  cpusAllowed: { saved: ["cpusAllowed"] },
  rqSlot: { transient: "the scheduler's place for a queued task; a restored task is queued anew when it resumes" },
  readyAt: { transient: "when a queued task became ready on this machine's clock; set again when it is queued" },
  nice: { saved: ["nice"] },
  schedPolicy: { saved: ["schedPolicy"] },
  rtPriority: { saved: ["schedPriority"] },
  resetOnFork: { saved: ["schedPolicy"] },
  noNewPrivs: { saved: ["atomicFlags"] },
  keepCaps: { saved: ["securebits"] },
  crJob: { transient: "a C/R call in progress: a self-checkpointing caller is recorded as returning from it (CollectOptions.self); other callers are outside the container" },
  nsproxy: { saved: ["pidNsForChildrenId"] },
  pid: { saved: ["pidId"] },
  group: { saved: ["threadGroupId"] },
  sighand: { saved: ["sighandId"] },
  cred: { saved: ["credId"] },
  comm: { saved: ["comm"] },
  hart: { saved: ["regs", "instret", "mmId"] },
  mm: { derived: "hart.mm" },
  id: { derived: "pid's number in the root namespace" },
  pidNs: { derived: "pid.ns" },
  pidNsForChildren: { derived: "nsproxy's namespace, or pid.ns" },
  isLeader: { derived: "group.leader === this" },
  alive: { derived: "state" },
};

export const THREAD_GROUP_FIELDS: FieldTable<ThreadGroup, ThreadGroupRecord, "pgrpPid"> = {
  ...KOBJECT_FIELDS,
  threads: { savedAs: "each thread's TaskRecord.threadGroupId" },
  sharedPending: { saved: ["sharedPending"] },
  groupExit: { saved: ["groupExit"] },
  groupExitStatus: { saved: ["groupExitStatus"] },
  stopped: { saved: ["stopped"] },
  notifyStop: { saved: ["notifyStop"] },
  notifyContinue: { saved: ["notifyContinue"] },
  stopSignal: { saved: ["stopSignal"] },
  isChildSubreaper: { saved: ["isChildSubreaper"] },
  hasChildSubreaper: { saved: ["hasChildSubreaper"] },
  didExec: { saved: ["didExec"] },
  itimerReal: { saved: ["itimerRealLeft", "itimerRealInterval"] },
  itimerVirt: { saved: ["itimerVirt"] },
  itimerProf: { saved: ["itimerProf"] },
  dumpable: { saved: ["dumpable"] },
  oomScoreAdj: { saved: ["oomScoreAdj"] },
  oomScoreAdjMin: { saved: ["oomScoreAdjMin"] },
  rlimits: { saved: ["rlimits"] },
  deadUtime: { transient: "getrusage's time of exited threads: not in the model yet (issue 16); a restored process counts from its restart" },
  deadStime: { transient: "as deadUtime" },
  childUtime: { transient: "RUSAGE_CHILDREN's times of reaped children: not in the model yet (issue 16); a restored process counts from its restart" },
  childStime: { transient: "as childUtime" },
  childMaxRss: { transient: "as childUtime" },
  maxRss: { transient: "as deadUtime: a restored process's ru_maxrss starts from its restored pages" },
  posixTimers: { saved: ["posixTimers"] },
  nextPosixTimerId: { saved: ["nextPosixTimerId"] },
  tty: { saved: ["ttyId"] },
  childWait: { transient: "waiters in wait4/waitid re-execute the call and sleep on it again" },
  leader: { saved: ["leaderTaskId"] },
  pgrpPid: { saved: ["pgrpPidId"] },
  pgrp: { derived: "pgrpPid, through an accessor that keeps the Pid's list of groups in step" },
  session: { saved: ["sessionPidId"] },
};
