// `cptbench zdtm`: CRIU's ZDTM static tests (built by `npm run build:zdtm` from CRIU's own
// sources, never vendored) with zdtm.py's protocol. By default each test goes through
// checkpoint/restart in every design (a column each; --design or the axis flags choose some);
// `--exec` runs each test without checkpoint under the emulated kernel (alone, or as one more
// column when designs are named too); `--qemu` adds qemu-riscv32 as the oracle column.
import { join } from "node:path";
import { Command, InvalidArgumentError } from "commander";
import { CliError } from "./errors.ts";
import { faultFlag, listFaults, writeReport } from "./run.ts";
import type { Shard } from "../workbench/matrix/plan.ts";

interface ZdtmFlags {
  exec?: boolean;
  test: string[];
  all?: boolean;
  transition?: boolean;
  exclude: string[];
  list?: boolean;
  qemu?: boolean;
  jobs: number;
  json?: boolean;
  md?: boolean;
  out?: string;
  shard?: Shard;
  merge?: string[];
  html?: string;
  seed: number;
  keepGoing?: boolean;
  quick?: boolean;
  updateExpected?: boolean;
  fault?: string[];
  design: string[];
  initiator: string[];
  fork: string[];
  codec: string[];
  iters: number;
  norst?: boolean;
  target: string;
}

/**
 * The quick subset (`--quick`, what .ci/run runs): tests of different kinds — plain, file, dir,
 * env and cmdline arguments, signals, fork, pipes, mmap, threads — each a few seconds under exec.
 */
export const QUICK_SUBSET = [
  "env00", "cmdlinenv00", "umask00", "pipe00", "write_read00", "cwd00", "sleeping00", "zombie00", "mprotect00", "sigpending",
  // One or two of each kind of object C/R carries since issue 16, so CI sees a regression in any.
  "sockets00", "sk-unix01", "fifo", "file_locks01", "file_fown", "epoll", "timerfd", "signalfd00", "posix_timers",
  "memfd00", "inotify00", "pidfd_child", "pty00", "selfexe00", "deleted_dev", "console",
] as const;

const collect = (v: string, acc: string[]): string[] => [...acc, v];

function posInt(name: string) {
  return (v: string): number => {
    if (!/^[1-9]\d*$/.test(v)) throw new InvalidArgumentError(`${name} must be a positive integer, got "${v}"`);
    return Number(v);
  };
}

/** "i/n", 1-based like vitest's and `cptbench matrix --shard`. */
function shardFlag(v: string): Shard {
  const m = /^(\d+)\/(\d+)$/.exec(v.trim());
  const index = Number(m?.[1]);
  const count = Number(m?.[2]);
  if (m === null || count < 1 || index < 1 || index > count) throw new InvalidArgumentError(`a shard is "i/n" with 1 ≤ i ≤ n (e.g. 2/4), got "${v}"`);
  return { index, count };
}

