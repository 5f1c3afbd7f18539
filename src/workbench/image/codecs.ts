// The image codecs as the inspector and dump/restore reach them: through the plugin registry and
// the ImageCodec interface only, never a plugin's own files. A codec is named by an inventory, or
// found by the magic at the start of a bare file (ImageCodec.sniff).
import { container as rootContainer } from "tsyringe";
import { IMAGE_CODEC, type ImageCodec } from "../../core/cr/interfaces.ts";
import { isPerTaskImage, PerTaskCodec } from "../../core/cr/per-task.ts";
import type { Registry } from "../../core/cr/registry.ts";
import { CptbenchError } from "../../machine/errors.ts";

/** A file is no image any registered codec knows. Exit status 2. */
export class ImageFormatError extends CptbenchError {}

/** The codec bound to `name` on the codec axis, built as a cell would with `pluginOptions`. */
export function codecByName(registry: Registry, name: string, pluginOptions: Record<string, unknown> = {}): ImageCodec {
  const m = registry.provider("codec", name);
  const options = registry.parseOptions(pluginOptions).get(m.name);
  const c = rootContainer.createChildContainer();
  m.register(c, options, ["codec"]);
  return c.resolve<ImageCodec>(IMAGE_CODEC);
}

/** The plain (stream) codec of a name, and its per-task form when `perTask`. */
export function codecFor(registry: Registry, name: string, perTask: boolean): ImageCodec {
  const plain = codecByName(registry, name);
  const inner = plain instanceof PerTaskCodec ? plain.inner : plain;
  return perTask ? new PerTaskCodec(inner) : inner;
}

/** The codec whose magic starts `head`, among every codec the registry binds. */
export function detectCodec(registry: Registry, head: Uint8Array, what: string): ImageCodec {
  const names = registry.names("codec");
  const perTask = isPerTaskImage(head);
  for (const name of names) {
    const c = codecFor(registry, name, perTask);
    if (c.sniff?.(head) === true) return c;
  }
  const got = [...head.subarray(0, 8)].map((b) => b.toString(16).padStart(2, "0")).join(" ");
  throw new ImageFormatError("IMAGE_UNKNOWN", `${what} is not an image of any known codec (${names.join(", ")}): it starts with ${got || "nothing (empty)"}`);
}
