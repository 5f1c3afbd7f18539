// The shape of a syscall table entry. Support is data (as in gVisor's syscall tables): every
// implemented call is listed with its number, name, how --strace prints its arguments, how much
// of Linux's behaviour it has and what becomes of the objects it creates at checkpoint time.
// Calls with no entry are the rows of linux-nr.ts left over; table.ts joins the two.
import type { Kernel } from "../kernel.ts";
import type { Task } from "../task.ts";

/**
 * Argument kinds for --strace: d signed, u unsigned, x hex, p pointer, s C string,
 * b buffer whose length is the next argument (printed after the call, so reads show data).
 */
export type ArgKind = "d" | "u" | "x" | "p" | "s" | "b";

export type SyscallFn = (k: Kernel, t: Task, a0: number, a1: number, a2: number, a3: number, a4: number, a5: number) => number;

/**
 * How much of Linux's behaviour a handler has. `full`: what a guest can observe matches Linux
 * (compared against qemu-riscv32) for every flag and option Linux accepts. `partial`: some of it
 * is missing, and the note says what (flags refused with EINVAL, options ignored...).
 */
export type SyscallSupport = { level: "full"; note?: string } | { level: "partial"; note: string };

export type SyscallEntry = SyscallSupport & {
  nr: number;
  name: string;
  args: ArgKind[];
  /** How --strace prints a non-error result: "d" (default) or "p" for an address (brk). */
  ret?: "d" | "p";
  /** The handler set every register itself (rt_sigreturn): no result is written, pc not advanced. */
  noReturn?: boolean;
  fn: SyscallFn;
  /**
   * What becomes of the objects the call creates or changes, at checkpoint time: "-" when it
   * creates nothing that outlives the call; else the CheckpointModel list or record that carries
   * them (src/core/cr/model.ts), or "not checkpointed" with the reason.
   */
  cr: string;
};
