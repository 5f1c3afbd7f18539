// Calling syscall handlers directly on a booted (not running) task, with a page of user memory to
// pass structures through: for edges a guest program cannot reach or qemu-riscv32 cannot judge.
import { doMmap, MAP_ANONYMOUS, MAP_PRIVATE } from "../../../src/machine/mm/mmap.ts";
import { PROT_READ, PROT_WRITE } from "../../../src/machine/mm/vma.ts";
import type { Kernel } from "../../../src/machine/kernel/kernel.ts";
import { SYSCALLS } from "../../../src/machine/kernel/syscalls/table.ts";
import type { Task } from "../../../src/machine/kernel/task.ts";

/** Run syscall nr as t with the given arguments (missing ones are 0). */
export function sys(k: Kernel, t: Task, nr: number, ...args: number[]): number {
  const e = SYSCALLS[nr];
  if (e === undefined) throw new Error(`no syscall ${nr}`);
  const a = [...args, 0, 0, 0, 0, 0, 0];
  return e.fn(k, t, a[0], a[1], a[2], a[3], a[4], a[5]);
}

/** A fresh read-write anonymous mapping of `len` bytes in t's address space. */
export function userBuf(t: Task, len = 8192): number {
  const addr = doMmap(t.mm, 0, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, 0, null);
  if (addr < 0) throw new Error(`mmap: ${addr}`);
  return addr;
}

export function put(t: Task, addr: number, bytes: Uint8Array): void {
  if (!t.mm.copyOut(addr, bytes)) throw new Error(`copyOut at ${addr}`);
}

export function get(t: Task, addr: number, len: number): DataView {
  const b = t.mm.copyIn(addr, len);
  if (b === null) throw new Error(`copyIn at ${addr}`);
  return new DataView(b.buffer, b.byteOffset, b.byteLength);
}

/** struct rlimit64 {u64 cur, max}. */
export function rlimit64(cur: bigint, max: bigint): Uint8Array {
  const b = new Uint8Array(16);
  const dv = new DataView(b.buffer);
  dv.setBigUint64(0, cur, true);
  dv.setBigUint64(8, max, true);
  return b;
}
