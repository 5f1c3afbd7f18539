// What a user can choose from: the plugin names on each axis (from the registry, so a plugin
// added there shows up here) and the built-in workloads (from workloads/manifest.json). `--help`
// prints them; loading the registry costs seconds, so main() loads it only when help is asked.
import { AXES } from "../workbench/matrix/combos.ts";
import { crWorkloads } from "../workbench/config/experiment.ts";
import type { Registry } from "../core/cr/registry.ts";

export interface Choices {
  initiator: string[];
  creator: string[];
  codec: string[];
  workloads: string[];
}

let loaded: Choices | null = null;

export function choicesOf(registry: Registry): Choices {
  return {
    initiator: registry.names("initiator"),
    creator: registry.names("creator"),
    codec: registry.names("codec"),
    workloads: crWorkloads().map((w) => w.name),
  };
}

/** Load the built-in registry's names for the help texts that follow. */
export async function preloadChoices(): Promise<void> {
  const { builtinRegistry } = await import("../workbench/plugins.ts");
  loaded = choicesOf(builtinRegistry());
}

/** Wrap `words` into lines of at most `width` characters, each indented by `indent`. */
function wrap(words: readonly string[], indent: string, width = 100): string[] {
  const lines: string[] = [];
  let line = indent;
  for (const w of words) {
    if (line.length + w.length + 2 > width && line.trim() !== "") {
      lines.push(line.trimEnd());
      line = indent;
    }
    line += `${w}, `;
  }
  if (line.trim() !== "") lines.push(line.replace(/, $/, ""));
  return lines;
}

/** The "Choices:" section of a command's help (empty if the names were not loaded). */
export function choicesHelp(): string {
  if (loaded === null) return "";
  const c = loaded;
  const flag: Record<(typeof AXES)[number], string> = { initiator: "--initiator", creator: "--fork", codec: "--codec" };
  return [
    "",
    "",
    "Choices (cptbench list plugins|designs|workloads for more):",
    ...AXES.map((a) => `  ${flag[a].padEnd(12)} ${c[a].join(", ")}`),
    `  --workload   a path to an RV32 ELF, or one of ${c.workloads.length} built-in workloads:`,
    ...wrap(c.workloads, "                 "),
  ].join("\n");
}
