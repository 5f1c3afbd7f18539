// TypeScript files a user hands to cptbench: a cptbench.config.ts that imports another .ts file,
// and a plugin written in TypeScript, loaded in the main thread and in matrix workers. The CLI is
// spawned as a user runs it, so after `npm ci` this is the compiled dist/, which registers tsx
// only for such files (src/core/ts-loader.ts); with a stale dist/ it is the tsx path, which must
// behave the same.
import { spawnSync } from "node:child_process";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { tempDir } from "../support/tmp.ts";

const BIN = join(import.meta.dirname, "..", "..", "bin", "cptbench.mjs");

/** A project directory with a TypeScript config and a TypeScript plugin binding initiator "tsplug". */
function project(): string {
  const dir = tempDir("ts-files");
  writeFileSync(join(dir, "package.json"), `{ "type": "module" }\n`);
  writeFileSync(join(dir, "name.ts"), `export const NAME: string = "tsplug";\n`);
  // Registering the plugin kills a worker thread (exit 7) and throws inline: either proves it loaded.
  writeFileSync(
    join(dir, "plug.ts"),
    `import { isMainThread } from "node:worker_threads";
import { NAME } from "./name.ts";
const options: { safeParse(v: unknown): { success: true; data: unknown } } = { safeParse: (v) => ({ success: true, data: v }) };
export default {
  name: "ts-plugin", description: "a plugin written in TypeScript", binds: [{ axis: "initiator", name: NAME }], options,
  register(): void {
    if (!isMainThread) process.exit(7);
    throw new Error(\`\${NAME}: registered inline\`);
  },
};
`,
  );
  writeFileSync(
    join(dir, "cptbench.config.ts"),
    `import { NAME } from "./name.ts";
export default { plugins: ["./plug.ts"], initiator: NAME, workloads: ["hash", "sieve"], modes: ["kill"], targets: ["same"] };
`,
  );
  return dir;
}

function cptbench(cwd: string, args: string[]) {
  return spawnSync(process.execPath, [BIN, ...args], { cwd, encoding: "utf8", timeout: 120_000 });
}

describe("TypeScript files given to cptbench", () => {
  it("reads a cptbench.config.ts that imports another .ts file", () => {
    const dir = project();
    const r = cptbench(dir, ["config"]);
    expect(r.stderr).toContain(`config file ${join(dir, "cptbench.config.ts")}`);
    expect(r.status).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ initiator: "tsplug", plugins: [join(dir, "plug.ts")] });
  }, 120_000);

  it("loads a .ts plugin in the main thread and in every matrix worker", () => {
    const dir = project();
    const common = ["matrix", "--fork", "kernel", "--codec", "cpt"];
    const inline = cptbench(dir, [...common, "--jobs", "1"]);
    expect(inline.stdout).toMatch(/tsplug\/kernel\/cpt hash - kill\/same: fail: the run threw: tsplug: registered inline/);
    // A run that threw is "the run could not go on": exit 3, as matrix has it since --fault landed.
    expect(inline.status).toBe(3);
    // Two units on two workers: each worker loads the plugin itself, and registering it there ends the worker.
    const workers = cptbench(dir, [...common, "--jobs", "2"]);
    for (const w of ["hash", "sieve"]) expect(workers.stdout).toContain(`the worker running tsplug/kernel/cpt ${w} died (exit code 7)`);
    expect(workers.status).toBe(3);
  }, 240_000);
});
