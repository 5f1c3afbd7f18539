/* cpt.h - checkpoint point markers and self-checkpoint.
 *
 * cpt_mark(label) marks an interesting point in a workload (e.g. "after
 * allocation", "mid-loop"), label "<workload>:<point>". It issues syscall 802
 * (SYS_cpt_mark, a0 = label): cptbench's kernel notifies the scenario runner
 * (which may checkpoint the container there) and returns 0, or 1 when the
 * runner wants the program to checkpoint itself; under qemu-riscv32 or Linux
 * it is ENOSYS. It changes nothing the workload can see. It is also a real,
 * never-inlined function (symbol `cpt_mark`, label pointer in a0), so a
 * scenario can still stop a guest exactly at the call by breaking on that
 * symbol's address.
 *
 * Self-checkpoint (the "self" initiator): crt0 calls __cpt_init() before
 * main. With CPTBENCH_CKPT=<absolute image path> in the environment it
 * installs a handler for CPT_SIGNAL (SA_SIGINFO: the queued value is the
 * checkpoint flags) that calls cpt_checkpoint_self(flags), which opens the
 * image and calls checkpoint(0, fd, flags) on the caller's own container: 0 in
 * the original, CPT_RESTARTED after a restart. A cpt_mark that returns n >= 1
 * does the same with flags n - 1.
 */
#ifndef RT_CPT_H
#define RT_CPT_H

#define CPT_SIGNAL    63   /* SIGRTMAX - 1: no workload uses it */
#define CPT_RESTARTED 1

void cpt_mark(const char *label);
/* checkpoint(0, fd of the image, flags): 0 (or -errno) in the original, CPT_RESTARTED after a restart. */
long cpt_checkpoint_self(long flags);
void __cpt_init(void);

#endif
