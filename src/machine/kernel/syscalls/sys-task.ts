// Process and thread lifecycle: clone, clone3, execve, exit, exit_group, waitid, unshare.
import { Hart } from "../../cpu/hart.ts";
import { AT_FDCWD, O_NONBLOCK } from "../../fs/constants.ts";
import { isRegInode, type Path } from "../../fs/inode.ts";
import { ExeImageInode } from "../../fs/exe-image.ts";
import { LOOKUP_FOLLOW, lookupAt } from "../../fs/namei.ts";
import { inodePermission, MAY_EXEC } from "../../fs/perm.ts";
import { execTaskFiles, unshareTaskFiles } from "../../fs/task-files.ts";
import { TmpfsFile } from "../../fs/tmpfs/tmpfs.ts";
import { getname } from "../../fs/uaccess.ts";
import { CptbenchError } from "../../errors.ts";
import { CLONE_FILES, CLONE_FS, CLONE_NEWPID, CLONE_VFORK } from "../clone-flags.ts";
import { COSTS } from "../costs.ts";
import { CAP_SYS_ADMIN } from "../cred.ts";
import { E2BIG, EACCES, EAGAIN, EBADF, ECHILD, EFAULT, EINVAL, ENOENT, ENOEXEC, EPERM, ERESTARTNOINTR } from "../errno.ts";
import { loadProgram } from "../exec.ts";
import { mmapBase, STACK_TOP } from "../../mm/layout.ts";
import type { Mm } from "../../mm/mm.ts";
import { RLIM_INFINITY, RLIMIT_STACK, rlimit, stackBytes } from "../rlimit.ts";
import { doExit, doGroupExit, releaseTask, reportedStatus } from "../exit.ts";
import { exitItimers } from "../posix-timers.ts";
import { pidfdPid } from "../pidfd.ts";
import { exitRobustList } from "../robust-list.ts";
import { cloneArgsFromRegs, copyProcess, type CloneArgs } from "../fork.ts";
import type { Kernel } from "../kernel.ts";
import { CLD_CONTINUED, CLD_STOPPED, SIGINFO_SIZE } from "../siginfo.ts";
import { SIGCHLD } from "../signal-names.ts";
import { Nsproxy, SIG_DFL, SIG_IGN, SigHand, type Task } from "../task.ts";
import { encodeRusage } from "./sys-resource.ts";
import type { SyscallEntry } from "./types.ts";

const u64 = (dv: DataView, off: number): number => Number(dv.getBigUint64(off, true));

/** After fork: vfork's parent waits until the child execs or exits. */
export function finishClone(k: Kernel, t: Task, child: Task, flags: number): number {
  const nr = child.pid.nrIn(t.pidNs);
  if (flags & CLONE_VFORK) {
    child.vforkParent = t;
    t.restart = { nr: 220, vforkChild: child.id, result: nr };
    return k.sleep(t, null, 0, ERESTARTNOINTR);
  }
  return nr;
}

/** A vfork parent re-executing clone after its wait: done once the child left its mm. */
function vforkDone(k: Kernel, t: Task): number | undefined {
  const r = t.restart;
  if (r === null || typeof r.vforkChild !== "number") return undefined;
  const child = k.tasks.get(r.vforkChild);
  if (child !== undefined && child.vforkParent === t) return k.sleep(t, null, 0, ERESTARTNOINTR);
  return r.result as number;
}

function sysClone(k: Kernel, t: Task, flags: number, newsp: number, ptid: number, tls: number, ctid: number): number {
  const done = vforkDone(k, t);
  if (done !== undefined) return done;
  const child = copyProcess(k, t, cloneArgsFromRegs(flags, newsp, ptid, tls, ctid));
  return typeof child === "number" ? child : finishClone(k, t, child, flags);
}

const CLONE_ARGS_SIZE_VER0 = 64;
const CLONE_ARGS_SIZE_VER2 = 88;

