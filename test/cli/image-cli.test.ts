// cptbench dump, restore and image in-process: exit statuses, what goes to stdout and stderr, and
// clear errors for a bad -D. One spawned run checks an image read from a pipe.
import { spawnSync } from "node:child_process";
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { main } from "../../src/cli/main.ts";
import { captureCli } from "../support/cli.ts";

const io = captureCli(main, { NO_COLOR: "1" });
const root = mkdtempSync(join(tmpdir(), "cptbench-image-cli-"));
afterAll(() => rmSync(root, { recursive: true, force: true }));
const BIN = join(import.meta.dirname, "..", "..", "bin", "cptbench.mjs");

const es = join(root, "exit-status");
const ft = join(root, "fork-tree");
const ftLate = join(root, "fork-tree-late");
beforeAll(async () => {
  // captureCli's spies are per test: these dumps print to the real stdout, silenced here.
  const write = process.stdout.write.bind(process.stdout);
  process.stdout.write = (() => true) as typeof process.stdout.write;
  try {
    expect(await io.cptbench("dump", "--workload", "exit-status", "-D", es)).toBe(0);
    expect(await io.cptbench("dump", "--workload", "fork-tree", "--design", "self/userspace/ckpt", "-D", ft)).toBe(0);
    expect(await io.cptbench("dump", "--workload", "fork-tree", "--design", "self/userspace/ckpt", "--at", "mark:2", "-D", ftLate)).toBe(0);
  } finally {
    process.stdout.write = write;
  }
});

describe("cptbench dump / restore", () => {
  it("restore passes the restored output through and exits with the program's status", async () => {
    const inv = JSON.parse(readFileSync(join(es, "inventory.json"), "utf8"));
    expect(inv.reference.exitCode).toBe(3);
    expect(await io.cptbench("restore", "-D", es)).toBe(3);
    const ref = Buffer.from(inv.reference.stdoutBase64, "base64").subarray(inv.checkpoint.stdoutAt).toString();
    expect(io.out).toBe(ref);
  });

  it("restore --check exits 0 when the run matches the reference, with --stats giving the trace hash", async () => {
    expect(await io.cptbench("restore", "-D", ft, "--fresh", "--check", "--stats", "json")).toBe(0);
    expect(io.err).toContain("matches the reference (fork-tree at mark:1, fresh machine)");
    const stats = JSON.parse(io.err.split("\n").find((l) => l.startsWith("{"))!);
    expect(stats).toMatchObject({ target: "fresh", exitCode: 0, match: true, oopses: 0 });
    expect(stats.traceHash).toMatch(/^[0-9a-f]{16}$/);
  });

  it("restore --check exits 1 with the reason when the output differs", async () => {
    const dir = join(root, "edited");
    mkdirSync(dir);
    for (const f of ["inventory.json", "image.cpt"]) copyFileSync(join(es, f), join(dir, f));
    const inv = JSON.parse(readFileSync(join(dir, "inventory.json"), "utf8"));
    inv.reference.exitCode = 4;
    writeFileSync(join(dir, "inventory.json"), JSON.stringify(inv));
    expect(await io.cptbench("restore", "-D", dir, "--fresh", "--check")).toBe(1);
    expect(io.err).toContain("mismatch: the restored run exited 3, the reference 4");
  });

  it("a bad -D is a clear error with exit status 2", async () => {
    expect(await io.cptbench("restore", "-D", join(root, "missing"))).toBe(2);
    expect(io.err).toContain(`-D ${join(root, "missing")}: no such directory`);
    const empty = join(root, "empty");
    mkdirSync(empty);
    expect(await io.cptbench("restore", "-D", empty)).toBe(2);
    expect(io.err).toContain("is not an image directory: it has no inventory.json");
    expect(await io.cptbench("image", "x", empty, "ps")).toBe(2);
    expect(await io.cptbench("dump", "--workload", "hash", "-D", es)).toBe(2);
    expect(io.err).toContain("already holds an image");
    const file = join(root, "a-file");
    writeFileSync(file, "x");
    expect(await io.cptbench("dump", "--workload", "hash", "-D", file)).toBe(2);
    expect(io.err).toContain("not a directory");
    expect(io.err).not.toMatch(/\n\s+at /);
  });

  it("an inventory of another format version is refused with exit status 2", async () => {
    const dir = join(root, "old");
    mkdirSync(dir);
    for (const f of ["inventory.json", "image.cpt"]) copyFileSync(join(es, f), join(dir, f));
    const inv = JSON.parse(readFileSync(join(dir, "inventory.json"), "utf8"));
    inv.formats.codecVersion = 0x200;
    writeFileSync(join(dir, "inventory.json"), JSON.stringify(inv));
    expect(await io.cptbench("restore", "-D", dir)).toBe(2);
    expect(io.err).toContain("cpt format version 512; this cptbench reads and writes cpt version 256: dump it again");
  });
});

