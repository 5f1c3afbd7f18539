// Process identity: pids as the caller's namespace sees them, process groups and sessions,
// credentials, prctl, uname, sched_yield.
import { CAP_SETGID, CAP_SETUID, type Cred, type CredChanges } from "../cred.ts";
import { EACCES, EFAULT, EINVAL, EPERM, ESRCH } from "../errno.ts";
import type { Kernel } from "../kernel.ts";
import type { Pid } from "../pid.ts";
import type { Task } from "../task.ts";
import { capPrctl, PR_CAP_AMBIENT, PR_CAPBSET_DROP, PR_CAPBSET_READ } from "./sys-capability.ts";
import type { SyscallEntry } from "./types.ts";

const UTS_FIELD = 65;

/** struct new_utsname: six 65-byte NUL-padded fields. */
export const UTSNAME = {
  sysname: "Linux",
  nodename: "cptbench",
  release: "6.1.0-cptbench",
  version: "#1 SMP PREEMPT cptbench",
  machine: "riscv32",
  domainname: "(none)",
};

function sysUname(_k: Kernel, t: Task, buf: number): number {
  const out = new Uint8Array(UTS_FIELD * 6);
  const enc = new TextEncoder();
  Object.values(UTSNAME).forEach((v, i) => out.set(enc.encode(v).subarray(0, UTS_FIELD - 1), i * UTS_FIELD));
  return t.mm.copyOut(buf, out) ? 0 : -EFAULT;
}

const vnr = (t: Task, p: Pid): number => p.nrIn(t.pidNs);

function sysGetppid(_k: Kernel, t: Task): number {
  // The parent of a namespace's init lives outside it: getppid() is 0 there.
  const parent = t.group.leader.parent;
  return parent === null ? 0 : vnr(t, parent.group.leader.pid);
}

/** The process (thread-group leader) with number nr in t's namespace; 0 means t itself. */
function findProcess(k: Kernel, t: Task, nr: number): Task | undefined {
  if (nr === 0) return t;
  return k.findTask(t.pidNs, nr);
}

function sysGetpgid(k: Kernel, t: Task, pid: number): number {
  const p = findProcess(k, t, pid);
  return p === undefined ? -ESRCH : vnr(t, p.group.pgrp);
}

function sysGetsid(k: Kernel, t: Task, pid: number): number {
  const p = findProcess(k, t, pid);
  return p === undefined ? -ESRCH : vnr(t, p.group.session);
}

function setGroupPid(k: Kernel, g: { pgrp: Pid; session: Pid }, which: "pgrp" | "session", p: Pid): void {
  const old = g[which];
  if (old === p) return;
  k.kobj.get(p);
  g[which] = p;
  k.kobj.put(old);
}

function sysSetpgid(k: Kernel, t: Task, pid: number, pgid: number): number {
  if (pgid < 0) return -EINVAL;
  const target = findProcess(k, t, pid);
  if (target === undefined) return -ESRCH;
  const leader = target.group.leader;
  const isSelf = target.group === t.group;
  if (!isSelf) {
    // Only the caller or one of its children, in its session, before the child exec'd.
    if (leader.parent?.group !== t.group) return -ESRCH;
    if (leader.group.session !== t.group.session) return -EPERM;
    if (leader.group.didExec) return -EACCES;
  }
  const g = leader.group;
  if (g.session.task?.group === g) return -EPERM; // a session leader cannot move
  const want = pgid === 0 ? vnr(t, leader.pid) : pgid;
  let pg: Pid | undefined;
  if (want === vnr(t, leader.pid)) pg = leader.pid;
  else {
    // Joining an existing group: it must exist in the same session.
    pg = t.pidNs.pids.get(want);
    const member = [...k.tasks.values()].find((x) => x.alive && x.group.pgrp === pg);
    if (pg === undefined || member === undefined || member.group.session !== g.session) return -EPERM;
  }
  setGroupPid(k, g, "pgrp", pg);
  return 0;
}

function sysSetsid(k: Kernel, t: Task): number {
  const g = t.group;
  const me = g.leader.pid;
  // A process group leader (or a pid already used as a group id) cannot start a session.
  if (g.pgrp === me || [...k.tasks.values()].some((x) => x.group.pgrp === me)) return -EPERM;
  setGroupPid(k, g, "session", me);
  setGroupPid(k, g, "pgrp", me);
  g.tty = null; // proc_clear_tty: a new session starts without a controlling terminal
  return vnr(t, me);
}

