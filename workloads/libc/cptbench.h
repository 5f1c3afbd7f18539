// cptbench's hooks for programs built against a real libc. cpt_mark(label) names a point where
// the C/R tests may checkpoint the program (cptbench's syscall 802); the real kernel, and
// qemu-riscv32, answer ENOSYS, so a marked program behaves the same everywhere.
#ifndef CPTBENCH_H
#define CPTBENCH_H
#include <unistd.h>

#define SYS_cpt_mark 802

static inline void cpt_mark(const char *label) {
  (void)syscall(SYS_cpt_mark, label);
}

#endif
