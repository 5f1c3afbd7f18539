// Tampered images for the untrusted-image tests: checkpoint a workload in a design, decode its
// image through the codec API, edit the model, encode it again and restart it with the design's
// restarter; and what the machine looks like outside /var/cpt (where the restarter logs), to
// show that a refused restart changed nothing.
import { expect } from "vitest";
import { CPT_KILL } from "../../src/core/cr/interfaces.ts";
import type { CheckpointModel } from "../../src/core/cr/model.ts";
import { crTrace, type CrOpRecord } from "../../src/core/cr/trace.ts";
import { KOBJECT_TYPES } from "../../src/machine/kernel/kref.ts";
import type { Kernel } from "../../src/machine/kernel/kernel.ts";
import type { Task } from "../../src/machine/kernel/task.ts";
import { TmpfsDir } from "../../src/machine/fs/tmpfs/tmpfs.ts";
import { walkTmpfs } from "../../src/core/cr/restore/tree.ts";
import { CptCodec } from "../../src/plugins/openvz-cpt/codec/cpt-codec.ts";
import { CkptCodec } from "../../src/plugins/self-cpt/codec/ckpt-codec.ts";
import type { Machine } from "../../src/machine/machine.ts";
import { ctlLog, IMAGE_PATH, readGuestFile, RESTART_LOG, startRestart, treeDigest, writeGuestFile } from "../../src/workbench/scenario/setup.ts";
import { armAtMark, experiment, openvzDesign, workloadRef } from "./cr.ts";

export const DESIGNS = [
  { codec: "cpt", creator: "kernel" },
  { codec: "cpt", creator: "userspace" },
  { codec: "ckpt", creator: "kernel" },
  { codec: "ckpt", creator: "userspace" },
] as const;

export const codecFor = (name: string): CptCodec | CkptCodec => (name === "cpt" ? new CptCodec() : new CkptCodec());

export const live = (k: Kernel): Record<string, number> => Object.fromEntries(KOBJECT_TYPES.map((t) => [t, k.kobj.liveCount(t)]));

/** Checkpoint `name` at its first mark (external initiator, kill mode) in the design. */
export function checkpointedIn(name: string, codec: string, creator: string) {
  const exp = experiment({ codec, creator });
  const d = openvzDesign(exp);
  const w = workloadRef(name);
  const a = armAtMark(w, CPT_KILL, 1, d, exp);
  const k = a.m.kernel;
  for (let i = 0; i < 100_000 && crTrace(k).ops[0]?.done !== true; i++) if (k.run(20_000, true) === 0 && crTrace(k).ops[0]?.done !== true) break;
  k.releaseCptMarks();
  k.run(Infinity, true);
  expect(crTrace(k).ops[0]?.result).toBe(0);
  const image = readGuestFile(a.m, IMAGE_PATH)!;
  return { w, m: a.m, k, d, image, codec: codecFor(codec) };
}

export type Checkpointed = ReturnType<typeof checkpointedIn>;

/** The image decoded, edited by `edit`, and encoded again. */
export function tampered(c: Checkpointed, edit: (m: CheckpointModel) => void): Uint8Array {
  const model = c.codec.decode(c.image.slice());
  edit(model);
  return Buffer.concat([...c.codec.encode(model)]);
}

/**
 * Restart from `image` with the design's restarter, run until it is gone; `prepare` may change
 * the restarter (its credentials) before it runs, `each` looks at the kernel between slices. Returns its log and the restart's trace record.
 */
export function restartFrom(c: Checkpointed, image: Uint8Array, prepare?: (t: Task) => void, each?: (k: Kernel) => void): { log: [string, number][]; op: CrOpRecord | undefined } {
  writeGuestFile(c.m, IMAGE_PATH, image);
  const log0 = ctlLog(c.m, RESTART_LOG).length;
  const ops0 = crTrace(c.k).ops.length;
  const t = startRestart(c.m, c.w, c.d.restarter);
  prepare?.(t);
  for (let i = 0; i < 100_000 && t.alive; i++) {
    each?.(c.k);
    if (c.k.run(20_000, true) === 0) break;
  }
  return { log: ctlLog(c.m, RESTART_LOG).slice(log0), op: crTrace(c.k).ops.slice(ops0).find((o) => o.op === "restart") };
}

/** A digest of every file of the machine but /var/cpt (the image and the controllers' logs). */
export function hostDigest(m: Machine): string[] {
  const out: string[] = [];
  const walk = (path: string): void => {
    const d = walkTmpfs(m.kernel.vfs, path);
    if (d === null) return;
    if (path === "/var/cpt") return;
    if (!(d.inode instanceof TmpfsDir) || path === "/ct" || path.startsWith("/ct/")) {
      out.push(`${path} ${treeDigest(m, path)} ${d.inode.uid}:${d.inode.gid}`);
      return;
    }
    out.push(`${path}/ dir ${d.inode.mode.toString(8)} ${d.inode.uid}:${d.inode.gid}`);
    for (const name of [...d.inode.children.keys()].sort()) walk(path === "/" ? `/${name}` : `${path}/${name}`);
  };
  walk("/");
  // The containers' directory itself, entry by entry: a leftover temporary tree shows here.
  const ct = walkTmpfs(m.kernel.vfs, "/ct");
  if (ct?.inode instanceof TmpfsDir) out.push(`/ct entries ${[...ct.inode.children.keys()].sort().join(",")}`);
  return out;
}