function sysClone3(k: Kernel, t: Task, uargs: number, size: number): number {
  const done = vforkDone(k, t);
  if (done !== undefined) return done;
  if (size < CLONE_ARGS_SIZE_VER0 || size > 4096) return -EINVAL;
  const raw = t.mm.copyIn(uargs, size);
  if (raw === null) return -EFAULT;
  // Fields past what we know must be zero (copy_struct_from_user).
  for (let i = CLONE_ARGS_SIZE_VER2; i < size; i++) if (raw[i] !== 0) return -E2BIG;
  const dv = new DataView(raw.buffer);
  const flags = u64(dv, 0);
  const exitSignal = u64(dv, 32);
  const stack = u64(dv, 40);
  const stackSize = u64(dv, 48);
  if (flags > 0xffffffff || exitSignal > 64) return -EINVAL;
  if ((stack === 0) !== (stackSize === 0) && stack !== 0) return -EINVAL;
  const setTidPtr = size >= 80 ? u64(dv, 64) : 0;
  const setTidSize = size >= 80 ? u64(dv, 72) : 0;
  if (setTidSize > 32 || (setTidPtr === 0) !== (setTidSize === 0)) return -EINVAL;
  const setTid: number[] = [];
  if (setTidSize > 0) {
    const b = t.mm.copyIn(setTidPtr, setTidSize * 4);
    if (b === null) return -EFAULT;
    const tdv = new DataView(b.buffer);
    for (let i = 0; i < setTidSize; i++) setTid.push(tdv.getInt32(i * 4, true));
    if (setTid.some((n) => n <= 0)) return -EINVAL;
  }
  const args: CloneArgs = {
    flags,
    // The stack grows down on riscv: the child's sp is the top of [stack, stack + size).
    stack: stack === 0 ? 0 : (stack + stackSize) >>> 0,
    parentTid: u64(dv, 24),
    childTid: u64(dv, 16),
    tls: u64(dv, 56),
    exitSignal,
    setTid,
  };
  const child = copyProcess(k, t, args);
  return typeof child === "number" ? child : finishClone(k, t, child, flags);
}

const MAX_ARG_STRINGS = 0x7fffffff;

function readStringArray(t: Task, addr: number): string[] | number {
  const out: string[] = [];
  if (addr === 0) return out;
  for (let i = 0; ; i++) {
    if (i >= MAX_ARG_STRINGS / 4) return -E2BIG;
    const p = t.mm.readU32(addr + 4 * i);
    if (p === null) return -EFAULT;
    if (p === 0) return out;
    const s = t.mm.readCString(p, 128 * 1024);
    if (s === null) return -EFAULT;
    out.push(new TextDecoder().decode(s));
  }
}

/**
 * do_open_execat: walk to the file (following symlinks), which must be a regular file the
 * caller may execute (EACCES otherwise, directories included), and read its bytes.
 */
function openExec(k: Kernel, t: Task, name: string): { bytes: Uint8Array; path?: Path; image?: Path } | number {
  const p = lookupAt({ k, t }, AT_FDCWD, name, LOOKUP_FOLLOW);
  if (p === -ENOENT) {
    const builtin = k.programs.get(name);
    return builtin === undefined ? p : { bytes: builtin };
  }
  if (typeof p === "number") return p;
  const inode = p.dentry.inode;
  const err = inodePermission(t.cred, inode, MAY_EXEC);
  if (err !== 0) return err;
  // /proc/<pid>/exe of a program started from host bytes: the same image again.
  if (inode instanceof ExeImageInode) return { bytes: inode.bytes, image: p };
  if (!isRegInode(inode) || !(inode instanceof TmpfsFile)) return -EACCES;
  return { bytes: inode.readBytes(), path: p };
}

/**
 * The new mm's stack limit and mmap layout follow RLIMIT_STACK as exec finds it (bprm->rlim_stack
 * in arch_pick_mmap_layout and acct_stack_growth). Not modelled: Linux's legacy bottom-up layout
 * for an unlimited stack (the top-down layout with the default gap is kept), and an initial stack
 * smaller than 128 KiB when the limit is (setup_arg_pages).
 */
function execStackLimit(k: Kernel, t: Task, mm: Mm): void {
  const cur = rlimit(k, t.group, RLIMIT_STACK).cur;
  mm.stackLimit = stackBytes(cur);
  if (cur !== RLIM_INFINITY) mm.mmapBase = mmapBase(STACK_TOP, Number(cur));
}

