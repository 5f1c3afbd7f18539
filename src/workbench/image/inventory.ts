// An image directory (`cptbench dump -D DIR`): the image file and inventory.json, which says what
// the image is (design, codec and format versions), where it came from (seed, machine, workload,
// point) and what the uninterrupted run printed (the reference: restore --check needs no rerun).
// Writes are atomic: each file goes to a temporary name in DIR, is fsynced and renamed, the
// inventory last, so a directory with an inventory always holds a complete image.
import { createHash } from "node:crypto";
import { closeSync, existsSync, fsyncSync, openSync, readFileSync, renameSync, statSync, writeSync } from "node:fs";
import { join } from "node:path";
import { z } from "zod";
import { CptbenchError } from "../../machine/errors.ts";
import { MODEL_VERSION } from "../../core/cr/model.ts";

export const INVENTORY_FILE = "inventory.json";
/** The inventory layout this cptbench writes and reads. */
export const INVENTORY_VERSION = 1;

/** A bad -D directory, an unreadable or foreign inventory, an image that does not match it. Exit 2. */
export class ImageDirError extends CptbenchError {}

const sha = z.string().regex(/^[0-9a-f]{64}$/);

export const inventorySchema = z.object({
  inventoryVersion: z.number().int(),
  producer: z.string(),
  design: z.object({ initiator: z.string(), creator: z.string(), codec: z.string() }),
  pluginOptions: z.record(z.string(), z.record(z.string(), z.unknown())),
  formats: z.object({ model: z.number().int(), codec: z.string(), codecVersion: z.number().int().nullable(), perTask: z.boolean() }),
  image: z.object({ file: z.string().regex(/^[A-Za-z0-9._-]+$/), bytes: z.number().int().min(0), sha256: sha }),
  machine: z.object({ seed: z.number().int(), cpus: z.number().int().positive(), quantum: z.number().int().positive(), bugs: z.array(z.string()) }),
  workload: z.object({ ref: z.string(), name: z.string(), args: z.array(z.string()), env: z.array(z.string()), elfSha256: sha }),
  point: z.string().regex(/^(mark|insn):\d+$/),
  mode: z.enum(["kill", "continue"]),
  checkpoint: z.object({ tasks: z.number().int(), virtualNs: z.number(), stdoutAt: z.number().int().min(0) }),
  reference: z.object({
    stdoutBase64: z.string(), stdoutSha256: sha, exitCode: z.number().int(), tree: z.string(), marks: z.number().int(),
    window: z.tuple([z.number(), z.number()]), instructions: z.number().int(),
  }),
});

export type Inventory = z.infer<typeof inventorySchema>;

export const sha256 = (b: Uint8Array): string => createHash("sha256").update(b).digest("hex");

/**
 * The inventory of `dir`, checked: the directory exists, holds an inventory of this version whose
 * formats this cptbench reads, and the image file it names. Every refusal says what to do.
 */
export function readInventory(dir: string, formatVersionOf: (codec: string) => number | null): Inventory {
  let st;
  try {
    st = statSync(dir);
  } catch {
    throw new ImageDirError("IMAGE_DIR", `-D ${dir}: no such directory`);
  }
  if (!st.isDirectory()) throw new ImageDirError("IMAGE_DIR", `-D ${dir}: not a directory`);
  const path = join(dir, INVENTORY_FILE);
  if (!existsSync(path)) throw new ImageDirError("IMAGE_DIR", `-D ${dir} is not an image directory: it has no ${INVENTORY_FILE} (cptbench dump -D makes one)`);
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(path, "utf8"));
  } catch (e) {
    throw new ImageDirError("IMAGE_INVENTORY", `${path} is not readable JSON: ${(e as Error).message}`);
  }
  const version = (raw as { inventoryVersion?: unknown } | null)?.inventoryVersion;
  if (version !== INVENTORY_VERSION) {
    throw new ImageDirError("IMAGE_VERSION", `${path} is inventory version ${String(version)}; this cptbench reads version ${INVENTORY_VERSION}: dump the workload again with this cptbench`);
  }
  const r = inventorySchema.safeParse(raw);
  if (!r.success) throw new ImageDirError("IMAGE_INVENTORY", `${path} is malformed:\n${z.prettifyError(r.error)}`);
  const inv = r.data;
  if (inv.formats.model !== MODEL_VERSION) {
    throw new ImageDirError("IMAGE_VERSION", `the image in ${dir} holds model version ${inv.formats.model}; this cptbench reads version ${MODEL_VERSION}: dump it again with this cptbench`);
  }
  const ours = formatVersionOf(inv.formats.codec);
  if (inv.formats.codecVersion !== ours) {
    throw new ImageDirError(
      "IMAGE_VERSION",
      `the image in ${dir} is ${inv.formats.codec} format version ${String(inv.formats.codecVersion)}; this cptbench reads and writes ${inv.formats.codec} version ${String(ours)}: dump it again with this cptbench`,
    );
  }
  const img = join(dir, inv.image.file);
  if (!existsSync(img)) throw new ImageDirError("IMAGE_DIR", `${dir}: the image file ${inv.image.file} named by ${INVENTORY_FILE} is missing`);
  return inv;
}

/** Write `bytes` to DIR/name atomically: a temporary name, fsync, rename. */
export function writeAtomic(dir: string, name: string, bytes: Uint8Array): void {
  const tmp = join(dir, `.${name}.tmp-${process.pid}`);
  const fd = openSync(tmp, "w");
  try {
    for (let off = 0; off < bytes.length;) off += writeSync(fd, bytes, off, bytes.length - off);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  renameSync(tmp, join(dir, name));
}

/** fsync a file already written (e.g. page by page from the guest), then give it its name. */
export function commitFile(dir: string, tmp: string, name: string): void {
  const fd = openSync(tmp, "r+");
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  renameSync(tmp, join(dir, name));
}

/** fsync a directory, so the renames in it survive a crash. */
export function syncDir(dir: string): void {
  let fd: number | undefined;
  try {
    fd = openSync(dir, "r");
    fsyncSync(fd);
  } catch {
    // Some filesystems refuse to fsync a directory; the renames are then as durable as they get.
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}