// prctl (kernel/sys.c): the options a task can ask about itself.
const PR_SET_PDEATHSIG = 1;
const PR_GET_PDEATHSIG = 2;
const PR_GET_DUMPABLE = 3;
const PR_SET_DUMPABLE = 4;
const PR_GET_KEEPCAPS = 7;
const PR_SET_KEEPCAPS = 8;
const PR_SET_NAME = 15;
const PR_GET_NAME = 16;
const PR_SET_CHILD_SUBREAPER = 36;
const PR_GET_CHILD_SUBREAPER = 37;
const PR_SET_NO_NEW_PRIVS = 38;
const PR_GET_NO_NEW_PRIVS = 39;
const PR_GET_TID_ADDRESS = 40;

function sysPrctl(k: Kernel, t: Task, option: number, arg2: number, arg3: number, arg4: number, arg5: number): number {
  const a2 = arg2 >>> 0;
  switch (option) {
    case PR_SET_PDEATHSIG:
      if (a2 > 64) return -EINVAL;
      t.pdeathSignal = a2;
      return 0;
    case PR_GET_PDEATHSIG:
      return t.mm.writeU32(arg2, t.pdeathSignal) ? 0 : -EFAULT;
    case PR_GET_DUMPABLE:
      return t.group.dumpable;
    case PR_SET_DUMPABLE:
      // SUID_DUMP_ROOT (2) may only come from the suid_dumpable sysctl, not from prctl.
      if (a2 !== 0 && a2 !== 1) return -EINVAL;
      t.group.dumpable = a2;
      return 0;
    case PR_GET_KEEPCAPS:
      return t.keepCaps ? 1 : 0;
    case PR_SET_KEEPCAPS:
      if (a2 > 1) return -EINVAL;
      t.keepCaps = a2 === 1;
      return 0;
    case PR_SET_NAME: {
      const b = t.mm.copyIn(arg2, 16);
      if (b === null) return -EFAULT;
      const end = b.indexOf(0);
      // The comm is bytes: kept as latin1 text, as /proc/<pid>/comm writes it.
      t.comm = Buffer.from(b.subarray(0, end < 0 || end > 15 ? 15 : end)).toString("latin1");
      return 0;
    }
    case PR_GET_NAME: {
      const out = new Uint8Array(16);
      out.set(Buffer.from(t.comm, "latin1").subarray(0, 15));
      return t.mm.copyOut(arg2, out) ? 0 : -EFAULT;
    }
    case PR_CAPBSET_READ:
    case PR_CAPBSET_DROP:
    case PR_CAP_AMBIENT:
      return capPrctl(k, t, option, arg2, arg3, arg4, arg5);
    case PR_SET_CHILD_SUBREAPER:
      t.group.isChildSubreaper = a2 !== 0;
      return 0;
    case PR_GET_CHILD_SUBREAPER:
      return t.mm.writeU32(arg2, t.group.isChildSubreaper ? 1 : 0) ? 0 : -EFAULT;
    case PR_SET_NO_NEW_PRIVS:
      if (a2 !== 1 || arg3 !== 0 || arg4 !== 0 || arg5 !== 0) return -EINVAL;
      t.noNewPrivs = true;
      return 0;
    case PR_GET_NO_NEW_PRIVS:
      if (arg2 !== 0 || arg3 !== 0 || arg4 !== 0 || arg5 !== 0) return -EINVAL;
      return t.noNewPrivs ? 1 : 0;
    case PR_GET_TID_ADDRESS:
      return t.mm.writeU32(arg2, t.clearChildTid) ? 0 : -EFAULT;
    default:
      return -EINVAL;
  }
}

// Credentials. -1 (0xffffffff) means "leave unchanged" in the set*id calls.
const KEEP = 0xffffffff;

function setIds(t: Task, c: CredChanges, fsOnly = false): number {
  const old = t.cred;
  const next = fsOnly ? old.copy(c, `setfs*id by pid ${t.id}`) : old.with(c, `set*id by pid ${t.id}`, t.keepCaps);
  return commitIds(t, old, next);
}

function commitIds(t: Task, old: Cred, next: Cred): number {
  // commit_creds: new effective or fs ids make the process undumpable (suid_dumpable 0) and
  // clear the parent-death signal.
  if (next.euid !== old.euid || next.egid !== old.egid || next.fsuid !== old.fsuid || next.fsgid !== old.fsgid) {
    t.group.dumpable = 0;
    t.pdeathSignal = 0;
  }
  t.setCred(next);
  next.kobjRegistry.put(next); // the task holds it now
  return 0;
}

function sysSetuid(_k: Kernel, t: Task, uid: number): number {
  const u = uid >>> 0;
  const c = t.cred;
  if (c.capable(CAP_SETUID)) return setIds(t, { uid: u, euid: u, suid: u, fsuid: u });
  if (u === c.uid || u === c.suid) return setIds(t, { euid: u, fsuid: u });
  return -EPERM;
}

