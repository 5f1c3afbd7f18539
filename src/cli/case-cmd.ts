// `cptbench case <id>`: run one review case of REVIEW-CASES.md on the chosen designs (every
// initiator × creator × codec the registry binds, unless --initiator/--fork/--codec narrow it),
// and print one line per design: verdict, reason, and the figures the case measured. `--list`
// lists the cases. Deliberate bugs (--bug) are switched on for the case's machines: the case
// must then fail, naming the problem.
import { Command, InvalidArgumentError, Option } from "commander";
import { BUGS, type BugName } from "../workbench/cases/bugs.ts";
import type { CaseOutcome } from "../workbench/cases/types.ts";
import { CliError } from "./errors.ts";

interface CaseFlags {
  list?: boolean;
  initiator?: string[];
  fork?: string[];
  codec?: string[];
  seed?: number;
  bug?: BugName[];
  quick?: boolean;
  json?: boolean;
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
      for (const d of designs) {
        const o = rc.run(d, ctx);
        outcomes.push(o);
        if (!flags.json) process.stderr.write(`cptbench: case ${rc.id} on ${comboLabel(d)}: ${o.verdict}\n`);
      }
      const failed = outcomes.filter((o) => o.verdict === "fail").length;
      if (flags.json) {
        process.stdout.write(JSON.stringify({ case: { id: rc.id, number: rc.number, title: rc.title }, seed: ctx.seed, bugs: [...ctx.bugs], quick: ctx.quick, outcomes }, null, 2) + "\n");
      } else {
        const lines = [`case ${rc.number} ${rc.id}: ${rc.title}`];
        for (const o of outcomes) {
          lines.push(`  ${comboLabel(o.design).padEnd(26)} ${o.verdict.padEnd(11)} ${o.reason ?? ""}`.trimEnd());
          if (Object.keys(o.figures).length > 0) lines.push(`      ${figureText(o.figures)}`);
        }
        lines.push(`${outcomes.length - failed} of ${outcomes.length} designs did not fail (seed ${ctx.seed}${ctx.bugs.size > 0 ? `, bugs: ${[...ctx.bugs].join(", ")}` : ""})`);
        process.stdout.write(lines.join("\n") + "\n");
      }
      setExit(failed > 0 ? 1 : 0);
    });
}
