// The self-cpt plugin (Oren Laadan's 2008 linux-cr patchset): a task of the container checkpoints
// its own container (initiator "self") into a stream of {type, len} records that can go through a
// pipe (codec "ckpt"); its operations live in the "ckpt" kernel module.
import { instanceCachingFactory, Lifecycle, type DependencyContainer } from "tsyringe";
import { z } from "zod";
import { CHECKPOINT_INITIATOR, CR_MODULE_NAME, IMAGE_CODEC, type Axis } from "../../core/cr/index.ts";
import type { PluginManifest } from "../../core/cr/index.ts";
import { PerTaskCodec } from "../../core/cr/index.ts";
import { keyOptions, withKeys } from "../../core/cr/index.ts";
import { CkptCodec } from "./codec/ckpt-codec.ts";
import { SelfInitiator } from "./initiator.ts";

/** Token of this plugin's parsed options (classes here inject the literal "self-cpt.options"). */
export const SELF_CPT_OPTIONS = "self-cpt.options";

export const selfCptOptions = z.strictObject({
  images: z
    .enum(["stream", "per-task"])
    .default("stream")
    .describe("stream: one ckpt stream (works on a pipe); per-task: the per-task layout (PerTaskCodec in core/cr), which the kernel creator restores in parallel and which needs seeking"),
  ...keyOptions,
});
export type SelfCptOptions = z.infer<typeof selfCptOptions>;

export const manifest: PluginManifest<SelfCptOptions> = {
  name: "self-cpt",
  description: "linux-cr (Oren Laadan): self-checkpoint from inside the container, ckpt stream image format, module ckpt",
  binds: [
    { axis: "initiator", name: "self" },
    { axis: "codec", name: "ckpt" },
  ],
  options: selfCptOptions,
  register(container: DependencyContainer, options: SelfCptOptions, axes: Axis[]): void {
    const scoped = { lifecycle: Lifecycle.ContainerScoped };
    container.register(SELF_CPT_OPTIONS, { useValue: options });
    container.register(CR_MODULE_NAME, { useValue: "ckpt" });
    if (axes.includes("initiator")) container.register(CHECKPOINT_INITIATOR, { useClass: SelfInitiator }, scoped);
    if (axes.includes("codec")) {
      // images: per-task wraps the codec in the per-task layout (one part per address space);
      // sign/verify wrap that in an HMAC-SHA256 over the whole file (core/cr/signed.ts).
      container.register(IMAGE_CODEC, {
        useFactory: instanceCachingFactory(() => withKeys(options.images === "per-task" ? new PerTaskCodec(new CkptCodec()) : new CkptCodec(), options)),
      });
    }
  },
};

export default manifest;
