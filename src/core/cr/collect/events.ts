// Event files into the model (issue 16): an eventfd's counter, a timerfd's timer, a signalfd's
// mask and an epoll set's interest and ready lists. The state is taken as it is, without
// running the kernel's own accounting: a timerfd whose expiry has passed without its timer
// having fired yet is recorded with that expiry (cycles left <= 0), so the restart fires it and
// wakes whoever waits, rather than the checkpoint counting the ticks and waking nobody.
import type { File } from "../../../machine/fs/file.ts";
import { epollOf, epollOps } from "../../../machine/kernel/events/epoll.ts";
import { eventfdOps, type EventFdCtx } from "../../../machine/kernel/events/eventfd.ts";
import { signalfdOps, type SignalFdCtx } from "../../../machine/kernel/events/signalfd.ts";
import { timerfdOps, type TimerFdCtx } from "../../../machine/kernel/events/timerfd.ts";
import type { Kernel } from "../../../machine/kernel/kernel.ts";
import { CrError, EOPNOTSUPP } from "../errors.ts";
import type { EpItemRecord, EventFileTargetRecord } from "../model-events.ts";

/** What a file of a kind C/R does not carry is, for a refusal; null if carried. */
export function uncarriedKind(f: File): string | null {
  return f.ops.noCheckpoint ?? null;
}

/**
 * The event-file target of f, or null for any other file. `watched` gives the id of a file an
 * epoll item names (collected like any other file, without counting as an fd slot).
 */
export function eventTarget(k: Kernel, f: File, watched: (f: File, epItemFd: number) => number): EventFileTargetRecord | null {
  if (f.ops === eventfdOps) {
    const ctx = f.priv as EventFdCtx;
    return { kind: "eventfd", count: ctx.count, semaphore: ctx.semaphore };
  }
  if (f.ops === timerfdOps) {
    const ctx = f.priv as TimerFdCtx;
    const armed = ctx.expiry !== 0;
    return {
      kind: "timerfd", clockid: ctx.clockid, settimeFlags: ctx.settimeFlags, armed,
      expiryLeft: armed ? ctx.expiry - k.clock : 0, interval: ctx.interval, ticks: ctx.ticks,
    };
  }
  if (f.ops === signalfdOps) return { kind: "signalfd", mask: (f.priv as SignalFdCtx).mask };
  if (f.ops === epollOps) {
    const ep = epollOf(f)!;
    const items: EpItemRecord[] = [];
    const index = new Map<unknown, number>();
    for (const epi of ep.all()) {
      index.set(epi, items.length);
      items.push({ fd: epi.fd, fileId: watched(epi.file, epi.fd), events: epi.events >>> 0, data: BigInt.asUintN(64, epi.data) });
    }
    return { kind: "epoll", items, ready: ep.rdllist.map((epi) => index.get(epi)!) };
  }
  return null;
}

/** Refuses an epoll item whose file is of a kind C/R does not carry, naming both. */
export function refuseWatched(epollDesc: string, f: File, fd: number): void {
  const what = uncarriedKind(f);
  if (what !== null) {
    throw new CrError(EOPNOTSUPP, `${epollDesc} watches fd ${fd}, ${what}: checkpoint/restart of ${what.replace(/^an? /, "")}s is not implemented yet`);
  }
}
