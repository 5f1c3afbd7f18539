// The kernel-fork plugin: sys_restart builds the namespaces and the whole task tree inside the
// kernel (creator "kernel"), as OpenVZ's rst_* code does. It names no module of its own: it
// runs inside whichever C/R module the initiator's plugin loads.
import { Lifecycle, type DependencyContainer } from "tsyringe";
import { z } from "zod";
import { PROCESS_CREATOR, type Axis } from "../../core/cr/index.ts";
import type { PluginManifest } from "../../core/cr/index.ts";
import { KernelCreator } from "./creator.ts";

/**
 * Token of this plugin's parsed options. Classes of this folder inject it with the literal
 * "kernel-fork.options" (importing it from here would be an import cycle).
 */
export const KERNEL_FORK_OPTIONS = "kernel-fork.options";

export const kernelForkOptions = z.strictObject({});
export type KernelForkOptions = z.infer<typeof kernelForkOptions>;

export const manifest: PluginManifest<KernelForkOptions> = {
  name: "kernel-fork",
  description: "In-kernel restart: sys_restart creates namespaces and the whole task tree from kthreads",
  binds: [{ axis: "creator", name: "kernel" }],
  options: kernelForkOptions,
  register(container: DependencyContainer, options: KernelForkOptions, axes: Axis[]): void {
    container.register(KERNEL_FORK_OPTIONS, { useValue: options });
    if (axes.includes("creator")) {
      container.register(PROCESS_CREATOR, { useClass: KernelCreator }, { lifecycle: Lifecycle.ContainerScoped });
    }
  },
};

export default manifest;
