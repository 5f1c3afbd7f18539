/* cpt.h - checkpoint point markers.
 *
 * cpt_mark(label) marks an interesting point in a workload (e.g. "after
 * allocation", "mid-loop"), label "<workload>:<point>". It issues syscall 802
 * (SYS_cpt_mark, a0 = label) and ignores the result: cptbench's kernel returns
 * 0 and notifies the scenario runner (which may checkpoint the container
 * there); under qemu-riscv32 or Linux it is ENOSYS. It changes nothing the
 * workload can see. It is also a real, never-inlined function (symbol
 * `cpt_mark`, label pointer in a0), so a scenario can still stop a guest
 * exactly at the call by breaking on that symbol's address.
 */
#ifndef RT_CPT_H
#define RT_CPT_H

void cpt_mark(const char *label);

#endif
