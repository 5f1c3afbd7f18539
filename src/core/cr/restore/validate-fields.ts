// Every number of a decoded model against the limits the kernel itself enforces (issue 17 item 3).
// validate.ts checks that the records fit together; this file checks each field on its own: a
// pid must be one alloc_pid could hand out, a signal one kill() accepts, an address one the rv32
// user address space has, a size one the machine's memory could hold. An image is untrusted
// input: a value no kernel could have produced (ns_last_pid = -1, an exit signal of 0x8000011, a
// VMA of 2^40 bytes) is refused here, before anything is made from it, with the field's name.
import { CAP_FULL_SET, NGROUPS_MAX } from "../../../machine/kernel/cred.ts";
import { NR_OPEN, RLIM_INFINITY, RLIM_NLIMITS, RLIMIT_NOFILE } from "../../../machine/kernel/rlimit.ts";
import { PID_MAX_DEFAULT } from "../../../machine/kernel/pid.ts";
import { NSIG, UNBLOCKABLE } from "../../../machine/kernel/signal-defs.ts";
import { MAX_LFS_FILESIZE, NR_OPEN_DEFAULT_LIMIT } from "../../../machine/fs/constants.ts";
import { MAX_MAP_COUNT, TASK_SIZE } from "../../../machine/mm/layout.ts";
import { F_ALL_SEALS, MFD_NAME_MAX_LEN } from "../../../machine/fs/memfd.ts";
import { IN_ALL_EVENTS, IN_Q_OVERFLOW } from "../../../machine/fs/notify/fsnotify.ts";
import { ALL_INOTIFY_BITS, IN_EXCL_UNLINK, IN_ONESHOT, MAX_QUEUED_EVENTS, MAX_USER_WATCHES } from "../../../machine/fs/notify/inotify.ts";
import { CrError, EINVAL } from "../errors.ts";
import type { CheckpointModel, ExitStatusRecord, PageRecord, SigInfoRecord, SigPendingRecord } from "../model.ts";

const PAGE = 4096;
/** MAX_PID_NS_LEVEL: namespaces nest at most 32 deep, so a pid has at most 33 numbers. */
const MAX_PID_NS_LEVEL = 32;
/** CSIGNAL: clone() takes the exit signal from the low byte of its flags. */
const CSIGNAL = 0xff;
/** /proc/sys/fs/pipe-max-size's default: the most a pipe can hold after F_SETPIPE_SZ. */
const PIPE_MAX_SIZE = 1 << 20;
/** Records of one kind beyond this are no container this kernel could run (a 1 GiB machine). */
export const MAX_RECORDS = 1 << 20;
/** (uid_t)-1 is "no id" (uid_valid() is false): ids are 0 .. 2^32 - 2. */
const ID_MAX = 0xfffffffe;
const U32 = 0xffffffff;
const NAME_MAX = 255;
const SIGSET_MAX = (1n << 64n) - 1n;

/** The limits of the machine a restart runs on. */
export interface KernelLimits {
  /** pid_max of the namespaces the restart creates. */
  readonly pidMax: number;
  /** The machine's memory in bytes (frames × 4 KiB). */
  readonly memoryBytes: number;
  /** RLIMIT_NOFILE: the highest fd number plus one. */
  readonly fdLimit: number;
  /** The machine's CPU count, when known: an affinity mask must name one of them. */
  readonly cpus?: number;
}

/** A 1 GiB machine's limits, for callers without a kernel at hand (tests, the inspector). */
export const DEFAULT_LIMITS: KernelLimits = { pidMax: PID_MAX_DEFAULT, memoryBytes: 1 << 30, fdLimit: NR_OPEN_DEFAULT_LIMIT };

function bad(field: string, value: unknown, why: string): never {
  const v = typeof value === "bigint" ? `0x${value.toString(16)}` : typeof value === "string" ? JSON.stringify(value) : String(value);
  throw new CrError(EINVAL, `bad image: ${field} = ${v}: ${why}`);
}

const isInt = (v: unknown): v is number => typeof v === "number" && Number.isSafeInteger(v);

