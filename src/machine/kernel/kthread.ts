// Kernel threads: TypeScript generator functions stepped by the scheduler like user tasks.
// A kthread yields wherever Linux could sleep or be preempted, so a signal, an rmmod or a
// freeze can land between any two of its steps. Yielding nothing is a preemption point;
// yielding { sleep } puts the thread to sleep until woken (or until the deadline).
//
// A kthread belongs to the module whose code it runs, if any: stepping it after the module is
// gone is the "executing freed module text" oops the C/R review was about, so the caller that
// spawns a module's kthread must hold a module reference for it, and the kthread drops it as
// its very last act (module_put_and_exit).
import { Hart } from "../cpu/hart.ts";
import { Mm } from "../mm/mm.ts";
import { Cred } from "./cred.ts";
import type { Kernel } from "./kernel.ts";
import type { Module } from "./module.ts";
import { allocPid } from "./pid.ts";
import { Nsproxy, SigHand, Task, ThreadGroup } from "./task.ts";
import type { WaitQueue } from "./wait-queue.ts";

export type KthreadYield = void | { sleep: WaitQueue | null; deadline?: number };
export type KthreadBody = Generator<KthreadYield, number, void>;
export type KthreadFn = (k: Kernel, self: Task) => KthreadBody;

export interface KthreadInfo {
  body: KthreadBody;
  /** The module whose code the kthread runs, if any. */
  owner: Module | null;
  shouldStop: boolean;
  steps: number;
  /**
   * Set for a task being restored in kernel context: when the body returns, the task does not
   * exit but returns to user mode (ret-from-resume) and runs its hart from then on.
   */
  resumeUser?: boolean;
  /** Called if the task exits before the body has finished (to drop what the body holds). */
  onAbandon?: () => void;
}

/** kthread_run: create and start a kernel thread. Returns the task, or -errno. */
export function kthreadRun(k: Kernel, fn: KthreadFn, name: string, owner: Module | null = null): Task | number {
  const pid = allocPid(k.initNs);
  if (typeof pid === "number") return pid;
  const r = k.kobj;
  const why = `kthread_run(${name})`;
  const group = new ThreadGroup(r, null as unknown as Task, pid, pid, why);
  const sighand = new SigHand(r, why);
  const cred = Cred.root(r);
  const nsproxy = new Nsproxy(r, k.initNs, why);
  // Kernel threads have no user address space; an empty mm stands in for Linux's mm == NULL.
  const mm = new Mm(k.frames, r, why);
  const t = new Task(r, pid, group, sighand, cred, nsproxy, name.slice(0, 15), new Hart(mm), why);
  for (const o of [pid, group, sighand, cred, nsproxy]) r.put(o);
  group.leader = t;
  group.threads.add(t);
  pid.task = t;
  t.exitSignal = -1; // nobody waits for a kthread: it is reaped at exit
  t.kthread = { body: fn(k, t), owner, shouldStop: false, steps: 0 };
  k.registerTask(t);
  return t;
}

/** kthread_should_stop, for the thread's own loop. */
export function kthreadShouldStop(t: Task): boolean {
  return t.kthread?.shouldStop ?? true;
}

/** kthread_stop: ask the thread to stop and wake it; it exits at its next check. */
export function kthreadStop(k: Kernel, t: Task): void {
  if (t.kthread === null) return;
  t.kthread.shouldStop = true;
  k.wake(t);
}

/** module_put_and_exit: drop the module reference the kthread was given, as its last act. */
export function modulePutAndExit(k: Kernel, mod: Module, code: number): number {
  k.modules.put(mod, "module_put_and_exit");
  return code;
}
