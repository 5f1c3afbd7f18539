// Ending a machine whose leak report is to be trusted: every user task is killed, the kernel's
// own threads (a restart's cpt_rst on its way out, a checkpoint's worker) end as they would, and
// only then is the machine shut down. Shutting down at once would kill such a thread before its
// module_put and report a leak that no restart left.
import type { Machine } from "../../machine/machine.ts";
import { sendSignal } from "../../machine/kernel/signal.ts";
import { SIGKILL } from "../../machine/kernel/signal-names.ts";

export function takeDown(m: Machine): void {
  const k = m.kernel;
  for (const t of k.tasks.values()) if (t.alive && t.kthread === null) sendSignal(k, t, { signo: SIGKILL, code: 0 }, true);
  const kthreads = (): boolean => [...k.tasks.values()].some((t) => t.alive && t.kthread !== null && t !== k.initNs.reaper);
  for (let i = 0; i < 1_000 && kthreads(); i++) if (k.run(20_000, true) === 0) break;
  k.shutdown();
}
