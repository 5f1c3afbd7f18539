// The user address space of the emulated riscv32 machine and Linux's limits on it.
import { PAGE_MASK, PAGE_SIZE } from "./frame.ts";

/** End of user space; above is the kernel's. */
export const TASK_SIZE = 0x80000000;
/**
 * Top of the initial stack, below the [vdso] page: exec.ts's STACK_TOP, which should import it
 * from here (a test checks that they agree until it does).
 */
export const STACK_TOP = 0x7fff0000;
/**
 * vm.mmap_min_addr: nothing is mapped below it (a NULL dereference always faults). 65536 is
 * what Debian and most distributions set; a task without CAP_SYS_RAWIO gets EPERM below it.
 */
export const MMAP_MIN_ADDR = 0x10000;
/** Where bottom-up allocation starts when the top-down area is full (Linux: TASK_SIZE / 3). */
export const TASK_UNMAPPED_BASE = (Math.floor(TASK_SIZE / 3) + PAGE_MASK) & ~PAGE_MASK;
/** Linux's default RLIMIT_STACK: how far a grows-down stack may extend. */
export const STACK_LIMIT = 8 << 20;
/** Linux's stack_guard_gap: nothing is placed, and no stack grows, this close below a stack. */
export const STACK_GUARD_GAP = 256 * PAGE_SIZE;
/** sysctl vm.max_map_count's default: mmap and splits fail with ENOMEM beyond this many VMAs. */
export const MAX_MAP_COUNT = 65530;

const MIN_GAP = 128 << 20;
const MAX_GAP = Math.floor(TASK_SIZE / 6) * 5;

/**
 * Linux's mmap_base() without randomisation (runs are deterministic): the top of the top-down
 * mmap area, a gap of max(RLIMIT_STACK + guard gap, 128 MiB) below the stack top.
 */
export function mmapBase(stackTop = STACK_TOP, rlimitStack = STACK_LIMIT): number {
  const gap = Math.min(Math.max(rlimitStack + STACK_GUARD_GAP, MIN_GAP), MAX_GAP);
  return (stackTop - gap + PAGE_MASK) & ~PAGE_MASK;
}

/** PAGE_ALIGN, unsigned: wraps to 0 above 0xfffff000 as Linux's does (callers check for 0). */
export const pageAlignUp = (a: number): number => ((a + PAGE_MASK) & ~PAGE_MASK) >>> 0;
