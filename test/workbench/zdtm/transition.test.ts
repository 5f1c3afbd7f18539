// The transition tests' part of `cptbench zdtm`: seeded checkpoint points (the same seed gives the
// same instruction counts, another seed others, each in its range, one per cycle and one after the
// last restart), and their selection (-t transition/NAME, --transition, -a leaving them out).
import { describe, expect, it } from "vitest";
import { parseDesc } from "../../../src/workbench/zdtm/desc.ts";
import { selectTests, skipReason, type ZdtmTest } from "../../../src/workbench/zdtm/tests-list.ts";
import { checkpointPoints, isTransition } from "../../../src/workbench/zdtm/transition.ts";

function test(group: string, base: string, descText = ""): ZdtmTest {
  const desc = parseDesc(descText, `${base}.desc`);
  return { name: `zdtm/${group}/${base}`, base, kind: "nofile", args: [`--pidfile=${base}.pid`, `--outfile=${base}.out`], desc, elf: `/b/${base}`, buildError: null, skip: skipReason(desc) };
}

describe("transition checkpoint points", () => {
  it("are drawn from the seed: the same seed, the same points; in [settle/4, 4*settle)", () => {
    const a = checkpointPoints(3, 3, 2_000_000);
    expect(a).toHaveLength(4);
    expect(checkpointPoints(3, 3, 2_000_000)).toEqual(a);
    for (const n of a) {
      expect(Number.isInteger(n)).toBe(true);
      expect(n).toBeGreaterThanOrEqual(500_000);
      expect(n).toBeLessThan(8_000_000);
    }
    expect(new Set(a).size).toBe(4);
  });

  it("another seed checkpoints elsewhere, and more cycles only add points", () => {
    expect(checkpointPoints(4, 3, 2_000_000)).not.toEqual(checkpointPoints(3, 3, 2_000_000));
    expect(checkpointPoints(3, 5, 2_000_000).slice(0, 4)).toEqual(checkpointPoints(3, 3, 2_000_000));
  });
});

describe("transition test selection", () => {
  const all = [test("static", "env00"), test("static", "epoll"), test("transition", "epoll"), test("transition", "thread-bomb", "{'flags': 'noauto'}")];

  it("NAME is the static test, transition/NAME the transition one", () => {
    expect(selectTests(all, { tests: ["epoll"] }).map((t) => t.name)).toEqual(["zdtm/static/epoll"]);
    expect(selectTests(all, { tests: ["transition/epoll", "zdtm/transition/thread-bomb"] }).map((t) => t.name)).toEqual(["zdtm/transition/epoll", "zdtm/transition/thread-bomb"]);
    expect(() => selectTests(all, { tests: ["transition/fork"] })).toThrow(/no ZDTM transition test named transition\/fork/);
    expect(isTransition(all[2])).toBe(true);
    expect(isTransition(all[1])).toBe(false);
  });

  it("-a is the static tests; --transition adds every transition test, noauto ones too", () => {
    expect(selectTests(all, { all: true }).map((t) => t.name)).toEqual(["zdtm/static/env00", "zdtm/static/epoll"]);
    expect(selectTests(all, { transition: true }).map((t) => t.name)).toEqual(["zdtm/transition/epoll", "zdtm/transition/thread-bomb"]);
    expect(selectTests(all, { tests: ["env00"], transition: true, exclude: ["bomb"] }).map((t) => t.name)).toEqual(["zdtm/static/env00", "zdtm/transition/epoll"]);
  });
});
