// --fault at every restart step (issue 17 item 7), in both creators and both codecs: the
// restart fails with the injected errno, the trace names the step, and nothing is left behind —
// the same kernel objects and page frames as before the restart, the same files — and the
// machine shuts down without an oops. The image is checkpointed once per design; each fault runs
// on a fresh machine whose C/R module carries it, as a `cptbench run --fault` cell would.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { FAULT_POINTS } from "../../../src/core/cr/faults.ts";
import { errnoName, EIO, ENOMEM, ENOSPC, EAGAIN } from "../../../src/machine/kernel/errno.ts";
import { bootMachine, IMAGE_PATH, startRestart, writeGuestFile, ctlLog, RESTART_LOG } from "../../../src/workbench/scenario/setup.ts";
import { crTrace } from "../../../src/core/cr/trace.ts";
import { experiment, openvzDesign } from "../../support/cr.ts";
import { checkpointedIn, DESIGNS, hostDigest, live } from "../../support/tamper.ts";

const HELLO = readFileSync(join(import.meta.dirname, "..", "..", "fixtures", "guest", "hello.elf"));
const RESTART_STEPS = FAULT_POINTS.filter((p) => p.op === "restart");
/** Errnos handed out in turn, so a fault's errno is seen to be the one the restart returns. */
const ERRNOS = [ENOMEM, EIO, ENOSPC, EAGAIN];

describe.each(DESIGNS)("--fault at every restart step: $codec codec, $creator creator", ({ codec, creator }) => {
  const c = checkpointedIn("pipe-tree", codec, creator);
  c.k.shutdown();

  it.each(RESTART_STEPS.map((p, i) => [p.name, ERRNOS[i % ERRNOS.length]] as const))("%s fails with its errno and leaves nothing behind", (step, errno) => {
    const exp = experiment({ codec, creator, faults: [`${step}:${errnoName(errno)}`] });
    const d = openvzDesign(exp);
    const m = bootMachine(exp, c.w, d.module());
    const k = m.kernel;
    writeGuestFile(m, IMAGE_PATH, c.image);
    // The machine's init comes with its first process: a program that only exits boots it.
    k.spawn(HELLO, ["hello"], [], "/bin/hello");
    k.run();
    // The restarter's log takes one page of /var/cpt whatever happens: have it there already.
    writeGuestFile(m, RESTART_LOG, new TextEncoder().encode("before the restart\n"));
    const objects = live(k);
    const frames = k.frames.inUse;
    const files = hostDigest(m);
    const rst = startRestart(m, c.w, d.restarter);
    for (let i = 0; i < 100_000 && rst.alive; i++) if (k.run(20_000, true) === 0) break;
    expect(rst.alive).toBe(false);
    expect(ctlLog(m, RESTART_LOG).find(([what]) => what === "restart")).toEqual(["restart", -errno]);
    const op = crTrace(k).ops.find((o) => o.op === "restart")!;
    expect(op.result).toBe(-errno);
    expect(op.error).toMatch(new RegExp(`^[a-z-]+: injected fault at step ${step} \\(--fault ${step}:${errnoName(errno)}\\)$`));
    // Every process the restart made is gone, and so is everything it made for them.
    expect(live(k)).toEqual(objects);
    expect(k.frames.inUse, "page frames").toBe(frames);
    expect(hostDigest(m)).toEqual(files);
    k.killAll();
    k.run();
    k.shutdown();
    expect(k.oopses.count).toBe(0);
  });
});
