// The fuzz tests' shared target: external/kernel/<codec>'s image of pipe-tree (three processes,
// pipes, files) or another workload, made once per codec, workload and file, with its intact restart as the baseline.
import { builtinRegistry } from "../../../src/workbench/plugins.ts";
import { prepare, type Target } from "../../../src/workbench/fuzz/runner.ts";

export const registry = builtinRegistry();
export const WORKLOAD = "pipe-tree";
const made = new Map<string, Target>();

export function target(codec: string, workload = WORKLOAD, seed = 1): Target {
  const key = `${codec} ${workload} ${seed}`;
  let t = made.get(key);
  if (t === undefined) made.set(key, (t = prepare({ initiator: "external", creator: "kernel", codec }, registry, workload, seed)));
  return t;
}
