// The cost model: the virtual cycles kernel work charges (one guest instruction is one cycle).
// A leaf, so that the syscalls, fork, signal delivery and the C/R code can charge costs without
// importing the kernel they charge them to.

/** Cycle costs of kernel work (the cost model). */
export const COSTS = {
  syscall: 100,
  trap: 200,
  fork: 2_000,
  exec: 5_000,
  signalDelivery: 300,
  /** One step of a kernel thread (from one yield to the next). */
  kthreadStep: 500,
  /** C/R: taking or restoring one kernel object (task, mm, file...), and copying one 4 KiB page (~4 GB/s). */
  crObject: 300,
  crPage: 1_000,
};
