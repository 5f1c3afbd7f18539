// RLIMIT_CPU (kernel/time/posix-cpu-timers.c, check_process_timers): once the process's CPU
// time (user + system, all threads, the dead ones included — what getrusage(RUSAGE_SELF) adds
// up) reaches the hard limit it gets SIGKILL; at the soft limit SIGXCPU, and the soft limit
// moves up one second, so a process that handles or ignores SIGXCPU gets one each second until
// the hard limit. Linux checks at the tick, so the signal comes up to a tick late; here it comes
// on the very instruction the limit is reached (Kernel.runUser ends the stretch there), or,
// when kernel time or setrlimit itself crossed it, before the task's next user instruction. So
// it lands on the same instruction however a run is cut into pauses (the reference run and the
// C/R cells pause, exec does not), which a tick-like check at stretch ends would not.
import type { Kernel } from "./kernel.ts";
import { RLIM_INFINITY, RLIMIT_CPU, setRlimit } from "./rlimit.ts";
import { sendSignal } from "./signal.ts";
import { SIGKILL, SIGXCPU } from "./signal-names.ts";
import type { Task, ThreadGroup } from "./task.ts";

/** SEND_SIG_PRIV's si_code: sent by the kernel. */
const SI_KERNEL = 0x80;
const CYCLES_PER_SEC = 1_000_000_000n;

/** The process's CPU time in cycles (1 ns each), as getrusage(RUSAGE_SELF) adds it up. */
export function processCpuCycles(g: ThreadGroup): number {
  let c = g.deadUtime + g.deadStime;
  for (const th of g.threads) c += th.hart.instret + th.cpuCycles;
  return c;
}

/** Instructions the process may run before it reaches its RLIMIT_CPU soft limit (at least 1). */
export function cpuRlimitLeft(g: ThreadGroup): number {
  const lim = g.rlimits?.[RLIMIT_CPU];
  if (lim === undefined || lim.cur === RLIM_INFINITY) return Infinity;
  return Math.max(1, Number(lim.cur) * 1e9 - processCpuCycles(g));
}

/** Check t's process against its RLIMIT_CPU; cheap when no limit is set (the usual case). */
export function checkCpuRlimit(k: Kernel, t: Task): void {
  const g = t.group;
  const lim = g.rlimits?.[RLIMIT_CPU];
  if (lim === undefined || lim.cur === RLIM_INFINITY || g.groupExit) return;
  const used = BigInt(processCpuCycles(g));
  if (lim.max !== RLIM_INFINITY && used >= lim.max * CYCLES_PER_SEC) {
    sendSignal(k, g.leader, { signo: SIGKILL, code: SI_KERNEL }, true);
    return;
  }
  if (used >= lim.cur * CYCLES_PER_SEC) {
    sendSignal(k, g.leader, { signo: SIGXCPU, code: SI_KERNEL }, true);
    setRlimit(k, g, RLIMIT_CPU, { cur: lim.cur + 1n, max: lim.max });
  }
}
