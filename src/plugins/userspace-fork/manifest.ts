// The userspace-fork plugin (the user-space restart of Oren Laadan's linux-cr): a guest restarter
// program, cptbench-mktree, learns the task tree from the kernel, forks it with each task's pid
// (clone_with_pid, or ns_last_pid then fork), and every new task calls sys_restart to restore
// itself over itself (creator "userspace"). It names no module: it runs inside whichever C/R
// module the initiator's plugin loads.
import { Lifecycle, type DependencyContainer } from "tsyringe";
import { z } from "zod";
import { PROCESS_CREATOR, type Axis } from "../../core/cr/index.ts";
import type { PluginManifest } from "../../core/cr/index.ts";
import { UserspaceCreator } from "./creator.ts";

/** Token of this plugin's parsed options (classes here inject the literal "userspace-fork.options"). */
export const USERSPACE_FORK_OPTIONS = "userspace-fork.options";

export const userspaceForkOptions = z.strictObject({
  pids: z
    .enum(["eclone", "ns_last_pid"])
    .default("eclone")
    .describe("how each task gets its pid: clone_with_pid (exact), or writing /proc/sys/kernel/ns_last_pid then fork (racy)"),
  signals: z
    .enum(["none", "block"])
    .default("block")
    .describe("none: the window between fork and sys_restart is open to signals; block: every blockable signal is blocked from before fork until the task is restored, and signals from outside the container are held until the restart completes"),
});
export type UserspaceForkOptions = z.infer<typeof userspaceForkOptions>;

export const manifest: PluginManifest<UserspaceForkOptions> = {
  name: "userspace-fork",
  description: "User-space restart: a restarter program forks the tree with clone_with_pid, each task restores itself with sys_restart",
  binds: [{ axis: "creator", name: "userspace" }],
  options: userspaceForkOptions,
  register(container: DependencyContainer, options: UserspaceForkOptions, axes: Axis[]): void {
    container.register(USERSPACE_FORK_OPTIONS, { useValue: options });
    if (axes.includes("creator")) {
      container.register(PROCESS_CREATOR, { useClass: UserspaceCreator }, { lifecycle: Lifecycle.ContainerScoped });
    }
  },
};

export default manifest;
