// cptbench's hooks for programs built against a real libc. cpt_mark(label) names a point where
// the C/R tests may checkpoint the program (cptbench's syscall 802); the real kernel, and
// qemu-riscv32, answer ENOSYS, so a marked program behaves the same everywhere. It is defined in
// workloads/tools/cpt-self.c, the self-checkpoint shim workloads/build.sh links into every libc
// workload: where the self initiator asks for a checkpoint at this mark (the syscall returns
// 1 + flags), the program takes it right there; errno is never touched.
#ifndef CPTBENCH_H
#define CPTBENCH_H

void cpt_mark(const char *label);

#endif
