// Overcommit accounting, Linux's default heuristic (vm.overcommit_memory = 0, OVERCOMMIT_GUESS):
// no running total, but a single request larger than the whole machine is refused.
import type { FrameAllocator } from "./frame.ts";
import { PROT_WRITE, VM_NORESERVE, VM_SHARED } from "./vma.ts";

/** __vm_enough_memory under OVERCOMMIT_GUESS: pages fit in RAM (there is no swap). */
export function vmEnoughMemory(frames: FrameAllocator, pages: number): boolean {
  return pages <= frames.limit;
}

/**
 * accountable_mapping: a private writable area without MAP_NORESERVE is charged (and marked
 * VM_ACCOUNT); shared memory is charged by its object instead.
 */
export function accountable(prot: number, flags: number): boolean {
  return (prot & PROT_WRITE) !== 0 && (flags & (VM_SHARED | VM_NORESERVE)) === 0;
}
