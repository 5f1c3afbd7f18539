// bin/keep-names-hook.mjs: the loader hook bin/run-ts.mjs chains after tsx. It blanks the
// keepNames blocks tsx adds to named class declarations (which left V8 unable to optimise
// subclass constructors under tsx), changing no column and no class name a program sees.
import { spawnSync } from "node:child_process";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { blankKeepNames } from "../../bin/keep-names-hook.mjs";
import { tempDir } from "../support/tmp.ts";

const ROOT = join(import.meta.dirname, "..", "..");

describe("blankKeepNames", () => {
  it("blanks the block of a class declared with that name, keeping every column", () => {
    const src = 'class Task extends KObject{constructor(){super()}static{__name(this,"Task")}get id(){return 1}}';
    const out = blankKeepNames(src);
    expect(out).not.toContain("__name");
    expect(out.length).toBe(src.length);
    expect(out.indexOf("get id")).toBe(src.indexOf("get id"));
  });

  it("keeps the block of an anonymous class expression, whose name the call gives", () => {
    const src = 'let Anon=class{static{__name(this,"Anon")}};class Anon2{}';
    expect(blankKeepNames(src)).toBe(src);
  });

  it("keeps names with a dollar sign apart from their prefixes", () => {
    const blank = (block: string): string => `static{${" ".repeat(block.length - 8)}}`;
    const a$ = 'static{__name(this,"A$")}';
    const a = 'static{__name(this,"A")}';
    expect(blankKeepNames(`class A\${${a$}}class A{${a}}`)).toBe(`class A\${${blank(a$)}}class A{${blank(a)}}`);
    expect(blankKeepNames(`class A\${${a$}}`)).toBe(`class A\${${blank(a$)}}`);
    expect(blankKeepNames(`class A{} let B=class{${a$}}`)).toBe(`class A{} let B=class{${a$}}`);
  });
});

describe("bin/run-ts.mjs with the hook", () => {
  it("runs TypeScript whose classes and subclasses keep their names", () => {
    const dir = tempDir("keep-names");
    const file = join(dir, "names.ts");
    writeFileSync(join(dir, "package.json"), '{"type":"module"}');
    writeFileSync(file, [
      "class Base { constructor(readonly n: number) {} }",
      "class Derived extends Base { m = 2; }",
      "const Anon = class {};",
      "console.log([Base.name, Derived.name, Anon.name, new Derived(1).n].join(' '));",
    ].join("\n"));
    const r = spawnSync(process.execPath, [join(ROOT, "bin", "run-ts.mjs"), file], { encoding: "utf8" });
    expect(r.stderr).toBe("");
    expect(r.stdout.trim()).toBe("Base Derived Anon 1");
  });
});
