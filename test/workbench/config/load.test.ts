// The experiment config: defaults, strict keys with helpful errors, file discovery through
// cosmiconfig, flags over file values, paths relative to the file.
import { mkdirSync, readdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { ConfigError, loadConfig, readConfigFile, resolveConfig } from "../../../src/workbench/config/load.ts";
import { tempDir } from "../../support/tmp.ts";

const CONFIGS = join(import.meta.dirname, "..", "..", "..", "configs");

function write(dir: string, name: string, content: unknown): string {
  const p = join(dir, name);
  writeFileSync(p, typeof content === "string" ? content : JSON.stringify(content));
  return p;
}

async function errorOf(p: Promise<unknown>): Promise<Error> {
  return p.then(
    () => {
      throw new Error("expected an error");
    },
    (e: Error) => e,
  );
}

const DEFAULTS = {
  initiator: "external",
  creator: "kernel",
  codec: "cpt",
  plugins: [],
  pluginOptions: {},
  workloads: [],
  points: "marked",
  modes: ["kill", "continue"],
  targets: ["same", "fresh"],
  seed: 1,
  cpus: 1,
  quantum: 100000,
  repetitions: 1,
  bugs: [],
};

describe("config", () => {
  it("has defaults for every key", () => {
    expect(resolveConfig({ filepath: null, config: {} })).toEqual(DEFAULTS);
  });

  it("an unknown key names the key and the allowed ones", async () => {
    const file = write(tempDir("config"), "c.json", { mode: ["kill"] });
    const e = await errorOf(readConfigFile({ configPath: file }));
    expect(e).toBeInstanceOf(ConfigError);
    expect(e.message).toContain(`invalid config ${file}:`);
    expect(e.message).toContain('Unrecognized key "mode"; allowed keys: $schema, initiator, creator, codec, plugins, pluginOptions, workloads, points, modes, targets, seeds, seed, cpus, quantum, repetitions, bugs, faults, output');
  });

  it("an unknown nested key names its path and the allowed keys", async () => {
    const file = write(tempDir("config"), "c.json", { output: { html: "x" } });
    const e = await errorOf(readConfigFile({ configPath: file }));
    expect(e.message).toMatch(/Unrecognized key "html"; allowed keys: json, md\n\s+→ at output/);
  });

  it("a bad value names the key and the allowed values", async () => {
    const dir = tempDir("config");
    const modes = await errorOf(readConfigFile({ configPath: write(dir, "a.json", { modes: ["kill", "pause"] }) }));
    expect(modes.message).toMatch(/Invalid option: expected one of "kill"\|"continue"\n\s+→ at modes\[1\]/);
    const points = await errorOf(readConfigFile({ configPath: write(dir, "b.json", { points: "random:0" }) }));
    expect(points.message).toMatch(/must be "marked" or "random:N" with N a positive integer\n\s+→ at points/);
    const cpus = await errorOf(readConfigFile({ configPath: write(dir, "c.json", { cpus: 0 }) }));
    expect(cpus.message).toMatch(/Too small: expected number to be >0\n\s+→ at cpus/);
  });

  it("refuses a file that is not an object", async () => {
    const file = write(tempDir("config"), "c.json", [1, 2]);
    await expect(readConfigFile({ configPath: file })).rejects.toThrow(`${file}: expected an object of settings, got an array`);
  });

  it("--config on a missing file says so", async () => {
    const dir = tempDir("config");
    await expect(readConfigFile({ configPath: join(dir, "nope.yaml") })).rejects.toThrow(`config file ${join(dir, "nope.yaml")} does not exist`);
  });

  it("flags override file values; unset flags keep them", async () => {
    const file = write(tempDir("config"), "c.json", { seed: 5, cpus: 2, modes: ["kill"], codec: "cpt" });
    const { config } = await loadConfig({ configPath: file, overrides: { cpus: 4, initiator: undefined, targets: ["fresh"] } });
    expect(config).toEqual({ ...DEFAULTS, seed: 5, cpus: 4, modes: ["kill"], targets: ["fresh"] });
  });

  it("a --seed flag replaces the file's seeds", async () => {
    const file = write(tempDir("config"), "c.json", { seeds: [1, 2, 3] });
    expect((await loadConfig({ configPath: file })).config.seeds).toEqual([1, 2, 3]);
    const { config } = await loadConfig({ configPath: file, overrides: { seed: 9 } });
    expect(config.seeds).toBeUndefined();
    expect(config.seed).toBe(9);
  });

  it("resolves paths in a file against the file's directory, names stay names", async () => {
    const dir = tempDir("config");
    mkdirSync(join(dir, "sub"));
    const file = write(join(dir, "sub"), "c.json", {
      plugins: ["./p.mjs", "/abs/q.mjs"],
      workloads: ["hash", "elfs/mine.elf", "../x/prog"],
      output: { json: "out/r.json" },
    });
    const { config } = await loadConfig({ configPath: file, overrides: { workloads: undefined } });
    expect(config.plugins).toEqual([join(dir, "sub", "p.mjs"), "/abs/q.mjs"]);
    expect(config.workloads).toEqual(["hash", join(dir, "sub", "elfs", "mine.elf"), join(dir, "x", "prog")]);
    expect(config.output).toEqual({ json: join(dir, "sub", "out", "r.json") });
    // Flag paths are relative to the cwd instead.
    const flagged = resolveConfig({ filepath: null, config: {} }, { workloads: ["w.elf"] }, "/work");
    expect(flagged.workloads).toEqual(["/work/w.elf"]);
  });

  it("finds .cptbenchrc.json walking up from a subdirectory of the project", async () => {
    const dir = tempDir("config");
    write(dir, "package.json", { name: "proj" });
    write(dir, ".cptbenchrc.json", { cpus: 3 });
    mkdirSync(join(dir, "a", "b"), { recursive: true });
    const { config, filepath } = await loadConfig({ cwd: join(dir, "a", "b") });
    expect(filepath).toBe(join(dir, ".cptbenchrc.json"));
    expect(config.cpus).toBe(3);
  });

  it("finds the `cptbench` key of package.json", async () => {
    const dir = tempDir("config");
    write(dir, "package.json", { name: "proj", cptbench: { quantum: 777, modes: ["continue"] } });
    const { config, filepath } = await loadConfig({ cwd: dir });
    expect(filepath).toBe(join(dir, "package.json"));
    expect(config.quantum).toBe(777);
    expect(config.modes).toEqual(["continue"]);
  });

  it("finds cptbench.config.yaml and stops at the project root", async () => {
    const outer = tempDir("config");
    write(outer, ".cptbenchrc.json", { cpus: 9 });
    const dir = join(outer, "proj");
    mkdirSync(dir);
    write(dir, "package.json", { name: "proj" });
    expect((await loadConfig({ cwd: dir })).filepath).toBeNull();
    write(dir, "cptbench.config.yaml", "seed: 42\ntargets: [same]\n");
    const { config, filepath } = await loadConfig({ cwd: dir });
    expect(filepath).toBe(join(dir, "cptbench.config.yaml"));
    expect(config.seed).toBe(42);
    expect(config.targets).toEqual(["same"]);
  });

  it("a YAML syntax error names the file", async () => {
    const file = write(tempDir("config"), "bad.yaml", "modes: [kill\n");
    await expect(readConfigFile({ configPath: file })).rejects.toThrow(`cannot read config ${file}:`);
  });

  it("every example in configs/ is a valid config", async () => {
    const files = readdirSync(CONFIGS).filter((f) => /\.(json|ya?ml|mjs|ts)$/.test(f));
    expect(files.length).toBeGreaterThanOrEqual(3);
    for (const f of files) {
      const { config } = await loadConfig({ configPath: join(CONFIGS, f) });
      expect(config.initiator, f).toBe("external");
    }
  });
});

describe("config: deliberate bugs", () => {
  it("takes the bug switches by name and refuses an unknown one, naming the allowed ones", async () => {
    const { config } = await loadConfig({ configPath: write(tempDir("config"), "c.json", { bugs: ["double-fput"] }) });
    expect(config.bugs).toEqual(["double-fput"]);
    const e = await loadConfig({ configPath: write(tempDir("config"), "c.json", { bugs: ["off-by-one"] }) }).catch((x: unknown) => x as Error);
    expect(e).toBeInstanceOf(Error);
    expect((e as Error).message).toMatch(/try-module-get-this-module.*nsproxy-unpinned.*double-fput.*zero-page-abort/);
  });
});
