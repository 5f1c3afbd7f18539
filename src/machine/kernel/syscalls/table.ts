// The syscall table: Linux riscv32 (asm-generic) numbers to handlers.
import { FS_SYSCALLS } from "./sys-fs.ts";
import { NAMEI_SYSCALLS } from "./sys-namei.ts";
import { RW_SYSCALLS } from "./sys-rw.ts";
import { STAT_SYSCALLS } from "./sys-stat.ts";
import { MM_SYSCALLS } from "./sys-mm.ts";
import { PROC_SYSCALLS } from "./sys-proc.ts";
import { FUTEX_SYSCALLS } from "./sys-futex.ts";
import { MODULE_SYSCALLS } from "./sys-module.ts";
import { ECLONE_SYSCALLS } from "./sys-eclone.ts";
import { SIGNAL_SYSCALLS } from "./sys-signal.ts";
import { TASK_SYSCALLS } from "./sys-task.ts";
import { TIME_SYSCALLS } from "./sys-time.ts";
import type { SyscallEntry } from "./types.ts";

export const SYSCALLS: (SyscallEntry | undefined)[] = [];
for (const e of [...FS_SYSCALLS, ...RW_SYSCALLS, ...NAMEI_SYSCALLS, ...STAT_SYSCALLS, ...PROC_SYSCALLS, ...MM_SYSCALLS, ...TASK_SYSCALLS, ...SIGNAL_SYSCALLS, ...FUTEX_SYSCALLS, ...TIME_SYSCALLS, ...MODULE_SYSCALLS, ...ECLONE_SYSCALLS]) {
  if (SYSCALLS[e.nr] !== undefined) throw new Error(`syscall ${e.nr} registered twice`);
  SYSCALLS[e.nr] = e;
}
