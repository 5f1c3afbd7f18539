// bin/dist.mjs: when bin/cptbench.mjs may run the compiled dist/ and when it must fall back to the
// sources through tsx. A checkout is faked in a temporary directory, its times set explicitly.
import { mkdirSync, rmSync, utimesSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { distIsFresh } from "../../bin/dist.mjs";
import { tempDir } from "../support/tmp.ts";

const T0 = new Date("2026-01-01T00:00:00Z");
const later = (s: number): Date => new Date(T0.getTime() + s * 1000);

function touch(path: string, at: Date): void {
  mkdirSync(join(path, ".."), { recursive: true });
  writeFileSync(path, "");
  utimesSync(path, at, at);
}

/** A checkout whose sources and tsconfigs date from T0 and whose dist/ was stamped at T0 + 10 s. */
function checkout(): string {
  const root = tempDir("dist");
  for (const f of ["tsconfig.json", "tsconfig.build.json", "src/cli/main.ts", "src/machine/kernel/task.ts"]) touch(join(root, f), T0);
  touch(join(root, "dist", ".build-stamp"), later(10));
  return root;
}

describe("distIsFresh", () => {
  it("is true when the stamp is newer than every source file and tsconfig", () => {
    expect(distIsFresh(checkout())).toBe(true);
  });

  it("is false when a source file, however deep, changed after the build", () => {
    const root = checkout();
    touch(join(root, "src", "machine", "kernel", "task.ts"), later(11));
    expect(distIsFresh(root)).toBe(false);
  });

  it("is false when a new source file appeared after the build", () => {
    const root = checkout();
    touch(join(root, "src", "core", "new.ts"), later(20));
    expect(distIsFresh(root)).toBe(false);
  });

  it("is false when a tsconfig changed after the build", () => {
    for (const f of ["tsconfig.json", "tsconfig.build.json"]) {
      const root = checkout();
      touch(join(root, f), later(11));
      expect(distIsFresh(root), f).toBe(false);
    }
  });

  it("is false without a stamp (never built, or tsc failed) or without a tsconfig", () => {
    const root = checkout();
    rmSync(join(root, "dist", ".build-stamp"));
    expect(distIsFresh(root)).toBe(false);
    const other = checkout();
    rmSync(join(other, "tsconfig.build.json"));
    expect(distIsFresh(other)).toBe(false);
  });
});