// A restart of 10,000 tasks checks a few million fields: the checks below build the message (and
// the default reason) only once a field has failed. The fields of the records there are many of
// (tasks, thread groups, mms) go through Rec, which joins the record's name and the field's only
// then too (made before each check, the names were 24 MiB of a 10,000-task restart's 370); loops
// over arrays guard each element with inRange/isSigset first, so that a valid image allocates no
// string per element.

/** Whether v is an integer in [min, max]. */
const inRange = (v: unknown, min: number, max: number): boolean => isInt(v) && v >= min && v <= max;

const isSigset = (v: unknown): boolean => typeof v === "bigint" && v >= 0n && v <= SIGSET_MAX;

function int(field: string, v: unknown, min: number, max: number, why?: string): void {
  if (!inRange(v, min, max)) bad(field, v, why ?? `not an integer in [${min}, ${max}]`);
}

function sigset(field: string, v: unknown): void {
  if (!isSigset(v)) bad(field, v, "not a 64-bit signal set");
}

function count(field: string, list: unknown[], max: number): void {
  if (list.length > max) bad(`${field} count`, list.length, `more than ${max}`);
}

function signo(field: string, v: unknown, allowZero: boolean): void {
  int(field, v, allowZero ? 0 : 1, NSIG, `not a signal number (${allowZero ? 0 : 1}..${NSIG})`);
}

function siginfo(field: string, s: SigInfoRecord): void {
  signo(`${field}.signo`, s.signo, false);
  int(`${field}.code`, s.code, -(2 ** 31), 2 ** 31 - 1);
  if (s.raw !== undefined && s.raw.length > 128) bad(`${field}.raw length`, s.raw.length, "a siginfo is 128 bytes");
}

function pending(field: string, p: SigPendingRecord): void {
  sigset(`${field}.signals`, p.signals);
  // RLIMIT_SIGPENDING is far below this; a queue this long is no kernel's.
  count(`${field}.queue`, p.queue, 1 << 16);
  p.queue.forEach((s, i) => siginfo(`${field}.queue[${i}]`, s));
}

function exitStatus(field: string, e: ExitStatusRecord | undefined): void {
  if (e === undefined) return;
  if (e.code !== undefined) int(`${field}.code`, e.code, 0, 255);
  if (e.signal !== undefined) signo(`${field}.signal`, e.signal, false);
}

/**
 * The fields of one record ("task 7"), each checked as int, sigset... above, the record's and the
 * field's names joined ("task 7 blocked") only when the check fails, so the message is the same.
 */
class Rec {
  constructor(
    private readonly kind: string,
    private readonly id: number,
  ) {}

  name(field: string): string {
    return `${this.kind} ${this.id} ${field}`;
  }

  int(field: string, v: unknown, min: number, max: number, why?: string): void {
    if (!inRange(v, min, max)) int(this.name(field), v, min, max, why);
  }

  sigset(field: string, v: unknown): void {
    if (!isSigset(v)) sigset(this.name(field), v);
  }

  signo(field: string, v: unknown, allowZero: boolean): void {
    if (!inRange(v, allowZero ? 0 : 1, NSIG)) signo(this.name(field), v, allowZero);
  }

  /** A pending set: the empty queue every valid image mostly has costs no name either. */
  pending(field: string, p: SigPendingRecord): void {
    if (!isSigset(p.signals) || p.queue.length > 0) pending(this.name(field), p);
  }

  exitStatus(field: string, e: ExitStatusRecord | undefined): void {
    if (e !== undefined) exitStatus(this.name(field), e);
  }
}

/**
 * A list of pages: each within [0, maxIndex), whole, and (`once`) named once. A page named twice
 * would be restored twice into one slot of a page cache or of the copy-on-write table, the first
 * frame then held by nothing that ever frees it (a leak at the restored machine's shutdown). An
 * mm's own pages are checked for that against its VMAs (validate.ts), so not here.
 */
