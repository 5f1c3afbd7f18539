// The musl syscall census behind docs/syscalls.md: strace lines reduce to (table name, result
// class) whatever their arguments hold, and a run of a real program yields its calls.
import { describe, expect, it } from "vitest";
import { muslWorkloads, parseStraceLine, programSyscalls } from "../../src/workbench/syscall-usage.ts";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { WORKLOADS_DIR } from "../../src/workbench/config/experiment.ts";

describe("parseStraceLine", () => {
  it("takes the call's name and the result class from the end of the line", () => {
    expect(parseStraceLine('[pid 2] write(1, "x = 3", 5) = 5')).toEqual({ name: "write", result: "ok" });
    expect(parseStraceLine('[pid 2] openat(-100, "/nope) = -1 EBADF", 0x0) = -1 ENOENT')).toEqual({ name: "openat", result: "ENOENT" });
    expect(parseStraceLine("[pid 7] mmap2(NULL, 0x1000, 0x3, 0x22, -1, 0) = 0x7fff0000")).toEqual({ name: "mmap2", result: "ok" });
  });

  it("maps strace's spellings back to the table's names", () => {
    expect(parseStraceLine("[pid 2] _llseek(3, 0, 0, 0x7ff0, 0) = 0")).toEqual({ name: "llseek", result: "ok" });
    expect(parseStraceLine("[pid 2] syscall_198(0x1, 0x1, 0x0, 0x0, 0x0, 0x0) = -1 ENOSYS (not implemented)")).toEqual({ name: "socket", result: "ENOSYS" });
  });

  it("ignores lines of another shape", () => {
    expect(parseStraceLine("--- SIGCHLD ---")).toBeNull();
  });
});

describe("programSyscalls", () => {
  it("lists what a musl program called and got, ok first", () => {
    const w = muslWorkloads().find((x) => x.name === "libc-procfs")!;
    const elf = readFileSync(join(WORKLOADS_DIR, "bin", `${w.name}.elf`));
    const u = programSyscalls(w.name, elf, { argv: [w.name, ...w.args], env: w.env });
    expect(u.calls.get("openat")).toEqual(["ok", "ENOENT"]);
    expect(u.calls.get("readlinkat")).toEqual(["ok"]);
    expect(u.calls.has("exit_group")).toBe(true);
    expect([...u.calls.keys()]).toEqual([...u.calls.keys()].sort());
  });
});
