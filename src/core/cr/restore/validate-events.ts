// The event files of a decoded model against what the kernel itself allows (issue 16): an
// eventfd counter below 2^64 - 1 (a write that would reach it waits), a timerfd on a clock
// timerfd_create accepts, a signalfd mask without SIGKILL/SIGSTOP, and epoll sets as epoll_ctl
// builds them — items naming files of the image, EPOLLEXCLUSIVE only where it may be, ready
// indices inside the list, and no loop or nesting deeper than EP_MAX_NESTS (ep_loop_check), so
// a restart never builds what no epoll_ctl sequence could.
import { FASYNC, O_ACCMODE, O_RDWR, SETFL_MASK } from "../../../machine/fs/constants.ts";
import { EP_MAX_NESTS, EPOLLEXCLUSIVE, EPOLLEXCLUSIVE_OK_BITS, EPOLLWAKEUP } from "../../../machine/kernel/events/epoll.ts";
import { ULLONG_MAX } from "../../../machine/kernel/events/eventfd.ts";
import { UNBLOCKABLE } from "../../../machine/kernel/signal-defs.ts";
import { TFD_TIMER_ABSTIME, TFD_TIMER_CANCEL_ON_SET, TIMERFD_CLOCKS } from "../../../machine/kernel/syscalls/sys-events.ts";
import { CrError, EINVAL } from "../errors.ts";
import type { CheckpointModel, FileRecord } from "../model.ts";
import { isEventTarget, type EventFileTargetRecord } from "../model-events.ts";
import { MAX_RECORDS, type KernelLimits } from "./validate-fields.ts";

const U32 = 0xffffffff;
const U64 = (1n << 64n) - 1n;

function bad(field: string, value: unknown, why: string): never {
  const v = typeof value === "bigint" ? `0x${value.toString(16)}` : String(value);
  throw new CrError(EINVAL, `bad image: ${field} = ${v}: ${why}`);
}

const isInt = (v: unknown): v is number => typeof v === "number" && Number.isSafeInteger(v);

function int(field: string, v: unknown, min: number, max: number, why = `not an integer in [${min}, ${max}]`): void {
  if (!isInt(v) || v < min || v > max) bad(field, v, why);
}

function u64(field: string, v: unknown, max = U64): void {
  if (typeof v !== "bigint" || v < 0n || v > max) bad(field, v, max === U64 ? "not a u64" : `not in [0, 0x${max.toString(16)}]`);
}

/** The event files' fields, and the nesting of the epoll sets. Throws CrError(EINVAL). */
export function validateEventFiles(m: CheckpointModel, lim: KernelLimits): void {
  const files = new Map<number, FileRecord>(m.files.map((f) => [f.id, f]));
  for (const fl of m.files) {
    const t = fl.target;
    if (!isEventTarget(t)) continue;
    const f = `file ${fl.id} (${t.kind})`;
    // anon_inode_getfile makes them O_RDWR; F_SETFL may add SETFL_MASK's flags (FASYNC is
    // refused at checkpoint: the model has no owner for it). None is seekable: pos stays 0.
    if ((fl.flags & O_ACCMODE) !== O_RDWR || (fl.flags & ~(O_RDWR | (SETFL_MASK & ~FASYNC))) !== 0) {
      bad(`${f} flags`, `0o${fl.flags.toString(8)}`, "an event file is O_RDWR with at most O_APPEND, O_NONBLOCK, O_DIRECT, O_NOATIME");
    }
    if (fl.pos !== 0) bad(`${f} pos`, fl.pos, "an event file has no position (noop_llseek)");
    fields(f, t, files, lim);
  }
  // ep_loop_check: no set reaches itself, and chains of sets are at most EP_MAX_NESTS + 1 long.
  const depth = new Map<number, number>();
  const onPath = new Set<number>();
  const chain = (id: number): number => {
    const known = depth.get(id);
    if (known !== undefined) return known;
    if (onPath.has(id)) bad(`epoll file ${id}`, id, "its items lead back to itself (an epoll loop, ELOOP)");
    onPath.add(id);
    const t = files.get(id)!.target as Extract<EventFileTargetRecord, { kind: "epoll" }>;
    let d = 1;
    for (const it of t.items) if (files.get(it.fileId)?.target.kind === "epoll") d = Math.max(d, 1 + chain(it.fileId));
    onPath.delete(id);
    if (d > EP_MAX_NESTS + 1) bad(`epoll file ${id} nesting`, d, `epoll sets nest at most ${EP_MAX_NESTS + 1} deep (EP_MAX_NESTS, ELOOP)`);
    depth.set(id, d);
    return d;
  };
  for (const fl of m.files) if (fl.target.kind === "epoll") chain(fl.id);
}

