// The experiment file (cptbench.config.*, .cptbenchrc*, configs/*.yaml|json): its zod schema is
// the one definition of what a config may say. Every object is strict, so a misspelt key is an
// error naming the key and the allowed ones rather than a silently ignored setting.
// schema/cptbench.schema.json is generated from it (npm run schema) for editors.
import { z } from "zod";
import { BUGS } from "../cases/bugs.ts";
import { FAULT_PATTERN, FAULT_POINTS, parseFault } from "../../core/cr/faults.ts";

/**
 * z.strictObject whose unknown-key error lists the allowed keys, e.g.
 * `Unrecognized key "mode"; allowed keys: initiator, creator, ...`.
 */
function strict<S extends z.core.$ZodLooseShape>(shape: S) {
  const allowed = Object.keys(shape).join(", ");
  return z.strictObject(shape, {
    error: (iss) =>
      iss.code === "unrecognized_keys"
        ? `Unrecognized key${iss.keys.length > 1 ? "s" : ""} ${iss.keys.map((k) => JSON.stringify(k)).join(", ")}; allowed keys: ${allowed}`
        : undefined,
  });
}

export const MODES = ["kill", "continue"] as const;
export const TARGETS = ["same", "fresh"] as const;
export const POINTS_PATTERN = /^(marked|random:[1-9]\d*)$/;

/**
 * A value or a non-empty list of values. Lists exist for `cptbench matrix` (several designs or
 * point specs in one file); `cptbench run` takes a one-element list as the value itself.
 */
function oneOrMany<T extends z.ZodType>(item: T) {
  return z.union([item, z.array(item).min(1)]);
}

const nonNegInt = z.number().int().min(0);
const posInt = z.number().int().positive();

const faultError = (iss: { input?: unknown }): string =>
  `must be STEP:ERRNO with STEP one of ${FAULT_POINTS.map((p) => p.name).join(", ")} and ERRNO an errno name (got ${JSON.stringify(iss.input)})`;

export const configSchema = strict({
  $schema: z.string().optional().describe("the JSON schema this file follows (ignored by cptbench)"),
  initiator: oneOrMany(z.string().min(1))
    .default("external")
    .describe("checkpoint initiator: who starts the checkpoint (e.g. external); a list is for cptbench matrix"),
  creator: oneOrMany(z.string().min(1))
    .default("kernel")
    .describe("process creator: how restored tasks come to exist (e.g. kernel); a list is for cptbench matrix"),
  codec: oneOrMany(z.string().min(1))
    .default("cpt")
    .describe("image codec: how the state becomes bytes (e.g. cpt); a list is for cptbench matrix"),
  plugins: z.array(z.string().min(1)).default([]).describe("extra plugin files (.ts/.mjs/.js), relative to the config file"),
  pluginOptions: z
    .record(z.string(), z.record(z.string(), z.unknown()))
    .default({})
    .describe("options per plugin name, checked by that plugin's schema"),
  workloads: z
    .array(z.string().min(1))
    .default([])
    .describe("built-in workload names or ELF paths (relative to the config file); empty: every built-in C/R workload"),
  points: oneOrMany(z.string().regex(POINTS_PATTERN, { error: 'must be "marked" or "random:N" with N a positive integer' }))
    .default("marked")
    .describe(
      'checkpoint points: "marked" (cpt_mark() calls) or "random:N" (N seeded instruction counts); cptbench matrix also takes a list, e.g. ["marked", "random:20"], and runs each',
    ),
  modes: z.array(z.enum(MODES)).min(1).default([...MODES]).describe("after the checkpoint: kill the original, or let it continue"),
  targets: z.array(z.enum(TARGETS)).min(1).default([...TARGETS]).describe("restart in the same machine or a fresh one"),
  seeds: z.array(nonNegInt).min(1).optional().describe("run the whole matrix once per seed (overrides seed)"),
  seed: nonNegInt.default(1).describe("seed of every choice the kernel makes"),
  cpus: posInt.default(1).describe("virtual CPUs"),
  quantum: posInt.default(100_000).describe("mean scheduling quantum, in instructions"),
  repetitions: posInt.default(1).describe("run every cell this many times (for wall-time spread)"),
  bugs: z
    .array(z.enum(BUGS))
    .default([])
    .describe("deliberate bugs to switch on in the C/R code, to see that the review cases catch them: " + BUGS.join(", ")),
  faults: z
    .array(
      z
        .string()
        .regex(FAULT_PATTERN, { error: faultError })
        .refine((s) => {
          try {
            parseFault(s);
            return true;
          } catch {
            return false;
          }
        }, { error: faultError }),
    )
    .optional()
    .describe("fail these checkpoint/restart steps on purpose, STEP:ERRNO as CRIU_FAULT does (e.g. restore-mm:ENOMEM); steps: " + FAULT_POINTS.map((p) => p.name).join(", ")),
  output: strict({
    json: z.string().min(1).optional().describe("also write the JSON report to this path"),
    md: z.string().min(1).optional().describe("also write a Markdown table to this path"),
  })
    .optional()
    .describe("report files, relative to the config file"),
});

/** A config as written in a file (every key optional). */
export type ConfigInput = z.input<typeof configSchema>;
/** A config with defaults applied. */
export type Config = z.output<typeof configSchema>;
