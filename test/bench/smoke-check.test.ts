// The bench smoke's verdict (bench/smoke-check.ts): a figure fails when it is worse than the
// committed reference by more than the tolerance, in either direction of "better".
import { describe, expect, it } from "vitest";
import { betterFor, compare, renderSmoke, worstOf, type ReferenceFile } from "../../bench/smoke-check.ts";

const ref: ReferenceFile = {
  date: "2026-12-06", load: 3.5, cores: 2, node: "v20.20.2", tolerance: 0.3,
  benchmarks: {
    "rate": { value: 1000, unit: "MiB/s", better: "higher" },
    "time": { value: 0.2, unit: "ms/task (restart wall)", better: "lower" },
  },
};

describe("bench smoke", () => {
  it("passes figures within 30% of the reference and better ones, fails worse ones", () => {
    const at = (rate: number, time: number) => compare(ref, new Map([["rate", rate], ["time", time]])).map((l) => l.ok);
    expect(at(1000, 0.2)).toEqual([true, true]);
    expect(at(5000, 0.01)).toEqual([true, true]);
    // 30% slower is the edge: 700 MiB/s passes, 690 fails; a time of 0.2 / 0.7 = 0.2857 passes, 0.29 fails.
    expect(at(700, 0.285)).toEqual([true, true]);
    expect(at(690, 0.29)).toEqual([false, false]);
  });

  it("gives the speed ratio, and fails a figure that is missing or not a positive number", () => {
    const lines = compare(ref, new Map([["rate", 500]]));
    expect(lines[0]).toMatchObject({ name: "rate", now: 500, ratio: 0.5, ok: false });
    expect(lines[1]).toMatchObject({ name: "time", ok: false });
    expect(compare(ref, new Map([["rate", 0], ["time", Number.NaN]])).map((l) => l.ok)).toEqual([false, false]);
    expect(renderSmoke(lines, ref)).toContain("FAIL rate: 500 MiB/s (reference 1000; speed 50%)");
    expect(renderSmoke(lines, ref)).toContain("(2026-12-06, load 3.5 on 2 cores)");
  });

  it("holds a figure with its own tolerance to that one, and prints it and the method", () => {
    const own: ReferenceFile = {
      ...ref, method: "the worst of six runs",
      benchmarks: { ...ref.benchmarks, rss: { value: 700, unit: "MiB (child's peak RSS, VmHWM)", better: "lower", tolerance: 0.1 } },
    };
    // 700 / 0.9 = 777.8: 777 passes, 778 fails, where the file's 30% would pass up to 1,000.
    const at = (rss: number) => compare(own, new Map([["rate", 1000], ["time", 0.2], ["rss", rss]]))[2]!.ok;
    expect([at(700), at(777), at(778), at(950)]).toEqual([true, true, false, false]);
    expect(compare(own, new Map([["rate", 700], ["time", 0.2], ["rss", 700]]))[0]!.ok).toBe(true);
    const text = renderSmoke(compare(own, new Map([["rate", 1000], ["time", 0.2], ["rss", 800]])), own);
    expect(text).toContain("  (the worst of six runs)");
    expect(text).toContain("FAIL rss: 800 MiB (child's peak RSS, VmHWM) (reference 700; speed 88%, fails below 90%)");
    expect(text).toContain("ok   rate: 1000 MiB/s (reference 1000; speed 100%)\n");
  });

  it("takes the worst of several measurements per figure: the lowest rate, the highest time", () => {
    const better = (n: string): "higher" | "lower" => (n === "rate" ? "higher" : "lower");
    const worst = worstOf([new Map([["rate", 900], ["time", 0.2]]), new Map([["rate", 700], ["time", 0.3]]), new Map([["rate", 800], ["time", 0.1]])], better);
    expect([...worst]).toEqual([["rate", 700], ["time", 0.3]]);
    // A figure one measurement lacks is not made up from the others.
    expect([...worstOf([new Map([["rate", 900], ["time", 0.2]]), new Map([["rate", 700]])], better)]).toEqual([["rate", 700]]);
    expect(worstOf([], better).size).toBe(0);
  });

  it("reads the direction from the unit: rates go up, times and sizes go down", () => {
    expect(["MiB/s (of page data)", "forks/s", "MIPS", "ms/task (restart wall)", "µs/object", "MiB (child's peak RSS, VmHWM)"].map(betterFor))
      .toEqual(["higher", "higher", "higher", "lower", "lower", "lower"]);
  });
});
