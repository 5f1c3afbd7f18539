// The deliberate-bug switches: a closed set of names (a typo is a type error, and a name from
// untyped code is a BugSwitchError naming the allowed ones), carried by the C/R module a design
// builds, never by the kernel: a machine knows nothing of them.
import { describe, expect, it } from "vitest";
import { BUG_HELP, BUG_SWITCHES, BugSwitchError, bugSwitches, type BugSwitch } from "../../../src/core/cr/bugs.ts";
import { crModule } from "../../../src/core/cr/cr-module.ts";
import type { CrContext } from "../../../src/core/cr/interfaces.ts";
import { Machine } from "../../../src/machine/machine.ts";
import { CptCodec } from "../../../src/plugins/openvz-cpt/codec/cpt-codec.ts";
import { BUGS, type BugName } from "../../../src/workbench/cases/bugs.ts";

// Checked by tsc (npm run lint): the line under the directive must not compile.
// @ts-expect-error a misspelt switch is not a BugSwitch
const typo: BugSwitch = "double-fputt";
const named: BugName = "zero-page-abort";

/** A module for the switches `bugs`, and the context its operations run with once loaded. */
function loaded(bugs?: BugSwitch[]): { cr: () => CrContext; m: Machine } {
  let seen: CrContext | undefined;
  const spy = { name: "spy", trigger: "controller" as const, randomPoints: false, checkpoint: (cr: CrContext) => { seen = cr; return 0; } };
  const creator = { name: "none", restarter: { program: "", args: [] }, restart: () => -38 };
  const m = new Machine({ seed: 1 });
  const def = crModule("cr", { initiator: spy, creator, codec: new CptCodec(), bugs });
  m.kernel.modules.catalogue.set(def.name, def);
  expect(m.kernel.modules.load(def.name)).toBe(0);
  return { m, cr: () => { m.kernel.cptOps!.checkpoint(m.kernel, null as never, 0, 0, 0); return seen!; } };
}

describe("deliberate bug switches", () => {
  it("are the names the workbench uses, each with its help", () => {
    expect(BUGS).toBe(BUG_SWITCHES);
    expect(Object.keys(BUG_HELP).sort()).toEqual([...BUG_SWITCHES].sort());
    expect(BUG_SWITCHES).toContain(named);
    expect(BUG_SWITCHES).not.toContain(typo);
  });

  it("refuse an unknown name from untyped code, naming the allowed ones", () => {
    expect(bugSwitches(["double-fput"])).toEqual(new Set(["double-fput"]));
    const bad = (): unknown => bugSwitches(["double-fput", "off-by-one"]);
    expect(bad).toThrow(BugSwitchError);
    expect(bad).toThrow('unknown deliberate bug "off-by-one"; allowed: try-module-get-this-module, nsproxy-unpinned, double-fput, zero-page-abort');
    try { bad(); } catch (e) { expect((e as BugSwitchError).code).toBe("BUG_UNKNOWN"); }
    const design = { initiator: null as never, creator: null as never, codec: new CptCodec() };
    expect(() => crModule("cr", { ...design, bugs: ["nsproxy-pinned" as BugSwitch] })).toThrow(/unknown deliberate bug "nsproxy-pinned"/);
  });

  it("are carried by the C/R module's context, not the kernel", () => {
    const plain = loaded();
    expect([...(plain.cr().bugs ?? [])]).toEqual([]);
    expect("crBugs" in plain.m.kernel).toBe(false);
    const buggy = loaded(["double-fput", "zero-page-abort"]);
    expect([...buggy.cr().bugs!]).toEqual(["double-fput", "zero-page-abort"]);
    expect("crBugs" in buggy.m.kernel).toBe(false);
  });
});
