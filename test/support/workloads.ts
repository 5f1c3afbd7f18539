// The committed workloads and what the oracle says about them: manifest entries, their ELFs,
// the outputs recorded from qemu-riscv32 (workloads/expected), and a live qemu run when the
// machine has qemu.
import { spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { constants } from "node:os";
import { join } from "node:path";

export const WORKLOADS_DIR = join(import.meta.dirname, "..", "..", "workloads");

export interface WorkloadEntry {
  name: string;
  args: string[];
  env: string[];
  description: string;
  march: string;
  /** "hand": the expected output is written from Linux semantics where qemu deviates. */
  oracle?: "qemu" | "hand";
  why?: string;
}

export interface Outcome {
  stdout: string;
  stderr: string;
  exitCode: number;
}

export function loadManifest(): WorkloadEntry[] {
  return JSON.parse(readFileSync(join(WORKLOADS_DIR, "manifest.json"), "utf8")) as WorkloadEntry[];
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

/** Run a workload under qemu-riscv32 exactly as build.sh --record does. */
export function runUnderQemu(w: WorkloadEntry): Outcome {
  const r = spawnSync("env", ["-i", ...w.env, QEMU, "-0", w.name, join(WORKLOADS_DIR, "bin", `${w.name}.elf`), ...w.args], {
    input: "",
    maxBuffer: 64 << 20,
  });
  // qemu reports a fatal guest signal by killing itself with it; map that to 128+N as a shell does.
  const exitCode = r.status ?? 128 + (r.signal ? constants.signals[r.signal] : 0);
  return { stdout: r.stdout.toString("latin1"), stderr: r.stderr.toString("latin1"), exitCode };
}
