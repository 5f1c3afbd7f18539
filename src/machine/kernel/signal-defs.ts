// sigaction flags and signal-set helpers (Linux's uapi asm-generic/signal-defs.h and
// linux/signal.h). A leaf: signal delivery, the signal frame, exit and the signal syscalls all
// need them, and signal.ts itself depends on exit.ts and signal-frame.ts.
import { SIGKILL, SIGSTOP } from "./signal-names.ts";

export const SA_NOCLDSTOP = 0x00000001;
export const SA_NOCLDWAIT = 0x00000002;
export const SA_SIGINFO = 0x00000004;
export const SA_ONSTACK = 0x08000000;
export const SA_RESTART = 0x10000000;
export const SA_NODEFER = 0x40000000;
export const SA_RESETHAND = 0x80000000;
export const SA_RESTORER = 0x04000000;

export const NSIG = 64;
export const SIGRTMIN = 32;

export const sigmask = (sig: number): bigint => 1n << BigInt(sig - 1);
/** Signals that can be neither blocked nor caught. */
export const UNBLOCKABLE = sigmask(SIGKILL) | sigmask(SIGSTOP);
