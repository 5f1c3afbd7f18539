// The text of /proc/<pid>/{status,stat,statm,cmdline,comm}, in Linux 6.1's formats (fs/proc/
// array.c and task_mmu.c). Pids are shown as the reader's pid namespace sees them. Fields this
// kernel does not track (fault counts, start time, context switches) read as 0.
import type { Kernel } from "../../kernel/kernel.ts";
import type { PidNamespace } from "../../kernel/pid.ts";
import { SIG_DFL, SIG_IGN, waitStatus, type Task } from "../../kernel/task.ts";
import { PAGE_SIZE } from "../../mm/frame.ts";
import type { Mm } from "../../mm/mm.ts";
import { PROT_EXEC, PROT_WRITE, VM_GROWSDOWN, VM_SHARED } from "../../mm/vma.ts";

/** Cycles per clock tick: a 1 GHz virtual clock and USER_HZ = 100. */
const CYCLES_PER_TICK = 10_000_000;
/** RLIMIT_SIGPENDING as a small machine would have it. */
const SIGPENDING_LIMIT = 7823;

const STATE_NAMES: Record<Task["state"], string> = {
  running: "R (running)", sleeping: "S (sleeping)", stopped: "T (stopped)", zombie: "Z (zombie)", dead: "X (dead)",
};

const hex16 = (v: bigint | number): string => BigInt(v).toString(16).padStart(16, "0");
const kb = (pages: number): string => String(pages * (PAGE_SIZE / 1024)).padStart(8, " ");

/** The tgid of t as ns sees it (0 if invisible). */
const tgidIn = (t: Task, ns: PidNamespace): number => t.group.leader.pid.nrIn(ns);
const ppidIn = (t: Task, ns: PidNamespace): number => (t.parent === null ? 0 : tgidIn(t.parent.group.leader, ns));

/** Sizes of an address space, in pages (the counters Linux keeps in mm_struct). */
export interface MmCounters {
  total: number;
  rss: number;
  rssAnon: number;
  rssShmem: number;
  data: number;
  stack: number;
  exec: number;
  startCode: number;
  endCode: number;
}

export function mmCounters(mm: Mm): MmCounters {
  const c: MmCounters = { total: 0, rss: 0, rssAnon: 0, rssShmem: 0, data: 0, stack: 0, exec: 0, startCode: 0, endCode: 0 };
  for (const v of mm.vmas) {
    const pages = (v.end - v.start) / PAGE_SIZE;
    c.total += pages;
    const shared = (v.flags & VM_SHARED) !== 0;
    if ((v.flags & VM_GROWSDOWN) !== 0 || v.kind === "stack") c.stack += pages;
    else if ((v.prot & PROT_WRITE) !== 0 && !shared) c.data += pages;
    if ((v.prot & PROT_EXEC) !== 0 && v.kind === "elf") {
      c.exec += pages;
      if (c.startCode === 0) c.startCode = v.start;
      c.endCode = v.end;
    }
    for (let a = v.start; a < v.end; a += PAGE_SIZE) {
      const pte = mm.pt.get(a / PAGE_SIZE);
      if (pte === undefined || pte.frame === mm.frames.zeroPage) continue;
      c.rss++;
      if (shared) c.rssShmem++;
      else c.rssAnon++;
    }
  }
  return c;
}

/** Escape what status escapes in a name: newline and backslash. */
const escapeName = (s: string): string => s.replace(/\\/g, "\\\\").replace(/\n/g, "\\n");

function levels(t: Task, ns: PidNamespace, pick: (l: PidNamespace) => number): string {
  let out = "";
  for (let g = ns.level; g < t.pid.numbers.length; g++) out += "\t" + pick(t.pid.numbers[g].ns);
  return out;
}

function sigSets(t: Task): { ignored: bigint; caught: bigint } {
  let ignored = 0n;
  let caught = 0n;
  t.sighand.actions.forEach((a, sig) => {
    if (sig === 0 || sig > 64) return;
    const bit = 1n << BigInt(sig - 1);
    if (a.handler === SIG_IGN) ignored |= bit;
    else if (a.handler !== SIG_DFL) caught |= bit;
  });
  return { ignored, caught };
}

