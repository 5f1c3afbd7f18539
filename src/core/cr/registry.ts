// The plugin registry: maps plugin names and (axis, name) bindings to manifests, and builds the
// tsyringe child container of one experiment cell. Whoever makes a registry gives it the plugin
// list (the workbench passes the built-in one, src/workbench/plugins.ts): core imports no plugin,
// so the arrows point down (cli → workbench → plugins → core/cr → machine). A config file may
// add more plugins from a path (loadFromPath). Precondition: reflect-metadata has been
// imported by the entry point (bin/cptbench.mjs, test/setup.ts) before tsyringe is.
import { existsSync } from "node:fs";
import { resolve as resolvePath } from "node:path";
import { pathToFileURL } from "node:url";
import { container as rootContainer, type DependencyContainer } from "tsyringe";
import { z } from "zod";
import { CptbenchError } from "../../machine/errors.ts";
import {
  AXIS_TOKENS,
  CR_MODULE_NAME,
  type Axis,
  type CheckpointInitiator,
  type ImageCodec,
  type ProcessCreator,
} from "./interfaces.ts";
import type { PluginManifest } from "./plugin.ts";
import { ensureTypeScriptLoader, isTypeScriptPath } from "../ts-loader.ts";

/** A plugin manifest is malformed, duplicated, unknown, or given bad options. Exit status 2. */
export class PluginError extends CptbenchError {}

export const AXES: readonly Axis[] = ["initiator", "creator", "codec"];

/** The module name used when no selected plugin binds CR_MODULE_NAME. */
export const DEFAULT_CR_MODULE_NAME = "cr";

/** What one experiment cell runs with: one implementation name per axis. */
export type CellSelection = Record<Axis, string>;

export interface ResolvedCell {
  initiator: CheckpointInitiator;
  creator: ProcessCreator;
  codec: ImageCodec;
  moduleName: string;
}

type AnyManifest = PluginManifest<unknown>;

const AXIS_FLAG: Record<Axis, string> = { initiator: "initiator", creator: "creator (--fork)", codec: "codec" };

export class Registry {
  private readonly manifests = new Map<string, AnyManifest>();
  /** `${axis}:${name}` → the plugin providing it. */
  private readonly bindings = new Map<string, AnyManifest>();

  /** A registry holding `plugins`, added in order (see add). */
  constructor(plugins: readonly AnyManifest[] = []) {
    for (const m of plugins) this.add(m);
  }

  /** Add a manifest. Throws PluginError on a duplicate plugin name or (axis, name) binding. */
  add(manifest: AnyManifest): this {
    const prior = this.manifests.get(manifest.name);
    if (prior) throw new PluginError("PLUGIN_DUPLICATE", `a plugin named "${manifest.name}" is already registered`);
    const seen = new Set<string>();
    for (const b of manifest.binds) {
      const key = `${b.axis}:${b.name}`;
      const owner = this.bindings.get(key);
      if (owner || seen.has(key)) {
        const who = owner ? `plugin "${owner.name}"` : "itself";
        throw new PluginError(
          "PLUGIN_DUPLICATE",
          `plugin "${manifest.name}" binds ${b.axis} "${b.name}", which ${who} already binds`,
        );
      }
      seen.add(key);
    }
    this.manifests.set(manifest.name, manifest);
    for (const b of manifest.binds) this.bindings.set(`${b.axis}:${b.name}`, manifest);
    return this;
  }

  /**
   * Import a plugin file (.ts, .mjs, .js) that default-exports a manifest or exports `manifest`,
   * check its shape and add it. Relative paths resolve against `baseDir` (default: the cwd).
   */
  async loadFromPath(path: string, baseDir = process.cwd()): Promise<AnyManifest> {
    const abs = resolvePath(baseDir, path);
    if (!existsSync(abs)) throw new PluginError("PLUGIN_LOAD", `plugin file ${abs} does not exist`);
    let mod: Record<string, unknown>;
    try {
      if (isTypeScriptPath(abs)) await ensureTypeScriptLoader();
      mod = (await import(pathToFileURL(abs).href)) as Record<string, unknown>;
    } catch (e) {
      throw new PluginError("PLUGIN_LOAD", `cannot load plugin file ${abs}: ${(e as Error).message ?? String(e)}`);
    }
    const candidate = mod.default ?? mod.manifest;
    const manifest = checkManifestShape(candidate, abs);
    this.add(manifest);
    return manifest;
  }

  get plugins(): readonly AnyManifest[] {
    return [...this.manifests.values()];
  }

  /** The implementation names available on an axis, sorted. */
  names(axis: Axis): string[] {
    return [...this.bindings.keys()]
      .filter((k) => k.startsWith(`${axis}:`))
      .map((k) => k.slice(axis.length + 1))
      .sort();
  }

