// Limits and accounting (kernel/sys.c, kernel/groups.c, kernel/sched/core.c, drivers/char/random.c):
// prlimit64, getgroups/setgroups, getrusage, sysinfo, sched_getaffinity/sched_setaffinity and
// getrandom. Times are the machine's virtual CPU time; memory is the machine's frames.
import { CAP_SETGID, CAP_SYS_RESOURCE, NGROUPS_MAX } from "../cred.ts";
import { EFAULT, EINVAL, EPERM, ESRCH } from "../errno.ts";
import type { Kernel } from "../kernel.ts";
import { Prng } from "../prng.ts";
import { NR_OPEN, RLIM_NLIMITS, RLIMIT_NOFILE, rlimit, setRlimit } from "../rlimit.ts";
import type { Task, ThreadGroup } from "../task.ts";
import type { SyscallEntry } from "./types.ts";

/** CAP_SYS_NICE: change another user's task's affinity. */
const CAP_SYS_NICE = 23;

/** A task by its number in t's namespace; 0 is t itself. */
function findTask(k: Kernel, t: Task, pid: number): Task | undefined {
  return pid === 0 ? t : k.findTask(t.pidNs, pid);
}

/** check_prlimit_permission: the caller's real ids match all of the target's, or CAP_SYS_RESOURCE. */
function mayPrlimit(t: Task, target: Task): boolean {
  if (target.group === t.group) return true;
  const c = t.cred;
  const tc = target.cred;
  if (c.uid === tc.euid && c.uid === tc.suid && c.uid === tc.uid && c.gid === tc.egid && c.gid === tc.sgid && c.gid === tc.gid) return true;
  return c.capable(CAP_SYS_RESOURCE);
}

function sysPrlimit64(k: Kernel, t: Task, pid: number, resource: number, newp: number, oldp: number): number {
  const res = resource >>> 0;
  if (res >= RLIM_NLIMITS) return -EINVAL;
  let next: { cur: bigint; max: bigint } | null = null;
  if (newp !== 0) {
    const b = t.mm.copyIn(newp, 16);
    if (b === null) return -EFAULT;
    const dv = new DataView(b.buffer);
    next = { cur: dv.getBigUint64(0, true), max: dv.getBigUint64(8, true) };
    if (next.cur > next.max) return -EINVAL;
  }
  const target = findTask(k, t, pid);
  if (target === undefined || !target.alive) return -ESRCH;
  if (!mayPrlimit(t, target)) return -EPERM;
  const g = target.group;
  const old = rlimit(k, g, res);
  if (next !== null) {
    if (res === RLIMIT_NOFILE && next.max > NR_OPEN) return -EPERM;
    if (next.max > old.max && !t.cred.capable(CAP_SYS_RESOURCE)) return -EPERM;
  }
  if (oldp !== 0) {
    const b = new Uint8Array(16);
    const dv = new DataView(b.buffer);
    dv.setBigUint64(0, old.cur, true);
    dv.setBigUint64(8, old.max, true);
    if (!t.mm.copyOut(oldp, b)) return -EFAULT;
  }
  if (next !== null) setRlimit(k, g, res, next);
  return 0;
}

function sysGetgroups(_k: Kernel, t: Task, size: number, list: number): number {
  if (size < 0) return -EINVAL;
  const groups = t.cred.groups;
  if (size === 0) return groups.length;
  if (groups.length > size) return -EINVAL;
  const b = new Uint8Array(groups.length * 4);
  const dv = new DataView(b.buffer);
  groups.forEach((g, i) => dv.setUint32(i * 4, g, true));
  return groups.length === 0 || t.mm.copyOut(list, b) ? groups.length : -EFAULT;
}

function sysSetgroups(_k: Kernel, t: Task, size: number, list: number): number {
  if (!t.cred.capable(CAP_SETGID)) return -EPERM;
  if (size >>> 0 > NGROUPS_MAX) return -EINVAL;
  const groups: number[] = [];
  if (size > 0) {
    const b = t.mm.copyIn(list, size * 4);
    if (b === null) return -EFAULT;
    const dv = new DataView(b.buffer);
    for (let i = 0; i < size; i++) groups.push(dv.getUint32(i * 4, true));
  }
  // groups_sort: getgroups returns them in ascending order.
  groups.sort((a, b) => a - b);
  const next = t.cred.withGroups(groups, `setgroups by pid ${t.id}`);
  t.setCred(next);
  next.kobjRegistry.put(next);
  return 0;
}