function pages(field: string, list: PageRecord[], maxIndex: number, memoryPages: number, once = true): void {
  count(field, list, memoryPages);
  // Indexed: run once per restart, this loop was not optimised, and for-of then made an
  // iterator result per page (2.4 MiB for a 256 MiB guest).
  let sorted = true;
  for (let i = 0; i < list.length; i++) {
    const p = list[i]!;
    if (!inRange(p.index, 0, maxIndex - 1)) bad(`${field} index`, p.index, `outside [0, ${maxIndex})`);
    if (p.data.length !== PAGE) bad(`${field} ${p.index} length`, p.data.length, "a page is 4096 bytes");
    if (i > 0 && p.index <= list[i - 1]!.index) sorted = false;
  }
  // The collector writes them in ascending order; any other order is checked with a set.
  if (!once || sorted) return;
  const seen = new Set<number>();
  for (const p of list) {
    if (seen.has(p.index)) bad(`${field} index`, p.index, "named twice (another page of the list has it too)");
    seen.add(p.index);
  }
}

/** Refuse the first field of `m` outside the kernel's limits (CrError EINVAL naming it). */
export function validateFields(m: CheckpointModel, lim: KernelLimits): void {
  const memoryPages = Math.floor(lim.memoryBytes / PAGE);
  const userPages = TASK_SIZE / PAGE;
  int("meta.clock", m.meta.clock, 0, Number.MAX_SAFE_INTEGER);
  for (const [name, list] of Object.entries(m)) if (Array.isArray(list)) count(name, list, MAX_RECORDS);
  count("tasks", m.tasks, lim.pidMax);
  count("pidNamespaces", m.pidNamespaces, lim.pidMax);
  for (const ns of m.pidNamespaces) int(`pid namespace ${ns.id} lastPid`, ns.lastPid, 0, lim.pidMax - 1, `outside [0, pid_max ${lim.pidMax})`);
  for (let pi = 0; pi < m.pids.length; pi++) {
    const p = m.pids[pi]!;
    if (p.numbers.length === 0 || p.numbers.length > MAX_PID_NS_LEVEL + 1) bad(`pid ${p.id} numbers length`, p.numbers.length, `a pid has 1..${MAX_PID_NS_LEVEL + 1} numbers`);
    for (let i = 0; i < p.numbers.length; i++) {
      if (!inRange(p.numbers[i], 1, lim.pidMax - 1)) bad(`pid ${p.id} numbers[${i}]`, p.numbers[i], `outside [1, pid_max ${lim.pidMax})`);
    }
  }
  for (const c of m.creds) {
    for (const f of ["uid", "euid", "suid", "fsuid", "gid", "egid", "sgid", "fsgid"] as const) int(`cred ${c.id} ${f}`, c[f], 0, ID_MAX, "not a valid id (0..4294967294)");
    for (const f of ["capEffective", "capPermitted"] as const) {
      int(`cred ${c.id} ${f}`, c[f], 0, CAP_FULL_SET, "has bits above CAP_LAST_CAP (40)");
    }
    if (!capSubset(c.capEffective, c.capPermitted)) {
      bad(`cred ${c.id} capEffective`, c.capEffective, "not a subset of capPermitted");
    }
    for (const f of ["capInheritable", "capBset", "capAmbient"] as const) {
      const v = c[f];
      if (v !== undefined) int(`cred ${c.id} ${f}`, v, 0, CAP_FULL_SET, "has bits above CAP_LAST_CAP (40)");
    }
    // Linux keeps ambient within permitted and inheritable (cap_ambient_invariant_ok).
    const amb = c.capAmbient ?? 0;
    if (!capSubset(amb, c.capPermitted) || !capSubset(amb, c.capInheritable ?? 0)) {
      bad(`cred ${c.id} capAmbient`, amb, "not a subset of capPermitted and capInheritable");
    }
    if (c.groups !== undefined) {
      // setgroups(2): at most NGROUPS_MAX; the kernel keeps them sorted (groups_sort), which
      // in_group_p's binary search relies on: an unsorted list is a forged one.
      if (c.groups.length === 0 || c.groups.length > NGROUPS_MAX) bad(`cred ${c.id} groups length`, c.groups.length, `1..NGROUPS_MAX (${NGROUPS_MAX}) when present`);
      c.groups.forEach((g, i) => {
        int(`cred ${c.id} groups[${i}]`, g, 0, ID_MAX, "not a valid id (0..4294967294)");
        if (i > 0 && g < c.groups![i - 1]) bad(`cred ${c.id} groups[${i}]`, g, "not in ascending order (setgroups sorts them)");
      });
    }
  }
  for (let si = 0; si < m.sighands.length; si++) {
    const s = m.sighands[si]!;
    if (s.actions.length !== NSIG + 1) bad(`sighand ${s.id} actions length`, s.actions.length, `a signal table has ${NSIG + 1} entries`);
    for (let i = 0; i < s.actions.length; i++) {
      const a = s.actions[i]!;
      if (inRange(a.handler, 0, U32) && inRange(a.flags, 0, U32) && inRange(a.restorer, 0, U32) && isSigset(a.mask)) continue;
      int(`sighand ${s.id} action ${i} handler`, a.handler, 0, U32);
      int(`sighand ${s.id} action ${i} flags`, a.flags, 0, U32);
      int(`sighand ${s.id} action ${i} restorer`, a.restorer, 0, U32);
      sigset(`sighand ${s.id} action ${i} mask`, a.mask);
    }
  }
  for (let gi = 0; gi < m.threadGroups.length; gi++) {
    const g = m.threadGroups[gi]!;
    const r = new Rec("thread group", g.id);
    r.pending("sharedPending", g.sharedPending);
    r.exitStatus("groupExitStatus", g.groupExitStatus);
    r.signo("stopSignal", g.stopSignal, true);
    r.int("itimerRealLeft", g.itimerRealLeft, 0, Number.MAX_SAFE_INTEGER);
    r.int("itimerRealInterval", g.itimerRealInterval, 0, Number.MAX_SAFE_INTEGER);
    r.int("itimerVirt.left", g.itimerVirt.left, 0, Number.MAX_SAFE_INTEGER);
    r.int("itimerVirt.interval", g.itimerVirt.interval, 0, Number.MAX_SAFE_INTEGER);
    r.int("itimerProf.left", g.itimerProf.left, 0, Number.MAX_SAFE_INTEGER);
    r.int("itimerProf.interval", g.itimerProf.interval, 0, Number.MAX_SAFE_INTEGER);
    const oomWhy = "outside OOM_SCORE_ADJ_MIN..MAX (-1000..1000)";
    if (g.oomScoreAdj !== undefined) r.int("oomScoreAdj", g.oomScoreAdj, -1000, 1000, oomWhy);
    if (g.oomScoreAdjMin !== undefined) r.int("oomScoreAdjMin", g.oomScoreAdjMin, -1000, 1000, oomWhy);
    if (g.rlimits !== undefined) {
      // What setrlimit(2) itself refuses: a table that is not RLIM_NLIMITS long, cur above max,
      // and RLIMIT_NOFILE above fs.nr_open.
      if (g.rlimits.length !== RLIM_NLIMITS) bad(`thread group ${g.id} rlimits length`, g.rlimits.length, `a process has ${RLIM_NLIMITS} limits`);
      g.rlimits.forEach((l, i) => {
        const what = `thread group ${g.id} rlimits[${i}]`;
        for (const f of ["cur", "max"] as const) {
          if (typeof l[f] !== "bigint" || l[f] < 0n || l[f] > RLIM_INFINITY) bad(`${what}.${f}`, l[f], "not a 64-bit limit");
        }
        if (l.cur > l.max) bad(`${what}.cur`, l.cur, `above its max ${l.max}`);
        if (i === RLIMIT_NOFILE && l.max !== RLIM_INFINITY && l.max > NR_OPEN) bad(`${what}.max`, l.max, `RLIMIT_NOFILE above fs.nr_open (${NR_OPEN})`);
        if (i === RLIMIT_NOFILE && l.max === RLIM_INFINITY) bad(`${what}.max`, l.max, "RLIMIT_NOFILE cannot be unlimited");
      });
    }
  }
  for (let ti = 0; ti < m.tasks.length; ti++) {
    const t = m.tasks[ti]!;
    const r = new Rec("task", t.id);
    r.int("exitSignal", t.exitSignal, -1, CSIGNAL, "not -1 (a thread) or a clone exit signal (0..255)");
    r.signo("pdeathSignal", t.pdeathSignal, true);
    r.exitStatus("exit", t.exit);
    r.sigset("blocked", t.blocked);
    // sigprocmask and sigreturn strip them: no task ever has SIGKILL or SIGSTOP blocked.
    if ((t.blocked & UNBLOCKABLE) !== 0n) bad(r.name("blocked"), t.blocked, "SIGKILL and SIGSTOP cannot be blocked");
    if (t.savedMask !== null) r.sigset("savedMask", t.savedMask);
    r.sigset("sigWaitSet", t.sigWaitSet);
    r.pending("pending", t.pending);
    r.int("sas.sp", t.sas.sp, 0, U32);
    r.int("sas.size", t.sas.size, 0, TASK_SIZE);
    r.int("clearChildTid", t.clearChildTid, 0, TASK_SIZE - 1, "not a user address");
    if (t.robustList !== undefined) r.int("robustList", t.robustList, 0, TASK_SIZE - 1, "not a user address");
    if (t.loginuid !== undefined) r.int("loginuid", t.loginuid, 0, U32);
    if (t.sessionid !== undefined) r.int("sessionid", t.sessionid, 0, U32);
    r.int("cpuCycles", t.cpuCycles, 0, Number.MAX_SAFE_INTEGER);
    r.int("instret", t.instret, 0, Number.MAX_SAFE_INTEGER);
    if (t.comm.length > 64) bad(r.name("comm length"), t.comm.length, "TASK_COMM_LEN is 16");
    if (t.regs !== null) {
      const { x, f } = t.regs;
      if (x.length !== 32) bad(r.name("regs.x length"), x.length, "rv32 has 32 integer registers");
      if (f.length !== 64) bad(r.name("regs.f length"), f.length, "32 FP registers, two halves each");
      for (let i = 0; i < x.length; i++) if (!inRange(x[i], -(2 ** 31), U32)) int(r.name(`regs.x[${i}]`), x[i], -(2 ** 31), U32);
      for (let i = 0; i < f.length; i++) if (!inRange(f[i], -(2 ** 31), U32)) int(r.name(`regs.f[${i}]`), f[i], -(2 ** 31), U32);
      r.int("regs.pc", t.regs.pc, 0, TASK_SIZE - 1, "not a user address");
      r.int("regs.fcsr", t.regs.fcsr, 0, 0xff);
    }
  }
  for (let mi = 0; mi < m.mms.length; mi++) {
    const mm = m.mms[mi]!;
    const r = new Rec("mm", mm.id);
    if (mm.vmas.length > MAX_MAP_COUNT) count(r.name("vmas"), mm.vmas, MAX_MAP_COUNT);
    let prevEnd = 0;
    let mapped = 0;
    for (let i = 0; i < mm.vmas.length; i++) {
      const v = mm.vmas[i]!;
      const ok = inRange(v.start, 0, TASK_SIZE - PAGE) && inRange(v.end, v.start + PAGE, TASK_SIZE) && v.start % PAGE === 0 && v.end % PAGE === 0 &&
        v.start >= prevEnd && inRange(v.pgoff, 0, 2 ** 32 - 1) && inRange(v.prot, 0, 7) && inRange(v.flags, 0, U32);
      if (!ok) {
        // The first failing check, in this order, names the field.
        const f = r.name(`vma ${i}`);
        int(`${f} start`, v.start, 0, TASK_SIZE - PAGE, "not a page-aligned user address");
        int(`${f} end`, v.end, v.start + PAGE, TASK_SIZE, "not a page-aligned user address above start");
        if (v.start % PAGE !== 0 || v.end % PAGE !== 0) bad(`${f} start`, v.start, "not page-aligned");
        if (v.start < prevEnd) bad(`${f} start`, v.start, "overlaps the VMA before it (VMAs are sorted and disjoint)");
        int(`${f} pgoff`, v.pgoff, 0, 2 ** 32 - 1);
        int(`${f} prot`, v.prot, 0, 7);
        int(`${f} flags`, v.flags, 0, U32);
      }
      prevEnd = v.end;
      mapped += v.end - v.start;
    }
    if (mm.pages.length > 0) pages(r.name("page"), mm.pages, userPages, memoryPages, false);
    for (let i = 0; i < mm.cowRefs.length; i++) {
      const c = mm.cowRefs[i]!;
      if (!inRange(c.index, 0, userPages - 1)) int(r.name("cowRef index"), c.index, 0, userPages - 1);
    }
    r.int("startBrk", mm.startBrk, 0, TASK_SIZE, "not a user address");
    r.int("brk", mm.brk, mm.startBrk, TASK_SIZE, "not a user address at or above startBrk");
    r.int("startStack", mm.startStack, 0, TASK_SIZE, "not a user address");
    r.int("mmapBase", mm.mmapBase, 0, TASK_SIZE, "not a user address");
    if (mapped > TASK_SIZE) bad(r.name("mapped size"), mapped, "more than the user address space");
  }
  pages("cowPage", m.cowPages, Number.MAX_SAFE_INTEGER, memoryPages);
  for (const s of m.shmem) {
    int(`shmem ${s.id} size`, s.size, 0, memoryPages, `more pages than the machine's memory (${memoryPages})`);
    pages(`shmem ${s.id} page`, s.pages, s.size, memoryPages);
  }
  for (const i of m.inodes) {
    const f = `inode ${i.id}`;
    // A sparse file may be far larger than memory (ZDTM's ghost_holes_large, unlink_largefile):
    // i_size is bounded by MAX_LFS_FILESIZE as truncate(2) bounds it; the pages it holds, by memory.
    int(`${f} size`, i.size, 0, MAX_LFS_FILESIZE, `larger than MAX_LFS_FILESIZE (${MAX_LFS_FILESIZE})`);
    int(`${f} ino`, i.ino, 1, U32);
    int(`${f} mode`, i.mode, 0, 0o177777);
    int(`${f} uid`, i.uid, 0, ID_MAX, "not a valid id (0..4294967294)");
    int(`${f} gid`, i.gid, 0, ID_MAX, "not a valid id (0..4294967294)");
    int(`${f} nlink`, i.nlink, 0, U32);
    // fallocate(FALLOC_FL_KEEP_SIZE) holds pages past i_size: the bound is the largest offset.
    pages(`${f} page`, i.pages, Math.ceil(MAX_LFS_FILESIZE / PAGE), memoryPages);
    if (i.unwritten !== undefined) {
      const held = new Set(i.pages.map((p) => p.index));
      count(`${f} unwritten`, i.unwritten, i.pages.length);
      i.unwritten.forEach((pg, k) => {
        if (!held.has(pg)) bad(`${f} unwritten[${k}]`, pg, "not a page the inode holds");
        if (k > 0 && pg <= i.unwritten![k - 1]) bad(`${f} unwritten[${k}]`, pg, "not in increasing order");
      });
    }
    if (i.target !== undefined && i.target.length > PAGE) bad(`${f} target length`, i.target.length, "PATH_MAX is 4096");
    if (i.memfd !== undefined) {
      if (i.memfd.name.length > MFD_NAME_MAX_LEN || i.memfd.name.includes("\0")) bad(`${f} memfd name`, i.memfd.name, `memfd_create takes a name of at most ${MFD_NAME_MAX_LEN} bytes without NUL`);
      int(`${f} memfd seals`, i.memfd.seals, 0, F_ALL_SEALS, `not a set of F_SEAL_* bits (0x${F_ALL_SEALS.toString(16)})`);
    }
  }
  for (const p of m.pipes) if (p.buffered.length > PIPE_MAX_SIZE) bad(`pipe ${p.id} buffered length`, p.buffered.length, `pipe-max-size is ${PIPE_MAX_SIZE}`);
  for (let fi = 0; fi < m.files.length; fi++) {
    const fl = m.files[fi]!;
    const r = new Rec("file", fl.id);
    r.int("flags", fl.flags, 0, U32);
    r.int("pos", fl.pos, 0, Number.MAX_SAFE_INTEGER);
    if (fl.target.kind === "inotify") inotifyFields(`file ${fl.id}`, fl.target);
    // A /proc file's contents (seq_file's buffer) are kernel memory: bounded by the machine's.
    if (fl.target.kind === "proc" && fl.target.snapshot !== undefined && fl.target.snapshot.length > lim.memoryBytes) {
      bad(`file ${fl.id} proc snapshot length`, fl.target.snapshot.length, `more than the machine's memory (${lim.memoryBytes} bytes)`);
    }
  }
  for (let ti = 0; ti < m.fdTables.length; ti++) {
    const t = m.fdTables[ti]!;
    const r = new Rec("fd table", t.id);
    if (t.fds.length > lim.fdLimit) count(r.name("fds"), t.fds, lim.fdLimit);
    for (let i = 0; i < t.fds.length; i++) {
      const fd = t.fds[i]!.fd;
      if (!inRange(fd, 0, lim.fdLimit - 1)) bad(r.name("fd"), fd, `outside [0, RLIMIT_NOFILE ${lim.fdLimit})`);
    }
    r.int("maxFds", t.maxFds, 0, lim.fdLimit, `above RLIMIT_NOFILE ${lim.fdLimit}`);
  }
  for (let i = 0; i < m.fsContexts.length; i++) new Rec("fs context", m.fsContexts[i]!.id).int("umask", m.fsContexts[i]!.umask, 0, 0o777);
}

