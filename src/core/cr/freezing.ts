// Bringing a container to a consistent stop for a dump: its tasks are frozen through the freezer
// cgroup (every task at a safe point: in the refrigerator, asleep in a syscall, or stopped).
// Shared by the initiators: the external one freezes the whole container; the self-initiated
// one also freezes the whole container, and its caller counts as frozen because it sleeps in
// sys_checkpoint while a kthread does the work.
import type { FreezerCgroup } from "../../machine/kernel/freezer.ts";
import type { Kernel } from "../../machine/kernel/kernel.ts";
import type { KthreadYield } from "../../machine/kernel/kthread.ts";
import type { Task } from "../../machine/kernel/task.ts";
import { containerTasks } from "./collect/collect.ts";
import { CrError, EBUSY, ESRCH } from "./errors.ts";

/** How long the freeze may take before the checkpoint gives up (cycles of virtual time). */
export const FREEZE_TIMEOUT = 50_000_000;
const FREEZE_POLL = 20_000;

/**
 * The freeze of one container. Its tasks are frozen through their freezer cgroup when the
 * container has one of its own; otherwise a temporary group is made for them and they go back
 * to their groups at thaw.
 */
export class Freezing {
  private group: FreezerCgroup | null = null;
  private readonly moved = new Map<Task, FreezerCgroup>();
  private temp = false;

  constructor(
    private readonly k: Kernel,
    private readonly init: Task,
  ) {}

  freeze(): void {
    const fz = this.k.freezer;
    const g = fz.groupOf(this.init);
    const ns = this.init.pidNs;
    const pure = g !== fz.root && [...g.subtree()].every((sub) => [...sub.tasks].every((t) => ns.contains(t.pidNs)));
    if (pure) this.group = g;
    else {
      const name = `cpt-${this.init.id}`;
      const tg = fz.root.children.get(name) ?? fz.createGroup(fz.root, name);
      if (tg === null) throw new CrError(EBUSY, `cannot create freezer cgroup ${name}`);
      this.temp = true;
      this.group = tg;
      for (const t of containerTasks(this.k, this.init)) {
        if (!t.alive) continue;
        this.moved.set(t, fz.groupOf(t));
        fz.attach(tg, t);
      }
    }
    fz.freeze(this.group);
  }

  frozen(): boolean {
    return this.group !== null && this.k.freezer.state(this.group) === "FROZEN";
  }

  /** freeze(), then wait (polling, as a controller reading freezer.state would) until FROZEN. */
  *freezeAndWait(): Generator<KthreadYield, void, void> {
    this.freeze();
    for (let waited = 0; !this.frozen(); waited += FREEZE_POLL) {
      if (!this.init.alive) throw new CrError(ESRCH, "the container's init exited during the freeze");
      if (waited >= FREEZE_TIMEOUT) throw new CrError(EBUSY, `the container did not freeze within ${FREEZE_TIMEOUT} cycles`);
      yield { sleep: null, deadline: this.k.clock + FREEZE_POLL };
    }
  }

  thaw(): void {
    const fz = this.k.freezer;
    if (this.group === null) return;
    fz.thaw(this.group);
    if (this.temp) {
      for (const [t, g] of this.moved) if (t.alive) fz.attach(g, t);
      fz.removeGroup(this.group);
    }
    this.group = null;
  }
}
