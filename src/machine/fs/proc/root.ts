// The root of /proc: modules (the loaded modules, kernel/module.ts), self, thread-self, sys, and one directory per process visible in the
// reader's pid namespace (threads are found by tid too, but not listed, as in Linux).
// /proc/sys/kernel holds pid_max and ns_last_pid: ns_last_pid reads and writes the last pid
// allocated in the writer's own namespace (writing N makes the next fork there get N+1 if it is
// free), and writing needs CAP_SYS_ADMIN or CAP_CHECKPOINT_RESTORE.
import { PID_MAX_DEFAULT, RESERVED_PIDS, type PidNamespace } from "../../kernel/pid.ts";
import { UTSNAME } from "../../kernel/syscalls/sys-proc.ts";
import { CAP_LAST_CAP } from "../../kernel/cred.ts";
import type { Task } from "../../kernel/task.ts";
import { CAP_CHECKPOINT_RESTORE, CAP_SYS_ADMIN, S_IFDIR, S_IFLNK } from "../constants.ts";
import { EINVAL, ENOENT, EPERM } from "../errno.ts";
import { Dentry, SymlinkInode, type DirEntry, type FsCtx } from "../inode.ts";
import { PidDentry, pidDir } from "./pid-dir.ts";
import { showLoadavg, showMeminfo, showUptime } from "./sysinfo.ts";
import { PROC_ROOT_INO, ProcDir, ProcDirBase, ProcFnFile, type ProcEntry, type ProcFs } from "./proc-fs.ts";

/** pid_max's ceiling on a 32-bit kernel (PID_MAX_LIMIT). */
const PID_MAX_LIMIT = 32768;

/** /proc/self and /proc/thread-self: text links whose target depends on the reader. */
class SelfLink extends SymlinkInode {
  constructor(
    sb: ProcFs,
    ino: number,
    private readonly thread: boolean,
  ) {
    super(sb, ino, S_IFLNK | 0o777, sb.nowNs());
  }

  readlink(c: FsCtx): string | number {
    const ns = c.t.pidNs;
    const tgid = c.t.group.leader.pid.nrIn(ns);
    if (tgid === 0) return -ENOENT;
    return this.thread ? `${tgid}/task/${c.t.pid.nrIn(ns)}` : String(tgid);
  }

  open(): number {
    return 0;
  }
}

/** /proc/mounts: a plain link to self/mounts (proc_symlink at boot). */
class FixedLink extends SymlinkInode {
  constructor(
    sb: ProcFs,
    ino: number,
    private readonly target: string,
  ) {
    super(sb, ino, S_IFLNK | 0o777, sb.nowNs());
  }

  readlink(): string {
    return this.target;
  }

  open(): number {
    return 0;
  }
}

/**
 * proc_dointvec_minmax's parse of one integer: optional spaces, an optional sign, digits, then
 * nothing but whitespace. Returns null when that is not what was written.
 */
export function parseProcInt(data: Uint8Array): number | null {
  const m = /^\s*([-+]?\d+)\s*$/.exec(Buffer.from(data).toString("latin1"));
  if (m === null) return null;
  const v = Number(m[1]);
  return Number.isSafeInteger(v) ? v : null;
}

/** Every namespace in use: pid_max is one global value in Linux, kept per namespace here. */
function allNamespaces(c: FsCtx): Set<PidNamespace> {
  const out = new Set<PidNamespace>([c.k.initNs]);
  for (const t of c.k.tasks.values()) for (const ns of t.pidNs.chain()) out.add(ns);
  return out;
}

