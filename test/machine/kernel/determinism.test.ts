// Same seed, same run: the scheduler's trace hash and the guest's output are functions of the
// seed and the inputs only. Different seeds give different schedules of a racy-but-correct
// program, and still the same output.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { runProgram } from "../../../src/machine/machine.ts";

const elf = readFileSync(join(import.meta.dirname, "../../fixtures/guest/sched-mix.elf"));
const run = (seed: number, cpus: number) => runProgram(elf, { argv: ["sched-mix"], seed, cpus, quantum: 5_000 });

describe("determinism", () => {
  it("gives the same trace hash, time and output for the same seed", () => {
    for (const cpus of [1, 2, 4]) {
      const a = run(7, cpus);
      const b = run(7, cpus);
      expect(a.traceHash).toBe(b.traceHash);
      expect(a.virtualNs).toBe(b.virtualNs);
      expect(a.contextSwitches).toBe(b.contextSwitches);
      expect(Buffer.from(a.stdout).toString()).toBe(Buffer.from(b.stdout).toString());
    }
  });

  it("gives different schedules for different seeds but the same output", () => {
    const runs = [1, 2, 3, 4].map((seed) => run(seed, 2));
    expect(new Set(runs.map((r) => r.traceHash)).size).toBeGreaterThan(1);
    const outputs = new Set(runs.map((r) => Buffer.from(r.stdout).toString()));
    expect(outputs.size).toBe(1);
    expect([...outputs][0]).toMatch(/^child 0: r=0 code=1 status=\d+\n/);
    for (const r of runs) {
      expect(r.exitCode).toBe(0);
      expect(r.tasksCreated).toBe(6); // init, the program and its four children
      expect(r.oopses).toBe(0);
    }
  });

  it("runs parallel work in less virtual time on more virtual CPUs", () => {
    const one = run(1, 1);
    const two = run(1, 2);
    expect(two.instructions).toBe(one.instructions);
    expect(two.virtualNs).toBeLessThan(one.virtualNs * 0.8);
  });
});
