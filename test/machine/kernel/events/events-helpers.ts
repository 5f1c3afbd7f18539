// Set-up for the event-file tests: a booted machine whose first task calls syscalls directly
// through the table, with a page of user memory to pass structures in.
import { ERESTART_RESTARTBLOCK, ERESTARTSYS } from "../../../../src/machine/kernel/errno.ts";
import { SYSCALLS } from "../../../../src/machine/kernel/syscalls/table.ts";
import { boot, type Booted } from "../../fs/helpers.ts";

export interface Sys extends Booted {
  /** Call syscall nr as the task. */
  sys(nr: number, ...a: number[]): number;
  /** A page of user memory (read/write, private). */
  mem: number;
  put(addr: number, bytes: Uint8Array): void;
  get(addr: number, n: number): Uint8Array;
}

export const NR = {
  eventfd2: 19, epoll_create1: 20, epoll_ctl: 21, epoll_pwait: 22, close: 57, pipe2: 59, read: 63, write: 64,
  signalfd4: 74, timerfd_create: 85, ppoll: 414, pselect6: 413, epoll_pwait2: 441, mmap2: 222,
} as const;

export function bootSys(): Sys {
  const b = boot();
  // As Kernel.syscall does: a restart code keeps the restart block for the re-execution, any
  // other result ends the call and drops it.
  const sys = (nr: number, ...a: number[]): number => {
    const [a0 = 0, a1 = 0, a2 = 0, a3 = 0, a4 = 0, a5 = 0] = a;
    const ret = SYSCALLS[nr]!.fn(b.k, b.t, a0, a1, a2, a3, a4, a5);
    if (ret <= -ERESTARTSYS && ret >= -ERESTART_RESTARTBLOCK) b.t.restartCode = -ret;
    else {
      b.t.restartCode = 0;
      b.t.restart = null;
    }
    return ret;
  };
  const mem = sys(NR.mmap2, 0, 4096, 3 /* PROT_READ|WRITE */, 0x22 /* MAP_PRIVATE|ANON */, -1, 0) >>> 0;
  return {
    ...b,
    sys,
    mem,
    put: (addr, bytes) => {
      if (!b.t.mm.copyOut(addr, bytes)) throw new Error(`put at ${addr}: fault`);
    },
    get: (addr, n) => {
      const r = b.t.mm.copyIn(addr, n);
      if (r === null) throw new Error(`get at ${addr}: fault`);
      return r;
    },
  };
}

/** A pipe's two fds, made through pipe2. */
export function pipe(s: Sys, flags = 0): [number, number] {
  const r = s.sys(NR.pipe2, s.mem + 2048, flags);
  if (r !== 0) throw new Error(`pipe2: ${r}`);
  const dv = new DataView(s.get(s.mem + 2048, 8).buffer);
  return [dv.getInt32(0, true), dv.getInt32(4, true)];
}

/** struct epoll_event at addr: events, then the 64-bit data at offset 8. */
export function epollEvent(s: Sys, addr: number, events: number, data: bigint): number {
  const b = new Uint8Array(16);
  const dv = new DataView(b.buffer);
  dv.setUint32(0, events >>> 0, true);
  dv.setBigUint64(8, data, true);
  s.put(addr, b);
  return addr;
}

/** struct __kernel_timespec at addr. */
export function timespec(s: Sys, addr: number, sec: number, nsec: number): number {
  const b = new Uint8Array(16);
  const dv = new DataView(b.buffer);
  dv.setBigInt64(0, BigInt(sec), true);
  dv.setBigInt64(8, BigInt(nsec), true);
  s.put(addr, b);
  return addr;
}
