// Deliberate bugs: each switch puts back one mistake the 2008 review caught in the C/R code, so
// that the workbench can show its cases catch it. They live in the kernel as k.crBugs (set at
// boot from the experiment or the CLI's --bug) and are read where the mistake would be.
export const BUGS = ["try-module-get-this-module", "nsproxy-unpinned", "double-fput", "zero-page-abort"] as const;
export type BugName = (typeof BUGS)[number];

export const BUG_HELP: Record<BugName, string> = {
  "try-module-get-this-module": "a C/R kthread takes its own module reference (try_module_get(THIS_MODULE)) instead of getting it from its caller: rmmod can slip in before it runs",
  "nsproxy-unpinned": "the checkpoint does not pin the target's nsproxy (get_task_struct does not): a target exiting during the dump frees it under the checkpoint",
  "double-fput": "the image file is put twice (in checkpoint() and in context_release()): a refcount underflow",
  "zero-page-abort": "the checkpoint aborts on a page mapped to the zero page (read, never written) instead of saving it as zeroes",
};

export function isBug(name: string): name is BugName {
  return (BUGS as readonly string[]).includes(name);
}
