// The syscall table: Linux riscv32 (asm-generic) numbers to handlers. Each sys-*.ts file lists
// its entries with their support level; rows.ts joins them with linux-nr.ts into the full table
// that `cptbench syscalls` prints.
import { FS_SYSCALLS } from "./sys-fs.ts";
import { NAMEI_SYSCALLS } from "./sys-namei.ts";
import { RW_SYSCALLS } from "./sys-rw.ts";
import { STAT_SYSCALLS } from "./sys-stat.ts";
import { MM_SYSCALLS } from "./sys-mm.ts";
import { PROC_SYSCALLS } from "./sys-proc.ts";
import { RESOURCE_SYSCALLS } from "./sys-resource.ts";
import { FUTEX_SYSCALLS } from "./sys-futex.ts";
import { LOCK_SYSCALLS } from "./sys-locks.ts";
import { MODULE_SYSCALLS } from "./sys-module.ts";
import { ECLONE_SYSCALLS } from "./sys-eclone.ts";
import { SIGNAL_SYSCALLS } from "./sys-signal.ts";
import { TASK_SYSCALLS } from "./sys-task.ts";
import { TIME_SYSCALLS } from "./sys-time.ts";
import { POLL_SYSCALLS } from "./sys-poll.ts";
import { EPOLL_SYSCALLS } from "./sys-epoll.ts";
import { EVENTS_SYSCALLS } from "./sys-events.ts";
import { SOCKET_SYSCALLS } from "./sys-socket.ts";
import { TIMER_SYSCALLS } from "./sys-timer.ts";
import { PIDFD_SYSCALLS } from "./sys-pidfd.ts";
import { SCHED_SYSCALLS } from "./sys-sched.ts";
import { KCMP_SYSCALLS } from "./sys-kcmp.ts";
import { MEMFD_SYSCALLS } from "./sys-memfd.ts";
import { CAPABILITY_SYSCALLS } from "./sys-capability.ts";
import { INOTIFY_SYSCALLS } from "./sys-inotify.ts";
import type { SyscallEntry } from "./types.ts";

/** The entries of each sys-*.ts file under the file's name (the rows' `handler` column). */
export const SYSCALL_FILES: readonly (readonly [string, readonly SyscallEntry[]])[] = [
  ["sys-fs.ts", FS_SYSCALLS],
  ["sys-rw.ts", RW_SYSCALLS],
  ["sys-namei.ts", NAMEI_SYSCALLS],
  ["sys-stat.ts", STAT_SYSCALLS],
  ["sys-proc.ts", PROC_SYSCALLS],
  ["sys-resource.ts", RESOURCE_SYSCALLS],
  ["sys-mm.ts", MM_SYSCALLS],
  ["sys-task.ts", TASK_SYSCALLS],
  ["sys-signal.ts", SIGNAL_SYSCALLS],
  ["sys-futex.ts", FUTEX_SYSCALLS],
  ["sys-locks.ts", LOCK_SYSCALLS],
  ["sys-time.ts", TIME_SYSCALLS],
  ["sys-socket.ts", SOCKET_SYSCALLS],
  ["sys-timer.ts", TIMER_SYSCALLS],
  ["sys-module.ts", MODULE_SYSCALLS],
  ["sys-eclone.ts", ECLONE_SYSCALLS],
  ["sys-poll.ts", POLL_SYSCALLS],
  ["sys-epoll.ts", EPOLL_SYSCALLS],
  ["sys-events.ts", EVENTS_SYSCALLS],
  ["sys-pidfd.ts", PIDFD_SYSCALLS],
  ["sys-sched.ts", SCHED_SYSCALLS],
  ["sys-kcmp.ts", KCMP_SYSCALLS],
  ["sys-memfd.ts", MEMFD_SYSCALLS],
  ["sys-capability.ts", CAPABILITY_SYSCALLS],
  ["sys-inotify.ts", INOTIFY_SYSCALLS],
];

/** What the kernel's dispatch indexes by a7. */
export const SYSCALLS: (SyscallEntry | undefined)[] = [];
for (const [, entries] of SYSCALL_FILES) {
  for (const e of entries) {
    if (SYSCALLS[e.nr] !== undefined) throw new Error(`syscall ${e.nr} registered twice`);
    SYSCALLS[e.nr] = e;
  }
}
