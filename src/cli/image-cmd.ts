// `cptbench image`: the inspector for images of every codec (crit's verbs): show, decode --json,
// encode, x (ps, fds, mems, sigs, sockets), diff and verify. An image is an image directory
// (cptbench dump -D), a bare file, or "-" for standard input. Codecs are reached through the
// registry and the ImageCodec interface only (workbench/image/codecs.ts).
import { writeFileSync } from "node:fs";
import { Command } from "commander";
import type { ImageCodec, ImageRecord } from "../core/cr/interfaces.ts";
import type { CheckpointModel } from "../core/cr/model.ts";
import { asPerTask } from "../core/cr/per-task.ts";
import type { Registry } from "../core/cr/registry.ts";
import type { ImageSource } from "../workbench/image/source.ts";
import { CliError } from "./errors.ts";

async function registry(): Promise<Registry> {
  const { builtinRegistry } = await import("../workbench/plugins.ts");
  return builtinRegistry();
}

/** The image; a signed one read without its key gets a note on stderr that nothing checked it. */
async function load(arg: string, note = true): Promise<ImageSource> {
  const { loadImage, unverifiedNote } = await import("../workbench/image/source.ts");
  const src = loadImage(arg, await registry());
  if (note && src.signed) process.stderr.write(unverifiedNote(src));
  return src;
}

const perTaskOf = (c: ImageCodec): boolean => asPerTask(c) !== null;

/** The model of an image; a malformed image is a usage error naming where it breaks. */
async function decode(src: ImageSource): Promise<CheckpointModel> {
  const { ImageError } = await import("../core/cr/interfaces.ts");
  try {
    return src.codec.decode(src.bytes);
  } catch (e) {
    if (e instanceof ImageError) throw new CliError("IMAGE_BAD", `${src.label}: ${e.message}`);
    throw e;
  }
}

function recordLines(records: ImageRecord[]): string[] {
  const lines = ["  OFFSET     LENGTH  RECORD"];
  for (let i = 0; i < records.length;) {
    const r = records[i];
    let j = i + 1;
    // A run of the same record (pages) is one line: an image has thousands of them.
    while (j < records.length && records[j].name === r.name && records[j].depth === r.depth) j++;
    const n = j - i;
    const len = n === 1 ? r.length : records.slice(i, j).reduce((s, x) => s + x.length, 0);
    lines.push(`  ${r.offset.toString(16).padStart(8, "0")} ${String(len).padStart(10)}  ${"  ".repeat(r.depth)}${r.name}${n > 1 ? ` × ${n}` : ""}`);
    i = j;
  }
  return lines;
}

const X_VIEWS = ["ps", "fds", "mems", "sigs", "sockets"] as const;