function sysExecve(k: Kernel, t: Task, pathp: number, argvp: number, envp: number): number {
  const name = getname(t.mm, pathp);
  if (typeof name === "number") return name;
  const path = Buffer.from(name, "latin1").toString("utf8");
  const argv = readStringArray(t, argvp);
  if (typeof argv === "number") return argv;
  const env = readStringArray(t, envp);
  if (typeof env === "number") return env;
  const image = openExec(k, t, name);
  if (typeof image === "number") return image;
  let prog;
  try {
    prog = loadProgram(k.frames, k.kobj, image.bytes, argv, env, path, k.prng, image.path);
  } catch (e) {
    if (e instanceof CptbenchError) return e.code === "EXEC_NOMEM" ? -12 : e.code === "EXEC_E2BIG" ? -E2BIG : -ENOEXEC;
    throw e;
  }
  execStackLimit(k, t, prog.mm);
  if (image.image !== undefined && prog.mm.exe !== null) {
    prog.mm.setExeFile({ ...prog.mm.exe, path: null, name: image.image.dentry.name, bytes: image.bytes, image: image.image });
  }
  // de_thread: the other threads die; exec from a non-leader thread is not supported yet.
  if (!t.isLeader) {
    k.kobj.put(prog.mm);
    return -EINVAL;
  }
  for (const th of [...t.group.threads]) if (th !== t) doExit(k, th, { signal: 9 });
  exitRobustList(k, t, t.mm);
  k.kobj.put(t.mm, "exec_mmap");
  t.hart = new Hart(prog.mm);
  t.hart.pc = prog.entry;
  t.hart.x[2] = prog.sp;
  t.comm = (path.split("/").pop() ?? path).slice(0, 15);
  t.clearChildTid = 0;
  t.sas = { sp: 0, size: 0, flags: 2 };
  t.group.didExec = true;
  t.group.dumpable = 1;
  exitItimers(k, t.group);
  t.keepCaps = false;
  const cred = t.cred.forExec(`execve by pid ${t.id}`);
  t.setCred(cred);
  k.kobj.put(cred);
  execTaskFiles(k, t);
  // Handlers do not survive exec; ignored signals stay ignored.
  if (t.sighand.refcount > 1) {
    // unshare_sighand: a shared table is copied so the other sharers keep their handlers.
    const fresh = new SigHand(k.kobj, `execve by pid ${t.id}`, t.sighand);
    k.kobj.put(t.sighand);
    t.sighand = fresh;
  }
  for (const a of t.sighand.actions) {
    if (a.handler !== SIG_IGN) a.handler = SIG_DFL;
    a.flags = 0;
    a.mask = 0n;
  }
  if (t.vforkParent !== null) {
    k.wake(t.vforkParent);
    t.vforkParent = null;
  }
  k.charge(t, COSTS.exec);
  return 0;
}

function sysExit(k: Kernel, t: Task, code: number): number {
  doExit(k, t, { code: code & 0xff });
  return 0;
}

function sysExitGroup(k: Kernel, t: Task, code: number): number {
  doGroupExit(k, t, { code: code & 0xff });
  return 0;
}

// waitid
const P_ALL = 0;
const P_PID = 1;
const P_PGID = 2;
const P_PIDFD = 3;
const WNOHANG = 1;
const WSTOPPED = 2;
const WEXITED = 4;
const WCONTINUED = 8;
const WNOWAIT = 0x01000000;
const WNOTHREAD = 0x20000000;
const WALL = 0x40000000;
const WCLONE = 0x80000000;

function matches(k: Kernel, t: Task, child: Task, which: number, id: number, options: number): boolean {
  if (which === P_PID && child.pid.nrIn(t.pidNs) !== id) return false;
  if (which === P_PGID && child.group.pgrp.nrIn(t.pidNs) !== id) return false;
  // __WCLONE selects children that report with something other than SIGCHLD; __WALL takes both.
  if ((options & WALL) === 0 && ((child.exitSignal !== SIGCHLD) !== ((options & WCLONE) !== 0))) return false;
  return child.isLeader;
}

