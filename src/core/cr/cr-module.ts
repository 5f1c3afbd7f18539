// The kernel module that carries a C/R design: loading it registers the cpt_operations that
// sys_checkpoint and sys_restart dispatch to (the bound initiator and creator, with the bound
// codec); unloading it unregisters them, after which both syscalls return -ENOSYS. Its kthreads
// run module code: whoever spawns one takes a module reference for it first (__module_get, safe
// because the caller of the syscall already holds one), and the kthread drops it as its last act
// (module_put_and_exit) — never try_module_get(THIS_MODULE) inside the thread, the bug the 2008
// review caught.
import type { Kernel } from "../../machine/kernel/kernel.ts";
import type { Module, ModuleDef } from "../../machine/kernel/module.ts";
import { bugSwitches, type BugSwitch } from "./bugs.ts";
import { faultSet } from "./faults.ts";
import type { CheckpointInitiator, CrContext, ImageCodec, ProcessCreator } from "./interfaces.ts";
import { crTrace } from "./trace.ts";

export interface CrDesign {
  initiator: CheckpointInitiator;
  creator: ProcessCreator;
  codec: ImageCodec;
  /** Deliberate bugs to build the module with (bugs.ts); none normally. */
  bugs?: readonly BugSwitch[];
  /** Steps to fail on purpose ("restore-mm:ENOMEM", faults.ts); none normally. */
  faults?: readonly string[];
}

/**
 * The module `name` serving `design`. Throws BugSwitchError for a bug name bugs.ts does not know,
 * FaultSpecError for a fault naming no step or errno.
 */
export function crModule(name: string, design: CrDesign): ModuleDef {
  const bugs = bugSwitches(design.bugs);
  const faults = faultSet(design.faults);
  return {
    name,
    init(k: Kernel, mod: Module): number {
      if (k.cptOps !== null) return -16; // EBUSY: another C/R module owns the syscalls
      const cr: CrContext = { k, module: mod, codec: design.codec, trace: crTrace(k), bugs, faults };
      k.cptOps = {
        owner: mod,
        checkpoint: (kk, caller, pid, fd, flags) => design.initiator.checkpoint(cr, caller, pid, fd, flags),
        restart: (kk, caller, ctid, fd, flags, arg, argLen) => design.creator.restart(cr, caller, ctid, fd, flags, arg, argLen),
      };
      return 0;
    },
    exit(k: Kernel, mod: Module): void {
      if (k.cptOps?.owner === mod) k.cptOps = null;
    },
  };
}
