// Resource limits (Linux's signal->rlim, include/asm-generic/resource.h): per process, inherited
// by fork, kept across execve. A process that never set one uses the machine's defaults (Linux's
// INIT_RLIMITS, with RLIMIT_NPROC and RLIMIT_SIGPENDING derived from the memory size as
// set_max_threads does), so the field is null until the first setrlimit.
import type { Kernel } from "./kernel.ts";
import type { ThreadGroup } from "./task.ts";

export const RLIMIT_CPU = 0;
export const RLIMIT_FSIZE = 1;
export const RLIMIT_DATA = 2;
export const RLIMIT_STACK = 3;
export const RLIMIT_CORE = 4;
export const RLIMIT_RSS = 5;
export const RLIMIT_NPROC = 6;
export const RLIMIT_NOFILE = 7;
export const RLIMIT_MEMLOCK = 8;
export const RLIMIT_AS = 9;
export const RLIMIT_LOCKS = 10;
export const RLIMIT_SIGPENDING = 11;
export const RLIMIT_MSGQUEUE = 12;
export const RLIMIT_NICE = 13;
export const RLIMIT_RTPRIO = 14;
export const RLIMIT_RTTIME = 15;
export const RLIM_NLIMITS = 16;
/** RLIM64_INFINITY. */
export const RLIM_INFINITY = 2n ** 64n - 1n;
/** sysctl fs.nr_open: RLIMIT_NOFILE's hard limit cannot go above it. */
export const NR_OPEN = 1024n * 1024n;

export interface Rlimit {
  readonly cur: bigint;
  readonly max: bigint;
}

/** THREAD_SIZE on riscv32: two pages of kernel stack per thread. */
const THREAD_SIZE = 8192;

/**
 * INIT_RLIMITS by machine size. Made once per size and shared: a process that never set a limit
 * reads it on every fork, open and queued signal (a 10,000-task restart made it 10,000 times
 * over, 20 ms and 4.6 MiB of it), and nothing writes it (setRlimit copies; it is frozen).
 */
const initByLimit = new Map<number, readonly Rlimit[]>();

/** INIT_RLIMITS for this machine. */
export function initRlimits(k: Kernel): readonly Rlimit[] {
  const have = initByLimit.get(k.frames.limit);
  if (have !== undefined) return have;
  const inf = { cur: RLIM_INFINITY, max: RLIM_INFINITY };
  // set_max_threads: total memory over 8 thread stacks, at least 20; half of it per user.
  const maxThreads = Math.max(20, Math.floor((k.frames.limit * 4096) / (THREAD_SIZE * 8)));
  const half = BigInt(Math.floor(maxThreads / 2));
  const r: Rlimit[] = Array.from({ length: RLIM_NLIMITS }, () => inf);
  r[RLIMIT_STACK] = { cur: 8n * 1024n * 1024n, max: RLIM_INFINITY };
  r[RLIMIT_CORE] = { cur: 0n, max: RLIM_INFINITY };
  r[RLIMIT_NPROC] = { cur: half, max: half };
  r[RLIMIT_NOFILE] = { cur: 1024n, max: 4096n };
  r[RLIMIT_MEMLOCK] = { cur: 8n * 1024n * 1024n, max: 8n * 1024n * 1024n };
  r[RLIMIT_SIGPENDING] = { cur: half, max: half };
  r[RLIMIT_MSGQUEUE] = { cur: 819200n, max: 819200n };
  r[RLIMIT_NICE] = { cur: 0n, max: 0n };
  r[RLIMIT_RTPRIO] = { cur: 0n, max: 0n };
  for (const l of r) Object.freeze(l);
  const table = Object.freeze(r);
  initByLimit.set(k.frames.limit, table);
  return table;
}

/** The process's limit on resource r. */
export function rlimit(k: Kernel, g: ThreadGroup, r: number): Rlimit {
  return (g.rlimits ?? initRlimits(k))[r];
}

/** The soft limit as a number (Infinity for RLIM_INFINITY), for comparisons with sizes. */
export function softLimit(k: Kernel, g: ThreadGroup, r: number): number {
  const cur = rlimit(k, g, r).cur;
  return cur === RLIM_INFINITY ? Infinity : Number(cur);
}

/**
 * Set one limit (copy on write: a forked child shares the array until one of them sets a limit).
 * RLIMIT_NOFILE is also where the fd tables of the process look (FilesStruct.limit).
 */
export function setRlimit(k: Kernel, g: ThreadGroup, r: number, v: Rlimit): void {
  const next = [...(g.rlimits ?? initRlimits(k))];
  next[r] = v;
  g.rlimits = next;
  if (r === RLIMIT_NOFILE) {
    const n = Number(v.cur < NR_OPEN ? v.cur : NR_OPEN);
    for (const th of g.threads) if (th.files !== null) th.files.limit = n;
  }
  if (r === RLIMIT_STACK) for (const th of g.threads) th.mm.stackLimit = stackBytes(v.cur);
}

/** RLIMIT_STACK's soft limit as Mm.stackLimit holds it: bytes, Infinity for RLIM_INFINITY. */
export function stackBytes(cur: bigint): number {
  return cur === RLIM_INFINITY ? Infinity : Number(cur);
}
