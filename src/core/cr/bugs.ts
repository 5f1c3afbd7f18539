// Deliberate bugs: each switch puts back one mistake the 2008 review caught in the C/R code, so
// the workbench can show that its review cases catch it. A switch belongs to the C/R module a
// cell builds (crModule's design.bugs), as a patched module would carry the mistake: the kernel
// knows nothing of them, and a module built without switches runs the correct code. Declared
// here, the lowest layer that reads them; the workbench (cases, config, CLI) imports the names.
import { CptbenchError } from "../../machine/errors.ts";

export const BUG_SWITCHES = ["try-module-get-this-module", "nsproxy-unpinned", "double-fput", "zero-page-abort"] as const;
/** One deliberate bug; a misspelt name is a type error wherever one is written. */
export type BugSwitch = (typeof BUG_SWITCHES)[number];

/** What each switch puts back, and where (the reader named in brackets). */
export const BUG_HELP: Record<BugSwitch, string> = {
  "try-module-get-this-module": "a C/R kthread takes its own module reference (try_module_get(THIS_MODULE)) instead of getting it from its caller: rmmod can slip in before it runs",
  "nsproxy-unpinned": "the checkpoint does not pin the target's nsproxy (get_task_struct does not): a target exiting during the dump frees it under the checkpoint",
  "double-fput": "the image file is put twice (in checkpoint() and in context_release()): a refcount underflow",
  "zero-page-abort": "the checkpoint aborts on a page mapped to the zero page (read, never written) instead of saving it as zeroes",
};

/** An unknown bug name, from code that is not type-checked (a plugin, a script). Exit status 2. */
export class BugSwitchError extends CptbenchError {}

export function isBugSwitch(name: string): name is BugSwitch {
  return (BUG_SWITCHES as readonly string[]).includes(name);
}

/** The switches as a set; BugSwitchError naming the allowed values for any unknown name. */
export function bugSwitches(names: readonly string[] = []): ReadonlySet<BugSwitch> {
  for (const n of names) {
    if (!isBugSwitch(n)) throw new BugSwitchError("BUG_UNKNOWN", `unknown deliberate bug "${n}"; allowed: ${BUG_SWITCHES.join(", ")}`);
  }
  return new Set(names as readonly BugSwitch[]);
}
