// kcmp (Linux's kernel/kcmp.c): do two tasks share a kernel object? CRIU asks it to find shared
// files, address spaces, fd tables, fs structs and signal handlers. Linux orders the objects
// by their addresses scrambled with a boot-time cookie; here by their kernel object serial
// number, so the order is stable from run to run (only "equal" is portable anyway).
import { EBADF, EINVAL, EPERM, ESRCH } from "../errno.ts";
import type { Kernel } from "../kernel.ts";
import type { KObject } from "../kref.ts";
import { ptraceMayAccess } from "../ptrace-access.ts";
import type { Task } from "../task.ts";
import type { SyscallEntry } from "./types.ts";

const KCMP_FILE = 0;
const KCMP_VM = 1;
const KCMP_FILES = 2;
const KCMP_FS = 3;
const KCMP_SIGHAND = 4;
const KCMP_IO = 5;
const KCMP_SYSVSEM = 6;

/** kcmp_ptr: 0 if the same object, 1 if the first orders before the second, 2 if after. */
function order(a: KObject | null, b: KObject | null): number {
  const x = a?.kobjId ?? 0;
  const y = b?.kobjId ?? 0;
  return x === y ? 0 : x < y ? 1 : 2;
}

/** The object of `type` a task holds (null when it has none: an exited task's mm or files). */
function objectOf(t: Task, type: number): KObject | null {
  switch (type) {
    case KCMP_VM:
      return t.alive ? t.mm : null;
    case KCMP_FILES:
      return t.files;
    case KCMP_FS:
      return t.fs;
    default:
      return t.sighand;
  }
}

function sysKcmp(k: Kernel, t: Task, pid1: number, pid2: number, type: number, idx1: number, idx2: number): number {
  const t1 = k.findTask(t.pidNs, pid1);
  const t2 = k.findTask(t.pidNs, pid2);
  if (t1 === undefined || t2 === undefined || t1.state === "dead" || t2.state === "dead") return -ESRCH;
  // PTRACE_MODE_READ_REALCREDS on both.
  if (!ptraceMayAccess(t, t1, "real") || !ptraceMayAccess(t, t2, "real")) return -EPERM;
  switch (type) {
    case KCMP_FILE: {
      const f1 = t1.files?.get(idx1 >>> 0);
      const f2 = t2.files?.get(idx2 >>> 0);
      return f1 === undefined || f2 === undefined ? -EBADF : order(f1, f2);
    }
    case KCMP_VM:
    case KCMP_FILES:
    case KCMP_FS:
    case KCMP_SIGHAND:
      return order(objectOf(t1, type), objectOf(t2, type));
    case KCMP_IO:
    case KCMP_SYSVSEM:
      // No block I/O contexts and no System V semaphore undo lists exist: both are NULL.
      return 0;
    default:
      return -EINVAL;
  }
}

export const KCMP_SYSCALLS: SyscallEntry[] = [
  {
    nr: 272, name: "kcmp", args: ["d", "d", "d", "u", "u"],
    level: "partial", note: "KCMP_EPOLL_TFD gives EINVAL; KCMP_IO and KCMP_SYSVSEM always answer equal (no io contexts, no SysV undo lists)",
    cr: "-", fn: sysKcmp,
  },
];