function writeWaitInfo(t: Task, infop: number, signo: number, code: number, pid: number, uid: number, status: number): boolean {
  if (infop === 0) return true;
  const b = new Uint8Array(SIGINFO_SIZE);
  const dv = new DataView(b.buffer);
  dv.setInt32(0, signo, true);
  dv.setInt32(8, code, true);
  dv.setInt32(12, pid, true);
  dv.setUint32(16, uid, true);
  dv.setInt32(20, status, true);
  return t.mm.copyOut(infop, b);
}

function sysWaitid(k: Kernel, t: Task, which: number, id: number, infop: number, options: number, rusage: number): number {
  let opts = options >>> 0;
  if ((opts & ~(WNOHANG | WSTOPPED | WEXITED | WCONTINUED | WNOWAIT | WNOTHREAD | WALL | WCLONE)) !== 0) return -EINVAL;
  if ((opts & (WEXITED | WSTOPPED | WCONTINUED)) === 0) return -EINVAL;
  // P_PIDFD: the child a pidfd names; a non-blocking pidfd makes the wait WNOHANG, and then
  // "nothing yet" is EAGAIN rather than 0.
  let nonblockPidfd = false;
  if (which === P_PIDFD) {
    if (id < 0) return -EINVAL;
    const f = t.files?.get(id);
    const pid = f === undefined ? null : pidfdPid(f);
    if (f === undefined || pid === null) return -EBADF;
    id = pid.nrIn(t.pidNs);
    if (id === 0) return -ECHILD;
    which = P_PID;
    nonblockPidfd = (f.flags & O_NONBLOCK) !== 0 && (opts & WNOHANG) === 0;
    if (nonblockPidfd) opts |= WNOHANG;
  }
  if (which !== P_ALL && which !== P_PID && which !== P_PGID) return -EINVAL;
  if (which !== P_ALL && id <= 0 && !(which === P_PGID && id === 0)) return -EINVAL;
  const pgid = which === P_PGID && id === 0 ? t.group.pgrp.nrIn(t.pidNs) : id;
  const waiters = (opts & WNOTHREAD) ? [t] : [...t.group.threads];
  let any = false;
  for (const w of waiters) {
    for (const child of w.children) {
      if (!matches(k, t, child, which, which === P_PGID ? pgid : id, opts)) continue;
      any = true;
      const nr = child.pid.nrIn(t.pidNs);
      const g = child.group;
      if ((opts & WEXITED) && child.state === "zombie" && g.threads.size === 0) {
        const st = reportedStatus(child);
        const code = st.signal === undefined ? 1 : st.core ? 3 : 2;
        if (!writeWaitInfo(t, infop, SIGCHLD, code, nr, child.cred.uid, st.signal ?? st.code ?? 0)) return -EFAULT;
        // The child's rusage: its own threads' time plus that of the children it reaped.
        const cg = child.group;
        const ru = encodeRusage(k, cg.deadUtime + cg.childUtime, cg.deadStime + cg.childStime, Math.max(cg.maxRss, cg.childMaxRss));
        if (rusage !== 0 && !t.mm.copyOut(rusage, ru)) return -EFAULT;
        if (!(opts & WNOWAIT)) {
          // wait_task_zombie: the reaper's RUSAGE_CHILDREN gains them.
          const pg = t.group;
          pg.childUtime += cg.deadUtime + cg.childUtime;
          pg.childStime += cg.deadStime + cg.childStime;
          pg.childMaxRss = Math.max(pg.childMaxRss, cg.maxRss, cg.childMaxRss);
          releaseTask(k, child);
        }
        return 0;
      }
      if ((opts & WSTOPPED) && g.stopped && g.notifyStop && child.alive) {
        if (!writeWaitInfo(t, infop, SIGCHLD, CLD_STOPPED, nr, child.cred.uid, g.stopSignal)) return -EFAULT;
        if (!(opts & WNOWAIT)) g.notifyStop = false;
        return 0;
      }
      if ((opts & WCONTINUED) && g.notifyContinue && child.alive) {
        if (!writeWaitInfo(t, infop, SIGCHLD, CLD_CONTINUED, nr, child.cred.uid, 18)) return -EFAULT;
        if (!(opts & WNOWAIT)) g.notifyContinue = false;
        return 0;
      }
    }
  }
  if (!any) return -ECHILD;
  if (nonblockPidfd) return -EAGAIN;
  if (opts & WNOHANG) {
    // Nothing to report: Linux zeroes the siginfo.
    return writeWaitInfo(t, infop, 0, 0, 0, 0, 0) ? 0 : -EFAULT;
  }
  return k.sleep(t, t.group.childWait);
}

