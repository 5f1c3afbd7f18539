// Pid namespaces, clone3's set_tid and unshare(CLONE_NEWPID). qemu-riscv32 7.2 answers EINVAL
// to CLONE_NEWPID and ENOSYS to clone3, so this expectation is written from Linux's semantics
// (pid_namespaces(7), clone(2)), not recorded from qemu.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { expect, it } from "vitest";
import { runProgram } from "../../../src/machine/machine.ts";

const elf = readFileSync(join(import.meta.dirname, "../../fixtures/guest/pidns.elf"));

it("behaves like Linux pid namespaces, under every seed and CPU count", () => {
  const want = [
    "init: getpid=1 getppid=0", // the namespace's init sees itself as 1, its parent as 0
    "orphan: getppid=1", // the orphan was reparented to the namespace's init
    "init: mid pid=2 exited 4",
    "init: reaped orphan 1",
    "init: exiting with a sleeper (pid 4) left behind", // ...which dies with init (SIGKILL)
    "parent: ns init exited code=1 status=7, child pid > 1: 1",
    "clone3 set_tid: returned 500, child exited 50",
    "clone3 set_tid again (pid free again): 500",
    "unshare: 0",
    "unshare child: getpid inside was 1, our getpid unchanged: 1",
    "",
  ].join("\n");
  for (const [seed, cpus] of [[1, 1], [2, 2], [3, 4]]) {
    const r = runProgram(elf, { argv: ["pidns"], seed, cpus });
    expect(Buffer.from(r.stdout).toString()).toBe(want);
    expect(r.exitCode).toBe(0);
    expect(r.oopses).toBe(0);
    expect(r.events.filter((e) => e.kind === "deadlock")).toEqual([]);
  }
});
