// Images through a pipe: the controller checkpoints into a named FIFO while the restarter, started
// at the same moment, restarts from it — concurrently, through the pipe's 64 KiB buffer. A codec
// that streams restores the container exactly (the restart decodes while the dump still writes);
// one that needs seeking is refused with ESPIPE before anything is made; the controller's open,
// which the restarter's open let go (as on Linux, even though that reader closed again), then
// finds no reader, its checkpoint is refused with EPIPE, and the container, once let go, runs on
// as if nothing had happened. For every codec and creator the registry has.
import { describe, expect, it } from "vitest";
import { resolveCell } from "../../../src/core/cr/registry.ts";
import { builtinRegistry } from "../../../src/workbench/plugins.ts";
import { CPT_KILL } from "../../../src/core/cr/interfaces.ts";
import { crTrace } from "../../../src/core/cr/trace.ts";
import { PIPE_DEF_BUFFERS } from "../../../src/machine/fs/pipe.ts";
import { PAGE_SIZE } from "../../../src/machine/mm/frame.ts";
import { sendSignal } from "../../../src/machine/kernel/signal.ts";
import { SIGKILL, SIGUSR1 } from "../../../src/machine/kernel/signal-names.ts";
import { referenceRun } from "../../../src/workbench/scenario/reference.ts";
import { bootMachine, ctlLog, CTL_LOG, RESTART_LOG, startRestart, startRun } from "../../../src/workbench/scenario/setup.ts";
import { designOf } from "../../../src/workbench/scenario/runner.ts";
import { experiment, workloadRef } from "../../support/cr.ts";

const FIFO = "/var/cpt/image.fifo";
const ESPIPE = 29;
const EPIPE = 32;

const registry = builtinRegistry();
const cases = registry.names("codec").flatMap((codec) => registry.names("creator").map((creator) => [codec, creator] as const));

describe.each(cases)("checkpoint into a pipe and restart from it, concurrently: codec %s, creator %s", (codec, creator) => {
  it("streams or is refused cleanly", () => {
    const exp = experiment({ codec, creator });
    const design = designOf(exp, registry);
    // cow: several processes sharing pages copy-on-write, an image of about 100 KB.
    const w = workloadRef("cow");
    const ref = referenceRun(exp, w, design.module());
    const m2 = bootMachine(exp, w, design.module());
    const k2 = m2.kernel;
    k2.vfs.installFifo(FIFO);
    const run = startRun(m2, w, CPT_KILL, "controller", FIFO);
    let seen = 0;
    let rst: ReturnType<typeof startRestart> | undefined;
    k2.onCptMark = (t) => {
      if (t.pidNs === k2.initNs || ++seen !== 1) return false;
      sendSignal(k2, run, { signo: SIGUSR1, code: 0 }, true);
      rst = startRestart(m2, w, design.restarter, FIFO);
      return true;
    };
    for (let i = 0; i < 200_000 && (run.alive || rst?.alive === true); i++) {
      if (crTrace(k2).ops.find((o) => o.op === "checkpoint")?.done === true) k2.releaseCptMarks();
      if (k2.run(20_000, true) === 0) break;
    }
    const cpt = crTrace(k2).ops.find((o) => o.op === "checkpoint");
    const rop = crTrace(k2).ops.find((o) => o.op === "restart");
    if (rop === undefined) throw new Error(`no restart: ${JSON.stringify({ ctl: ctlLog(m2, CTL_LOG), rst: ctlLog(m2, RESTART_LOG) })}`);
    const streams = resolveCell(registry.cellContainer({ initiator: "external", creator, codec })).codec.streams;
    if (streams) {
      if (cpt === undefined) throw new Error(`no checkpoint: ${JSON.stringify(ctlLog(m2, CTL_LOG))}`);
      expect(cpt.result).toBe(0);
      expect(rop.result).toBeGreaterThan(0);
      // More than the pipe holds went through it, and the restart was reading before the dump ended.
      expect(cpt.imageBytes).toBeGreaterThan(PIPE_DEF_BUFFERS * PAGE_SIZE);
      expect(rop.imageBytes).toBe(cpt.imageBytes);
      expect(rop.steps[0].start).toBeLessThan(cpt.end);
      expect(ctlLog(m2, RESTART_LOG).at(-1)).toEqual(["exit", ref.exitCode << 8]);
      expect(Buffer.from(m2.console.stdout).toString()).toBe(Buffer.from(ref.stdout).toString());
    } else {
      expect(rop.result).toBe(-ESPIPE);
      expect(rop.error).toMatch(/needs seeking/);
      expect(ctlLog(m2, RESTART_LOG)).toEqual([["restart", -ESPIPE]]);
      // The restarter opened the FIFO and closed it again: the controller's open, waiting for a
      // reader, then returns (a reader came, as Linux's wait_for_partner sees it), and its
      // checkpoint is refused with EPIPE before any step: nothing was dumped.
      expect(cpt?.result).toBe(-EPIPE);
      expect(cpt?.error).toMatch(/is a pipe with no reader/);
      expect(cpt?.steps).toEqual([]);
      expect(cpt?.imageBytes).toBe(0);
      expect(ctlLog(m2, CTL_LOG)[0]).toEqual(["checkpoint", -EPIPE]);
      if (run.alive) sendSignal(k2, run, { signo: SIGKILL, code: 0 }, true);
      k2.releaseCptMarks();
      k2.run();
      expect(Buffer.from(m2.console.stdout).toString()).toBe(Buffer.from(ref.stdout).toString());
    }
    k2.run();
    k2.shutdown();
    expect(k2.oopses.count).toBe(0);
  });
});
