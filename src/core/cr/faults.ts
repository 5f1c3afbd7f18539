// Fault injection at named checkpoint and restart steps (`--fault STEP:ERRNO`, like CRIU_FAULT):
// the C/R module a cell builds carries the faults (crModule's design.faults), and the frame and
// the restart recipe fail the named step with that errno, as if the kernel had run out of memory
// or a write had failed right there. The point is the error path: a checkpoint that fails gives
// the container back, a restart that fails leaves nothing behind, and the trace names the step.
// The steps are data: `cptbench run --fault list` prints this table.
import { CptbenchError } from "../../machine/errors.ts";
import { errnoByName, errnoName } from "../../machine/kernel/errno.ts";
import { CrError } from "./errors.ts";

export interface FaultPoint {
  readonly name: string;
  readonly op: "checkpoint" | "restart";
  /** Where it fails, in words. */
  readonly where: string;
  /** The initiators (checkpoint) or creators (restart) that have this step; absent: every one. */
  readonly only?: readonly string[];
  /** The step is the codec's work: worth testing in every codec. */
  readonly codec?: boolean;
}

export const FAULT_POINTS: readonly FaultPoint[] = [
  { name: "pre-dump", op: "checkpoint", where: "the controller's pre-dump hook, before the freeze", only: ["external"] },
  { name: "freeze", op: "checkpoint", where: "before the container is frozen" },
  { name: "collect", op: "checkpoint", where: "the frozen container's model is taken (nothing written yet)" },
  { name: "write", op: "checkpoint", where: "the image is encoded and written to its fd", codec: true },
  { name: "thaw-or-kill", op: "checkpoint", where: "after the dump, before the container is thawed (or killed with CPT_KILL)" },
  { name: "post-dump", op: "checkpoint", where: "the controller's post-dump hook, the container still frozen", only: ["external"] },
  { name: "read", op: "restart", where: "before the first byte of the image is read", codec: true },
  { name: "decode", op: "restart", where: "the image has been read, before the codec makes the model of it", codec: true },
  { name: "validate", op: "restart", where: "the model is checked against the kernel's limits, confinement and credentials" },
  { name: "create-namespaces", op: "restart", where: "the container's pid namespaces are made" },
  { name: "create-pids", op: "restart", where: "the saved pids are taken in the new namespaces (the user-space creator: the taskless ones)" },
  { name: "restore-creds", op: "restart", where: "the credentials are made (pids and namespaces exist)" },
  { name: "restore-sighand", op: "restart", where: "the signal handler tables are made (after the credentials)" },
  { name: "restore-tree", op: "restart", where: "the container's file tree is built (every shared object exists)" },
  { name: "restore-mm", op: "restart", where: "the address spaces and their pages are made (the tree exists)" },
  { name: "create-tasks", op: "restart", where: "kernel: as the last task is made (the others exist); userspace: once every forked task has arrived" },
  { name: "restore-files", op: "restart", where: "the open files, fd tables and fs contexts are made (the tasks exist)" },
  { name: "commit", op: "restart", where: "everything is restored, before the container is committed and resumed" },
];

/** A fault the command line or a config names, as written: "restore-mm:ENOMEM". */
export const FAULT_PATTERN = /^[a-z-]+:E[A-Z0-9]+$/;

/** A --fault value that names no step or no errno. Exit status 2. */
export class FaultSpecError extends CptbenchError {}

/** The fault injection a C/R module carries: step name → errno. */
export type Faults = ReadonlyMap<string, number>;

/** "STEP:ERRNO" → [step, errno]; FaultSpecError naming the steps or the problem otherwise. */
export function parseFault(spec: string): [string, number] {
  const colon = spec.lastIndexOf(":");
  const step = colon < 0 ? spec : spec.slice(0, colon);
  const name = colon < 0 ? "" : spec.slice(colon + 1);
  if (!FAULT_POINTS.some((p) => p.name === step)) {
    throw new FaultSpecError("FAULT_STEP", `--fault ${spec}: no step "${step}"; the steps are ${FAULT_POINTS.map((p) => p.name).join(", ")} (--fault list says where each fails)`);
  }
  const errno = errnoByName(name);
  if (errno === undefined) throw new FaultSpecError("FAULT_ERRNO", `--fault ${spec}: "${name}" is no errno name (write STEP:ERRNO, e.g. ${step}:ENOMEM)`);
  return [step, errno];
}

/** The faults of a list of specs; the same step twice is an error (which errno would it be?). */
export function faultSet(specs: readonly string[] = []): Faults {
  const out = new Map<string, number>();
  for (const s of specs) {
    const [step, errno] = parseFault(s);
    const had = out.get(step);
    if (had !== undefined && had !== errno) throw new FaultSpecError("FAULT_TWICE", `--fault names step ${step} twice (${errnoName(had)} and ${errnoName(errno)})`);
    out.set(step, errno);
  }
  return out;
}

/**
 * The faults among `specs` that the design (initiator, creator) has no step for: they would
 * never fire, so a run that asks for them is refused rather than passed silently.
 */
export function faultsNotIn(specs: readonly string[], initiator: string, creator: string): string[] {
  return specs.filter((s) => {
    const p = FAULT_POINTS.find((q) => q.name === parseFault(s)[0])!;
    return p.only !== undefined && !p.only.includes(p.op === "checkpoint" ? initiator : creator);
  });
}

/** Throw the injected failure if `faults` names `step`; the message names the step and the errno. */
export function injectFault(faults: Faults | undefined, step: string): void {
  const errno = faults?.get(step);
  if (errno !== undefined) throw new CrError(errno, `injected fault at step ${step} (--fault ${step}:${errnoName(errno)})`);
}

/** The step table as `--fault list` prints it. */
export function faultListText(): string {
  const w = Math.max(...FAULT_POINTS.map((p) => p.name.length));
  const lines = FAULT_POINTS.map((p) => `  ${p.name.padEnd(w)}  ${p.op.padEnd(10)}  ${p.where}${p.only !== undefined ? ` [${p.only.join(", ")} only]` : ""}`);
  return [
    "--fault STEP:ERRNO fails the named step with errno ERRNO (by name: ENOMEM, EIO, ENOSPC...), as CRIU_FAULT does.",
    "A failed checkpoint gives the container back; a failed restart leaves nothing behind. Repeatable.",
    "",
    ...lines,
  ].join("\n");
}
