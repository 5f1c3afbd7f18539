// schema/cptbench.schema.json is generated from the zod schema (npm run schema): it must be
// up to date, and it must describe what the loader accepts.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { configJsonSchema, configJsonSchemaText } from "../../../src/workbench/config/json-schema.ts";

const SCHEMA_FILE = join(import.meta.dirname, "..", "..", "..", "schema", "cptbench.schema.json");

describe("schema/cptbench.schema.json", () => {
  it("equals a fresh generation (run `npm run schema` after changing the config schema)", () => {
    expect(readFileSync(SCHEMA_FILE, "utf8")).toBe(configJsonSchemaText());
  });

  it("forbids unknown keys, keeps defaults optional and lists allowed values", () => {
    const s = configJsonSchema() as {
      additionalProperties: boolean;
      required?: string[];
      properties: Record<string, { default?: unknown; items?: { enum?: string[] } }>;
    };
    expect(s.additionalProperties).toBe(false);
    expect(s.required ?? []).toEqual([]);
    expect(s.properties.initiator.default).toBe("external");
    expect(s.properties.modes.items?.enum).toEqual(["kill", "continue"]);
    expect(s.properties.targets.items?.enum).toEqual(["same", "fresh"]);
  });
});