function sysSetgid(_k: Kernel, t: Task, gid: number): number {
  const g = gid >>> 0;
  const c = t.cred;
  if (c.capable(CAP_SETGID)) return setIds(t, { gid: g, egid: g, sgid: g, fsgid: g });
  if (g === c.gid || g === c.sgid) return setIds(t, { egid: g, fsgid: g });
  return -EPERM;
}

function sysSetresuid(_k: Kernel, t: Task, r: number, e: number, s: number): number {
  const c = t.cred;
  const ids = [r >>> 0, e >>> 0, s >>> 0];
  if (!c.capable(CAP_SETUID) && ids.some((id) => id !== KEEP && id !== c.uid && id !== c.euid && id !== c.suid)) return -EPERM;
  // Linux 6.6 on: nothing to change (fsuid included) means no new cred at all.
  if ((ids[0] === KEEP || ids[0] === c.uid) && (ids[1] === KEEP || (ids[1] === c.euid && ids[1] === c.fsuid)) && (ids[2] === KEEP || ids[2] === c.suid)) return 0;
  const [nr, ne, ns] = ids.map((id, i) => (id === KEEP ? [c.uid, c.euid, c.suid][i] : id));
  return setIds(t, { uid: nr, euid: ne, suid: ns, fsuid: ne });
}

function sysSetresgid(_k: Kernel, t: Task, r: number, e: number, s: number): number {
  const c = t.cred;
  const ids = [r >>> 0, e >>> 0, s >>> 0];
  if (!c.capable(CAP_SETGID) && ids.some((id) => id !== KEEP && id !== c.gid && id !== c.egid && id !== c.sgid)) return -EPERM;
  if ((ids[0] === KEEP || ids[0] === c.gid) && (ids[1] === KEEP || (ids[1] === c.egid && ids[1] === c.fsgid)) && (ids[2] === KEEP || ids[2] === c.sgid)) return 0;
  const [nr, ne, ns] = ids.map((id, i) => (id === KEEP ? [c.gid, c.egid, c.sgid][i] : id));
  return setIds(t, { gid: nr, egid: ne, sgid: ns, fsgid: ne });
}

function sysSetreuid(_k: Kernel, t: Task, r: number, e: number): number {
  const c = t.cred;
  const nr = r >>> 0;
  const ne = e >>> 0;
  // Linux: the saved uid becomes the new euid when the real uid is set or euid != old ruid.
  const newE = ne === KEEP ? c.euid : ne;
  const s = nr !== KEEP || (ne !== KEEP && ne !== c.uid) ? newE : KEEP;
  if (!c.capable(CAP_SETUID)) {
    if (nr !== KEEP && nr !== c.uid && nr !== c.euid) return -EPERM;
    if (ne !== KEEP && ne !== c.uid && ne !== c.euid && ne !== c.suid) return -EPERM;
  }
  return setIds(t, { uid: nr === KEEP ? c.uid : nr, euid: newE, suid: s === KEEP ? c.suid : s, fsuid: newE });
}

function sysSetregid(_k: Kernel, t: Task, r: number, e: number): number {
  const c = t.cred;
  const nr = r >>> 0;
  const ne = e >>> 0;
  const newE = ne === KEEP ? c.egid : ne;
  const s = nr !== KEEP || (ne !== KEEP && ne !== c.gid) ? newE : KEEP;
  if (!c.capable(CAP_SETGID)) {
    if (nr !== KEEP && nr !== c.gid && nr !== c.egid) return -EPERM;
    if (ne !== KEEP && ne !== c.gid && ne !== c.egid && ne !== c.sgid) return -EPERM;
  }
  return setIds(t, { gid: nr === KEEP ? c.gid : nr, egid: newE, sgid: s === KEEP ? c.sgid : s, fsgid: newE });
}

/**
 * setfsuid: the old fsuid, whether or not it changed (a bad id or a refusal is silent, so
 * setfsuid(-1) is how a program reads its fsuid). Any of the caller's uids, or anything with
 * CAP_SETUID; the fs capabilities follow fsuid leaving or reaching 0.
 */
function sysSetfsuid(_k: Kernel, t: Task, uid: number): number {
  const c = t.cred;
  const u = uid >>> 0;
  if (u === KEEP) return c.fsuid;
  if ((u === c.uid || u === c.euid || u === c.suid || u === c.fsuid || c.capable(CAP_SETUID)) && u !== c.fsuid) {
    commitIds(t, c, c.withFsuid(u, `setfsuid by pid ${t.id}`));
  }
  return c.fsuid;
}

