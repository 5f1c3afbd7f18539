// The fuzz tests' shared target: external/kernel/<codec>'s image of pipe-tree (three processes,
// pipes, files), made once per codec and file, with its intact restart as the baseline.
import { builtinRegistry } from "../../../src/workbench/plugins.ts";
import { prepare, type Target } from "../../../src/workbench/fuzz/runner.ts";

export const registry = builtinRegistry();
export const WORKLOAD = "pipe-tree";
const made = new Map<string, Target>();

export function target(codec: string): Target {
  let t = made.get(codec);
  if (t === undefined) made.set(codec, (t = prepare({ initiator: "external", creator: "kernel", codec }, registry, WORKLOAD, 1)));
  return t;
}
