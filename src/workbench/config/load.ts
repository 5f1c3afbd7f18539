// Finding, reading and validating the experiment config. Sources, weakest first: the schema's
// defaults, a config file (found by cosmiconfig, or named with --config), command-line flags.
// Relative paths in a file (plugins, ELF workloads, output) are relative to that file.
import { dirname, isAbsolute, resolve } from "node:path";
import { cosmiconfig, defaultLoaders, type Loader } from "cosmiconfig";
import { z } from "zod";
import { CptbenchError } from "../../machine/errors.ts";
import { ensureTypeScriptLoader } from "../../core/ts-loader.ts";
import { configSchema, type Config, type ConfigInput } from "./schema.ts";

/** A config file or flag is invalid or unreadable. Exit status 2. */
export class ConfigError extends CptbenchError {}

export const MODULE_NAME = "cptbench";

/** Where cosmiconfig looks, in each directory from the cwd up to the project root (package.json). */
export const SEARCH_PLACES = [
  "package.json",
  ".cptbenchrc",
  ".cptbenchrc.json",
  ".cptbenchrc.yaml",
  ".cptbenchrc.yml",
  ".cptbenchrc.js",
  ".cptbenchrc.ts",
  ".cptbenchrc.mjs",
  ".cptbenchrc.cjs",
  "cptbench.config.ts",
  "cptbench.config.mjs",
  "cptbench.config.js",
  "cptbench.config.cjs",
  "cptbench.config.json",
  "cptbench.config.yaml",
  "cptbench.config.yml",
];

export interface ConfigFile {
  /** Absolute path of the file, or null when none was found. */
  filepath: string | null;
  /** Its contents, checked against the schema but without defaults applied. */
  config: ConfigInput;
}

/** True when a workload reference is an ELF path rather than a built-in workload name. */
export function isPathRef(ref: string): boolean {
  return ref.includes("/") || ref.includes("\\") || ref.endsWith(".elf");
}

/**
 * cosmiconfig's own `.ts` loader transpiles the file alone; the TypeScript files a config imports
 * (a plugin, shared settings) need tsx, which compiled code registers only here.
 */
const loadTs: Loader = async (filepath, content) => {
  await ensureTypeScriptLoader();
  return defaultLoaders[".ts"](filepath, content);
};

/**
 * Read the config file: `configPath` if given (relative to `cwd`), else the first file of
 * SEARCH_PLACES from `cwd` upwards (searchStrategy "project"). No file found → empty config.
 */
export async function readConfigFile(opts: { configPath?: string; cwd?: string } = {}): Promise<ConfigFile> {
  const cwd = opts.cwd ?? process.cwd();
  const explorer = cosmiconfig(MODULE_NAME, { searchPlaces: SEARCH_PLACES, searchStrategy: "project", loaders: { ".ts": loadTs } });
  let found: { config: unknown; filepath: string; isEmpty?: boolean } | null;
  const where = opts.configPath ? resolve(cwd, opts.configPath) : null;
  try {
    found = where ? await explorer.load(where) : await explorer.search(cwd);
  } catch (e) {
    const err = e as NodeJS.ErrnoException;
    if (where && err.code === "ENOENT") throw new ConfigError("CONFIG_NO_FILE", `config file ${where} does not exist`);
    throw new ConfigError("CONFIG_READ", `cannot read config${where ? ` ${where}` : ""}: ${err.message ?? String(e)}`);
  }
  if (!found) return { filepath: null, config: {} };
  const raw = found.isEmpty || found.config === undefined ? {} : found.config;
  return { filepath: found.filepath, config: absolutize(validate(raw, found.filepath), dirname(found.filepath)) };
}

/**
 * The effective config: file values overridden by `overrides` (flags; undefined entries are
 * ignored), defaults applied. Relative paths in `overrides` are relative to `cwd`.
 */
export function resolveConfig(file: ConfigFile, overrides: ConfigInput = {}, cwd = process.cwd()): Config {
  const flags = Object.fromEntries(Object.entries(overrides).filter(([, v]) => v !== undefined)) as ConfigInput;
  const merged: ConfigInput = { ...file.config, ...absolutize(validate(flags, null), cwd) };
  // A --seed flag means that one seed, whatever list of seeds the file gives.
  if (flags.seed !== undefined && flags.seeds === undefined) delete merged.seeds;
  return parse(merged, file.filepath);
}

/** Read the config file and apply the overrides: what `cptbench config` prints. */
export async function loadConfig(
  opts: { configPath?: string; cwd?: string; overrides?: ConfigInput } = {},
): Promise<{ config: Config; filepath: string | null }> {
  const file = await readConfigFile(opts);
  return { config: resolveConfig(file, opts.overrides, opts.cwd), filepath: file.filepath };
}

/** Parse with the schema; the error names the source and every bad key with its allowed values. */
function parse(value: unknown, source: string | null): Config {
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    throw new ConfigError("CONFIG_INVALID", `${source ?? "config"}: expected an object of settings, got ${Array.isArray(value) ? "an array" : typeof value}`);
  }
  const r = configSchema.safeParse(value);
  if (!r.success) {
    throw new ConfigError("CONFIG_INVALID", `invalid ${source ? `config ${source}` : "options"}:\n${z.prettifyError(r.error)}`);
  }
  return r.data;
}

/** Check a source and keep only the keys it sets, so defaults never mask a weaker source. */
function validate(value: unknown, source: string | null): ConfigInput {
  const data: ConfigInput = parse(value, source);
  const said = value as Record<string, unknown>;
  return Object.fromEntries(Object.entries(data).filter(([k]) => k in said));
}

function absolutize(c: ConfigInput, base: string): ConfigInput {
  const abs = (p: string): string => (isAbsolute(p) ? p : resolve(base, p));
  const out: ConfigInput = { ...c };
  if (c.plugins) out.plugins = c.plugins.map(abs);
  if (c.workloads) out.workloads = c.workloads.map((w) => (isPathRef(w) ? abs(w) : w));
  if (c.output) {
    out.output = {
      ...(c.output.json !== undefined && { json: abs(c.output.json) }),
      ...(c.output.md !== undefined && { md: abs(c.output.md) }),
    };
  }
  return out;
}
