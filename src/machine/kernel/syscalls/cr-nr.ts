// The numbers of the C/R system calls, which Linux's table does not have (qemu-riscv32 answers
// ENOSYS). A file of its own with no imports, so C/R plugins can name them without loading the
// syscall table (which imports the whole kernel).
export const NR_CHECKPOINT = 800;
export const NR_RESTART = 801;
/**
 * cpt_mark(label): a workload marks a point where a checkpoint is interesting. Under qemu it is
 * ENOSYS and ignored; here it returns 0 and tells whoever watches (the scenario runner) through
 * k.onCptMark. The watcher may hold the task at the mark (asleep inside the call, as if it were
 * waiting for something) until it releases it with releaseCptMarks: a checkpoint then catches
 * it exactly there. Or it may answer 1 + checkpoint flags: a self-checkpointing runtime then
 * checkpoints its own container right there. Unwatched, the call does nothing.
 */
export const NR_CPT_MARK = 802;
/**
 * clone_with_pid(flags, newsp, parent_tid, tls, child_tid, pid): clone(2) whose child takes the
 * number `pid` (eclone, from the 2009 linux-cr patches, simplified to one number). Allowed in a
 * pid namespace being restarted from user space, or with CAP_SYS_ADMIN; EBUSY if the number is
 * taken. In a restarting container the number is the one in the container's namespace, and a
 * task that lived in a nested namespace goes back into it with all its numbers.
 */
export const NR_CLONE_WITH_PID = 803;
