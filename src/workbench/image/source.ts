// Where the inspector's image comes from: an image directory (its inventory names the codec and
// layout), a bare file, or "-" for standard input (a pipe: a ckpt stream can be piped straight
// from its writer). The codec of a bare file or a pipe is found by its magic.
import { readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import type { ImageCodec } from "../../core/cr/interfaces.ts";
import type { Registry } from "../../core/cr/registry.ts";
import { codecFor, detectCodec } from "./codecs.ts";
import { ImageDirError, type Inventory } from "./inventory.ts";
import { inventoryOf } from "./restore.ts";

export interface ImageSource {
  /** How to name it in messages: the path, or "standard input". */
  label: string;
  bytes: Uint8Array;
  codec: ImageCodec;
  /** Present when the image came from a directory. */
  inventory?: Inventory;
}

/** Read all of standard input (a file or a pipe) until end of file. */
function readStdin(): Uint8Array {
  try {
    return readFileSync(0);
  } catch (e) {
    throw new ImageDirError("IMAGE_READ", `cannot read an image from standard input: ${(e as NodeJS.ErrnoException).code ?? String(e)}`);
  }
}

export function loadImage(arg: string, registry: Registry): ImageSource {
  if (arg === "-") {
    const bytes = readStdin();
    return { label: "standard input", bytes, codec: detectCodec(registry, bytes, "standard input") };
  }
  let st;
  try {
    st = statSync(arg);
  } catch {
    throw new ImageDirError("IMAGE_DIR", `${arg}: no such file or directory`);
  }
  if (st.isDirectory()) {
    const inventory = inventoryOf(arg, registry);
    const path = join(arg, inventory.image.file);
    return { label: path, bytes: readFileSync(path), codec: codecFor(registry, inventory.formats.codec, inventory.formats.perTask), inventory };
  }
  let bytes: Uint8Array;
  try {
    bytes = readFileSync(arg);
  } catch (e) {
    throw new ImageDirError("IMAGE_READ", `cannot read ${arg}: ${(e as NodeJS.ErrnoException).code ?? String(e)}`);
  }
  return { label: arg, bytes, codec: detectCodec(registry, bytes, arg) };
}
