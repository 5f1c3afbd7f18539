// `cptbench zdtm`: CRIU's ZDTM static tests (built by `npm run build:zdtm` from CRIU's own
// sources, never vendored) with zdtm.py's protocol. `--exec` runs each test without checkpoint
// under the emulated kernel; `--qemu` adds qemu-riscv32 as the oracle column. C/R in each design
// (the default mode once issue 16 lands) is not there yet, and the command says so.
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { Command, InvalidArgumentError } from "commander";
import { CliError } from "./errors.ts";
import { faultFlag, listFaults, writeReport } from "./run.ts";

interface ZdtmFlags {
  exec?: boolean;
  test: string[];
  all?: boolean;
  exclude: string[];
  list?: boolean;
  qemu?: boolean;
  jobs: number;
  json?: boolean;
  md?: boolean;
  out?: string;
  html?: string;
  seed: number;
  keepGoing?: boolean;
  quick?: boolean;
  updateExpected?: boolean;
  fault?: string[];
}

/**
 * The quick subset (`--quick`, what .ci/run runs): tests of different kinds — plain, file, dir,
 * env and cmdline arguments, signals, fork, pipes, mmap, threads — each a few seconds under exec.
 */
export const QUICK_SUBSET = [
  "env00", "cmdlinenv00", "umask00", "pipe00", "write_read00", "cwd00", "sleeping00", "zombie00", "mprotect00", "sigpending",
] as const;

const collect = (v: string, acc: string[]): string[] => [...acc, v];

function posInt(name: string) {
  return (v: string): number => {
    if (!/^[1-9]\d*$/.test(v)) throw new InvalidArgumentError(`${name} must be a positive integer, got "${v}"`);
    return Number(v);
  };
}

