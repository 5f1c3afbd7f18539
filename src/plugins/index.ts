// The built-in plugins, in the order `cptbench --help` lists them. Importing this file has no
// side effect beyond defining the manifests. The workbench hands this list to the registry it
// creates (src/workbench/plugins.ts); registration happens per cell.
import type { PluginManifest } from "../core/cr/index.ts";
import { manifest as openvzCpt } from "./openvz-cpt/manifest.ts";
import { manifest as kernelFork } from "./kernel-fork/manifest.ts";
import { manifest as selfCpt } from "./self-cpt/manifest.ts";
import { manifest as userspaceFork } from "./userspace-fork/manifest.ts";

export const builtinPlugins: readonly PluginManifest<unknown>[] = [openvzCpt, selfCpt, kernelFork, userspaceFork];
