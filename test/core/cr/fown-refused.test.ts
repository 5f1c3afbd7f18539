// A checkpoint of a task with a queued F_SETSIG signal (whose si_band/si_fd the model has no
// field for) is refused with EOPNOTSUPP naming the object. (Leases, file owners, O_ASYNC and
// resized pipes are carried now: file-state.test.ts; inotify instances: misc-files.test.ts.)
import { describe, expect, it } from "vitest";
import { collectContainer } from "../../../src/core/cr/collect/collect.ts";
import { POLL_IN } from "../../../src/machine/fs/fown.ts";
import { inotifyFile } from "../../../src/machine/fs/notify/inotify.ts";
import { sendSignal } from "../../../src/machine/kernel/signal.ts";
import { SIGIO } from "../../../src/machine/kernel/signal-names.ts";
import { frozenForkTree, refusal } from "../../support/cr.ts";

describe("a checkpoint refuses what file owners signal", () => {
  it("carries an inotify instance (no longer refused)", () => {
    const { k, init } = frozenForkTree();
    init.files!.installNew(inotifyFile(k, 0, "test"), false);
    const model = collectContainer(k, init, "test");
    expect(model.files.some((f) => f.target.kind === "inotify")).toBe(true);
  });

  it("refuses a queued signal carrying si_band and si_fd", () => {
    const { k, init } = frozenForkTree();
    init.blocked |= 1n << BigInt(SIGIO - 1);
    sendSignal(k, init, { signo: SIGIO, code: POLL_IN, band: 0x41, fd: 3 }, true);
    expect(refusal(k, init).message).toMatch(/^a queued signal 29 carries si_band\/si_fd/);
  });
});
