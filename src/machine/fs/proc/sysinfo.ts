// /proc/loadavg, /proc/uptime and /proc/meminfo in Linux 6.1's formats (fs/proc/loadavg.c,
// uptime.c, meminfo.c), from the machine's own counters. The kernel keeps no load average (it
// reads 0.00, as an idle machine's would) and never swaps; memory is the frame allocator's.
import type { Kernel } from "../../kernel/kernel.ts";
import type { Task } from "../../kernel/task.ts";
import { PAGE_SIZE } from "../../mm/frame.ts";

/** /proc/loadavg: three averages, running/total threads, and the last pid of the reader's namespace. */
export function showLoadavg(k: Kernel, reader: Task): string {
  let running = 0;
  for (const t of k.tasks.values()) if (t.state === "running") running++;
  return `0.00 0.00 0.00 ${running}/${k.tasks.size} ${reader.pidNs.lastPid}\n`;
}

/** /proc/uptime: seconds since boot and idle seconds, both with two decimals. */
export function showUptime(k: Kernel): string {
  const cs = Math.floor(k.monotonicNs() / 10_000_000);
  return `${Math.floor(cs / 100)}.${String(cs % 100).padStart(2, "0")} 0.00\n`;
}

/** show_val_kb: the label padded to 16 columns by its own spaces, the value in kB in 8. */
const kb = (label: string, pages: number): string => `${label}:`.padEnd(16, " ") + String(pages * (PAGE_SIZE / 1024)).padStart(8, " ") + " kB\n";

/** /proc/meminfo up to Committed_AS (the lines programs read: MemTotal, MemFree, MemAvailable). */
export function showMeminfo(k: Kernel): string {
  const total = k.frames.limit;
  const used = k.frames.inUse;
  const free = Math.max(0, total - used);
  const rows: [string, number][] = [
    ["MemTotal", total], ["MemFree", free], ["MemAvailable", free], ["Buffers", 0], ["Cached", 0], ["SwapCached", 0],
    ["Active", used], ["Inactive", 0], ["Active(anon)", used], ["Inactive(anon)", 0], ["Active(file)", 0], ["Inactive(file)", 0],
    ["Unevictable", 0], ["Mlocked", 0], ["SwapTotal", 0], ["SwapFree", 0], ["Dirty", 0], ["Writeback", 0],
    ["AnonPages", used], ["Mapped", 0], ["Shmem", 0], ["KReclaimable", 0], ["Slab", 0], ["SReclaimable", 0], ["SUnreclaim", 0],
  ];
  const tail: [string, number][] = [
    ["KernelStack", 0], ["PageTables", 0], ["SecPageTables", 0], ["NFS_Unstable", 0], ["Bounce", 0], ["WritebackTmp", 0],
    ["CommitLimit", total], ["Committed_AS", used],
  ];
  return [...rows, ...tail].map(([l, v]) => kb(l, v)).join("");
}
