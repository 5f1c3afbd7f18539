// Which system calls real musl programs make, and what each got: every workload of the manifest
// built against musl ("libc": "musl") runs once (seed 1, one CPU, so the answer does not depend on
// the schedule) under the kernel's strace facility, and each line is reduced to (call, result
// class): "ok" for a result that is not an error, else the errno's name. docs/syscalls.md lists
// the result (npm run docs:syscalls); test/cli/syscalls-cli.test.ts recomputes it to keep it current.
import { join } from "node:path";
import { readFileSync } from "node:fs";
import { runProgram } from "../machine/machine.ts";
import { LINUX_NAMES, STRACE_SPELLING } from "../machine/kernel/syscalls/rows.ts";
import { readWorkloadManifest, WORKLOADS_DIR, type WorkloadManifestEntry } from "./config/experiment.ts";

/** One program's calls: syscall name → the result classes it saw, sorted ("ok" first). */
export interface ProgramSyscalls {
  program: string;
  calls: Map<string, string[]>;
}

/**
 * The call (by the table's name) and result class of one strace line (`[pid 2] openat(...) = -1
 * ENOENT`), or null for a line of another shape. The result is matched at the end, so quoted
 * arguments do not matter.
 */
export function parseStraceLine(line: string): { name: string; result: string } | null {
  const m = /^\[pid \d+\] ([a-z_0-9]+)\(/.exec(line);
  const r = / = (-1 (E[A-Z0-9]+)|\S+)( \(not implemented\))?$/.exec(line);
  if (m === null || r === null) return null;
  return { name: tableName(m[1]), result: r[2] ?? "ok" };
}

/** strace's spellings back to the table's names (_llseek → llseek, syscall_N → N's name). */
const TABLE_NAME = new Map(Object.entries(STRACE_SPELLING).map(([table, strace]) => [strace, table]));
function tableName(name: string): string {
  const m = /^syscall_(\d+)$/.exec(name);
  if (m !== null) return LINUX_NAMES.get(Number(m[1])) ?? name;
  return TABLE_NAME.get(name) ?? name;
}

const byClass = (a: string, b: string): number => (a === "ok" ? -1 : b === "ok" ? 1 : a < b ? -1 : a > b ? 1 : 0);

/** Run one program and collect its calls. */
export function programSyscalls(program: string, elf: Uint8Array, opts: { argv: string[]; env: string[]; files?: Record<string, Uint8Array>; asInit?: boolean }): ProgramSyscalls {
  const seen = new Map<string, Set<string>>();
  runProgram(elf, {
    ...opts,
    seed: 1,
    cpus: 1,
    maxInstructions: 2e9,
    strace: (line) => {
      const p = parseStraceLine(line);
      if (p === null) return;
      if (!seen.has(p.name)) seen.set(p.name, new Set());
      seen.get(p.name)!.add(p.result);
    },
  });
  const calls = new Map([...seen].sort((a, b) => (a[0] < b[0] ? -1 : 1)).map(([n, s]) => [n, [...s].sort(byClass)]));
  return { program, calls };
}

/** The manifest's musl workloads, in manifest order. */
export function muslWorkloads(dir = WORKLOADS_DIR): WorkloadManifestEntry[] {
  return readWorkloadManifest(dir).filter((w) => w.libc === "musl");
}

/** Every musl workload's calls. */
export function muslSyscallUsage(dir = WORKLOADS_DIR): ProgramSyscalls[] {
  return muslWorkloads(dir).map((w) => {
    const elf = (name: string): Uint8Array => readFileSync(join(dir, "bin", `${name}.elf`));
    const files = Object.fromEntries(Object.entries(w.files ?? {}).map(([p, name]) => [p, elf(name)]));
    return programSyscalls(w.name, elf(w.name), { argv: [w.name, ...w.args], env: w.env, files, asInit: w.init === true });
  });
}
