// The editor schema of config files (schema/cptbench.schema.json), generated from the zod
// schema so the two cannot drift; a test compares the committed file with a fresh generation.
import { z } from "zod";
import { configSchema } from "./schema.ts";

export function configJsonSchema(): Record<string, unknown> {
  // io "input": keys with defaults are optional in a file.
  const schema = z.toJSONSchema(configSchema, { io: "input" }) as Record<string, unknown>;
  return { ...schema, title: "cptbench experiment config" };
}

/** The file's exact text: 2-space JSON and a final newline. */
export function configJsonSchemaText(): string {
  return JSON.stringify(configJsonSchema(), null, 2) + "\n";
}
