// dump → restore through an image directory: the restored run reproduces the reference in both
// codecs and with both creators, on the rebuilt machine and on a fresh one; two restores of one
// directory give the same trace; a directory from another format version is refused.
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { builtinRegistry } from "../../../src/workbench/plugins.ts";
import { dumpImage, DumpFailed } from "../../../src/workbench/image/dump.ts";
import { ImageDirError, INVENTORY_FILE, type Inventory } from "../../../src/workbench/image/inventory.ts";
import { restoreImage } from "../../../src/workbench/image/restore.ts";

const root = mkdtempSync(join(tmpdir(), "cptbench-dump-test-"));
afterAll(() => rmSync(root, { recursive: true, force: true }));
const registry = builtinRegistry();

let n = 0;
function dump(workload: string, design: string, over: { at?: { kind: "mark" | "insn"; n: number }; leaveRunning?: boolean } = {}): string {
  const [initiator, creator, codec] = design.split("/");
  const dir = join(root, `${workload}-${n++}`);
  dumpImage({
    workload, point: over.at, initiator, creator, codec, pluginOptions: {}, seed: 1, cpus: 1, quantum: 100_000,
    leaveRunning: over.leaveRunning ?? false, dir, registry,
  });
  return dir;
}

const inventory = (dir: string): Inventory => JSON.parse(readFileSync(join(dir, INVENTORY_FILE), "utf8")) as Inventory;

describe("dump → restore", () => {
  it.each([
    ["fork-tree", "external/kernel/cpt"],
    ["pipes", "self/userspace/ckpt"],
    ["threads", "external/userspace/ckpt"],
    ["fdshare", "self/kernel/cpt"],
  ])("%s with %s reproduces the reference on a fresh and on the rebuilt machine", (workload, design) => {
    const dir = dump(workload, design);
    const inv = inventory(dir);
    expect(inv.design).toEqual(Object.fromEntries(["initiator", "creator", "codec"].map((k, i) => [k, design.split("/")[i]])));
    const ref = Buffer.from(inv.reference.stdoutBase64, "base64");
    for (const fresh of [true, false]) {
      const r = restoreImage(dir, { fresh, registry });
      expect(r.mismatch, `fresh=${fresh}`).toBeUndefined();
      expect(r.problems).toEqual([]);
      expect(r.run.status).toBe(inv.reference.exitCode);
      // The restored run prints exactly what the reference printed after the checkpoint.
      expect(Buffer.from(r.run.stdout).equals(ref.subarray(inv.checkpoint.stdoutAt))).toBe(true);
      if (!fresh) expect(r.sameImage).toBe(true);
    }
  });

  it("restoring the same directory twice gives the same trace", () => {
    const dir = dump("pid-forest", "external/kernel/ckpt");
    for (const fresh of [true, false]) {
      const a = restoreImage(dir, { fresh, registry });
      const b = restoreImage(dir, { fresh, registry });
      expect(a.traceHash).toMatch(/^[0-9a-f]{16}$/);
      expect(b.traceHash).toBe(a.traceHash);
    }
  });

  it("--leave-running: the original went on to its end, and the image still restores", () => {
    const dir = dump("hash", "external/kernel/cpt", { leaveRunning: true });
    expect(inventory(dir).mode).toBe("continue");
    expect(restoreImage(dir, { fresh: true, registry }).mismatch).toBeUndefined();
    expect(restoreImage(dir, { fresh: false, registry }).mismatch).toBeUndefined();
  });

  it("writes only the image and the inventory (no temporary file left), and never over an image", () => {
    const dir = dump("hash", "external/kernel/cpt", { at: { kind: "insn", n: 30_000 } });
    const inv = inventory(dir);
    expect(inv.point).toBe("insn:30000");
    expect(new Set(readdirSync(dir))).toEqual(new Set([INVENTORY_FILE, "image.cpt"]));
    expect(() => dumpImage({
      workload: "hash", initiator: "external", creator: "kernel", codec: "cpt", pluginOptions: {}, seed: 1, cpus: 1, quantum: 100_000,
      leaveRunning: false, dir, registry,
    })).toThrow(/already holds an image/);
  });

  it("refuses an image of another format version, as the (edited) inventory says", () => {
    const dir = dump("hash", "self/kernel/ckpt");
    const path = join(dir, INVENTORY_FILE);
    const inv = inventory(dir);
    writeFileSync(path, JSON.stringify({ ...inv, formats: { ...inv.formats, codecVersion: 1 } }));
    expect(() => restoreImage(dir, { fresh: true, registry })).toThrow(ImageDirError);
    expect(() => restoreImage(dir, { fresh: true, registry })).toThrow(/ckpt format version 1; this cptbench reads and writes ckpt version 2/);
    writeFileSync(path, JSON.stringify({ ...inv, inventoryVersion: 7 }));
    expect(() => restoreImage(dir, { fresh: true, registry })).toThrow(/inventory version 7; this cptbench reads version 1/);
  });

  it("a mark the workload never reaches is a usage error, a checkpoint the design cannot take a DumpFailed", () => {
    expect(() => dump("hash", "external/kernel/cpt", { at: { kind: "mark", n: 99 } })).toThrow(ImageDirError);
    // main-signal's process does not catch the self-checkpoint signal before its execve.
    expect(() => dump("main-signal", "self/kernel/cpt", { at: { kind: "insn", n: 10 } })).toThrow(DumpFailed);
  });
});
