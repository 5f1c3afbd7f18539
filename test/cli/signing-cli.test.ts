// --sign/--verify on `run` and `matrix` (every cell signs its images and verifies them at
// restart), and the inspector on a signed image read without its key (shown, with a note that
// the signature was not checked).
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { main } from "../../src/cli/main.ts";
import { captureCli } from "../support/cli.ts";

const io = captureCli(main, { NO_COLOR: "1" });
const root = mkdtempSync(join(tmpdir(), "cptbench-signing-cli-"));
afterAll(() => rmSync(root, { recursive: true, force: true }));
const key = join(root, "key");
const other = join(root, "other");
const signedDir = join(root, "signed");

beforeAll(async () => {
  writeFileSync(key, Buffer.alloc(32, 7));
  writeFileSync(other, Buffer.alloc(32, 9));
  const write = process.stdout.write.bind(process.stdout);
  process.stdout.write = (() => true) as typeof process.stdout.write;
  try {
    expect(await io.cptbench("dump", "--workload", "exit-status", "--design", "external/kernel/ckpt", "--sign", key, "-D", signedDir)).toBe(0);
  } finally {
    process.stdout.write = write;
  }
});

const cell = ["--workload", "exit-status", "--mode", "kill", "--target", "fresh"];

describe("run --sign/--verify", () => {
  it.each(["cpt", "ckpt"])("%s: cells signed and verified with the same key pass", async (codec) => {
    expect(await io.cptbench("run", ...cell, "--codec", codec, "--sign", key, "--verify", key, "--json")).toBe(0);
    const doc = JSON.parse(io.out);
    expect(doc.cells.length).toBeGreaterThan(0);
    expect(doc.cells.every((c: { verdict: string }) => c.verdict === "pass")).toBe(true);
  });

  it("a cell whose image is signed with another key fails, naming the signature", async () => {
    expect(await io.cptbench("run", ...cell, "--sign", key, "--verify", other, "--json")).toBe(1);
    const doc = JSON.parse(io.out);
    expect(doc.cells.every((c: { verdict: string; reason?: string }) => c.verdict === "fail" && /HMAC-SHA256/.test(c.reason ?? ""))).toBe(true);
  });

  it("--verify alone refuses the unsigned images the cells write", async () => {
    expect(await io.cptbench("run", ...cell, "--verify", key, "--json")).toBe(1);
    expect(io.out).toContain("not signed");
  });

  it("a missing key file is a usage error (2) before any cell runs", async () => {
    expect(await io.cptbench("run", ...cell, "--sign", join(root, "nope"))).toBe(2);
    expect(io.err).toContain("cannot read the --sign key file");
  });
});

describe("matrix --sign/--verify", () => {
  it("every combination's cells sign and verify", async () => {
    expect(await io.cptbench("matrix", ...cell, "--initiator", "external", "--fork", "kernel", "--jobs", "1", "--sign", key, "--verify", other, "--json")).toBe(1);
    const doc = JSON.parse(io.out);
    const codecs = new Set(doc.cells.map((c: { codec: string }) => c.codec));
    expect(codecs).toEqual(new Set(["cpt", "ckpt"]));
    expect(doc.cells.every((c: { verdict: string }) => c.verdict === "fail")).toBe(true);
  });
});

describe("image show/decode/x of a signed image without the key", () => {
  it.each([["show"], ["decode", "--json"], ["x", "ps"]])("%s: shown, with a note that the signature was not checked", async (...args) => {
    const [verb, ...rest] = args;
    const argv = verb === "x" ? ["image", "x", signedDir, ...rest] : ["image", verb, ...rest, signedDir];
    expect(await io.cptbench(...argv)).toBe(0);
    expect(io.err).toContain("the signature was not checked");
    expect(io.err).toContain("image verify --key");
  });

  it("show lists the signature trailer as a record", async () => {
    expect(await io.cptbench("image", "show", signedDir)).toBe(0);
    expect(io.out).toContain("signature (HMAC-SHA256)");
  });

  it("verify --key checks it (no note); with another key it is BAD", async () => {
    expect(await io.cptbench("image", "verify", "--key", key, signedDir)).toBe(0);
    expect(io.err).not.toContain("not checked");
    expect(await io.cptbench("image", "verify", "--key", other, signedDir)).toBe(1);
    expect(io.out).toContain("does not match");
  });
});
