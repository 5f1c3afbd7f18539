// clone_with_pid (syscall 803, see cr-nr.ts): the user-space restarter's way to give each task it
// forks the pid it had at checkpoint time. The alternative, writing ns_last_pid and then forking,
// is racy: any fork in the namespace in between takes the number.
import { CLONE_NEWPID, CLONE_VFORK } from "../clone-flags.ts";
import { CAP_SYS_ADMIN } from "../cred.ts";
import { EBUSY, EINVAL, EPERM } from "../errno.ts";
import { cloneArgsFromRegs, copyProcess } from "../fork.ts";
import type { Kernel } from "../kernel.ts";
import { restartingOf } from "../pid.ts";
import type { Task } from "../task.ts";
import { NR_CLONE_WITH_PID } from "./cr-nr.ts";
import { finishClone } from "./sys-task.ts";
import type { SyscallEntry } from "./types.ts";

const EEXIST = 17;

function sysCloneWithPid(k: Kernel, t: Task, flags: number, newsp: number, ptid: number, tls: number, ctid: number, pid: number): number {
  if (pid <= 0 || (flags & (CLONE_NEWPID | CLONE_VFORK)) !== 0) return -EINVAL;
  const ns = t.pidNsForChildren;
  const rs = restartingOf(ns);
  const args = cloneArgsFromRegs(flags, newsp, ptid, tls, ctid);
  if (rs !== null) {
    // A number of the container's namespace; the restart knows where it lived.
    const place = rs.place(pid);
    if (place === null) return -EINVAL;
    args.restartNs = place.ns;
    args.setTid = place.setTid;
  } else {
    if (!t.cred.capable(CAP_SYS_ADMIN)) return -EPERM;
    args.setTid = [pid];
  }
  const child = copyProcess(k, t, args);
  if (child === -EEXIST) return -EBUSY;
  return typeof child === "number" ? child : finishClone(k, t, child, flags);
}

export const ECLONE_SYSCALLS: SyscallEntry[] = [
  {
    nr: NR_CLONE_WITH_PID, name: "clone_with_pid", args: ["x", "p", "p", "p", "p", "d"],
    level: "full", cr: "tasks, threadGroups, pids, mms, fdTables, fsContexts, sighands",
    note: "eclone, from the 2009 linux-cr patches: clone whose child takes a chosen pid; CLONE_NEWPID and CLONE_VFORK give EINVAL",
    fn: sysCloneWithPid,
  },
];