describe("cptbench image", () => {
  it("x DIR ps shows the process tree; sockets says there are none yet", async () => {
    expect(await io.cptbench("image", "x", ft, "ps")).toBe(0);
    expect(io.out).toMatch(/^ {3}1 {4}1 \(ns 1\).*cptbench-ctl\n {3}2 {4}2 \(ns 1\).* └─ fork-tree$/m);
    io.out = "";
    expect(await io.cptbench("image", "x", ft, "sockets")).toBe(0);
    expect(io.out).toBe("no sockets: images carry none yet (a checkpoint of a task holding an AF_UNIX socket is refused)\n");
    expect(await io.cptbench("image", "x", ft, "nope")).toBe(2);
  });

  it("show lists the records and what they hold", async () => {
    expect(await io.cptbench("image", "show", es)).toBe(0);
    expect(io.out).toMatch(/^.*image\.cpt: cpt image, \d+ bytes, format version 256$/m);
    expect(io.out).toMatch(/^ {2}00000000 +80 {2}cpt_major_hdr$/m);
    // Sections at depth 0, their objects one step in, nested objects (a task's registers) two.
    expect(io.out).toMatch(/^ {2}[0-9a-f]{8} +\d+ {2}CPT_SECT tasks\n {2}[0-9a-f]{8} +\d+ {4}CPT_OBJ_TASK\n {2}[0-9a-f]{8} +\d+ {6}CPT_OBJ_RISCV32_REGS$/m);
    expect(io.out).not.toContain("unknown");
    expect(io.out).toMatch(/^holds: 2 tasks, /m);
  });

  it("decode then encode gives the image back byte for byte", async () => {
    expect(await io.cptbench("image", "decode", "--json", ft)).toBe(0);
    const json = join(root, "ft.json");
    writeFileSync(json, io.out);
    const out = join(root, "ft.ckpt");
    expect(await io.cptbench("image", "encode", json, "-o", out)).toBe(0);
    expect(readFileSync(out).equals(readFileSync(join(ft, "image.ckpt")))).toBe(true);
  });

  it("verify: 0 for a good image, 1 for a flipped byte (ckpt) or a truncated image (both codecs)", async () => {
    expect(await io.cptbench("image", "verify", ft)).toBe(0);
    expect(io.out).toContain("OK");
    const img = readFileSync(join(ft, "image.ckpt"));
    const flipped = join(root, "flipped.ckpt");
    const bad = Buffer.from(img);
    bad[bad.length >> 1] ^= 1;
    writeFileSync(flipped, bad);
    io.out = "";
    expect(await io.cptbench("image", "verify", flipped)).toBe(1);
    expect(io.out).toMatch(/BAD: .*CRC/i);
    for (const [dir, file] of [[ft, "image.ckpt"], [es, "image.cpt"]]) {
      const cut = join(root, `cut-${file}`);
      writeFileSync(cut, readFileSync(join(dir, file)).subarray(0, 5000));
      io.out = "";
      expect(await io.cptbench("image", "verify", cut)).toBe(1);
      expect(io.out).toMatch(/BAD: .*truncated/);
    }
  });

  it("diff of two dumps at different points names the objects that differ, exit 1", async () => {
    expect(await io.cptbench("image", "diff", ft, ftLate)).toBe(1);
    expect(io.out).toMatch(/^tasks\[id \d+\]: /m);
    io.out = "";
    expect(await io.cptbench("image", "diff", ft, join(ft, "image.ckpt"))).toBe(0);
    expect(io.out).toBe("the images hold the same objects\n");
  });

  it("reads a ckpt image from a pipe", () => {
    const r = spawnSync(process.execPath, [BIN, "image", "x", "-", "ps"], { input: readFileSync(join(ft, "image.ckpt")), encoding: "utf8" });
    expect(r.stderr).toBe("");
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/└─ fork-tree/);
  });
});