/** setfsgid: as setfsuid, with the gids and CAP_SETGID; no capability follows the fsgid. */
function sysSetfsgid(_k: Kernel, t: Task, gid: number): number {
  const c = t.cred;
  const g = gid >>> 0;
  if (g === KEEP) return c.fsgid;
  if ((g === c.gid || g === c.egid || g === c.sgid || g === c.fsgid || c.capable(CAP_SETGID)) && g !== c.fsgid) {
    setIds(t, { fsgid: g }, true);
  }
  return c.fsgid;
}

function getres(t: Task, ids: number[], ptrs: number[]): number {
  for (let i = 0; i < 3; i++) if (!t.mm.writeU32(ptrs[i], ids[i])) return -EFAULT;
  return 0;
}

export const PROC_SYSCALLS: SyscallEntry[] = [
  { nr: 124, name: "sched_yield", args: [], level: "full", cr: "-", fn: (k, t) => { k.yieldCpu(t); return 0; } },
  { nr: 143, name: "setregid", args: ["d", "d"], level: "full", cr: "creds", fn: sysSetregid },
  { nr: 144, name: "setgid", args: ["d"], level: "full", cr: "creds", fn: sysSetgid },
  { nr: 145, name: "setreuid", args: ["d", "d"], level: "full", cr: "creds", fn: sysSetreuid },
  { nr: 146, name: "setuid", args: ["d"], level: "full", cr: "creds", fn: sysSetuid },
  { nr: 147, name: "setresuid", args: ["d", "d", "d"], level: "full", cr: "creds", fn: sysSetresuid },
  {
    nr: 148, name: "getresuid", args: ["p", "p", "p"],
    level: "full", cr: "-",
    fn: (_k, t, a, b, c) => getres(t, [t.cred.uid, t.cred.euid, t.cred.suid], [a, b, c]),
  },
  { nr: 149, name: "setresgid", args: ["d", "d", "d"], level: "full", cr: "creds", fn: sysSetresgid },
  {
    nr: 150, name: "getresgid", args: ["p", "p", "p"],
    level: "full", cr: "-",
    fn: (_k, t, a, b, c) => getres(t, [t.cred.gid, t.cred.egid, t.cred.sgid], [a, b, c]),
  },
  { nr: 151, name: "setfsuid", args: ["d"], level: "full", cr: "creds", fn: sysSetfsuid },
  { nr: 152, name: "setfsgid", args: ["d"], level: "full", cr: "creds", fn: sysSetfsgid },
  { nr: 154, name: "setpgid", args: ["d", "d"], level: "full", cr: "threadGroups (pgrp), pids", fn: sysSetpgid },
  { nr: 155, name: "getpgid", args: ["d"], level: "full", cr: "-", fn: sysGetpgid },
  { nr: 156, name: "getsid", args: ["d"], level: "full", cr: "-", fn: sysGetsid },
  { nr: 157, name: "setsid", args: [], level: "full", cr: "threadGroups (session, pgrp), pids", fn: sysSetsid },
  { nr: 160, name: "uname", args: ["p"], level: "full", cr: "-", fn: sysUname },
  {
    nr: 167, name: "prctl", args: ["d", "x", "x", "x", "x"],
    level: "partial", cr: "creds (capBset, capAmbient), tasks (comm, pdeathSignal, atomicFlags for no_new_privs, securebits for keepcaps), threadGroups (isChildSubreaper, dumpable)",
    note: "PR_SET/GET_PDEATHSIG, DUMPABLE, KEEPCAPS, NAME, CHILD_SUBREAPER, NO_NEW_PRIVS, PR_CAPBSET_READ/DROP, PR_CAP_AMBIENT and PR_GET_TID_ADDRESS only; every other option gives EINVAL",
    fn: sysPrctl,
  },
  { nr: 172, name: "getpid", args: [], level: "full", cr: "-", fn: (_k, t) => vnr(t, t.group.leader.pid) },
  { nr: 173, name: "getppid", args: [], level: "full", cr: "-", fn: sysGetppid },
  { nr: 174, name: "getuid", args: [], level: "full", cr: "-", fn: (_k, t) => t.cred.uid },
  { nr: 175, name: "geteuid", args: [], level: "full", cr: "-", fn: (_k, t) => t.cred.euid },
  { nr: 176, name: "getgid", args: [], level: "full", cr: "-", fn: (_k, t) => t.cred.gid },
  { nr: 177, name: "getegid", args: [], level: "full", cr: "-", fn: (_k, t) => t.cred.egid },
  { nr: 178, name: "gettid", args: [], level: "full", cr: "-", fn: (_k, t) => vnr(t, t.pid) },
];