function fields(f: string, t: EventFileTargetRecord, files: ReadonlyMap<number, FileRecord>, lim: KernelLimits): void {
  switch (t.kind) {
    case "eventfd":
      // eventfd_write waits rather than let the counter reach ULLONG_MAX.
      u64(`${f} count`, t.count, ULLONG_MAX - 1n);
      if (typeof t.semaphore !== "boolean") bad(`${f} semaphore`, t.semaphore, "not a boolean");
      return;
    case "signalfd":
      u64(`${f} mask`, t.mask);
      if ((t.mask & UNBLOCKABLE) !== 0n) bad(`${f} mask`, t.mask, "a signalfd never takes SIGKILL or SIGSTOP");
      return;
    case "timerfd": {
      if (!TIMERFD_CLOCKS.has(t.clockid)) bad(`${f} clockid`, t.clockid, "not a clock timerfd_create accepts (REALTIME, MONOTONIC, BOOTTIME)");
      int(`${f} settimeFlags`, t.settimeFlags, 0, TFD_TIMER_ABSTIME | TFD_TIMER_CANCEL_ON_SET, "not TFD_TIMER_ABSTIME | TFD_TIMER_CANCEL_ON_SET bits");
      int(`${f} ticks`, t.ticks, 0, Number.MAX_SAFE_INTEGER);
      int(`${f} interval`, t.interval, 0, Number.MAX_SAFE_INTEGER);
      if (!t.armed) {
        if (t.expiryLeft !== 0 || t.interval !== 0) bad(`${f} expiryLeft`, t.expiryLeft, "a disarmed timer has no expiry and no interval");
        return;
      }
      int(`${f} expiryLeft`, t.expiryLeft, -Number.MAX_SAFE_INTEGER, Number.MAX_SAFE_INTEGER);
      // The expirations a restart counts at once for a passed expiry must stay countable.
      const overdue = t.expiryLeft > 0 ? 0 : 1 + (t.interval > 0 ? Math.floor(-t.expiryLeft / t.interval) : 0);
      if (t.ticks + overdue > Number.MAX_SAFE_INTEGER) bad(`${f} expiryLeft`, t.expiryLeft, `with ${t.ticks} ticks and interval ${t.interval}, more expirations than a count holds`);
      return;
    }
    case "epoll": {
      if (t.items.length > MAX_RECORDS) bad(`${f} item count`, t.items.length, `more than ${MAX_RECORDS}`);
      t.items.forEach((it, i) => {
        const w = `${f} item ${i}`;
        int(`${w} fd`, it.fd, 0, lim.fdLimit - 1, `outside [0, RLIMIT_NOFILE ${lim.fdLimit})`);
        int(`${w} events`, it.events, 0, U32);
        u64(`${w} data`, it.data);
        const target = files.get(it.fileId);
        if (target === undefined) bad(`${w} fileId`, it.fileId, "the image has no such file");
        if ((it.events & EPOLLWAKEUP) !== 0) bad(`${w} events`, it.events >>> 0, "EPOLLWAKEUP is dropped by epoll_ctl here");
        if ((it.events & EPOLLEXCLUSIVE) !== 0 && ((it.events & ~EPOLLEXCLUSIVE_OK_BITS) !== 0 || target.target.kind === "epoll")) {
          bad(`${w} events`, it.events >>> 0, "EPOLLEXCLUSIVE goes only with EPOLLIN/OUT/ERR/HUP/ET, never on an epoll set");
        }
      });
      const seen = new Set<number>();
      if (t.ready.length > t.items.length) bad(`${f} ready count`, t.ready.length, `more than its ${t.items.length} items`);
      for (const r of t.ready) {
        int(`${f} ready index`, r, 0, t.items.length - 1, `not an index of its ${t.items.length} items`);
        if (seen.has(r)) bad(`${f} ready index`, r, "on the ready list twice");
        seen.add(r);
      }
    }
  }
}
