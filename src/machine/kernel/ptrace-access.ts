// ptrace_may_access (Linux's kernel/ptrace.c __ptrace_may_access) without a tracer: the check
// that pidfd_getfd and kcmp make before they look into another process. There is no ptrace
// here, but the rule is the same: a thread of the same process always may; another process
// only with the caller's real (PTRACE_MODE_REALCREDS) or effective/fs (FSCREDS) ids matching
// all of the target's, and a dumpable target, unless the caller has CAP_SYS_PTRACE.
import type { Task } from "./task.ts";

export const CAP_SYS_PTRACE = 19;

/** Which of the caller's ids are compared: real (pidfd_getfd) or fs (kcmp, /proc). */
export type PtraceCreds = "real" | "fs";

export function ptraceMayAccess(caller: Task, target: Task, mode: PtraceCreds): boolean {
  if (caller.group === target.group) return true;
  const c = caller.cred;
  const tc = target.cred;
  const uid = mode === "real" ? c.uid : c.fsuid;
  const gid = mode === "real" ? c.gid : c.fsgid;
  const idsMatch = uid === tc.uid && uid === tc.euid && uid === tc.suid && gid === tc.gid && gid === tc.egid && gid === tc.sgid;
  if (!idsMatch && !c.capable(CAP_SYS_PTRACE)) return false;
  // SUID_DUMP_USER (1): an undumpable target (after a set*id change) needs CAP_SYS_PTRACE.
  return target.group.dumpable === 1 || c.capable(CAP_SYS_PTRACE);
}
