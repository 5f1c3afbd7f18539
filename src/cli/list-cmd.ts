// `cptbench list workloads|plugins|designs|cases`: what there is to choose from, one line each
// (or --json), so nobody has to provoke an error message to learn the names.
import { Command, InvalidArgumentError } from "commander";

const WHAT = ["workloads", "plugins", "designs", "cases", "syscalls"] as const;
type What = (typeof WHAT)[number];

interface Listing {
  /** Rows as JSON. */
  json: unknown[];
  /** The same rows as aligned text columns, or text already rendered by the command that owns it. */
  text: string[][] | string;
}

function whatParser(v: string): What {
  if (!(WHAT as readonly string[]).includes(v)) throw new InvalidArgumentError(`Allowed choices are ${WHAT.join(", ")}.`);
  return v as What;
}

async function listing(what: What): Promise<Listing> {
  switch (what) {
    case "workloads": {
      const { crWorkloads } = await import("../workbench/config/experiment.ts");
      const ws = crWorkloads();
      // A libc program says so, and one C/R cannot carry yet says why (it is not in the default set).
      const notes = (w: (typeof ws)[number]): string =>
        [w.libc ? `[${w.libc}]` : "", w.cr === false ? `[not in the default C/R set: ${w.crWhy ?? "no reason given"}]` : ""].filter((x) => x).join(" ");
      return {
        json: ws.map((w) => ({ name: w.name, args: w.args, description: w.description, libc: w.libc ?? null, cr: w.cr !== false, crWhy: w.crWhy ?? null })),
        text: ws.map((w) => [w.name, [w.description, notes(w)].filter((x) => x).join(" ")]),
      };
    }
    case "plugins": {
      const { builtinRegistry } = await import("../workbench/plugins.ts");
      const ps = builtinRegistry().plugins;
      const binds = (p: (typeof ps)[number]): string => p.binds.map((b) => `${b.axis} ${b.name}`).join(", ");
      return {
        json: ps.map((p) => ({ name: p.name, binds: p.binds, description: p.description })),
        text: ps.map((p) => [p.name, binds(p), p.description]),
      };
    }
    case "designs": {
      const { builtinRegistry } = await import("../workbench/plugins.ts");
      const { combinations, comboLabel } = await import("../workbench/matrix/combos.ts");
      const r = builtinRegistry();
      const ds = combinations(r).map((c) => ({ design: comboLabel(c), ...c, plugins: { initiator: r.provider("initiator", c.initiator).name, creator: r.provider("creator", c.creator).name, codec: r.provider("codec", c.codec).name } }));
      return {
        json: ds,
        text: ds.map((d) => [d.design, `--initiator ${d.initiator} --fork ${d.creator} --codec ${d.codec}`, [...new Set(Object.values(d.plugins))].join(" + ")]),
      };
    }
    case "cases": {
      const { CASES } = await import("../workbench/cases/index.ts");
      return {
        json: CASES.map((c) => ({ number: c.number, id: c.id, title: c.title, summary: c.summary })),
        text: CASES.map((c) => [String(c.number).padStart(2), c.id, c.summary]),
      };
    }
    case "syscalls": {
      // The same rows and rendering as `cptbench syscalls`.
      const { syscallRows } = await import("../machine/kernel/syscalls/rows.ts");
      const { renderSyscallsText } = await import("./syscalls-cmd.ts");
      const rows = syscallRows();
      return { json: rows, text: renderSyscallsText(rows) };
    }
  }
}

export function listCommand(setExit: (code: number) => void): Command {
  return new Command("list")
    .description("list what there is to choose: workloads, plugins, designs (initiator/creator/codec), cases, or syscalls (as cptbench syscalls)")
    .argument("<what>", `one of ${WHAT.join(", ")}`, whatParser)
    .option("--json", "print a JSON array instead of text lines")
    .allowExcessArguments(false)
    .action(async (what: What, flags: { json?: boolean }) => {
      const l = await listing(what);
      if (flags.json) {
        process.stdout.write(JSON.stringify(l.json, null, 2) + "\n");
      } else if (typeof l.text === "string") {
        process.stdout.write(l.text);
      } else {
        const text = l.text;
        const widths = text[0]?.map((_, i) => Math.max(...text.map((r) => r[i].length))) ?? [];
        process.stdout.write(text.map((r) => r.map((c, i) => (i === r.length - 1 ? c : c.padEnd(widths[i]))).join("  ")).join("\n") + "\n");
      }
      setExit(0);
    });
}
