// The classifier on known inputs: the intact image encoded again restarts identical; a tree root
// of /bin (an escape before confinement) is rejected with a message naming it; an image whose
// output changes is "different"; a restart that cannot end is a runaway; a failed restart that
// does not give a frame back (abort patched through a spy) is a leak; a JS exception in
// the restore is a host exception, not a crash of the fuzzer.
import { afterEach, describe, expect, it, vi } from "vitest";
import { Restorer } from "../../../src/core/cr/restore/restorer.ts";
import { CrError, ENOMEM } from "../../../src/core/cr/errors.ts";
import { classify, namesRecord } from "../../../src/workbench/fuzz/classify.ts";
import { concatChunks } from "../../../src/workbench/cases/input-support.ts";
import type { CheckpointModel } from "../../../src/core/cr/model.ts";
import type { Kernel } from "../../../src/machine/kernel/kernel.ts";
import { prepare } from "../../../src/workbench/fuzz/runner.ts";
import { registry, target, WORKLOAD } from "./target.ts";

afterEach(() => vi.restoreAllMocks());

describe.each(["cpt", "ckpt"])("the classifier on %s images", (codec) => {
  const t = target(codec);
  const edited = (edit: (m: CheckpointModel) => void): Uint8Array => {
    const m = structuredClone(t.model);
    edit(m);
    return concatChunks(t.codec.encode(m));
  };

  it("an unmutated re-encode is restored identical", () => {
    const c = classify(t.fd, t.base, edited(() => {}));
    expect(c).toEqual({ cls: "identical", detail: "" });
  });

  it("a tree root of /bin is rejected, the message naming the tree root", () => {
    const c = classify(t.fd, t.base, edited((m) => (m.container.treeRoot = "/bin")));
    expect(c.cls).toBe("rejected");
    expect(c.detail).toMatch(/tree root \/bin/);
    expect(c.named).toBe(true);
  });

  it("changed memory that changes the output is restored different", () => {
    // The page holding the rest of the output string: "pipe-tree" prints what its children send.
    const image = edited((m) => {
      for (const mm of m.mms) for (const p of mm.pages) p.data.fill(0);
    });
    const c = classify(t.fd, t.base, image);
    expect(["different", "runaway"]).toContain(c.cls);
  });

  it("a restore that never ends is a runaway (the budget is instructions, not time)", () => {
    const c = classify({ ...t.fd, budget: 1 }, t.base, edited(() => {}));
    expect(c.cls).toBe("runaway");
  });

  it("a failed restart that keeps a page frame is a leak", () => {
    // The restore fails at its files, after tasks and memory exist; abort() then forgets a frame.
    vi.spyOn(Restorer.prototype, "makeFiles").mockImplementation(() => {
      throw new CrError(ENOMEM, "test: no memory for the files");
    });
    const abort = Restorer.prototype.abort;
    vi.spyOn(Restorer.prototype, "abort").mockImplementation(function (this: Restorer) {
      abort.call(this);
      (this as unknown as { k: Kernel }).k.frames.alloc();
    });
    const c = classify(t.fd, t.base, edited(() => {}));
    expect(c).toEqual({ cls: "leak", detail: "after the failed restart: frames +1" });
  });

  it("a failed restart that gives everything back is rejected, naming its reason", () => {
    vi.spyOn(Restorer.prototype, "makeFiles").mockImplementation(() => {
      throw new CrError(ENOMEM, "test: no memory for the files");
    });
    const c = classify(t.fd, t.base, edited(() => {}));
    expect(c.cls).toBe("rejected");
    expect(c.errno).toBe(ENOMEM);
    expect(c.detail).toMatch(/no memory for the files/);
  });

  it("a JS exception inside the restore is a host exception", () => {
    vi.spyOn(Restorer.prototype, "makeFiles").mockImplementation(() => {
      throw new TypeError("test: cannot read properties of undefined");
    });
    const c = classify(t.fd, t.base, edited(() => {}));
    expect(c.cls).toBe("host-exception");
    expect(c.detail).toMatch(/TypeError|cannot read properties/);
  });
});

describe("an init whose exit signal its restarter does not wait for", () => {
  it("is restored different, not an escape (the restart's kthread may outlive the restarter)", () => {
    // threads, exit signal 65 (legacy clone takes any CSIGNAL value): the restarter's wait4
    // without __WCLONE finds no child and ends while cpt_rst is still on its way out; the fuzz
    // campaign once called that kthread a task in the restarter's pid namespace.
    // Seed 4: the schedule under which the campaign found it.
    const t = target("cpt", "threads", 4);
    const m = structuredClone(t.model);
    m.tasks[m.container.initTaskId - 1].exitSignal = 65;
    const c = classify(t.fd, t.base, concatChunks(t.codec.encode(m)));
    expect(c).toEqual({ cls: "different", detail: `exit status 1, intact ${t.base.status}` });
  });
});

describe("restarting as uid 1000 with CAP_CHECKPOINT_RESTORE", () => {
  const t = prepare({ initiator: "external", creator: "kernel", codec: "ckpt" }, registry, WORKLOAD, 1, undefined, 1000);

  it("an image edited to uid 0 is rejected with EPERM, naming the credential", () => {
    const m = structuredClone(t.model);
    m.creds[0].uid = 0;
    const c = classify(t.fd, t.base, concatChunks(t.codec.encode(m)));
    expect(c.cls).toBe("rejected");
    expect(c.errno).toBe(1);
    expect(c.detail).toMatch(/uid 0/);
  });
});

describe("namesRecord", () => {
  it.each([
    ["read-decode: fs context 2: cwd / is outside the container's tree /ct/pipe-tree", true],
    ["read-decode: bad ckpt image: CKPT_HDR_FS at byte 60480: 1 unexplained bytes", true],
    ["read-decode: bad image: cred 1 uid = 4294967296: not a valid id", true],
    ["restart: Invalid argument", false],
    ["", false],
  ])("%s -> %s", (msg, named) => expect(namesRecord(msg)).toBe(named));
});
