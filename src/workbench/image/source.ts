// Where the inspector's image comes from: an image directory (its inventory names the codec and
// layout), a bare file, or "-" for standard input (a pipe: a ckpt stream can be piped straight
// from its writer). The codec of a bare file or a pipe is found by its magic.
import { readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import type { ImageCodec } from "../../core/cr/interfaces.ts";
import type { Registry } from "../../core/cr/registry.ts";
import { isSigned, SignedCodec } from "../../core/cr/signed.ts";
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
  /**
   * The image ends in a signature (dump --sign). `codec` then strips it unchecked, so an image
   * can be inspected without its key; `plain` is the codec without that wrapper.
   */
  signed: boolean;
  plain: ImageCodec;
}

/** The source, with a signed image's trailer stripped (unchecked) by its codec. */
function source(label: string, bytes: Uint8Array, codec: ImageCodec, inventory?: Inventory): ImageSource {
  const signed = isSigned(bytes);
  return { label, bytes, codec: signed ? new SignedCodec(codec, {}) : codec, plain: codec, signed, ...(inventory === undefined ? {} : { inventory }) };
}

/** What the inspector says of a signed image it read without the key. */
export function unverifiedNote(src: ImageSource): string {
  return `cptbench: note: ${src.label} is signed (HMAC-SHA256); the signature was not checked: \`cptbench image verify --key KEYFILE\` checks it\n`;
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
    return source("standard input", bytes, detectCodec(registry, bytes, "standard input"));
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
    return source(path, readFileSync(path), codecFor(registry, inventory.formats.codec, inventory.formats.perTask), inventory);
  }
  let bytes: Uint8Array;
  try {
    bytes = readFileSync(arg);
  } catch (e) {
    throw new ImageDirError("IMAGE_READ", `cannot read ${arg}: ${(e as NodeJS.ErrnoException).code ?? String(e)}`);
  }
  return source(arg, bytes, detectCodec(registry, bytes, arg));
}
