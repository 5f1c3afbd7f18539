// `cptbench case <id>`: run one review case of REVIEW-CASES.md on the chosen designs (every
// initiator × creator × codec the registry binds, unless --initiator/--fork/--codec narrow it),
// and print one line per design: verdict, reason, and the figures the case measured, each as soon
// as that design is done (a case can take minutes per design). `--list` lists the cases.
// Deliberate bugs (--bug) are switched on for the case's machines: the case must then fail,
// naming the problem. Ctrl-C stops between designs and exits 130.
import { Command, InvalidArgumentError, Option } from "commander";
import { BUGS, type BugName } from "../workbench/cases/bugs.ts";
import type { CaseOutcome } from "../workbench/cases/types.ts";
import { CliError } from "./errors.ts";
import { choicesHelp } from "./choices.ts";
import { exitAfter, Stopper } from "./interrupt.ts";
import { outcomeSuite, writeOutDir } from "./out-dir.ts";

interface CaseFlags {
  list?: boolean;
  initiator?: string[];
  fork?: string[];
  codec?: string[];
  seed?: number;
  bug?: BugName[];
  quick?: boolean;
  json?: boolean;
  out?: string;
}

const collect = (v: string, prev: string[] | undefined): string[] => [...(prev ?? []), v];

function seedParser(v: string): number {
  if (!/^\d+$/.test(v)) throw new InvalidArgumentError(`--seed must be a non-negative integer, got "${v}"`);
  return Number(v);
}

const figureText = (f: CaseOutcome["figures"]): string =>
  Object.entries(f).map(([k, v]) => `${k}=${typeof v === "number" && !Number.isInteger(v) ? v.toFixed(3) : String(v)}`).join(", ");

export function caseCommand(setExit: (code: number) => void): Command {
  return new Command("case")
    .description("run a review case (REVIEW-CASES.md) on every design, or those named; --list lists the cases")
    .argument("[id]", "case id or number (see --list)")
    .option("--list", "list the cases, one line each")
    .option("--initiator <name>", "only this initiator (repeatable; default: every registered one)", collect)
    .option("--fork <name>", "only this process creator (repeatable; default: every registered one)", collect)
    .option("--codec <name>", "only this codec (repeatable; default: every registered one)", collect)
    .option("--seed <n>", "seed of every machine the case boots (default: 1)", seedParser)
    .addOption(new Option("--bug <name>", "switch on a deliberate bug the case must catch (repeatable)").choices(BUGS).argParser((v: string, prev: string[] | undefined) => {
      if (!(BUGS as readonly string[]).includes(v)) throw new InvalidArgumentError(`Allowed choices are ${BUGS.join(", ")}.`);
      return [...(prev ?? []), v];
    }))
    .option("--quick", "sample instead of running exhaustively (what the tests run)")
    .option("--json", "print one JSON document with every outcome")
    .option("--out <dir>", "also write the outcomes into DIR: results.json, results.md, results.xml (JUnit), report.html (the case's table and charts)")
    .addHelpText("after", () => choicesHelp())
    .allowExcessArguments(false)
    .action(async (id: string | undefined, flags: CaseFlags) => {
      const { CASES, findCase } = await import("../workbench/cases/index.ts");
      if (flags.list) {
        const w = Math.max(...CASES.map((c) => c.id.length));
        process.stdout.write(CASES.map((c) => `${String(c.number).padStart(2)}  ${c.id.padEnd(w)}  ${c.summary}`).join("\n") + "\n");
        return;
      }
      if (id === undefined) throw new CliError("CLI_USAGE", `name a case (one of ${CASES.map((c) => c.id).join(", ")}) or use --list`);
      const rc = findCase(id);
      if (rc === undefined) throw new CliError("CLI_USAGE", `no review case "${id}"; cases: ${CASES.map((c) => c.id).join(", ")}`);
      const { builtinRegistry } = await import("../workbench/plugins.ts");
      const { combinations, comboLabel } = await import("../workbench/matrix/combos.ts");
      const registry = builtinRegistry();
      const designs = combinations(registry, { initiator: flags.initiator, creator: flags.fork, codec: flags.codec });
      const ctx = { registry, seed: flags.seed ?? 1, bugs: new Set(flags.bug ?? []), quick: flags.quick === true };
      const outcomes: CaseOutcome[] = [];
      const header = `case ${rc.number} ${rc.id}: ${rc.title}`;
      const lines = (o: CaseOutcome): string[] => [
        `  ${comboLabel(o.design).padEnd(26)} ${o.verdict.padEnd(11)} ${o.reason ?? ""}`.trimEnd(),
        ...(Object.keys(o.figures).length > 0 ? [`      ${figureText(o.figures)}`] : []),
      ];
      if (!flags.json) process.stdout.write(header + "\n");
      const stopper = new Stopper();
      try {
        for (const d of designs) {
          // Between designs: let a Ctrl-C in (the case itself runs synchronously).
          await new Promise((r) => setImmediate(r));
          if (stopper.signal.aborted) break;
          if (!flags.json) process.stderr.write(`cptbench: case ${rc.id} on ${comboLabel(d)}: running\n`);
          const o = rc.run(d, ctx);
          outcomes.push(o);
          if (!flags.json) {
            process.stderr.write(`cptbench: case ${rc.id} on ${comboLabel(d)}: ${o.verdict}\n`);
            process.stdout.write(lines(o).join("\n") + "\n");
          }
        }
      } finally {
        stopper.dispose();
      }
      const failed = outcomes.filter((o) => o.verdict === "fail").length;
      const doc = { case: { id: rc.id, number: rc.number, title: rc.title, summary: rc.summary }, seed: ctx.seed, bugs: [...ctx.bugs], quick: ctx.quick, outcomes };
      const footer = `${outcomes.length - failed} of ${outcomes.length} designs did not fail (seed ${ctx.seed}${ctx.bugs.size > 0 ? `, bugs: ${[...ctx.bugs].join(", ")}` : ""})`;
      if (flags.out !== undefined) {
        const esc = (t: string): string => t.replace(/\|/g, "\\|");
        const markdown = [
          `# ${header}`, "", "| design | verdict | reason | figures |", "|---|---|---|---|",
          ...outcomes.map((o) => `| ${comboLabel(o.design)} | ${o.verdict} | ${esc(o.reason ?? "")} | ${esc(figureText(o.figures))} |`),
          "", footer + ".",
        ].join("\n") + "\n";
        writeOutDir(flags.out, { command: "case", title: rc.id, json: doc, markdown, junit: [outcomeSuite(`case ${rc.id}`, rc.id, outcomes)] });
      }
      if (flags.json) process.stdout.write(JSON.stringify(doc, null, 2) + "\n");
      else process.stdout.write(footer + "\n");
      if (stopper.reason !== null) process.stderr.write(`cptbench: stopped (Ctrl-C) after ${outcomes.length} of ${designs.length} designs\n`);
      setExit(exitAfter(stopper, failed > 0 ? 1 : 0));
    });
}
