// What a C/R plugin may touch of the kernel, as a Linux module sees only the exported symbols:
// the task and its namespaces (as types), the wait queues and signals a restart waits on and
// sends, the cost table and the C/R syscall numbers. Plugins import this file, never a deeper
// path (eslint.config.js enforces it); growing it is a decision about the plugin surface.
export type { Kernel } from "./kernel.ts";
export { COSTS } from "./costs.ts";
export { CAP_CHECKPOINT_RESTORE, CAP_SYS_ADMIN } from "./cred.ts";
export { EFAULT, ERESTARTNOINTR, ETIMEDOUT } from "./errno.ts";
export type { KthreadYield } from "./kthread.ts";
export { restartingOf, type PidNamespace, type RestartingState } from "./pid.ts";
export { sendSignal } from "./signal.ts";
export { SIGKILL } from "./signal-names.ts";
export type { SigInfo } from "./siginfo.ts";
export { NR_CHECKPOINT, NR_RESTART } from "./syscalls/cr-nr.ts";
export type { Task } from "./task.ts";
export { WaitQueue } from "./wait-queue.ts";
