// The kernel's public shapes apart from the Kernel class: what a C/R module registers, what the
// kernel reports, and how a machine configures it (kernel.ts re-exports them).
import type { Console } from "./console.ts";
import type { Kernel } from "./kernel.ts";
import type { Module } from "./module.ts";
import type { Task } from "./task.ts";

/** The C/R operations a module registers (the seed's cpt_operations). */
export interface CptOperations {
  owner: Module;
  checkpoint(k: Kernel, caller: Task, pid: number, fd: number, flags: number): number;
  /** `arg`/`argLen`: a user buffer some restart operations use (a user-space restarter's task table). */
  restart(k: Kernel, caller: Task, ctid: number, fd: number, flags: number, arg: number, argLen: number): number;
}

/** Something the kernel reports beyond the guest's own output. */
export interface KernelEvent {
  kind: "fatal-signal" | "instruction-limit" | "deadlock" | "oops";
  pid: number;
  message: string;
}

export interface KernelOptions {
  seed: number;
  /** Page frames the machine may allocate (its memory size). */
  memoryPages: number;
  console: Console;
  /** Receives one formatted line per syscall when set. */
  strace?: (line: string) => void;
  /** Virtual CPUs (default 1). */
  cpus?: number;
  /** Mean scheduling quantum in instructions (default 100,000). */
  quantum?: number;
}