export function imageCommand(setExit: (code: number) => void): Command {
  const cmd = new Command("image")
    .exitOverride()
    .showHelpAfterError("(run with --help for usage)")
    .description("inspect images of every codec (like crit): show, decode --json, encode, x, diff, verify; IMAGE is a dump directory, a file, or - (standard input)")
    .addHelpText("after", `
Exit status: 0 on success; diff exits 1 when the images differ and verify when the image is bad;
2 for a usage error (missing file, not an image, a malformed image given to show/decode/x).`);

  cmd.command("show").argument("<image>", "image directory, file, or -").description("the image's records as the format lays them out, and what they hold")
    .action(async (arg: string) => {
      const src = await load(arg);
      const { ImageError } = await import("../core/cr/interfaces.ts");
      const { modelCounts } = await import("../core/cr/model.ts");
      const out = [`${src.label}: ${src.codec.name} image${perTaskOf(src.codec) ? " (per-task layout)" : ""}, ${src.bytes.length} bytes, format version ${src.codec.formatVersion ?? "?"}`];
      const inv = src.inventory;
      if (inv !== undefined) {
        out.push(`dumped: ${inv.workload.name} at ${inv.point} by ${inv.design.initiator}/${inv.design.creator}/${inv.design.codec}, seed ${inv.machine.seed}, ${inv.mode === "kill" ? "killed" : "left running"}; reference exit status ${inv.reference.exitCode}`);
      }
      try {
        out.push(...recordLines(src.codec.records?.(src.bytes) ?? []));
      } catch (e) {
        if (e instanceof ImageError) throw new CliError("IMAGE_BAD", `${src.label}: ${e.message}`);
        throw e;
      }
      const counts = modelCounts(await decode(src));
      out.push(`holds: ${Object.entries(counts).map(([k, v]) => `${v} ${k}`).join(", ")}`);
      process.stdout.write(out.join("\n") + "\n");
      setExit(0);
    });

  cmd.command("decode").argument("<image>", "image directory, file, or -").description("the decoded model as JSON (bytes as {$base64}, 64-bit numbers as {$bigint}); encode turns it back into the same bytes")
    .option("--json", "JSON output (the only format)")
    .action(async (arg: string) => {
      const src = await load(arg);
      const { modelToDocument } = await import("../workbench/image/model-json.ts");
      process.stdout.write(JSON.stringify(modelToDocument(await decode(src), src.codec.name, perTaskOf(src.codec)), null, 1) + "\n");
      setExit(0);
    });

  cmd.command("encode").argument("[json]", "a document from decode --json (default: standard input)", "-").description("turn decode --json's document back into image bytes")
    .option("-o, --out <file>", "write the image here (default: standard output)")
    .action(async (arg: string, f: { out?: string }) => {
      const { readFileSync } = await import("node:fs");
      const { documentToModel } = await import("../workbench/image/model-json.ts");
      const { codecFor } = await import("../workbench/image/codecs.ts");
      let text: string;
      try {
        text = readFileSync(arg === "-" ? 0 : arg, "utf8");
      } catch (e) {
        throw new CliError("CLI_NO_FILE", `cannot read ${arg === "-" ? "standard input" : arg}: ${(e as NodeJS.ErrnoException).code ?? String(e)}`);
      }
      const doc = documentToModel(text);
      const codec = codecFor(await registry(), doc.codec, doc.perTask);
      let bytes: Buffer;
      try {
        bytes = Buffer.concat([...codec.encode(doc.model)]);
      } catch (e) {
        // The document was edited into a model the format cannot hold.
        throw new CliError("IMAGE_ENCODE", `cannot encode the document as ${doc.codec}: ${(e as Error).message}`);
      }
      if (f.out !== undefined) writeFileSync(f.out, bytes);
      // process.stdout, not a raw fd write: the bin never calls process.exit, so it drains.
      else process.stdout.write(bytes);
      setExit(0);
    });

  cmd.command("x").argument("<image>", "image directory, file, or -").argument("<view>", X_VIEWS.join(" | "))
    .description("explore: ps (process tree, pids per namespace), fds (fd tables), mems (VMAs and pages), sigs (pending signals), sockets")
    .action(async (arg: string, view: string) => {
      if (!(X_VIEWS as readonly string[]).includes(view)) throw new CliError("CLI_FLAG", `unknown view "${view}"; views: ${X_VIEWS.join(", ")}`);
      const src = await load(arg);
      const v = await import("../workbench/image/views.ts");
      const m = await decode(src);
      const text = view === "ps" ? v.psView(m) : view === "fds" ? v.fdsView(m) : view === "mems" ? v.memsView(m) : view === "sigs" ? v.sigsView(m) : v.SOCKETS_VIEW;
      process.stdout.write(text);
      setExit(0);
    });

  cmd.command("diff").argument("<a>", "image directory, file, or -").argument("<b>", "image directory or file")
    .description("what differs between two images, object by object (exit 1 when they differ)")
    .action(async (a: string, b: string) => {
      const { imageDiff } = await import("../workbench/image/diff.ts");
      const ma = await decode(await load(a));
      const mb = await decode(await load(b));
      const lines = imageDiff(ma, mb);
      process.stdout.write(lines.length === 0 ? "the images hold the same objects\n" : lines.join("\n") + "\n");
      setExit(lines.length === 0 ? 0 : 1);
    });

  cmd.command("verify").argument("<image>", "image directory, file, or -")
    .description("check the image's structure and checksums (cpt's section CRCs, ckpt's CRC-32s); with a directory, also its size and SHA-256 against the inventory")
    .option("--key <keyfile>", "also require an HMAC-SHA256 signature by this key (dump --sign), checked before anything is decoded")
    .action(async (arg: string, o: { key?: string }) => {
      const src = await load(arg, o.key === undefined);
      if (o.key !== undefined) {
        const { SignedCodec, readKeyFile } = await import("../core/cr/signed.ts");
        src.codec = new SignedCodec(src.plain, { verify: readKeyFile(o.key, "--key") });
      }
      const { ImageError } = await import("../core/cr/interfaces.ts");
      const inv = src.inventory;
      const fail = (why: string): void => {
        process.stdout.write(`${src.label}: BAD: ${why}\n`);
        setExit(1);
      };
      if (inv !== undefined) {
        const { sha256 } = await import("../workbench/image/inventory.ts");
        if (src.bytes.length !== inv.image.bytes) return fail(`${src.bytes.length} bytes, the inventory says ${inv.image.bytes} (truncated or appended to)`);
        if (sha256(src.bytes) !== inv.image.sha256) return fail("its SHA-256 is not the inventory's: the image changed since the dump");
      }
      try {
        src.codec.decode(src.bytes);
      } catch (e) {
        if (e instanceof ImageError) return fail(e.message);
        throw e;
      }
      const signed = o.key !== undefined ? ", signature by the key" : "";
      process.stdout.write(`${src.label}: OK: a well-formed ${src.codec.name} image of ${src.bytes.length} bytes: structure, references and checksums${signed} correct\n`);
      setExit(0);
    });
  return cmd;
}
