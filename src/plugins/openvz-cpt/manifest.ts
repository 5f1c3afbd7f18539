// The openvz-cpt plugin (the 2008 OpenVZ CPT patchset): an external controller checkpoints the
// container through the freezer (initiator "external") into a cpt_image.h-style image (codec
// "cpt"); its operations live in the "cptrst" kernel module.
import { instanceCachingFactory, Lifecycle, type DependencyContainer } from "tsyringe";
import { z } from "zod";
import { CHECKPOINT_INITIATOR, CR_MODULE_NAME, IMAGE_CODEC, type Axis } from "../../core/cr/index.ts";
import type { PluginManifest } from "../../core/cr/index.ts";
import { PerTaskCodec } from "../../core/cr/index.ts";
import { keyOptions, withKeys } from "../../core/cr/index.ts";
import { CptCodec } from "./codec/cpt-codec.ts";
import { ExternalInitiator } from "./initiator.ts";

/**
 * Token of this plugin's parsed options. Classes of this folder inject it with the literal
 * "openvz-cpt.options" (importing it from here would be an import cycle).
 */
export const OPENVZ_CPT_OPTIONS = "openvz-cpt.options";

// The five steps (pre-dump, freeze, dump, thaw-or-kill, post-dump) are fixed and kill-or-continue
// is the experiment's mode. Strict, so a misspelt option is an error.
export const openvzCptOptions = z.strictObject({
  images: z
    .enum(["stream", "per-task"])
    .default("stream")
    .describe("stream: one cpt image; per-task: the per-task layout (PerTaskCodec in core/cr), which the kernel creator restores in parallel"),
  ...keyOptions,
});
export type OpenvzCptOptions = z.infer<typeof openvzCptOptions>;

export const manifest: PluginManifest<OpenvzCptOptions> = {
  name: "openvz-cpt",
  description: "OpenVZ CPT: external checkpoint through the freezer, cpt_image.h image format, module cptrst",
  binds: [
    { axis: "initiator", name: "external" },
    { axis: "codec", name: "cpt" },
  ],
  options: openvzCptOptions,
  register(container: DependencyContainer, options: OpenvzCptOptions, axes: Axis[]): void {
    const scoped = { lifecycle: Lifecycle.ContainerScoped };
    container.register(OPENVZ_CPT_OPTIONS, { useValue: options });
    container.register(CR_MODULE_NAME, { useValue: "cptrst" });
    if (axes.includes("initiator")) container.register(CHECKPOINT_INITIATOR, { useClass: ExternalInitiator }, scoped);
    if (axes.includes("codec")) {
      // images: per-task wraps the codec in the per-task layout (one part per address space);
      // sign/verify wrap that in an HMAC-SHA256 over the whole file (core/cr/signed.ts).
      container.register(IMAGE_CODEC, {
        useFactory: instanceCachingFactory(() => withKeys(options.images === "per-task" ? new PerTaskCodec(new CptCodec()) : new CptCodec(), options)),
      });
    }
  },
};

export default manifest;