const RUSAGE_SELF = 0;
const RUSAGE_CHILDREN = -1;
const RUSAGE_THREAD = 1;

/** Peak resident set in KiB: the live mm now, or what the group recorded as its threads exited. */
export function maxRssKb(g: ThreadGroup): number {
  let pages = 0;
  for (const th of g.threads) pages = Math.max(pages, th.mm.residentPages());
  return Math.max(g.maxRss, pages * 4);
}

/**
 * struct rusage on riscv32 (the kernel's, with 32-bit longs): ru_utime and ru_stime as
 * {tv_sec, tv_usec}, then 14 longs from ru_maxrss on. Only the times and ru_maxrss are kept.
 */
export function encodeRusage(k: Kernel, utime: number, stime: number, maxrss: number): Uint8Array {
  const b = new Uint8Array(72);
  const dv = new DataView(b.buffer);
  const tv = (off: number, cycles: number): void => {
    const ns = k.cyclesToNs(cycles);
    dv.setInt32(off, Math.floor(ns / 1e9), true);
    dv.setInt32(off + 4, Math.floor((ns % 1e9) / 1000), true);
  };
  tv(0, utime);
  tv(8, stime);
  dv.setInt32(16, maxrss, true);
  return b;
}

function sysGetrusage(k: Kernel, t: Task, who: number, ru: number): number {
  const g = t.group;
  let utime: number, stime: number, maxrss: number;
  if (who === RUSAGE_SELF) {
    utime = g.deadUtime;
    stime = g.deadStime;
    for (const th of g.threads) {
      utime += th.hart.instret;
      stime += th.cpuCycles;
    }
    maxrss = maxRssKb(g);
  } else if (who === RUSAGE_CHILDREN) {
    [utime, stime, maxrss] = [g.childUtime, g.childStime, g.childMaxRss];
  } else if (who === RUSAGE_THREAD) {
    [utime, stime, maxrss] = [t.hart.instret, t.cpuCycles, maxRssKb(g)];
  } else return -EINVAL;
  return t.mm.copyOut(ru, encodeRusage(k, utime, stime, maxrss)) ? 0 : -EFAULT;
}

/**
 * struct sysinfo on riscv32 (64 bytes): uptime, loads[3], totalram, freeram, sharedram,
 * bufferram, totalswap, freeswap (longs), procs and pad (u16), totalhigh, freehigh, mem_unit.
 */
function sysSysinfo(k: Kernel, t: Task, info: number): number {
  const b = new Uint8Array(64);
  const dv = new DataView(b.buffer);
  const up = k.monotonicNs();
  dv.setInt32(0, Math.floor(up / 1e9) + (up % 1e9 !== 0 ? 1 : 0), true);
  // do_sysinfo: in bytes (mem_unit 1) when the total fits in a long, else in pages.
  const total = k.frames.limit;
  const free = Math.max(0, total - k.frames.inUse);
  const bytes = total * 4096 <= 0xffffffff;
  const unit = bytes ? 4096 : 1;
  dv.setUint32(16, total * unit, true);
  dv.setUint32(20, free * unit, true);
  dv.setUint16(40, Math.min(0xffff, k.tasks.size), true);
  dv.setUint32(52, bytes ? 1 : 4096, true);
  return t.mm.copyOut(info, b) ? 0 : -EFAULT;
}

/** cpumask_size() with NR_CPUS 32: one long. */
const CPUMASK_SIZE = 4;

const onlineMask = (k: Kernel): number => (k.sched.cpus.length >= 32 ? -1 : (1 << k.sched.cpus.length) - 1);

function sysSchedGetaffinity(k: Kernel, t: Task, pid: number, len: number, ptr: number): number {
  const n = len >>> 0;
  if (n * 8 < k.sched.cpus.length || (n & (CPUMASK_SIZE - 1)) !== 0) return -EINVAL;
  const target = findTask(k, t, pid);
  if (target === undefined || !target.alive) return -ESRCH;
  return t.mm.writeU32(ptr, (target.cpusAllowed & onlineMask(k)) >>> 0) ? CPUMASK_SIZE : -EFAULT;
}

