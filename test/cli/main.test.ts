// The top level of `cptbench`, in-process: main() imports a command's module only when the command
// line needs it (src/cli/main.ts), and the version, help and errors must read as if every
// command were always there.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { captureCli } from "../support/cli.ts";

const { main } = await import("../../src/cli/main.ts");
const VERSION = (JSON.parse(readFileSync(join(import.meta.dirname, "..", "..", "package.json"), "utf8")) as { version: string }).version;
const COMMANDS = ["run", "matrix", "case", "report", "config", "syscalls", "dump", "restore", "image", "exec"];

describe("cptbench (top level)", () => {
  const io = captureCli(main);

  it("--version and -V print the package's version", async () => {
    for (const flag of ["--version", "-V"]) {
      io.out = "";
      expect(await io.cptbench(flag)).toBe(0);
      expect(io.out).toBe(`${VERSION}\n`);
    }
  });

  it("--help and help list every command", async () => {
    for (const args of [["--help"], ["help"]]) {
      io.out = "";
      expect(await io.cptbench(...args)).toBe(0);
      for (const c of COMMANDS) expect(io.out, `${args.join(" ")} lists ${c}`).toMatch(new RegExp(`^  ${c} `, "m"));
    }
  });

  it("help <command> and <command> --help describe that command", async () => {
    expect(await io.cptbench("help", "exec")).toBe(0);
    expect(io.out).toContain("Usage: cptbench exec [options] <elf> [args...]");
    io.out = "";
    expect(await io.cptbench("config", "--help")).toBe(0);
    expect(io.out).toContain("Usage: cptbench config");
  });

  it("an unknown word goes to the default command run, which refuses it with status 2", async () => {
    expect(await io.cptbench("bogus")).toBe(2);
    expect(io.err).toContain("too many arguments for 'run'");
  });

  it("the default command takes run's flags without the word run", async () => {
    expect(await io.cptbench("--initiator", "nope")).toBe(2);
    expect(io.err).toContain('unknown initiator "nope"');
  });
});