export function zdtmCommand(setExit: (code: number) => void): Command {
  return new Command("zdtm")
    .description("run CRIU's ZDTM static tests with zdtm.py's protocol (start, test_daemon(), SIGTERM, PASS at the end of the test's own log); build them first with `npm run build:zdtm`")
    .option("--exec", "run each test without checkpoint under the emulated kernel (alone; or as one more column with --design or the axis flags)")
    .option("--design <i/c/k>", "run the tests through this design, e.g. external/kernel/cpt (repeatable; default: every design)", collect, [] as string[])
    .option("--initiator <name>", "only designs with this initiator (repeatable)", collect, [] as string[])
    .option("--fork <name>", "only designs with this process creator (repeatable)", collect, [] as string[])
    .option("--codec <name>", "only designs with this codec (repeatable)", collect, [] as string[])
    .option("--iters <n>", "checkpoint/restart each test N times in a row (zdtm.py --iters)", posInt("--iters"), 1)
    .option("--norst", "checkpoint and leave the test running; judge the original (zdtm.py --norst)")
    .option("--target <where>", "restart on the machine the image was taken on (same, zdtm.py's way) or on a freshly booted one (fresh)", "same")
    .option("-t, --test <name>", "run this test (zdtm/static/NAME or NAME; repeatable)", collect, [] as string[])
    .option("-a, --all", "run every static test except the noauto ones")
    .option("--transition", "also run the transition tests (zdtm/transition, checkpointed at instruction counts drawn from --seed; -t transition/NAME names one)")
    .option("-x, --exclude <pattern>", "leave out tests whose name contains PATTERN (repeatable)", collect, [] as string[])
    .option("--list", "list the selected tests (every test without -t/-a) with whether each builds, and exit")
    .option("--qemu", "also run each test under qemu-riscv32 on the real kernel (the oracle column)")
    .option("--jobs <n>", "tests run at a time (exec on worker threads)", posInt("--jobs"), 1)
    .option("--json", "print the results as JSON")
    .option("--md", "print the results as Markdown (what docs/zdtm.md holds)")
    .option("--out <dir>", "also write the results into DIR: results.json (every test and column: verdict, reason, time, C/R cycles), results.md (the table) and results.xml (JUnit, a testsuite per column)")
    .option("--shard <i/n>", "run only part i of n of the selected tests (1-based; test k of the selection goes to part k mod n, so the parts together run each test once)", shardFlag)
    .option("--merge <dir...>", "run nothing: merge the results.json that --out wrote in each DIR (the --shard parts of one run) into one run's table, judged against expected.json; with --out, its files too")
    .option("--html <dir>", "also write DIR/index.html: the results as a verdict grid (exec, and qemu with --qemu)")
    .option("--seed <n>", "seed of each test's machine (and of a transition test's checkpoint points)", posInt("--seed"), 1)
    .option("--quick", `the quick subset CI runs (${QUICK_SUBSET.length} tests) instead of -t/-a`)
    .option("--keep-going", "exit 0 even when a verdict disagrees with workloads/zdtm/expected.json (the table still shows it)")
    .option("--update-expected", "write the verdicts of this run (exec and each design) into workloads/zdtm/expected.json")
    .option("--fault <step:errno>", "fail a checkpoint or restart step with an errno, as for run and matrix (repeatable; --fault list): for C/R runs of the tests, so not with --exec", faultFlag)
    .allowExcessArguments(false)
    .action(async (flags: ZdtmFlags) => {
      if (listFaults(flags)) return;
      // --exec checkpoints nothing: a fault at a C/R step could never fire, and a run that
      // silently ignored it would look like the design survived it.
      const crNamed = flags.design.length + flags.initiator.length + flags.fork.length + flags.codec.length > 0;
      if (flags.fault !== undefined && flags.fault.length > 0 && ((flags.exec && !crNamed) || flags.list)) {
        throw new CliError("ZDTM_FAULT_EXEC", `--fault ${flags.fault.join(" ")}: --${flags.list ? "list" : "exec"} runs no checkpoint or restart, so there is no step to fail; --fault applies to the C/R runs of the tests (name designs with --design, or leave --exec out), as it does in run and matrix`);
      }
      if (flags.target !== "same" && flags.target !== "fresh") throw new CliError("CLI_USAGE", `--target must be same or fresh, got "${flags.target}"`);
      const named = flags.design.length + flags.initiator.length + flags.fork.length + flags.codec.length > 0;
      if (flags.design.length > 0 && flags.initiator.length + flags.fork.length + flags.codec.length > 0) {
        throw new CliError("CLI_USAGE", "--design names whole designs: give it, or the axis flags (--initiator/--fork/--codec), not both");
      }
      if (flags.norst && flags.iters > 1) throw new CliError("CLI_USAGE", "--norst restarts nothing: it cannot go with --iters");
      const withCr = named || !flags.exec;
      if (!withCr && (flags.norst || flags.iters > 1 || flags.target !== "same")) {
        throw new CliError("CLI_USAGE", "--iters, --norst and --target shape the C/R of each test: they do not apply to --exec alone");
      }
      if (flags.merge !== undefined) {
        if (flags.test.length > 0 || flags.all || flags.quick || flags.list || flags.shard !== undefined || flags.exec || named || flags.qemu || flags.updateExpected) {
          throw new CliError("CLI_USAGE", "--merge runs nothing: it takes the results directories and --out/--md/--json/--keep-going only");
        }
        await mergeCommand(flags, setExit);
        return;
      }
      const { loadTests, loadTransitionTests, selectWithSkips, zdtmBuildDir } = await import("../workbench/zdtm/tests-list.ts");
      const dir = zdtmBuildDir();
      const tests = [...loadTests(dir), ...loadTransitionTests(dir)];
      if (flags.list) {
        const { descNotes } = await import("../workbench/zdtm/desc-rules.ts");
        const sel = flags.test.length > 0 || flags.all || flags.transition ? selectWithSkips(tests, { tests: flags.test, all: flags.all, exclude: flags.exclude, transition: flags.transition }) : tests;
        for (const t of sel) {
          const state = t.elf === null ? `does not build: ${t.buildError}` : t.skip !== null ? `skip: ${t.skip}` : "runs";
          process.stdout.write(`${t.name}  (${[state, ...descNotes(t.desc)].join("; ")})\n`);
        }
        return;
      }
      const whole = selectWithSkips(tests, { tests: flags.quick ? [...QUICK_SUBSET] : flags.test, all: flags.all, exclude: flags.exclude, transition: flags.transition });
      const { shardUnits } = await import("../workbench/matrix/plan.ts");
      const indexed = whole.map((t, index) => ({ t, index }));
      const part = flags.shard !== undefined ? shardUnits(indexed, flags.shard) : indexed;
      const selected = part.map((x) => x.t);
      for (const t of selected) if (t.skip !== null && t.elf !== null && /^(noauto|excluded by)/.test(t.skip)) process.stderr.write(`cptbench: ${t.name}: skipped: ${t.skip}\n`);
      let designs: { initiator: string; creator: string; codec: string }[] = [];
      if (withCr) {
        await import("reflect-metadata");
        const { builtinRegistry } = await import("../workbench/plugins.ts");
        const { combinations, parseComboList } = await import("../workbench/matrix/combos.ts");
        const reg = builtinRegistry();
        designs = parseComboList(flags.design.join(","), reg) ?? combinations(reg, { initiator: flags.initiator, creator: flags.fork, codec: flags.codec });
        // As in matrix: a fault at a step a design does not have could never fire there, and the
        // design would look as if it survived it.
        const faults = flags.fault ?? [];
        if (faults.length > 0) {
          const { faultsNotIn } = await import("../core/cr/faults.ts");
          const without = designs.filter((d) => faultsNotIn(faults, d.initiator, d.creator).length > 0);
          designs = designs.filter((d) => !without.includes(d));
          if (designs.length === 0) throw new CliError("ZDTM_FAULT_STEP", `--fault ${faults.join(" ")}: no selected design has that step`);
          for (const d of without) process.stderr.write(`cptbench: ${d.initiator}/${d.creator}/${d.codec} left out: it has no step ${faultsNotIn(faults, d.initiator, d.creator).join(", ")}\n`);
        }
      }
      const { qemuAvailable } = await import("../workbench/zdtm/qemu-runner.ts");
      if (flags.qemu && !qemuAvailable()) throw new CliError("ZDTM_NO_QEMU", "--qemu needs qemu-riscv32 (Debian: apt-get install qemu-user)");
      const { runSuite } = await import("../workbench/zdtm/suite.ts");
      const render = await import("../workbench/zdtm/render.ts");
      const { categorize } = await import("../workbench/zdtm/categories.ts");
      const rows = await runSuite(selected, {
        exec: flags.exec ?? false,
        qemu: flags.qemu ?? false,
        jobs: flags.jobs,
        execOptions: { seed: flags.seed },
        designs,
        crOptions: { seed: flags.seed, iters: flags.iters, norst: flags.norst ?? false, target: flags.target as "same" | "fresh", faults: flags.fault ?? [] },
        onRow: (r, done, total) => {
          const v = (o: { verdict: string } | undefined, label: string): string => (o === undefined ? "" : ` ${label}:${o.verdict}`);
          const miss = r.exec !== undefined && r.exec.verdict === "fail" ? `  [${categorize(r.exec)}] ${r.exec.reason ?? ""}` : "";
          const cr = Object.entries(r.cr ?? {}).map(([d, o]) => v(o, d)).join("");
          const crMiss = Object.entries(r.cr ?? {}).find(([, o]) => o.verdict !== "pass");
          const crWhy = miss === "" && crMiss !== undefined ? `  [${crMiss[0]}] ${crMiss[1].reason ?? ""}` : "";
          process.stderr.write(`[${done}/${total}] ${r.name}${v(r.qemu, "qemu")}${v(r.exec, "exec")}${cr}${miss}${crWhy}\n`);
        },
      });
      const command = "cptbench zdtm" + (flags.exec ? " --exec" : "") + flags.design.map((d) => ` --design ${d}`).join("") +
        flags.initiator.map((d) => ` --initiator ${d}`).join("") + flags.fork.map((d) => ` --fork ${d}`).join("") + flags.codec.map((d) => ` --codec ${d}`).join("") +
        (flags.iters > 1 ? ` --iters ${flags.iters}` : "") + (flags.norst ? " --norst" : "") + (flags.target !== "same" ? ` --target ${flags.target}` : "") +
        (flags.qemu ? " --qemu" : "") + (flags.all ? " -a" : "") + (flags.quick ? " --quick" : "") + (flags.transition ? " --transition" : "") + flags.test.map((t) => ` -t ${t}`).join("") + flags.exclude.map((x) => ` -x ${x}`).join("");
      const { zdtmHeader, resultsDoc, writeZdtmOut } = await import("./zdtm-out.ts");
      const text = flags.json ? render.renderJson(rows) : flags.md ? render.renderMarkdown(rows, zdtmHeader(command)) : render.summaryLines(render.summarize(rows)).join("\n") + "\n";
      process.stdout.write(text);
      if (flags.html !== undefined) {
        const { renderZdtmHtml } = await import("../workbench/zdtm/render-html.ts");
        writeReport(join(flags.html, "index.html"), renderZdtmHtml(rows, command));
      }
      const exp = await import("../workbench/zdtm/expectations.ts");
      if (flags.out !== undefined) {
        const shard = flags.shard !== undefined ? `${flags.shard.index}/${flags.shard.count}` : null;
        const doc = resultsDoc(rows.map((r, i) => ({ ...r, index: part[i].index })), command, shard, whole.length);
        for (const p of writeZdtmOut(flags.out, doc, exp.loadExpectations())) process.stderr.write(`cptbench: wrote ${p}\n`);
      }
      const expected = exp.loadExpectations();
      if (flags.updateExpected) {
        exp.saveExpectations(exp.updated(expected, rows));
        process.stderr.write(`cptbench: wrote ${exp.EXPECTED_PATH}\n`);
        return;
      }
      // Judged against the committed expectations: a fixed test must leave the list, a broken one
      // must not pass unnoticed.
      const bad = exp.unexpected(rows, expected);
      for (const u of bad) process.stderr.write(`cptbench: ${u.name}: ${u.what} (${u.detail})\n`);
      if (bad.length > 0 && !flags.keepGoing) setExit(1);
    });
}