export function zdtmCommand(setExit: (code: number) => void): Command {
  return new Command("zdtm")
    .description("run CRIU's ZDTM static tests with zdtm.py's protocol (start, test_daemon(), SIGTERM, PASS at the end of the test's own log); build them first with `npm run build:zdtm`")
    .option("--exec", "run each test without checkpoint under the emulated kernel (the only mode until C/R of every object lands)")
    .option("-t, --test <name>", "run this test (zdtm/static/NAME or NAME; repeatable)", collect, [] as string[])
    .option("-a, --all", "run every static test except the noauto ones")
    .option("-x, --exclude <pattern>", "leave out tests whose name contains PATTERN (repeatable)", collect, [] as string[])
    .option("--list", "list the selected tests (every test without -t/-a) with whether each builds, and exit")
    .option("--qemu", "also run each test under qemu-riscv32 on the real kernel (the oracle column)")
    .option("--jobs <n>", "tests run at a time (exec on worker threads)", posInt("--jobs"), 1)
    .option("--json", "print the results as JSON")
    .option("--md", "print the results as Markdown (what docs/zdtm.md holds)")
    .option("--out <file>", "also write the Markdown (or with --json the JSON) to this file")
    .option("--html <dir>", "also write DIR/index.html: the results as a verdict grid (exec, and qemu with --qemu)")
    .option("--seed <n>", "seed of each test's machine", posInt("--seed"), 1)
    .option("--quick", `the quick subset CI runs (${QUICK_SUBSET.length} tests) instead of -t/-a`)
    .option("--keep-going", "exit 0 even when a verdict disagrees with workloads/zdtm/expected.json (the table still shows it)")
    .option("--update-expected", "write the exec verdicts of this run into workloads/zdtm/expected.json")
    .option("--fault <step:errno>", "fail a checkpoint or restart step with an errno, as for run and matrix (repeatable; --fault list): for C/R runs of the tests, so not with --exec", faultFlag)
    .allowExcessArguments(false)
    .action(async (flags: ZdtmFlags) => {
      if (listFaults(flags)) return;
      // --exec checkpoints nothing: a fault at a C/R step could never fire, and a run that
      // silently ignored it would look like the design survived it.
      if (flags.fault !== undefined && flags.fault.length > 0 && (flags.exec || flags.list)) {
        throw new CliError("ZDTM_FAULT_EXEC", `--fault ${flags.fault.join(" ")}: --${flags.exec ? "exec" : "list"} runs no checkpoint or restart, so there is no step to fail; --fault applies to the C/R runs of the tests (issue 16), as it does in run and matrix`);
      }
      if (!flags.exec && !flags.list) {
        throw new CliError("ZDTM_NO_CR", "checkpoint/restart of ZDTM tests in each design is not there yet (issue 16): run them without checkpoint with --exec (add --qemu for the qemu-riscv32 column)");
      }
      const { loadTests, selectTests, zdtmBuildDir } = await import("../workbench/zdtm/tests-list.ts");
      const tests = loadTests(zdtmBuildDir());
      if (flags.list) {
        const sel = flags.test.length > 0 || flags.all ? selectTests(tests, { tests: flags.test, all: flags.all, exclude: flags.exclude }) : tests;
        for (const t of sel) {
          const state = t.elf === null ? `does not build: ${t.buildError}` : t.skip !== null ? `skip: ${t.skip}` : t.desc.flags.length > 0 ? `flags: ${t.desc.flags.join(" ")}` : "";
          process.stdout.write(`${t.name}${state === "" ? "" : `  (${state})`}\n`);
        }
        return;
      }
      const selected = selectTests(tests, { tests: flags.quick ? [...QUICK_SUBSET] : flags.test, all: flags.all, exclude: flags.exclude });
      const { qemuAvailable } = await import("../workbench/zdtm/qemu-runner.ts");
      if (flags.qemu && !qemuAvailable()) throw new CliError("ZDTM_NO_QEMU", "--qemu needs qemu-riscv32 (Debian: apt-get install qemu-user)");
      const { runSuite } = await import("../workbench/zdtm/suite.ts");
      const render = await import("../workbench/zdtm/render.ts");
      const { categorize } = await import("../workbench/zdtm/categories.ts");
      const rows = await runSuite(selected, {
        exec: true,
        qemu: flags.qemu ?? false,
        jobs: flags.jobs,
        execOptions: { seed: flags.seed },
        onRow: (r, done, total) => {
          const v = (o: { verdict: string } | undefined, label: string): string => (o === undefined ? "" : ` ${label}:${o.verdict}`);
          const miss = r.exec !== undefined && r.exec.verdict === "fail" ? `  [${categorize(r.exec)}] ${r.exec.reason ?? ""}` : "";
          process.stderr.write(`[${done}/${total}] ${r.name}${v(r.qemu, "qemu")}${v(r.exec, "exec")}${miss}\n`);
        },
      });
      const header = [
        "Generated by `cptbench zdtm --exec" + (flags.qemu ? " --qemu" : "") + (flags.all ? " -a" : "") + "` from CRIU 4.1.1's test/zdtm, built for riscv32 musl by `npm run build:zdtm`.",
        "exec: each test started, daemonized, sent SIGTERM and judged by its own outfile under cptbench's kernel, no checkpoint; qemu: the same under qemu-riscv32 on the real kernel.",
      ];
      const text = flags.json ? render.renderJson(rows) : flags.md ? render.renderMarkdown(rows, header) : render.summaryLines(render.summarize(rows)).join("\n") + "\n";
      process.stdout.write(text);
      if (flags.out !== undefined) writeFileSync(flags.out, flags.json ? render.renderJson(rows) : render.renderMarkdown(rows, header));
      if (flags.html !== undefined) {
        const { renderZdtmHtml } = await import("../workbench/zdtm/render-html.ts");
        writeReport(join(flags.html, "index.html"), renderZdtmHtml(rows, `cptbench zdtm --exec${flags.qemu ? " --qemu" : ""}${flags.all ? " -a" : ""}`));
      }
      const exp = await import("../workbench/zdtm/expectations.ts");
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
