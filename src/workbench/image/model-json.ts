// A CheckpointModel as JSON and back, for `cptbench image decode --json` and `encode`: what a user
// edits by hand or with jq. JSON has no byte arrays and no 64-bit integers, so page contents and
// buffers become {"$base64": "..."}, bigints (signal masks, times) {"$bigint": "123"}, and the
// numbers JSON cannot write (-0, NaN, ±Infinity) {"$number": "-0"}; every other value is itself. The round trip is exact: encode(decode(image)) gives the same bytes.
import { CptbenchError } from "../../machine/errors.ts";
import type { CheckpointModel } from "../../core/cr/model.ts";

/** The envelope `decode --json` prints: which codec (and layout) the bytes came from, and the model. */
export interface ModelDocument {
  format: typeof DOC_FORMAT;
  codec: string;
  perTask: boolean;
  model: unknown;
}

export const DOC_FORMAT = "cptbench-model/1";

/** A JSON document is not a model `encode` can write. Exit status 2. */
export class ModelJsonError extends CptbenchError {}

function toJson(v: unknown): unknown {
  if (v instanceof Uint8Array) return { $base64: Buffer.from(v.buffer, v.byteOffset, v.byteLength).toString("base64") };
  if (typeof v === "bigint") return { $bigint: v.toString() };
  if (typeof v === "number" && (!Number.isFinite(v) || Object.is(v, -0))) return { $number: Object.is(v, -0) ? "-0" : String(v) };
  if (Array.isArray(v)) return v.map(toJson);
  if (typeof v === "object" && v !== null) {
    const out: Record<string, unknown> = {};
    for (const [k, x] of Object.entries(v)) if (x !== undefined) out[k] = toJson(x);
    return out;
  }
  return v;
}

function fromJson(v: unknown, path: string): unknown {
  if (Array.isArray(v)) return v.map((x, i) => fromJson(x, `${path}[${i}]`));
  if (typeof v === "object" && v !== null) {
    const o = v as Record<string, unknown>;
    const keys = Object.keys(o);
    if (keys.length === 1 && keys[0] === "$base64") {
      if (typeof o.$base64 !== "string" || !/^[A-Za-z0-9+/]*={0,2}$/.test(o.$base64)) throw new ModelJsonError("MODEL_JSON", `${path}: $base64 is not base64`);
      return Uint8Array.from(Buffer.from(o.$base64, "base64"));
    }
    if (keys.length === 1 && keys[0] === "$bigint") {
      if (typeof o.$bigint !== "string" || !/^-?\d+$/.test(o.$bigint)) throw new ModelJsonError("MODEL_JSON", `${path}: $bigint is not a decimal integer string`);
      return BigInt(o.$bigint);
    }
    if (keys.length === 1 && keys[0] === "$number") {
      if (typeof o.$number !== "string" || !/^(-0|NaN|-?Infinity)$/.test(o.$number)) throw new ModelJsonError("MODEL_JSON", `${path}: $number must be "-0", "NaN", "Infinity" or "-Infinity"`);
      return Number(o.$number);
    }
    const out: Record<string, unknown> = {};
    for (const k of keys) out[k] = fromJson(o[k], `${path}.${k}`);
    return out;
  }
  return v;
}

export function modelToDocument(model: CheckpointModel, codec: string, perTask: boolean): ModelDocument {
  return { format: DOC_FORMAT, codec, perTask, model: toJson(model) };
}

/** The document's model and codec; a shape error names the key. Values are checked by the codec's encode. */
export function documentToModel(text: string): { codec: string; perTask: boolean; model: CheckpointModel } {
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (e) {
    throw new ModelJsonError("MODEL_JSON", `the input is not JSON: ${(e as Error).message}`);
  }
  const d = doc as Partial<ModelDocument> | null;
  if (typeof d !== "object" || d === null || d.format !== DOC_FORMAT) {
    throw new ModelJsonError("MODEL_JSON", `the input is not a model document: expected "format": "${DOC_FORMAT}" (what cptbench image decode --json prints)`);
  }
  if (typeof d.codec !== "string" || d.codec === "") throw new ModelJsonError("MODEL_JSON", `the document has no "codec" name`);
  if (typeof d.model !== "object" || d.model === null) throw new ModelJsonError("MODEL_JSON", `the document has no "model" object`);
  return { codec: d.codec, perTask: d.perTask === true, model: fromJson(d.model, "model") as CheckpointModel };
}
