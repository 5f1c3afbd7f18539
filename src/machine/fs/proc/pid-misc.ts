// /proc/<pid>/{oom_score_adj,oom_score,loginuid,sessionid} and /proc/<pid>/ns/: the per-process
// knobs of fs/proc/base.c and the namespace links of fs/proc/namespaces.c.
import { CAP_AUDIT_CONTROL, CAP_SYS_RESOURCE } from "../../kernel/cred.ts";
import type { Kernel } from "../../kernel/kernel.ts";
import type { Pid, PidNamespace } from "../../kernel/pid.ts";
import { AUDIT_UNSET, type Task } from "../../kernel/task.ts";
import { S_IFLNK } from "../constants.ts";
import { EACCES, EINVAL, ENOENT, EPERM } from "../errno.ts";
import { SymlinkInode, type FsCtx, type Path } from "../inode.ts";
import { mmCounters } from "./pid-status.ts";
import { cString, kstrtoint, kstrtouint, strstrip } from "./kstrtox.ts";
import { pidIno, ProcDir, type ProcEntry, type ProcFs } from "./proc-fs.ts";
import { PAGE_SIZE } from "../../mm/frame.ts";

const OOM_SCORE_ADJ_MIN = -1000;
const OOM_SCORE_ADJ_MAX = 1000;
/** PROC_NUMBUF - 1: oom_score_adj reads at most this much of a write (and reports that much). */
const OOM_WRITE_MAX = 12;

/**
 * oom_score_adj_write: a number in -1000..1000; going below the floor needs CAP_SYS_RESOURCE,
 * and a writer holding it sets the floor. Every process sharing the mm (CLONE_VM without
 * CLONE_THREAD, not a vfork child) gets the value too, as Linux keeps them in step.
 */
export function storeOomScoreAdj(c: FsCtx, t: Task, data: Uint8Array): number {
  const count = Math.min(data.length, OOM_WRITE_MAX);
  const r = kstrtoint(strstrip(cString(data.subarray(0, count))), 0);
  if (typeof r === "number") return r;
  if (r.v < OOM_SCORE_ADJ_MIN || r.v > OOM_SCORE_ADJ_MAX) return -EINVAL;
  const g = t.group;
  const privileged = c.t.cred.capable(CAP_SYS_RESOURCE);
  if (r.v < g.oomScoreAdjMin && !privileged) return -EACCES;
  const groups = new Set([g]);
  if (t.vforkParent === null && t.alive) {
    for (const o of c.k.tasks.values()) if (o.alive && o.mm === t.mm && o.vforkParent === null && o.kthread === null) groups.add(o.group);
  }
  for (const x of groups) {
    x.oomScoreAdj = r.v;
    if (privileged) x.oomScoreAdjMin = r.v;
  }
  return count;
}

/**
 * oom_badness: what the OOM killer weighs, in pages: resident pages plus page-table pages (one
 * per 4 MiB with a mapped page, as Sv32 needs), plus oom_score_adj thousandths of memory. null
 * for a task it never kills (a kernel thread, oom_score_adj -1000, no mm, inside vfork).
 */
function oomBadness(k: Kernel, t: Task, totalPages: number): number | null {
  if (t.kthread !== null || !t.alive || t.vforkParent !== null || t.group.oomScoreAdj === OOM_SCORE_ADJ_MIN) return null;
  const tables = new Set<number>();
  for (const v of t.mm.vmas) {
    for (let a = v.start; a < v.end; a += PAGE_SIZE) if (t.mm.pt.get(a / PAGE_SIZE) !== undefined) tables.add(Math.floor(a / (4 << 20)));
  }
  return mmCounters(t.mm).rss + tables.size + t.group.oomScoreAdj * Math.trunc(totalPages / 1000);
}

/** proc_oom_score: the badness scaled into 0..2000, then by 2/3 (the value Linux has long shown). */
export function showOomScore(k: Kernel, t: Task): string {
  const total = k.frames.limit;
  const b = oomBadness(k, t, total);
  const points = b === null ? 0 : Math.trunc(((1000 + Math.trunc((b * 1000) / total)) * 2) / 3);
  return `${points}\n`;
}

/**
 * proc_loginuid_write: only the task itself, in one write from offset 0; a decimal uid, or -1
 * to unset. Setting needs no privilege while unset; once set, changing needs CAP_AUDIT_CONTROL.
 * Each set starts a new audit session (sessionid); unsetting unsets it.
 */
