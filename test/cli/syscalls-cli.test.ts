// `cptbench syscalls` in-process: --json is the kernel's table row for row, --missing keeps only
// partial and enosys rows, the text table has one line per call, a bad flag is a usage error;
// docs/syscalls.md is what the command's Markdown rendering gives today, and the README links it.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { renderSyscallsMarkdown } from "../../src/cli/syscalls-cmd.ts";
import { syscallRows, type SyscallRow } from "../../src/machine/kernel/syscalls/rows.ts";
import { muslSyscallUsage } from "../../src/workbench/syscall-usage.ts";
import { captureCli } from "../support/cli.ts";

const { main } = await import("../../src/cli/main.ts");

const io = captureCli(main, {});
const cptbench = io.cptbench;
const rows = syscallRows();
const root = join(import.meta.dirname, "..", "..");

describe("cptbench syscalls", () => {
  it("--json prints every row of the table, each with a support level", async () => {
    expect(await cptbench("syscalls", "--json")).toBe(0);
    const out = JSON.parse(io.out) as SyscallRow[];
    expect(out).toEqual(rows);
    expect(out.length).toBeGreaterThanOrEqual(300);
    for (const r of out) expect(["full", "partial", "enosys"]).toContain(r.level);
    expect(out.find((r) => r.name === "pipe2")).toMatchObject({ nr: 59, level: "partial", cr: "pipes, files, fdTables", handler: "sys-fs.ts sysPipe2" });
    expect(out.find((r) => r.name === "socket")).toMatchObject({ nr: 198, level: "partial", handler: "sys-socket.ts sysSocket" });
    expect(out.find((r) => r.name === "sendmmsg")).toMatchObject({ nr: 269, level: "enosys", handler: null });
  });

  it("--missing --json keeps exactly the partial and enosys rows", async () => {
    expect(await cptbench("syscalls", "--missing", "--json")).toBe(0);
    const out = JSON.parse(io.out) as SyscallRow[];
    expect(out).toEqual(rows.filter((r) => r.level !== "full"));
    expect(out.some((r) => r.level === "partial")).toBe(true);
    expect(out.some((r) => r.level === "enosys")).toBe(true);
  });

  it("prints a compact table: a header, one line per call (number, name, level, note), the counts", async () => {
    expect(await cptbench("syscalls")).toBe(0);
    const lines = io.out.trimEnd().split("\n");
    expect(lines[0].split(/\s+/).filter(Boolean)).toEqual(["nr", "name", "level", "note"]);
    expect(lines).toHaveLength(rows.length + 3);
    const n = (level: string): number => rows.filter((r) => r.level === level).length;
    expect(lines.at(-1)).toBe(`${rows.length} calls: ${n("full")} full, ${n("partial")} partial, ${n("enosys")} enosys`);
    const openat = rows.find((r) => r.name === "openat")!;
    expect(lines).toContainEqual(expect.stringMatching(new RegExp(`^\\s*56  openat\\s+partial  ${openat.note.replace(/[()]/g, "\\$&")}$`)));
    expect(lines).toContainEqual(expect.stringMatching(/^\s*800 {2}checkpoint\s+full\s+cptbench extension: /));
  });

  it("--missing leaves out every full call", async () => {
    expect(await cptbench("syscalls", "--missing")).toBe(0);
    const names = io.out.trimEnd().split("\n").slice(1, -2).map((l) => l.trim().split(/\s+/)[1]);
    expect(names).toEqual(rows.filter((r) => r.level !== "full").map((r) => r.name));
    expect(names).not.toContain("getpid");
  });

  it("refuses an unknown flag and an extra argument as usage errors", async () => {
    expect(await cptbench("syscalls", "--bogus")).toBe(2);
    expect(io.err).toContain("unknown option '--bogus'");
    expect(await cptbench("syscalls", "extra")).toBe(2);
  });
});

describe("docs/syscalls.md", () => {
  it("is the table as it is now, with what the musl workloads call (regenerate with npm run docs:syscalls)", () => {
    expect(readFileSync(join(root, "docs", "syscalls.md"), "utf8")).toBe(renderSyscallsMarkdown(rows, muslSyscallUsage()));
  }, 600_000); // it runs every musl workload once: 145 s seen on a loaded machine

  it("is linked from the README, with the command", () => {
    const readme = readFileSync(join(root, "README.md"), "utf8");
    expect(readme).toContain("(docs/syscalls.md)");
    expect(readme).toContain("`cptbench syscalls`");
  });
});