  /** The plugin that provides `name` on `axis`; PluginError listing the alternatives if none. */
  provider(axis: Axis, name: string): AnyManifest {
    const m = this.bindings.get(`${axis}:${name}`);
    if (!m) {
      const avail = this.names(axis);
      throw new PluginError(
        "PLUGIN_UNKNOWN",
        `unknown ${AXIS_FLAG[axis]} "${name}"; available: ${avail.length ? avail.join(", ") : "(none)"}`,
      );
    }
    return m;
  }

  /**
   * Validate every entry of `pluginOptions` with its plugin's schema; plugins without an entry get
   * their defaults. Returns the parsed options by plugin name.
   */
  parseOptions(pluginOptions: Record<string, unknown>): Map<string, unknown> {
    for (const name of Object.keys(pluginOptions)) {
      if (!this.manifests.has(name)) {
        throw new PluginError(
          "PLUGIN_UNKNOWN",
          `pluginOptions names unknown plugin "${name}"; plugins: ${[...this.manifests.keys()].sort().join(", ")}`,
        );
      }
    }
    const parsed = new Map<string, unknown>();
    for (const m of this.manifests.values()) {
      const r = m.options.safeParse(pluginOptions[m.name] ?? {});
      if (!r.success) {
        throw new PluginError(
          "PLUGIN_OPTIONS",
          `invalid options for plugin "${m.name}" (pluginOptions.${m.name}):\n${z.prettifyError(r.error)}`,
        );
      }
      parsed.set(m.name, r.data);
    }
    return parsed;
  }

  /**
   * A fresh child container for one cell with the three axis tokens bound (and CR_MODULE_NAME
   * when a selected plugin names its module). Cells never share plugin instances.
   */
  cellContainer(
    selection: CellSelection,
    pluginOptions: Record<string, unknown> = {},
    parent: DependencyContainer = rootContainer,
  ): DependencyContainer {
    const providers = AXES.map((axis) => [axis, this.provider(axis, selection[axis])] as const);
    const options = this.parseOptions(pluginOptions);
    // One register() call per plugin with all the axes taken from it. The initiator's plugin
    // registers last so that, if several name a C/R module, the initiator's name wins: the
    // module is what sys_checkpoint dispatches to.
    const byPlugin = new Map<AnyManifest, Axis[]>();
    for (const [axis, m] of [...providers].reverse()) byPlugin.set(m, [...(byPlugin.get(m) ?? []), axis]);
    const child = parent.createChildContainer();
    for (const [m, axes] of byPlugin) m.register(child, options.get(m.name), axes);
    for (const [axis, m] of providers) {
      if (!child.isRegistered(AXIS_TOKENS[axis], false)) {
        throw new PluginError("PLUGIN_SHAPE", `plugin "${m.name}" did not bind the ${axis} token (${AXIS_TOKENS[axis]})`);
      }
    }
    return child;
  }
}

/** The three implementations and the C/R module name of a cell container. */
export function resolveCell(c: DependencyContainer): ResolvedCell {
  return {
    initiator: c.resolve<CheckpointInitiator>(AXIS_TOKENS.initiator),
    creator: c.resolve<ProcessCreator>(AXIS_TOKENS.creator),
    codec: c.resolve<ImageCodec>(AXIS_TOKENS.codec),
    moduleName: c.isRegistered(CR_MODULE_NAME, true) ? c.resolve<string>(CR_MODULE_NAME) : DEFAULT_CR_MODULE_NAME,
  };
}

/** Check that a value imported from a plugin file is a manifest; the error names the file. */
function checkManifestShape(value: unknown, file: string): AnyManifest {
  const bad = (what: string): never => {
    throw new PluginError(
      "PLUGIN_SHAPE",
      `plugin file ${file} ${what} (expected a default export or a \`manifest\` export: ` +
        `{ name, description, binds: [{ axis, name }], options: zod schema, register(container, options, axes) })`,
    );
  };
  if (typeof value !== "object" || value === null) return bad("exports no plugin manifest");
  const m = value as Record<string, unknown>;
  if (typeof m.name !== "string" || m.name === "") return bad("has a manifest without a `name` string");
  if (typeof m.description !== "string") return bad(`has a manifest "${m.name}" without a \`description\` string`);
  if (!Array.isArray(m.binds) || m.binds.length === 0) return bad(`has a manifest "${m.name}" with no \`binds\``);
  for (const [i, b] of (m.binds as unknown[]).entries()) {
    const bb = b as Record<string, unknown> | null;
    if (typeof bb !== "object" || bb === null || !AXES.includes(bb.axis as Axis) || typeof bb.name !== "string" || bb.name === "") {
      return bad(`has a manifest "${m.name}" whose binds[${i}] is not { axis: ${AXES.join(" | ")}, name: string }`);
    }
  }
  // Duck-typed: a plugin outside this checkout may bring its own copy of zod.
  if (typeof (m.options as { safeParse?: unknown } | undefined)?.safeParse !== "function") {
    return bad(`has a manifest "${m.name}" whose \`options\` is not a zod schema`);
  }
  if (typeof m.register !== "function") return bad(`has a manifest "${m.name}" without a \`register\` function`);
  return value as AnyManifest;
}
