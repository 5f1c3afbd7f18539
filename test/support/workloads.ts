// The committed workloads and what the oracle says about them: manifest entries, their ELFs,
// the outputs recorded from qemu-riscv32 (workloads/expected), and a live qemu run when the
// machine has qemu.
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { constants, tmpdir } from "node:os";
import { join } from "node:path";

export const WORKLOADS_DIR = join(import.meta.dirname, "..", "..", "workloads");

export interface WorkloadEntry {
  name: string;
  args: string[];
  env: string[];
  description: string;
  march: string;
  /**
   * "hand": the expected output is written from Linux semantics where qemu deviates; "none": no
   * expected output at all (only for role "controller").
   */
  oracle?: "qemu" | "hand" | "none";
  why?: string;
  /** "controller": not a workload but the C/R scenarios' controller (cptbench-ctl); never differential. */
  role?: "workload" | "controller";
  /** "tmp": run in a fresh empty directory (under qemu; cptbench's tmpfs root is one already). */
  cwd?: "tmp";
  /** Run as pid 1 of a new pid namespace with its own /proc and 1024 fds (qemu: unshare -p -f --mount-proc; cptbench: asInit). */
  init?: boolean;
  /** "musl": built from workloads/libc/<name>.c against the musl sysroot (npm run build:sysroot). */
  libc?: "musl";
  /**
   * "lua" or "awk": the ELF is that real program (Lua 5.4, original-awk; scripts/build-realprogs.sh)
   * running workloads/realprog/<name>.lua or .awk, embedded in it.
   */
  program?: "lua" | "awk";
  /**
   * false: the program uses kernel objects checkpoint/restart does not carry yet (sockets, epoll,
   * locks...: the "C/R of every object" work), so the conformance suite leaves it out; "crWhy" says which.
   */
  cr?: boolean;
  crWhy?: string;
  /** Absolute paths the run needs a workload's ELF at (e.g. "/proc/self/exe"), by workload name. */
  files?: Record<string, string>;
}

export interface Outcome {
  stdout: string;
  stderr: string;
  exitCode: number;
}

export function loadManifest(): WorkloadEntry[] {
  return JSON.parse(readFileSync(join(WORKLOADS_DIR, "manifest.json"), "utf8")) as WorkloadEntry[];
}

/** The manifest's workloads proper: without the controller (cptbench-ctl), which has no oracle. */
export function loadWorkloads(): WorkloadEntry[] {
  return loadManifest().filter((w) => (w.role ?? "workload") !== "controller");
}

/** The workloads the C/R conformance suite runs: all but those marked "cr": false (with a reason). */
export function crWorkloads(): WorkloadEntry[] {
  return loadWorkloads().filter((w) => w.cr !== false);
}

/** The files option of runProgram for an entry: its "files" with the ELFs read. */
export function workloadFiles(w: WorkloadEntry): Record<string, Uint8Array> {
  return Object.fromEntries(Object.entries(w.files ?? {}).map(([path, name]) => [path, workloadElf(name)]));
}

export function workloadElf(name: string): Uint8Array {
  return readFileSync(join(WORKLOADS_DIR, "bin", `${name}.elf`));
}

/** What qemu-riscv32 produced when the workloads were recorded (build.sh --record). */
export function recordedOutcome(name: string): Outcome {
  const base = join(WORKLOADS_DIR, "expected", name);
  return {
    stdout: readFileSync(`${base}.stdout`, "latin1"),
    stderr: readFileSync(`${base}.stderr`, "latin1"),
    exitCode: Number(readFileSync(`${base}.exit`, "utf8").trim()),
  };
}

function which(cmd: string): boolean {
  return spawnSync("sh", ["-c", `command -v ${cmd}`], { stdio: "ignore" }).status === 0;
}

export const QEMU = process.env.QEMU_RISCV32 ?? "qemu-riscv32";
export const hasQemu = which(QEMU);
export const hasRiscvGcc = which("riscv64-unknown-elf-gcc");
/** Whether entries with "init" can run under qemu here (unshare needs root). */
export const hasUnshare = hasQemu && spawnSync("unshare", ["-p", "-f", "--mount-proc", "true"], { stdio: "ignore" }).status === 0;

/** Run a workload under qemu-riscv32 exactly as build.sh --record does. */
export function runUnderQemu(w: WorkloadEntry): Outcome {
  const elf = join(WORKLOADS_DIR, "bin", `${w.name}.elf`);
  const cwd = w.cwd === "tmp" ? mkdtempSync(join(tmpdir(), `cptbench-wl-${w.name}-`)) : WORKLOADS_DIR;
  try {
    const cmd = ["env", "-i", ...w.env, ...(w.init ? ["unshare", "-p", "-f", "--mount-proc"] : []), QEMU, "-0", w.name, elf, ...w.args];
    const r = w.init
      ? spawnSync("sh", ["-c", 'ulimit -n 1024 && exec "$@"', "sh", ...cmd], { cwd, input: "", maxBuffer: 64 << 20 })
      : spawnSync(cmd[0], cmd.slice(1), { cwd, input: "", maxBuffer: 64 << 20 });
    // qemu reports a fatal guest signal by killing itself with it; map that to 128+N as a shell does.
    const exitCode = r.status ?? 128 + (r.signal ? constants.signals[r.signal] : 0);
    return { stdout: r.stdout.toString("latin1"), stderr: r.stderr.toString("latin1"), exitCode };
  } finally {
    if (w.cwd === "tmp") rmSync(cwd, { recursive: true, force: true });
  }
}
