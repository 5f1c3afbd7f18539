// A task: one thread of execution (Linux's task_struct). For now a task is its own thread group
// and process; issue "tasks, memory, signals" adds the tree, thread groups and namespaces.
//
// Each task owns a Hart object: its user register state plus the hart's TLBs. A real kernel
// saves registers into the task and reloads them on the next CPU; here the scheduler simply
// runs the task's own hart, which keeps the TLBs warm across context switches for free.
import type { Hart } from "../cpu/hart.ts";

export type TaskState = "running" | "zombie";

/** How a task ended, as the low 16 bits of a Linux wait status encode it. */
export interface ExitStatus {
  /** exit(code) & 0xff, when it exited. */
  code?: number;
  /** The fatal signal, when one killed it. */
  signal?: number;
  /** A core-dumping signal (WCOREDUMP). */
  core?: boolean;
}

export class Task {
  state: TaskState = "running";
  exit: ExitStatus | undefined;
  /** set_tid_address / CLONE_CHILD_CLEARTID: user address cleared and futex-woken at exit. */
  clearChildTid = 0;
  /** Kernel work charged to this task, in virtual cycles (its instructions are hart.instret). */
  cpuCycles = 0;

  constructor(
    readonly pid: number,
    readonly tgid: number,
    public ppid: number,
    public comm: string,
    public hart: Hart,
  ) {}

  get mm() {
    return this.hart.mm;
  }
}

/** The wait status word Linux reports for an exit status. */
export function waitStatus(s: ExitStatus): number {
  if (s.signal !== undefined) return (s.signal & 0x7f) | (s.core ? 0x80 : 0);
  return ((s.code ?? 0) & 0xff) << 8;
}

/** A shell-style exit code: the exit code, or 128 + the fatal signal. */
export function shellStatus(s: ExitStatus): number {
  return s.signal !== undefined ? 128 + s.signal : (s.code ?? 0) & 0xff;
}