/** `--merge DIR...`: the shards' results.json as one run's table, judged like a run. */
async function mergeCommand(flags: ZdtmFlags, setExit: (code: number) => void): Promise<void> {
  const { mergeResults, writeZdtmOut, zdtmHeader } = await import("./zdtm-out.ts");
  const render = await import("../workbench/zdtm/render.ts");
  const exp = await import("../workbench/zdtm/expectations.ts");
  const { doc, missing } = mergeResults(flags.merge ?? []);
  const expected = exp.loadExpectations();
  process.stdout.write(flags.json ? JSON.stringify(doc, null, 2) + "\n" : flags.md ? render.renderMarkdown(doc.tests, zdtmHeader(doc.command)) : render.summaryLines(doc.summary).join("\n") + "\n");
  if (flags.out !== undefined) for (const p of writeZdtmOut(flags.out, doc, expected)) process.stderr.write(`cptbench: wrote ${p}\n`);
  const bad = exp.unexpected(doc.tests, expected);
  for (const u of bad) process.stderr.write(`cptbench: ${u.name}: ${u.what} (${u.detail})\n`);
  // A shard that died wrote no rows: the merged table would look complete without them.
  if (missing.length > 0) process.stderr.write(`cptbench: --merge: ${missing.length} of the run's ${doc.total} tests are in none of the results given (a shard missing?)\n`);
  if (missing.length > 0 || (bad.length > 0 && !flags.keepGoing)) setExit(1);
}