export function storeLoginuid(c: FsCtx, t: Task, data: Uint8Array, pos: number): number {
  if (c.t.kthread !== null || c.t !== t) return -EPERM;
  if (pos !== 0) return -EINVAL;
  const r = kstrtouint(cString(data.subarray(0, 34)), 10);
  if (typeof r === "number") return r;
  if (t.loginuid !== AUDIT_UNSET && !t.cred.capable(CAP_AUDIT_CONTROL)) return -EPERM;
  let session = AUDIT_UNSET;
  if (r.v !== AUDIT_UNSET) {
    session = ++c.k.lastAuditSession >>> 0;
    if (session === AUDIT_UNSET) session = ++c.k.lastAuditSession >>> 0;
  }
  t.loginuid = r.v;
  t.sessionid = session;
  return data.length;
}

/** Proc inode numbers of the initial namespaces (include/linux/proc_ns.h) and the first two dynamic ones. */
export const INIT_INUM = { ipc: 0xefffffff, uts: 0xeffffffe, user: 0xeffffffd, pid: 0xeffffffc, cgroup: 0xeffffffb, time: 0xeffffffa, net: 0xf0000000, mnt: 0xf0000001 };

/** A pid namespace's inode number: the initial one's, or a dynamic one after net's and mnt's. */
export const pidNsInum = (ns: PidNamespace): number => (ns.level === 0 ? INIT_INUM.pid : 0xf0000001 + ns.id);

/** ns_entries[], in Linux's order: each link's name, the namespace kind its text says, and its inode number. */
interface NsKind { name: string; kind: string; inum: (t: Task) => number | null }

const NS_KINDS: readonly NsKind[] = ([
  { name: "net", kind: "net", inum: () => INIT_INUM.net },
  { name: "uts", kind: "uts", inum: () => INIT_INUM.uts },
  { name: "ipc", kind: "ipc", inum: () => INIT_INUM.ipc },
  { name: "pid", kind: "pid", inum: (t) => pidNsInum(t.pidNs) },
  { name: "pid_for_children", kind: "pid", inum: (t) => (t.nsproxy === null ? null : pidNsInum(t.pidNsForChildren)) },
  { name: "user", kind: "user", inum: () => INIT_INUM.user },
  { name: "mnt", kind: "mnt", inum: () => INIT_INUM.mnt },
  { name: "cgroup", kind: "cgroup", inum: () => INIT_INUM.cgroup },
  { name: "time", kind: "time", inum: () => INIT_INUM.time },
  { name: "time_for_children", kind: "time", inum: () => INIT_INUM.time },
] as NsKind[]).map((e) => ({ ...e, inum: (t: Task) => (t.alive ? e.inum(t) : null) }));

/** /proc/<pid>/ns/<name>: reads as "kind:[inum]", opens the namespace's nsfs file. */
class NsLink extends SymlinkInode {
  constructor(
    sb: ProcFs,
    ino: number,
    private readonly pid: Pid,
    private readonly e: NsKind,
  ) {
    super(sb, ino, S_IFLNK | 0o777, sb.nowNs());
  }

  private inum(): number | null {
    const t = this.pid.freed ? null : this.pid.task;
    return t === null ? null : this.e.inum(t);
  }

  readlink(): string | number {
    const n = this.inum();
    return n === null ? -ENOENT : `${this.e.kind}:[${n}]`;
  }

  override followMagic(c: FsCtx): Path | number {
    const n = this.inum();
    return n === null ? -ENOENT : c.k.vfs.nsfs.path(this.e.kind, n);
  }

  open(): number {
    return 0;
  }
}

/** /proc/<pid>/ns (slot: its pidIno slot; the links take the next ones). */
export function nsDir(sb: ProcFs, pid: Pid, globalId: number, slot: number, owner: <T extends { uid: number; gid: number }>(i: T) => T): ProcDir {
  const entries: ProcEntry[] = NS_KINDS.map((e, i) => ({ name: e.name, make: () => owner(new NsLink(sb, pidIno(globalId, slot + 1 + i), pid, e)) }));
  return owner(new ProcDir(sb, pidIno(globalId, slot), 0o511, () => entries));
}