function sysKernelEntries(sb: ProcFs, inos: Record<string, number>): ProcEntry[] {
  const mayWrite = (t: Task): boolean => t.cred.capable(CAP_SYS_ADMIN) || t.cred.capable(CAP_CHECKPOINT_RESTORE);
  // Sorted by name, as proc_sys_readdir lists a sysctl table.
  return [
    { name: "cap_last_cap", make: () => new ProcFnFile(sb, inos.cap_last_cap, 0o444, () => `${CAP_LAST_CAP}\n`) },
    {
      name: "ns_last_pid",
      make: () => new ProcFnFile(sb, inos.ns_last_pid, 0o666, (c) => `${c.t.pidNs.lastPid}\n`, (c, data) => {
        const ns = c.t.pidNs;
        if (!mayWrite(c.t)) return -EPERM;
        const v = parseProcInt(data);
        if (v === null || v < 0 || v > ns.pidMax) return -EINVAL;
        ns.lastPid = v;
        return data.length;
      }),
    },
    { name: "osrelease", make: () => new ProcFnFile(sb, inos.osrelease, 0o444, () => `${UTSNAME.release}\n`) },
    {
      name: "pid_max",
      make: () => new ProcFnFile(sb, inos.pid_max, 0o644, (c) => `${c.t.pidNs.pidMax}\n`, (c, data) => {
        if (!c.t.cred.capable(CAP_SYS_ADMIN)) return -EPERM;
        const v = parseProcInt(data);
        if (v === null || v <= RESERVED_PIDS || v > Math.max(PID_MAX_LIMIT, PID_MAX_DEFAULT)) return -EINVAL;
        for (const ns of allNamespaces(c)) ns.pidMax = v;
        return data.length;
      }),
    },
  ];
}

export class ProcRoot extends ProcDirBase {
  private readonly fixed: ProcEntry[];

  constructor(private readonly psb: ProcFs) {
    super(psb, PROC_ROOT_INO, 0o555);
    const ino = (): number => psb.nextIno++;
    const inos = {
      self: ino(), threadSelf: ino(), sys: ino(), kernel: ino(), ns_last_pid: ino(), osrelease: ino(), pid_max: ino(), modules: ino(),
      loadavg: ino(), meminfo: ino(), uptime: ino(), cap_last_cap: ino(), mounts: ino(),
    };
    const kernel = sysKernelEntries(psb, inos);
    const sys: ProcEntry[] = [{ name: "kernel", make: () => new ProcDir(psb, inos.kernel, 0o555, () => kernel) }];
    // Sorted by name, as proc_readdir_de walks its rbtree.
    this.fixed = [
      { name: "loadavg", make: () => new ProcFnFile(psb, inos.loadavg, 0o444, (c) => showLoadavg(c.k, c.t)) },
      { name: "meminfo", make: () => new ProcFnFile(psb, inos.meminfo, 0o444, (c) => showMeminfo(c.k)) },
      { name: "modules", make: () => new ProcFnFile(psb, inos.modules, 0o444, (c) => c.k.modules.procModules()) },
      { name: "mounts", make: () => new FixedLink(psb, inos.mounts, "self/mounts") },
      { name: "self", make: () => new SelfLink(psb, inos.self, false) },
      { name: "sys", make: () => new ProcDir(psb, inos.sys, 0o555, () => sys) },
      { name: "thread-self", make: () => new SelfLink(psb, inos.threadSelf, true) },
      { name: "uptime", make: () => new ProcFnFile(psb, inos.uptime, 0o444, (c) => showUptime(c.k)) },
    ];
  }

  lookup(c: FsCtx, dir: Dentry, name: string): Dentry | null {
    const e = this.fixed.find((x) => x.name === name);
    if (e !== undefined) return new Dentry(name, dir, e.make(c));
    if (!/^[1-9][0-9]*$/.test(name)) return null;
    const pid = c.t.pidNs.pids.get(Number(name));
    if (pid === undefined || pid.task === null) return null;
    return new PidDentry(name, dir, pidDir(this.psb, pid, false), pid);
  }

  list(c: FsCtx): DirEntry[] {
    const out: DirEntry[] = this.fixed.map((e) => {
      const inode = e.make(c);
      return { name: e.name, ino: inode.ino, type: inode.type >>> 12 };
    });
    const ns = c.t.pidNs;
    const nrs = [...ns.pids.entries()]
      .filter(([, p]) => p.task !== null && p.task.isLeader)
      .map(([nr]) => nr)
      .sort((a, b) => a - b);
    for (const nr of nrs) {
      const pid = ns.pids.get(nr)!;
      out.push({ name: String(nr), ino: pidDir(this.psb, pid, false).ino, type: S_IFDIR >>> 12 });
    }
    return out;
  }
}