/** INT_MAX: idr_alloc_cyclic hands out watch descriptors 1..INT_MAX. */
const WD_MAX = 0x7fffffff;
/** The bits a watch keeps (inotify_update_watch): events, IN_ONESHOT, IN_EXCL_UNLINK. */
const WATCH_BITS = (IN_ALL_EVENTS | IN_ONESHOT | IN_EXCL_UNLINK) >>> 0;

/** An inotify instance: as many watches and events as the kernel's limits allow, each one it could have made. */
function inotifyFields(f: string, t: Extract<CheckpointModel["files"][number]["target"], { kind: "inotify" }>): void {
  int(`${f} inotify lastWd`, t.lastWd, 0, WD_MAX);
  int(`${f} inotify lastCookie`, t.lastCookie, 0, U32);
  count(`${f} inotify watches`, t.watches, MAX_USER_WATCHES);
  for (const w of t.watches) {
    int(`${f} inotify wd`, w.wd, 1, WD_MAX);
    int(`${f} inotify watch ${w.wd} mask`, w.mask, 0, U32);
    if ((w.mask & ~WATCH_BITS) !== 0) bad(`${f} inotify watch ${w.wd} mask`, w.mask, `has bits outside 0x${WATCH_BITS.toString(16)}`);
  }
  // The queue holds max_queued_events events and then one IN_Q_OVERFLOW.
  count(`${f} inotify events`, t.events, MAX_QUEUED_EVENTS + 1);
  t.events.forEach((e, i) => {
    const ev = `${f} inotify event ${i}`;
    int(`${ev} mask`, e.mask, 0, U32);
    int(`${ev} cookie`, e.cookie, 0, U32);
    if (e.wd === -1) {
      if (e.mask !== IN_Q_OVERFLOW || e.name !== null || i !== t.events.length - 1) bad(`${ev} wd`, e.wd, "wd -1 is only the IN_Q_OVERFLOW event that ends a queue");
    } else int(`${ev} wd`, e.wd, 1, WD_MAX);
    if ((e.mask & ~ALL_INOTIFY_BITS) !== 0) bad(`${ev} mask`, e.mask, "has bits no inotify event has");
    if (e.name !== null && (e.name.length === 0 || e.name.length > NAME_MAX || /[\0/]/.test(e.name))) bad(`${ev} name`, e.name, "not a file name (1..255 bytes, no NUL or /)");
  });
}

/** Whether every bit of `a` is in `b` (41-bit masks: beyond 32-bit bitwise operators). */
export function capSubset(a: number, b: number): boolean {
  const lo = (x: number): number => x % 2 ** 32;
  const hi = (x: number): number => Math.floor(x / 2 ** 32);
  return ((lo(a) & ~lo(b)) >>> 0) === 0 && (hi(a) & ~hi(b)) === 0;
}