function sysUnshare(k: Kernel, t: Task, flags: number): number {
  const f = flags >>> 0;
  if ((f & ~(CLONE_NEWPID | CLONE_FILES | CLONE_FS)) !== 0) return -EINVAL;
  if (f & CLONE_NEWPID) {
    if (!t.cred.capable(CAP_SYS_ADMIN)) return -EPERM;
    // The caller stays where it is; its next child is the new namespace's init.
    if (t.pidNsForChildren === t.pidNs && t.nsproxy !== null) {
      const why = `unshare(CLONE_NEWPID) by pid ${t.id}`;
      const ns = k.newPidNamespace(t.pidNs, why);
      const nsp = new Nsproxy(k.kobj, ns, why);
      k.kobj.put(ns);
      k.kobj.put(t.nsproxy);
      t.nsproxy = nsp;
    }
  }
  return unshareTaskFiles(k, t, f & (CLONE_FILES | CLONE_FS));
}

function sysSetTidAddress(_k: Kernel, t: Task, addr: number): number {
  t.clearChildTid = addr >>> 0;
  return t.pid.nrIn(t.pidNs);
}

export const TASK_SYSCALLS: SyscallEntry[] = [
  { nr: 93, name: "exit", args: ["d"], level: "full", cr: "tasks (zombie until reaped)", fn: sysExit },
  { nr: 94, name: "exit_group", args: ["d"], level: "full", cr: "tasks (zombies until reaped)", fn: sysExitGroup },
  {
    nr: 95, name: "waitid", args: ["d", "d", "p", "x", "p"],
    level: "partial", cr: "-",
    note: "the rusage it fills has the CPU times and ru_maxrss only (getrusage's)",
    fn: sysWaitid,
  },
  { nr: 96, name: "set_tid_address", args: ["p"], level: "full", cr: "tasks (clearChildTid)", fn: sysSetTidAddress },
  {
    nr: 97, name: "unshare", args: ["x"],
    level: "partial", cr: "pidNamespaces, fdTables, fsContexts",
    note: "CLONE_NEWPID, CLONE_FILES and CLONE_FS only: every other flag gives EINVAL (the other namespaces; CLONE_SYSVSEM, CLONE_THREAD, CLONE_SIGHAND and CLONE_VM, which Linux accepts from a single-threaded caller)",
    fn: sysUnshare,
  },
  {
    nr: 220, name: "clone", args: ["x", "p", "p", "p", "p"],
    level: "partial", cr: "tasks, threadGroups, pids, mms, fdTables, fsContexts, sighands, pidNamespaces",
    note: "only pid namespaces exist: CLONE_NEWNS, NEWUTS, NEWIPC, NEWNET, NEWUSER and NEWCGROUP give EINVAL, as do CLONE_PTRACE and CLONE_PIDFD; CLONE_SYSVSEM and CLONE_IO are accepted and do nothing",
    fn: sysClone,
  },
  {
    nr: 221, name: "execve", args: ["s", "p", "p"],
    level: "partial", cr: "tasks, mms, sighands",
    note: "static ELF only (PT_INTERP: ENOEXEC), from tmpfs or the machine's built-in programs; no #! scripts, no set-user-ID; a non-leader thread gets EINVAL instead of taking over the thread group",
    fn: sysExecve,
  },
  {
    nr: 435, name: "clone3", args: ["p", "u"],
    level: "partial", cr: "tasks, threadGroups, pids, mms, fdTables, fsContexts, sighands, pidNamespaces",
    note: "as clone, and the cgroup field (CLONE_INTO_CGROUP) and pidfd are refused; set_tid works",
    fn: sysClone3,
  },
];

