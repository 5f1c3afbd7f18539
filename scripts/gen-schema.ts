// npm run schema: write schema/cptbench.schema.json from the config's zod schema.
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { configJsonSchemaText } from "../src/workbench/config/json-schema.ts";

const out = join(import.meta.dirname, "..", "schema", "cptbench.schema.json");
writeFileSync(out, configJsonSchemaText());
process.stdout.write(`wrote ${out}\n`);
