// The shape of a syscall table entry. Support is data (as in gVisor's syscall tables): every
// implemented call is listed with its number, name and how --strace prints its arguments.
import type { Kernel } from "../kernel.ts";
import type { Task } from "../task.ts";

/**
 * Argument kinds for --strace: d signed, u unsigned, x hex, p pointer, s C string,
 * b buffer whose length is the next argument (printed after the call, so reads show data).
 */
export type ArgKind = "d" | "u" | "x" | "p" | "s" | "b";

export type SyscallFn = (k: Kernel, t: Task, a0: number, a1: number, a2: number, a3: number, a4: number, a5: number) => number;

export interface SyscallEntry {
  nr: number;
  name: string;
  args: ArgKind[];
  /** How --strace prints a non-error result: "d" (default) or "p" for an address (brk). */
  ret?: "d" | "p";
  /** The handler set every register itself (rt_sigreturn): no result is written, pc not advanced. */
  noReturn?: boolean;
  fn: SyscallFn;
}
