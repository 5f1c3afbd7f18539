// The bad-input and image cases (REVIEW-CASES.md 6, 7, 12, 13) on every design the built-in
// registry makes: each must pass (quick mode), and each has an assertion that would catch a
// regression of what it measures — the exact errno table, the semantic tamperings refused with
// EINVAL, streaming through the FIFO, the golden bytes.
import { createHash } from "node:crypto";
import { describe, expect, it } from "vitest";
import { resolveCell } from "../../../src/core/cr/registry.ts";
import { builtinRegistry } from "../../../src/workbench/plugins.ts";
import { combinations, comboLabel } from "../../../src/workbench/matrix/combos.ts";
import { INPUT_CASES } from "../../../src/workbench/cases/input-cases.ts";
import { BAD_FDS_CASE, CHECKPOINT_INPUTS, RESTART_INPUTS } from "../../../src/workbench/cases/input-bad-fds.ts";
import { TAMPERED_CASE, type TamperResult } from "../../../src/workbench/cases/input-tampered.ts";
import { PIPE_STREAM_CASE } from "../../../src/workbench/cases/input-pipe-stream.ts";
import { GOLDEN, LAYOUT_CASE, layoutModel } from "../../../src/workbench/cases/input-layout.ts";
import { concatChunks } from "../../../src/workbench/cases/input-support.ts";
import { findCase } from "../../../src/workbench/cases/index.ts";
import { validateModel } from "../../../src/core/cr/restore/validate.ts";
import { CrError } from "../../../src/core/cr/errors.ts";
import type { CaseContext } from "../../../src/workbench/cases/types.ts";

const registry = builtinRegistry();
const ctx: CaseContext = { registry, seed: 1, bugs: new Set(), quick: true };
const designs = combinations(registry);
const streams = (codec: string): boolean => resolveCell(registry.cellContainer({ initiator: "external", creator: "kernel", codec })).codec.streams;

// errno values (Linux's): the table every design must give.
const EPERM = 1, EBADF = 9, EISDIR = 21, EINVAL = 22, ESPIPE = 29, EPIPE = 32, EBADMSG = 74;
const CHECKPOINT_ERRNO: Record<string, number> = {
  "proc file (/proc/self/maps)": EBADF, "proc file open for writing (ns_last_pid)": EINVAL, "read-only fd": EBADF, "closed fd": EBADF,
  "directory": EBADF, "pipe with no reader": EPIPE, "unprivileged caller": EPERM,
};
const RESTART_ERRNO = (codec: string): Record<string, number> => ({
  "proc file (/proc/self/maps)": EINVAL, "write-only fd": EBADF, "closed fd": EBADF, "directory": EISDIR,
  "pipe with no writer": streams(codec) ? EBADMSG : ESPIPE, "unprivileged caller": EPERM,
});

describe("the input cases are registered", () => {
  it("under their numbers and ids", () => {
    expect(INPUT_CASES.map((c) => [c.number, c.id])).toEqual([[6, "bad-fds"], [7, "tampered-images"], [12, "pipe-stream"], [13, "layout"]]);
    expect(findCase("7")).toBe(TAMPERED_CASE);
    expect(findCase("layout")).toBe(LAYOUT_CASE);
  });
});

describe.each(designs.map((d) => [comboLabel(d), d] as const))("%s", (_label, design) => {
  it("bad-fds: the exact errno for every bad input, nothing changed", () => {
    const o = BAD_FDS_CASE.run(design, ctx);
    expect(o.reason).toBeUndefined();
    expect(o.verdict).toBe("pass");
    const want = Object.fromEntries([
      ...CHECKPOINT_INPUTS.map((i) => [`checkpoint: ${i}`, CHECKPOINT_ERRNO[i]]),
      ...RESTART_INPUTS.map((i) => [`restart: ${i}`, RESTART_ERRNO(design.codec)[i]]),
    ]);
    expect(o.figures).toEqual(want);
  });

  it("tampered-images: every tampering refused, nothing left, the intact image restarts", () => {
    const o = TAMPERED_CASE.run(design, ctx);
    expect(o.reason).toBeUndefined();
    expect(o.verdict).toBe("pass");
    const results = o.details as TamperResult[];
    // The inconsistencies no codec check sees are refused by the restore side's validation.
    for (const name of ["a thread moved to another process", "a thread with an address space other than its leader's", "a parent that comes later", "two tasks with one pid"]) {
      const r = results.find((x) => x.name === name)!;
      expect(r.verdict, name).toBe("refused");
      expect(r.errno, name).toBe(EINVAL);
      expect(r.message, name).toMatch(/inconsistent image/);
    }
    expect(results.filter((r) => r.kind === "bytes" && r.name.startsWith("truncated")).every((r) => r.errno === EBADMSG)).toBe(true);
    expect(results.some((r) => r.verdict === "accepted")).toBe(false);
    // Both codecs carry checksums (issue 17): no flipped bit restarts.
    expect(o.figures["bit flips undetected (no checksum)"]).toBe(0);
    expect(results.filter((r) => r.name.startsWith("a bit flipped")).every((r) => r.verdict === "refused")).toBe(true);
    expect(o.figures["intact image restarts"]).toBe(true);
  });

  it("pipe-stream: a streaming codec restores through the FIFO, a seeking one is refused with ESPIPE", () => {
    const o = PIPE_STREAM_CASE.run(design, ctx);
    expect(o.verdict).toBe("pass");
    expect(o.figures.streams).toBe(streams(design.codec));
    if (streams(design.codec)) {
      expect(o.figures["restart read before dump ended"]).toBe(true);
      expect(o.figures["image bytes"]).toBeGreaterThan(64 * 1024);
      expect(o.figures["restart result"]).toBeGreaterThan(0);
    } else {
      expect(o.figures["restart result"]).toBe(-ESPIPE);
      expect(o.figures["image bytes"]).toBe(0);
    }
  });

  it("layout: the golden bytes, and the model back", () => {
    const o = LAYOUT_CASE.run(design, ctx);
    expect(o.verdict).toBe("pass");
    expect(o.figures.sha256).toBe(GOLDEN[design.codec].sha256);
  });
});

describe("what the cases would catch", () => {
  it("layout: one field changed gives other bytes; an unknown codec has no golden bytes", () => {
    for (const codecName of Object.keys(GOLDEN)) {
      const codec = resolveCell(registry.cellContainer({ initiator: "external", creator: "kernel", codec: codecName })).codec;
      const m = layoutModel();
      m.tasks[0].regs!.pc += 2;
      expect(createHash("sha256").update(concatChunks(codec.encode(m))).digest("hex")).not.toBe(GOLDEN[codecName].sha256);
    }
    const unknown = { ...designs[0], codec: "no-such-codec" };
    expect(LAYOUT_CASE.run(unknown, ctx)).toMatchObject({ verdict: "unsupported", reason: "no golden bytes for codec no-such-codec" });
  });

  it("validateModel refuses a thread with another process's address space, and accepts the layout model", () => {
    expect(() => validateModel(layoutModel())).not.toThrow();
    const m = layoutModel();
    m.tasks[1].mmId = 2;
    let err: unknown;
    try {
      validateModel(m);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(CrError);
    expect((err as CrError).errno).toBe(EINVAL);
    expect((err as CrError).message).toMatch(/task 2 is a thread of task 1's process but has mm 2, not its leader's mm 1/);
  });
});
