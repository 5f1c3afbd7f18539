// The system-call path of a trap (Linux's do_syscall / syscall_exit): look the number up in the
// table, charge it, run the handler, trace it, and either write the result into a0 and step past
// the ecall or leave pc on it for a restart (-ERESTART*).
import { COSTS } from "../costs.ts";
import { ENOSYS, ERESTART_RESTARTBLOCK, ERESTARTSYS, errnoName } from "../errno.ts";
import type { Kernel } from "../kernel.ts";
import { formatSyscall } from "../strace.ts";
import type { Task } from "../task.ts";
import { SYSCALLS } from "./table.ts";

export function doSyscall(k: Kernel, t: Task): void {
  const h = t.hart;
  const x = h.x;
  const nr = x[17];
  const entry = SYSCALLS[nr];
  k.stats.syscalls++;
  k.charge(t, COSTS.syscall);
  const a0 = x[10], a1 = x[11], a2 = x[12], a3 = x[13], a4 = x[14], a5 = x[15];
  let ret: number;
  if (entry === undefined) {
    k.stats.enosys.set(nr, (k.stats.enosys.get(nr) ?? 0) + 1);
    ret = -ENOSYS;
  } else {
    ret = entry.fn(k, t, a0, a1, a2, a3, a4, a5);
  }
  if (k.strace && !(ret <= -ERESTARTSYS && ret >= -ERESTART_RESTARTBLOCK && t.state === "sleeping")) {
    k.strace(formatSyscall(t, nr, entry, [a0, a1, a2, a3, a4, a5], ret, errnoName));
  }
  if (t.state === "zombie" || t.state === "dead") return;
  // rt_sigreturn set every register itself; a successful execve replaced the hart.
  if (entry?.noReturn || t.hart !== h) return;
  if (ret <= -ERESTARTSYS && ret >= -ERESTART_RESTARTBLOCK) {
    // pc stays on the ecall: the call re-executes when the task runs again.
    t.restartCode = -ret;
    return;
  }
  t.restartCode = 0;
  t.restart = null;
  x[10] = ret;
  h.pc = (h.pc + 4) >>> 0;
}