function sysSchedSetaffinity(k: Kernel, t: Task, pid: number, len: number, ptr: number): number {
  const b = new Uint8Array(CPUMASK_SIZE);
  const n = Math.min(len >>> 0, CPUMASK_SIZE);
  const src = n === 0 ? new Uint8Array(0) : t.mm.copyIn(ptr, n);
  if (src === null) return -EFAULT;
  b.set(src);
  const target = findTask(k, t, pid);
  if (target === undefined || !target.alive) return -ESRCH;
  if (target.group !== t.group && t.cred.euid !== target.cred.uid && t.cred.euid !== target.cred.euid && !t.cred.capable(CAP_SYS_NICE)) return -EPERM;
  const mask = new DataView(b.buffer).getUint32(0, true) & onlineMask(k);
  if (mask === 0) return -EINVAL;
  k.sched.setAffinity(target, mask === onlineMask(k) ? -1 : mask);
  return 0;
}

const GRND_NONBLOCK = 1;
const GRND_RANDOM = 2;
const GRND_INSECURE = 4;
const INT_MAX = 0x7fffffff;

/**
 * getrandom: bytes from a generator of its own, seeded once from the machine's PRNG, so a
 * program's random bytes follow from the seed without shifting the scheduler's choices at every
 * call. The pool is always "initialized": GRND_NONBLOCK never sees EAGAIN.
 */
function sysGetrandom(k: Kernel, t: Task, buf: number, count: number, flags: number): number {
  const f = flags >>> 0;
  if ((f & ~(GRND_NONBLOCK | GRND_RANDOM | GRND_INSECURE)) !== 0) return -EINVAL;
  if ((f & (GRND_INSECURE | GRND_RANDOM)) === (GRND_INSECURE | GRND_RANDOM)) return -EINVAL;
  const n = Math.min(count >>> 0, INT_MAX);
  k.entropy ??= new Prng(k.prng.nextU32());
  let done = 0;
  while (done < n) {
    const chunk = new Uint8Array(Math.min(n - done, 4096));
    k.entropy.fill(chunk);
    if (!t.mm.copyOut(buf + done, chunk)) return done > 0 ? done : -EFAULT;
    done += chunk.length;
  }
  return done;
}

export const RESOURCE_SYSCALLS: SyscallEntry[] = [
  {
    nr: 122, name: "sched_setaffinity", args: ["d", "u", "p"],
    level: "partial", cr: "tasks (cpusAllowed; a restart keeps the CPUs of the mask the machine has and refuses a mask naming none of them)",
    note: "masks of the machine's virtual CPUs (NR_CPUS 32); a task off its allowed CPUs moves at its next reschedule",
    fn: sysSchedSetaffinity,
  },
  { nr: 123, name: "sched_getaffinity", args: ["d", "u", "p"], level: "full", cr: "-", fn: sysSchedGetaffinity },
  { nr: 158, name: "getgroups", args: ["d", "p"], level: "full", cr: "-", fn: sysGetgroups },
  { nr: 159, name: "setgroups", args: ["d", "p"], level: "full", cr: "creds (groups)", fn: sysSetgroups },
  {
    nr: 165, name: "getrusage", args: ["d", "p"],
    level: "partial", cr: "-",
    note: "CPU times and ru_maxrss (the resident set now or at exit, not a high-water mark); page faults, context switches and I/O counts are 0",
    fn: sysGetrusage,
  },
  {
    nr: 179, name: "sysinfo", args: ["p"],
    level: "partial", cr: "-",
    note: "uptime, total and free memory, procs; load averages, shared and buffer memory are 0 (there is no swap)",
    fn: sysSysinfo,
  },
  {
    nr: 261, name: "prlimit64", args: ["d", "d", "p", "p"],
    level: "partial", cr: "threadGroups (rlimits)",
    note: "every limit is kept and reported; enforced: NOFILE, NPROC, CORE, AS (mmap), STACK (stack growth, and the mmap layout at exec for a finite limit), CPU (SIGXCPU each second from the soft limit on, SIGKILL at the hard one), NICE and RTPRIO (setpriority, sched_setscheduler); not enforced: FSIZE, DATA, MEMLOCK, LOCKS, SIGPENDING, MSGQUEUE, RTTIME",
    fn: sysPrlimit64,
  },
  {
    nr: 278, name: "getrandom", args: ["p", "u", "x"],
    level: "full", cr: "-",
    note: "deterministic: the bytes follow from the machine's seed",
    fn: sysGetrandom,
  },
];