/** /proc/<pid>/status. */
export function showStatus(k: Kernel, reader: Task, t: Task): string {
  const ns = reader.pidNs;
  const c = t.cred;
  const fs = t.fs;
  const files = t.files;
  let s = `Name:\t${escapeName(t.comm)}\n`;
  if (fs !== null) s += `Umask:\t${fs.umask.toString(8).padStart(4, "0")}\n`;
  s += `State:\t${STATE_NAMES[t.state]}\nTgid:\t${tgidIn(t, ns)}\nNgid:\t0\nPid:\t${t.pid.nrIn(ns)}\n`;
  s += `PPid:\t${ppidIn(t, ns)}\nTracerPid:\t0\n`;
  s += `Uid:\t${c.uid}\t${c.euid}\t${c.suid}\t${c.fsuid}\nGid:\t${c.gid}\t${c.egid}\t${c.sgid}\t${c.fsgid}\n`;
  s += `FDSize:\t${files?.maxFds ?? 0}\nGroups:\t${c.groups.join(" ")} \n`;
  s += `NStgid:${levels(t, ns, (l) => tgidIn(t, l))}\nNSpid:${levels(t, ns, (l) => t.pid.nrIn(l))}\n`;
  s += `NSpgid:${levels(t, ns, (l) => t.group.pgrp.nrIn(l))}\nNSsid:${levels(t, ns, (l) => t.group.session.nrIn(l))}\n`;
  if (t.alive) {
    const m = mmCounters(t.mm);
    s += `VmPeak:\t${kb(m.total)} kB\nVmSize:\t${kb(m.total)} kB\nVmLck:\t${kb(0)} kB\nVmPin:\t${kb(0)} kB\n`;
    s += `VmHWM:\t${kb(m.rss)} kB\nVmRSS:\t${kb(m.rss)} kB\nRssAnon:\t${kb(m.rssAnon)} kB\nRssFile:\t${kb(0)} kB\n`;
    s += `RssShmem:\t${kb(m.rssShmem)} kB\nVmData:\t${kb(m.data)} kB\nVmStk:\t${kb(m.stack)} kB\n`;
    s += `VmExe:\t${kb(m.exec)} kB\nVmLib:\t${kb(0)} kB\nVmPTE:\t${kb(1)} kB\nVmSwap:\t${kb(0)} kB\n`;
    s += `HugetlbPages:\t${kb(0)} kB\nCoreDumping:\t0\nTHP_enabled:\t0\n`;
  }
  const queued = t.pending.queue.length + t.group.sharedPending.queue.length;
  const { ignored, caught } = sigSets(t);
  s += `Threads:\t${t.group.threads.size}\nSigQ:\t${queued}/${SIGPENDING_LIMIT}\n`;
  s += `SigPnd:\t${hex16(t.pending.signals)}\nShdPnd:\t${hex16(t.group.sharedPending.signals)}\n`;
  s += `SigBlk:\t${hex16(t.blocked)}\nSigIgn:\t${hex16(ignored)}\nSigCgt:\t${hex16(caught)}\n`;
  s += `CapInh:\t${hex16(c.capInheritable)}\nCapPrm:\t${hex16(c.capPermitted)}\nCapEff:\t${hex16(c.capEffective)}\n`;
  s += `CapBnd:\t${hex16(c.capBset)}\nCapAmb:\t${hex16(c.capAmbient)}\n`;
  s += `NoNewPrivs:\t${t.noNewPrivs ? 1 : 0}\nSeccomp:\t0\nSeccomp_filters:\t0\n`;
  s += "Speculation_Store_Bypass:\tunknown\nSpeculationIndirectBranch:\tunsupported\n";
  const cpus = k.sched.cpus.length;
  const mask = (2n ** BigInt(cpus) - 1n).toString(16).padStart(Math.ceil(cpus / 4), "0");
  s += `Cpus_allowed:\t${mask}\nCpus_allowed_list:\t${cpus === 1 ? "0" : `0-${cpus - 1}`}\n`;
  s += "Mems_allowed:\t1\nMems_allowed_list:\t0\n";
  s += "voluntary_ctxt_switches:\t0\nnonvoluntary_ctxt_switches:\t0\n";
  return s;
}

