// With confinement switched off (a test seam: confineModel mocked to accept everything), the
// semantic edit that escaped on the old code — a tree root of /bin — replaces the machine's /bin,
// and the classifier must call it an escape. The same edit is "rejected" in classify.test.ts.
// Likewise with the image's credentials unchecked (refuseImageCreds mocked), an unprivileged
// restarter's image edited to uid 0 restores root tasks: an escape (a privilege gain).
import { describe, expect, it, vi } from "vitest";
import { classify } from "../../../src/workbench/fuzz/classify.ts";
import { concatChunks } from "../../../src/workbench/cases/input-support.ts";
import type { CheckpointModel } from "../../../src/core/cr/model.ts";
import { prepare } from "../../../src/workbench/fuzz/runner.ts";
import { registry, target, WORKLOAD } from "./target.ts";

/** The container's tree moved to `to`: its root and every path of the image below it. */
function moveTree(m: CheckpointModel, to: string): void {
  const from = m.container.treeRoot;
  const mv = (p: string): string => (p === from || p.startsWith(`${from}/`) ? to + p.slice(from.length) : p);
  m.container.treeRoot = to;
  for (const f of m.fsContexts) [f.cwd, f.root] = [mv(f.cwd), mv(f.root)];
  for (const f of m.files) if (f.target.kind === "inode") f.target.path = mv(f.target.path);
  for (const mm of m.mms) for (const v of mm.vmas) if (v.backing.kind === "file") v.backing.path = mv(v.backing.path);
}

vi.mock("../../../src/core/cr/restore/confine.ts", async (importOriginal) => ({
  ...(await importOriginal<typeof import("../../../src/core/cr/restore/confine.ts")>()),
  confineModel: () => {},
}));
vi.mock("../../../src/core/cr/creds.ts", async (importOriginal) => ({
  ...(await importOriginal<typeof import("../../../src/core/cr/creds.ts")>()),
  refuseImageCreds: () => {},
}));

describe.each(["cpt", "ckpt"])("without confinement, on %s images", (codec) => {
  it("a tree root of /bin is an escape", () => {
    const t = target(codec);
    const m = structuredClone(t.model);
    moveTree(m, "/bin");
    const c = classify(t.fd, t.base, concatChunks(t.codec.encode(m)));
    expect(c.cls).toBe("escape");
    expect(c.detail).toMatch(/\/bin/);
  });
});

describe("without the credential check, restarting as uid 1000", () => {
  const t = prepare({ initiator: "external", creator: "kernel", codec: "cpt" }, registry, WORKLOAD, 1, undefined, 1000);

  it("its own image restores identical", () => {
    expect(classify(t.fd, t.base, t.image).cls).toBe("identical");
  });

  it("an image edited to uid 0 is an escape: a privilege gain", () => {
    const m = structuredClone(t.model);
    for (const c of m.creds) Object.assign(c, { uid: 0, euid: 0, suid: 0, fsuid: 0 });
    const c = classify(t.fd, t.base, concatChunks(t.codec.encode(m)));
    expect(c.cls).toBe("escape");
    expect(c.detail).toMatch(/privilege gain: restored task .*uid 0 is none of the caller's uids/);
  });
});
