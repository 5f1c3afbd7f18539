// A restart that fails leaves nothing behind: a malformed image is refused before anything is
// made; a failure halfway through creation (abort() after any number of tasks) takes down every
// object made so far; a pipe is refused for the cpt format (it needs seeking); and a refused
// restart leaves the image usable (a retry from the intact image works).
import { describe, expect, it } from "vitest";
import { collectContainer } from "../../../src/core/cr/collect/collect.ts";
import { Restorer } from "../../../src/core/cr/restore/restorer.ts";
import { crTrace } from "../../../src/core/cr/trace.ts";
import { KOBJECT_TYPES } from "../../../src/machine/kernel/kref.ts";
import type { Kernel } from "../../../src/machine/kernel/kernel.ts";
import { walkTmpfs } from "../../../src/core/cr/restore/tree.ts";
import { CPT_KILL } from "../../../src/core/cr/interfaces.ts";
import { KernelCreator } from "../../../src/plugins/kernel-fork/creator.ts";
import { CptCodec } from "../../../src/plugins/openvz-cpt/codec/cpt-codec.ts";
import { O_RDONLY } from "../../../src/machine/fs/constants.ts";
import { openPath } from "../../../src/machine/fs/open.ts";
import { IMAGE_PATH, readGuestFile, RESTART_LOG, ctlLog, startRestart, writeGuestFile, workdirOf } from "../../../src/workbench/scenario/setup.ts";
import { armAtMark, frozenAtMark, workloadRef } from "../../support/cr.ts";
import type { CrContext } from "../../../src/core/cr/interfaces.ts";

const EBADMSG = 74;
const ESPIPE = 29;

const live = (k: Kernel): Record<string, number> => Object.fromEntries(KOBJECT_TYPES.map((t) => [t, k.kobj.liveCount(t)]));

/** Checkpoint `name` at its first mark (kill mode) and return the machine, its image and the counts after. */
function checkpointed(name: string) {
  const w = workloadRef(name);
  const a = armAtMark(w, CPT_KILL);
  const k = a.m.kernel;
  for (let i = 0; i < 100_000 && crTrace(k).ops[0]?.done !== true; i++) if (k.run(20_000, true) === 0 && crTrace(k).ops[0]?.done !== true) break;
  k.releaseCptMarks();
  k.run(Infinity, true);
  expect(crTrace(k).ops[0]?.result).toBe(0);
  return { w, m: a.m, k, image: readGuestFile(a.m, IMAGE_PATH)! };
}

/** Run a restart controller to its end; returns what it logged. */
function restart(c: ReturnType<typeof checkpointed>): [string, number][] {
  const log0 = ctlLog(c.m, RESTART_LOG).length;
  const t = startRestart(c.m, c.w);
  for (let i = 0; i < 100_000 && t.alive; i++) if (c.k.run(20_000, true) === 0) break;
  return ctlLog(c.m, RESTART_LOG).slice(log0);
}

describe("restart failures leave nothing behind", () => {
  it("refuses truncated and corrupted cpt images with EBADMSG, then restarts from the intact one", () => {
    const c = checkpointed("fork-tree");
    const treeBefore = walkTmpfs(c.k.vfs, "/ct");
    const entriesBefore = [...(treeBefore!.inode as unknown as { children: Map<string, unknown> }).children.keys()];
    const before = live(c.k);
    const bad: Uint8Array[] = [
      c.image.subarray(0, c.image.length >> 1),
      c.image.subarray(0, 100),
      (() => { const x = c.image.slice(); x[0] ^= 0xff; return x; })(),
      (() => { const x = c.image.slice(); x.fill(0xa5, 200, 260); return x; })(),
    ];
    for (const img of bad) {
      writeGuestFile(c.m, IMAGE_PATH, img);
      expect(restart(c)[0]).toEqual(["restart", -EBADMSG]);
      const op = crTrace(c.k).ops.at(-1)!;
      expect(op.error).toMatch(/bad cpt image/);
      expect(live(c.k)).toEqual(before);
      expect([...(treeBefore!.inode as unknown as { children: Map<string, unknown> }).children.keys()]).toEqual(entriesBefore);
    }
    writeGuestFile(c.m, IMAGE_PATH, c.image);
    const log = restart(c);
    expect(log[0][0]).toBe("restart");
    expect(log[0][1]).toBeGreaterThan(0);
    expect(log[1]).toEqual(["exit", 0]);
    c.k.shutdown();
    expect(c.k.oopses.count).toBe(0);
  });

  it("abort() after any number of created tasks frees every object it made", () => {
    const w = workloadRef("pipe-tree");
    const { m, init } = frozenAtMark(w, 1);
    const k = m.kernel;
    const model = collectContainer(k, init, "test");
    expect(model.tasks.length).toBeGreaterThan(2);
    const caller = [...k.tasks.values()].find((t) => t.pidNs === k.initNs && t.kthread === null)!;
    const before = live(k);
    const frames = k.frames.inUse;
    for (let n = 0; n <= model.tasks.length; n++) {
      const r = new Restorer(k, caller, model);
      r.makeNamespaces();
      r.makePids();
      r.makeShared();
      r.makeTree();
      r.makeMemory();
      for (const tr of model.tasks.slice(0, n)) r.createTask(tr, null, null);
      if (n === model.tasks.length) {
        r.makeFiles();
        r.attachFiles();
      }
      r.abort();
      expect(live(k), `after ${n} tasks`).toEqual(before);
      expect(k.frames.inUse, `frames after ${n} tasks`).toBe(frames);
      expect(walkTmpfs(k.vfs, workdirOf(w))).not.toBeNull();
    }
    m.kernel.shutdown();
    expect(k.oopses.count).toBe(0);
  });

  it("refuses a pipe as the image fd: the cpt format needs seeking", () => {
    const c = checkpointed("hash");
    const caller = [...c.k.tasks.values()].find((t) => t.kthread === null && t.alive) ?? startRestart(c.m, c.w);
    const vfs = c.k.vfs;
    const pipe = vfs.newPipe({ k: c.k, t: caller });
    const rd = openPath({ k: c.k, t: caller }, pipe, O_RDONLY, "test pipe");
    if (typeof rd === "number") throw new Error("pipe open failed");
    const fd = caller.files!.installNew(rd, false);
    const mod = c.k.modules.loaded.get("cptrst")!;
    const cr: CrContext = { k: c.k, module: mod, codec: new CptCodec(), trace: crTrace(c.k) };
    expect(new KernelCreator({}).restart(cr, caller, 0, fd, 0)).toBe(-ESPIPE);
    expect(crTrace(c.k).ops.at(-1)!.error).toMatch(/needs seeking/);
  });
});
