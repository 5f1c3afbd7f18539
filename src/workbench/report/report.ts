// `cptbench report`: the numbers the 2008 thread asked for, each produced by a run of a review
// case on the designs it concerns, with the seed that reproduces it. A section is a case and a
// set of designs (and plugin options); its table has one row per design and one column per
// figure the case measured, so the report shows whatever the case measures, nothing typed in.
import type { Registry } from "../../core/cr/registry.ts";
import { combinations, comboLabel, type Combination } from "../matrix/combos.ts";
import type { BugName } from "../cases/bugs.ts";
import { findCase } from "../cases/index.ts";
import type { CaseOutcome } from "../cases/types.ts";

export interface ReportSection {
  title: string;
  /** What the reviewers asked, in a sentence. */
  question: string;
  caseId: string;
  designs: (registry: Registry) => Combination[];
}

export interface SectionResult {
  title: string;
  question: string;
  caseId: string;
  outcomes: CaseOutcome[];
  error?: string;
}

export interface Report {
  seed: number;
  quick: boolean;
  sections: SectionResult[];
}

const every = (registry: Registry, lists: Parameters<typeof combinations>[1] = {}): Combination[] => combinations(registry, lists);

/** The sections, in the order the thread raised them. */
export const SECTIONS: ReportSection[] = [
  {
    title: "Useless creations: objects created and destroyed at restart",
    question: "How many kernel objects does each way of creating processes make and throw away, for threads, CLONE_FILES trees and A→B→C sharing with B unsharing?",
    caseId: "sharing",
    designs: (r) => every(r, { initiator: ["external"], codec: ["cpt"] }),
  },
  {
    title: "The signal-race window",
    question: "How long is the window between fork's return and sys_restart, and what happens to a signal delivered inside it, with and without each mitigation?",
    caseId: "signal-race",
    designs: (r) => every(r, { initiator: ["external"], codec: ["cpt"] }),
  },
  {
    title: "PIDs: clone-with-pid against ns_last_pid",
    question: "Do restored tasks keep their pids, and how often does another fork steal a pid written to ns_last_pid?",
    caseId: "pids",
    designs: (r) => every(r, { initiator: ["external"], codec: ["cpt"] }),
  },
  {
    title: "Which codecs stream from a pipe",
    question: "Can the image go through a pipe (checkpoint into it, restart from it, concurrently)?",
    caseId: "pipe-stream",
    designs: (r) => every(r, { initiator: ["external"], creator: ["kernel"] }),
  },
  {
    title: "Single stream against per-task images for parallel restart",
    question: "How does restart time scale with tasks and virtual CPUs for one image stream and for one image per task?",
    caseId: "parallel-restart",
    designs: (r) => every(r, { initiator: ["external"], creator: ["kernel"] }),
  },
  {
    title: "The steps of an external checkpoint against a self-checkpoint",
    question: "What do the five steps (pre-dump, freeze, dump, thaw-or-kill, post-dump) cost, against a self-checkpoint's three?",
    caseId: "five-steps",
    designs: (r) => every(r, { creator: ["kernel"], codec: ["cpt"] }),
  },
];

/**
 * Run every section. `onSection` hears a section's title when it starts, `onResult` gets the
 * section when it is done (so a caller can print it at once: the whole report takes minutes).
 */
export function runReport(
  registry: Registry, seed: number, quick: boolean, bugs: ReadonlySet<BugName> = new Set(), onSection?: (title: string) => void,
  onResult?: (s: SectionResult) => void,
): Report {
  const ctx = { registry, seed, bugs, quick };
  const sections = SECTIONS.map((s): SectionResult => {
    onSection?.(s.title);
    const rc = findCase(s.caseId);
    const r: SectionResult = rc === undefined
      ? { title: s.title, question: s.question, caseId: s.caseId, outcomes: [], error: `no review case "${s.caseId}" in this build` }
      : { title: s.title, question: s.question, caseId: s.caseId, outcomes: s.designs(registry).map((d) => rc.run(d, ctx)) };
    onResult?.(r);
    return r;
  });
  return { seed, quick, sections };
}

const cell = (v: number | string | boolean | undefined): string =>
  v === undefined ? "" : typeof v === "number" && !Number.isInteger(v) ? v.toFixed(3) : String(v).replace(/\|/g, "\\|");

/** Past this many figures a section's table is turned: one row per figure, one column per design. */
const WIDE = 6;

/**
 * The report as Markdown: one table per section, rows = designs and columns = the case's figures,
 * or the other way round when a case measures many figures.
 */
export function renderReportMarkdown(r: Report): string {
  return [...reportHeaderLines(r.seed, r.quick), ...r.sections.flatMap(sectionLines)].join("\n") + "\n";
}

/** The report's title and how to reproduce it (what renderReportMarkdown starts with). */
export function reportHeaderLines(seed: number, quick: boolean): string[] {
  return [`# cptbench report`, "", `Every figure below was measured by this run (seed ${seed}${quick ? ", quick: sampled" : ""}); \`cptbench report --seed ${seed}${quick ? " --quick" : ""}\` reproduces it.`];
}

/** One section's Markdown, starting with a blank line: the header and these, joined, are the report. */
export function sectionLines(s: SectionResult): string[] {
  const out = ["", `## ${s.title}`, "", `*${s.question}* (case \`${s.caseId}\`)`, ""];
  if (s.error !== undefined) {
    out.push(`Not measured: ${s.error}.`);
    return out;
  }
  const keys = [...new Set(s.outcomes.flatMap((o) => Object.keys(o.figures)))];
  if (keys.length > WIDE) {
    out.push(`| figure | ${s.outcomes.map((o) => comboLabel(o.design)).join(" | ")} |`, `|---|${s.outcomes.map(() => "---:").join("|")}|`);
    out.push(`| verdict | ${s.outcomes.map((o) => o.verdict).join(" | ")} |`);
    for (const k of keys) out.push(`| ${cell(k)} | ${s.outcomes.map((o) => cell(o.figures[k])).join(" | ")} |`);
  } else {
    out.push(`| design | verdict | ${keys.join(" | ")} |`, `|---|---|${keys.map(() => "---:").join("|")}|`);
    for (const o of s.outcomes) out.push(`| ${comboLabel(o.design)} | ${o.verdict} | ${keys.map((k) => cell(o.figures[k])).join(" | ")} |`);
  }
  const notes = s.outcomes.filter((o) => o.reason !== undefined);
  if (notes.length > 0) out.push("", ...notes.map((o) => `- ${comboLabel(o.design)}: ${o.reason}`));
  return out;
}
