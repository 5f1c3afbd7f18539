// POSIX timers where qemu-riscv32 cannot be the oracle: ids numbered per process from 0 (Linux
// 6.1; the host kernel under qemu numbers them differently), si_timerid and si_overrun in the
// siginfo, a zero it_value disarming, overruns counted while the signal stays queued, and the
// timers going at exit.
import { describe, expect, it } from "vitest";
import { EINVAL } from "../../../src/machine/kernel/errno.ts";
import { doGroupExit } from "../../../src/machine/kernel/exit.ts";
import { timerOverrun } from "../../../src/machine/kernel/posix-timers.ts";
import { encodeSigInfo, SI_TIMER } from "../../../src/machine/kernel/siginfo.ts";
import { dequeueSignal } from "../../../src/machine/kernel/signal.ts";
import { boot, fork } from "../fs/helpers.ts";
import { get, put, sys, userBuf } from "./syscall-helpers.ts";

const TIMER_CREATE = 107;
const TIMER_GETOVERRUN = 109;
const TIMER_DELETE = 111;
const TIMER_GETTIME = 408;
const TIMER_SETTIME = 409;
const CLOCK_MONOTONIC = 1;

/** struct __kernel_itimerspec {interval, value}, each {s64 sec, s64 nsec}. */
function itimerspec(intervalNs: number, valueNs: number): Uint8Array {
  const b = new Uint8Array(32);
  const dv = new DataView(b.buffer);
  dv.setBigInt64(0, BigInt(Math.floor(intervalNs / 1e9)), true);
  dv.setBigInt64(8, BigInt(intervalNs % 1e9), true);
  dv.setBigInt64(16, BigInt(Math.floor(valueNs / 1e9)), true);
  dv.setBigInt64(24, BigInt(valueNs % 1e9), true);
  return b;
}

describe("POSIX timers", () => {
  it("numbers a process's timers from 0 without reusing a deleted id at once; a forked child has none", () => {
    const { k, t } = boot();
    const buf = userBuf(t);
    const ids: number[] = [];
    for (let i = 0; i < 3; i++) {
      expect(sys(k, t, TIMER_CREATE, CLOCK_MONOTONIC, 0, buf)).toBe(0);
      ids.push(get(t, buf, 4).getInt32(0, true));
    }
    expect(ids).toEqual([0, 1, 2]);
    expect(sys(k, t, TIMER_DELETE, 1)).toBe(0);
    expect(sys(k, t, TIMER_DELETE, 1)).toBe(-EINVAL);
    expect(sys(k, t, TIMER_CREATE, CLOCK_MONOTONIC, 0, buf)).toBe(0);
    expect(get(t, buf, 4).getInt32(0, true)).toBe(3);
    const child = fork(k, t);
    expect(child.group.posixTimers.size).toBe(0);
    expect(sys(k, child, TIMER_GETTIME, 0, buf)).toBe(-EINVAL);
    expect(sys(k, child, TIMER_CREATE, CLOCK_MONOTONIC, 0, buf)).toBe(0);
    expect(get(child, buf, 4).getInt32(0, true)).toBe(0);
  });

  it("a zero it_value disarms the timer, and timer_settime reports the old setting", () => {
    const { k, t } = boot();
    const buf = userBuf(t);
    sys(k, t, TIMER_CREATE, CLOCK_MONOTONIC, 0, buf);
    put(t, buf + 64, itimerspec(250e6, 500e6));
    expect(sys(k, t, TIMER_SETTIME, 0, 0, buf + 64, 0)).toBe(0);
    expect(k.timers.nextDeadline()).toBe(k.clock + 500e6);
    put(t, buf + 64, itimerspec(0, 0));
    expect(sys(k, t, TIMER_SETTIME, 0, 0, buf + 64, buf + 128)).toBe(0);
    const old = get(t, buf + 128, 32);
    expect(old.getBigInt64(8, true)).toBe(250000000n);
    expect(old.getBigInt64(24, true)).toBe(500000000n);
    expect(sys(k, t, TIMER_GETTIME, 0, buf + 192)).toBe(0);
    expect([...new Uint8Array(get(t, buf + 192, 32).buffer)].every((x) => x === 0)).toBe(true);
    expect(k.timers.nextDeadline()).toBeUndefined();
  });

  it("queues one SI_TIMER signal carrying the timer id and sigval, and counts expiries while it is queued", () => {
    const { k, t } = boot();
    const buf = userBuf(t);
    // A handler, so that the signal is never dropped as ignored (the booted task is an init).
    t.sighand.actions[36] = { handler: 0x10000, flags: 0, restorer: 0, mask: 0n };
    // struct sigevent: value 99, SIGRTMIN+2 (36), SIGEV_SIGNAL.
    const sev = new Uint8Array(64);
    new DataView(sev.buffer).setInt32(0, 99, true);
    new DataView(sev.buffer).setInt32(4, 36, true);
    put(t, buf, sev);
    sys(k, t, TIMER_CREATE, CLOCK_MONOTONIC, 0, buf + 256);
    sys(k, t, TIMER_CREATE, CLOCK_MONOTONIC, buf, buf + 256);
    const id = get(t, buf + 256, 4).getInt32(0, true);
    expect(id).toBe(1);
    put(t, buf + 64, itimerspec(1e6, 1e6));
    sys(k, t, TIMER_SETTIME, id, 0, buf + 64, 0);
    // Five expiries with nobody taking the signal.
    for (let i = 0; i < 5; i++) {
      const when = k.timers.nextDeadline()!;
      k.clock = when;
      k.timers.fire(k, when);
    }
    const queued = t.group.sharedPending.queue.filter((si) => si.signo === 36);
    expect(queued).toHaveLength(1);
    const timer = t.group.posixTimers.get(id)!;
    expect(timerOverrun(timer)).toBe(0); // the signal is still queued: nothing delivered yet
    const bytes = new DataView(encodeSigInfo(queued[0], 0).buffer);
    expect([bytes.getInt32(8, true), bytes.getInt32(12, true), bytes.getInt32(16, true), bytes.getInt32(20, true)]).toEqual([SI_TIMER, id, 4, 99]);
    const taken = dequeueSignal(t, 0n);
    expect(taken?.signo).toBe(36);
    expect(timerOverrun(timer)).toBe(4);
    expect(sys(k, t, TIMER_GETOVERRUN, id)).toBe(4);
    // The next expiry queues a fresh signal; getoverrun still reports the delivered one.
    const when = k.timers.nextDeadline()!;
    k.clock = when;
    k.timers.fire(k, when);
    expect(sys(k, t, TIMER_GETOVERRUN, id)).toBe(4);
  });

  it("deletes a process's timers when it exits", () => {
    const { k, t } = boot();
    const buf = userBuf(t);
    sys(k, t, TIMER_CREATE, CLOCK_MONOTONIC, 0, buf);
    put(t, buf + 64, itimerspec(1e6, 1e6));
    sys(k, t, TIMER_SETTIME, 0, 0, buf + 64, 0);
    expect(k.timers.nextDeadline()).toBeDefined();
    doGroupExit(k, t, { code: 0 });
    expect(t.group.posixTimers.size).toBe(0);
    expect(k.timers.nextDeadline()).toBeUndefined();
  });
});
