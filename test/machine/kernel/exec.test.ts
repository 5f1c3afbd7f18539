// execve of an ELF the machine was given, after fork and after vfork; ENOENT for a missing one.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { expect, it } from "vitest";
import { runProgram } from "../../../src/machine/machine.ts";

const fixture = (name: string): Uint8Array => readFileSync(join(import.meta.dirname, "../../fixtures/guest", `${name}.elf`));

it("runs execve targets after fork and vfork, and reports ENOENT", () => {
  const r = runProgram(fixture("exec-tree"), { argv: ["exec-tree"], files: { "/bin/hello": fixture("hello") } });
  expect(Buffer.from(r.stdout).toString()).toBe(
    [
      "hello argv[0]=hello", "hello argv[1]=from-fork", "hello GREETING=hi", "fork+exec child exited 5",
      "hello argv[0]=hello", "hello argv[1]=from-vfork", "hello GREETING=hi", "vfork+exec child exited 5",
      "execve missing: -2", "",
    ].join("\n"),
  );
  expect(r.exitCode).toBe(0);
  expect(r.oopses).toBe(0);
  expect(r.tasksCreated).toBe(4); // init, exec-tree and its two children
});
