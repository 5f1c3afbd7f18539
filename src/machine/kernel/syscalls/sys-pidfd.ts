// pidfd_open, pidfd_send_signal and pidfd_getfd (Linux's kernel/pid.c and kernel/signal.c, as of
// 6.18). The file itself is in kernel/pidfd.ts; waitid(P_PIDFD) is in sys-task.ts.
import { O_NONBLOCK } from "../../fs/constants.ts";
import type { File } from "../../fs/file.ts";
import { EBADF, EFAULT, EINVAL, EMFILE, ENOENT, EPERM, ESRCH } from "../errno.ts";
import type { Kernel } from "../kernel.ts";
import type { Pid } from "../pid.ts";
import { pidfdCreate, pidfdPid, pidTask } from "../pidfd.ts";
import { ptraceMayAccess } from "../ptrace-access.ts";
import { SI_TKILL, SIGINFO_SIZE, type SigInfo } from "../siginfo.ts";
import type { Task } from "../task.ts";
import { killProcess, userInfo } from "./sys-signal.ts";
import type { SyscallEntry } from "./types.ts";

/** PIDFD_NONBLOCK is O_NONBLOCK; PIDFD_THREAD (O_EXCL) is not supported. */
const PIDFD_NONBLOCK = O_NONBLOCK;
const PIDFD_SIGNAL_THREAD = 1;
const PIDFD_SIGNAL_THREAD_GROUP = 2;
const PIDFD_SIGNAL_PROCESS_GROUP = 4;
const SI_USER = 0;

/** Install a new file at the lowest free fd, close-on-exec (pidfds and pidfd_getfd's fds are). */
function installCloexec(t: Task, f: File): number {
  const files = t.files;
  const fd = files === null ? -EMFILE : files.allocFd();
  if (fd < 0 || files === null) {
    f.kobjRegistry.put(f, "no fd");
    return fd < 0 ? fd : -EMFILE;
  }
  files.install(fd, f, true);
  return fd;
}

/** The pid a pidfd argument names: -EBADF when fd is not open or not a pidfd. */
function fdPid(t: Task, fd: number): Pid | number {
  const f = t.files?.get(fd);
  const pid = f === undefined ? null : pidfdPid(f);
  return pid ?? -EBADF;
}

function sysPidfdOpen(k: Kernel, t: Task, nr: number, flags: number): number {
  if ((flags & ~PIDFD_NONBLOCK) !== 0 || nr <= 0) return -EINVAL;
  const pid = t.pidNs.pids.get(nr);
  const task = pid === undefined ? null : pidTask(pid);
  if (pid === undefined || task === null) return -ESRCH;
  // Without PIDFD_THREAD a pidfd names a process: a thread's id is refused.
  if (!task.isLeader) return -ENOENT;
  return installCloexec(t, pidfdCreate(k, pid, flags, `pidfd_open by pid ${t.id}`));
}

function sysPidfdSendSignal(k: Kernel, t: Task, pidfd: number, sig: number, uinfo: number, flags: number): number {
  const scope = flags >>> 0;
  if ((scope & ~(PIDFD_SIGNAL_THREAD | PIDFD_SIGNAL_THREAD_GROUP | PIDFD_SIGNAL_PROCESS_GROUP)) !== 0) return -EINVAL;
  if ((scope & (scope - 1)) !== 0) return -EINVAL;
  const pid = fdPid(t, pidfd);
  if (typeof pid === "number") return pid;
  // access_pidfd_pidns: the pid must be visible in the caller's namespace.
  if (pid.nrIn(t.pidNs) === 0) return -EINVAL;
  if (sig < 0 || sig > 64) return -EINVAL;
  const group = scope !== PIDFD_SIGNAL_THREAD;
  let info: SigInfo;
  if (uinfo !== 0) {
    const raw = t.mm.copyIn(uinfo, SIGINFO_SIZE);
    if (raw === null) return -EFAULT;
    const dv = new DataView(raw.buffer, raw.byteOffset, SIGINFO_SIZE);
    if (dv.getInt32(0, true) !== sig) return -EINVAL;
    const code = dv.getInt32(8, true);
    // Only signals to oneself may claim a kernel or kill() origin.
    if ((pid !== t.group.leader.pid || scope === PIDFD_SIGNAL_PROCESS_GROUP) && (code >= 0 || code === SI_TKILL)) return -EPERM;
    info = { signo: sig, code, raw };
  } else {
    info = userInfo(t, sig, scope === PIDFD_SIGNAL_THREAD ? SI_TKILL : SI_USER);
  }
  if (scope === PIDFD_SIGNAL_PROCESS_GROUP) {
    // kill_pgrp_info: every process whose group this pid leads.
    let err = -ESRCH;
    for (const g of [...pid.pgrpGroups]) {
      if (!g.leader.alive) continue;
      const r = killProcess(k, t, g.leader, { ...info }, true);
      if (r === 0 || err === -ESRCH) err = r;
    }
    return err;
  }
  const target = pidTask(pid);
  if (target === null) return -ESRCH;
  return killProcess(k, t, group ? target.group.leader : target, info, group);
}

function sysPidfdGetfd(k: Kernel, t: Task, pidfd: number, targetFd: number, flags: number): number {
  if (flags !== 0) return -EINVAL;
  const pid = fdPid(t, pidfd);
  if (typeof pid === "number") return pid;
  const target = pidTask(pid);
  if (target === null) return -ESRCH;
  // __pidfd_fget: PTRACE_MODE_ATTACH_REALCREDS.
  if (!ptraceMayAccess(t, target, "real")) return -EPERM;
  const f = target.files?.get(targetFd);
  if (f === undefined) return -EBADF;
  k.kobj.get(f, "pidfd_getfd");
  return installCloexec(t, f);
}

export const PIDFD_SYSCALLS: SyscallEntry[] = [
  {
    nr: 424, name: "pidfd_send_signal", args: ["d", "d", "p", "x"],
    level: "full", cr: "-", fn: sysPidfdSendSignal,
  },
  {
    nr: 434, name: "pidfd_open", args: ["d", "x"],
    level: "partial", note: "PIDFD_THREAD (a pidfd of one thread) gives EINVAL",
    cr: "files (a pidfd, by pid: a pid outside the container is refused)", fn: sysPidfdOpen,
  },
  {
    nr: 438, name: "pidfd_getfd", args: ["d", "d", "x"],
    level: "full", cr: "files (the duplicated fd is an ordinary fd)", fn: sysPidfdGetfd,
  },
];