/** /proc/<pid>/stat (whole: the thread group's, as /proc/<tgid>/stat; else one thread's). */
export function showStat(k: Kernel, reader: Task, t: Task, whole: boolean): string {
  const ns = reader.pidNs;
  const threads = whole ? [...t.group.threads] : [t];
  if (threads.length === 0) threads.push(t);
  const utime = Math.floor(threads.reduce((s, th) => s + th.hart.instret, 0) / CYCLES_PER_TICK);
  const stime = Math.floor(threads.reduce((s, th) => s + th.cpuCycles, 0) / CYCLES_PER_TICK);
  const m = t.alive ? mmCounters(t.mm) : null;
  const mm = t.alive ? t.mm : null;
  const args = mm !== null ? argRange(mm) : null;
  const env = mm !== null ? envRange(mm) : null;
  const low31 = (v: bigint): number => Number(v & 0x7fffffffn);
  const { ignored, caught } = sigSets(t);
  const cpu = k.sched.onCpu.get(t)?.id ?? 0;
  const state = STATE_NAMES[t.state][0];
  const f = [
    t.pid.nrIn(ns), `(${t.comm})`, state, ppidIn(t, ns), t.group.pgrp.nrIn(ns), t.group.session.nrIn(ns), 0, -1,
    0x400000, 0, 0, 0, 0, utime, stime, 0, 0, 20, 0, t.group.threads.size, 0, 0,
    (m?.total ?? 0) * PAGE_SIZE, m?.rss ?? 0, 4294967295, m?.startCode ?? 0, m?.endCode ?? 0, mm?.startStack ?? 0, 0, 0,
    low31(t.pending.signals), low31(t.blocked), low31(ignored), low31(caught), t.state === "sleeping" ? 1 : 0, 0, 0,
    t.exitSignal < 0 ? 0 : t.exitSignal, cpu, 0, 0, 0, 0, 0, 0, 0, mm?.startBrk ?? 0,
    args?.start ?? 0, args?.end ?? 0, env?.start ?? 0, env?.end ?? 0, t.exit !== undefined ? waitStatus(t.exit) : 0,
  ];
  return f.join(" ") + "\n";
}

/** /proc/<pid>/statm: size resident shared text lib data dt, in pages. */
export function showStatm(t: Task): string {
  if (!t.alive) return "0 0 0 0 0 0 0\n";
  const m = mmCounters(t.mm);
  return `${m.total} ${m.rss} ${m.rssShmem} ${m.exec} 0 ${m.data + m.stack} 0\n`;
}

/**
 * Where the argument strings are (mm->arg_start, arg_end): the mm's own fields when exec recorded
 * them, else (a restored mm) found from the initial stack (argc, then argv[] at start_stack).
 */
export function argRange(mm: Mm): { start: number; end: number } | null {
  if (mm.argEnd > mm.argStart) return { start: mm.argStart, end: mm.argEnd };
  return stackStrings(mm, 1);
}

/** env_start..env_end, the same way: envp[] follows argv[]'s NULL on the initial stack. */
export function envRange(mm: Mm): { start: number; end: number } | null {
  if (mm.envEnd > mm.envStart) return { start: mm.envStart, end: mm.envEnd };
  const argc = mm.startStack === 0 ? null : mm.readU32(mm.startStack);
  if (argc === null || argc > 0x10000) return null;
  return stackStrings(mm, argc + 2);
}

/** The strings of the NULL-terminated pointer array at word `index` of the initial stack. */
function stackStrings(mm: Mm, index: number): { start: number; end: number } | null {
  if (mm.startStack === 0) return null;
  const base = mm.startStack + 4 * index;
  const first = mm.readU32(base);
  if (first === null || first === 0) return null;
  let n = 0;
  for (;;) {
    if (n > 0x10000) return null;
    const p = mm.readU32(base + 4 * (n + 1));
    if (p === null) return null;
    if (p === 0) break;
    n++;
  }
  const last = mm.readU32(base + 4 * n);
  if (last === null) return null;
  const s = mm.readCString(last, 128 * 1024);
  if (s === null) return null;
  return { start: first, end: last + s.length + 1 };
}

/**
 * /proc/<pid>/auxv: the auxiliary vector exec built (Linux copies it into mm->saved_auxv; here it
 * is read from the initial stack, after envp[]'s NULL), up to and including AT_NULL.
 */
export function showAuxv(t: Task): Uint8Array {
  if (!t.alive || t.mm.startStack === 0) return new Uint8Array(0);
  const mm = t.mm;
  let a = mm.startStack + 4;
  for (let nulls = 0; nulls < 2; a += 4) {
    const w = mm.readU32(a);
    if (w === null) return new Uint8Array(0);
    if (w === 0) nulls++;
  }
  const start = a;
  for (let i = 0; i < 64; i++, a += 8) {
    const type = mm.readU32(a);
    if (type === null) return new Uint8Array(0);
    if (type === 0) return mm.copyIn(start, a + 8 - start) ?? new Uint8Array(0);
  }
  return new Uint8Array(0);
}

function readRange(t: Task, r: { start: number; end: number } | null): Uint8Array {
  if (r === null || r.end <= r.start) return new Uint8Array(0);
  return t.mm.copyIn(r.start, r.end - r.start) ?? new Uint8Array(0);
}

/** /proc/<pid>/environ: the environment strings as exec left them, NUL-separated. */
export function showEnviron(t: Task): Uint8Array {
  return t.alive ? readRange(t, envRange(t.mm)) : new Uint8Array(0);
}

/** /proc/<pid>/cmdline: the argument strings, NUL-separated (empty for a zombie). */
export function showCmdline(t: Task): Uint8Array {
  return t.alive ? readRange(t, argRange(t.mm)) : new Uint8Array(0);
}
