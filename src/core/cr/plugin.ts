// What a C/R plugin is to the rest of cptbench: a manifest (ARCHITECTURE.md, "Each plugin folder
// exports one manifest"). The registry (registry.ts) reads manifests only; it never imports a
// plugin's classes itself, and no plugin imports another plugin's folder.
import type { DependencyContainer } from "tsyringe";
import type { z } from "zod";
import type { Axis } from "./interfaces.ts";

/** One implementation a plugin offers on one axis, e.g. {axis: "codec", name: "cpt"}. */
export interface PluginBinding {
  axis: Axis;
  name: string;
}

export interface PluginManifest<O = unknown> {
  /** Unique among loaded plugins; also the key of its options in `pluginOptions`. */
  name: string;
  description: string;
  binds: PluginBinding[];
  /** A zod strictObject whose fields all have defaults, so `{}` parses to the full options. */
  options: z.ZodType<O>;
  /**
   * Bind, in a cell's child container, the tokens of `axes` only: the experiment may take this
   * plugin's initiator and another plugin's codec. `axes` is never empty and only names axes in
   * `binds`. A plugin may also bind CR_MODULE_NAME (the kernel module carrying its operations).
   */
  register(container: DependencyContainer, options: O, axes: Axis[]): void;
}

/** Type helper for plugin authors: checks the manifest against its options schema's type. */
export function definePlugin<O>(manifest: PluginManifest<O>): PluginManifest<O> {
  return manifest;
}
