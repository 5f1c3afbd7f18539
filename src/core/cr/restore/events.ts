// Event files from the model (issue 16): eventfd, timerfd, signalfd and epoll files are made
// with the rest of the files (owned by the restorer: a failed restart's release frees them, and
// with them a counter id, a timer or a set), and checked against each other once all exist.
// What can wake anyone waits until the tasks hold their files (fill): the epoll items go on
// their files' queues (a signalfd's through the sighand of the task holding the set, as its
// epoll_ctl found it), the ready lists are set as checkpointed, and only then are the timers
// armed, so a timer that was due at the checkpoint fires now and its wake-up reaches the sets.
import { anonInodeGetFile } from "../../../machine/fs/anon-inode.ts";
import type { File } from "../../../machine/fs/file.ts";
import type { FsCtx } from "../../../machine/fs/inode.ts";
import { canPoll, EpItem, epollOf, epollOps, EventPoll } from "../../../machine/kernel/events/epoll.ts";
import { EventFdCtx, eventfdOps } from "../../../machine/kernel/events/eventfd.ts";
import { SignalFdCtx, signalfdOps } from "../../../machine/kernel/events/signalfd.ts";
import { TimerFdCtx, timerfdOps } from "../../../machine/kernel/events/timerfd.ts";
import type { Kernel } from "../../../machine/kernel/kernel.ts";
import { CrError, EINVAL } from "../errors.ts";
import type { FileRecord } from "../model.ts";
import { EVENT_FILE_NAMES, type EventFileTargetRecord } from "../model-events.ts";

type EpollTarget = Extract<EventFileTargetRecord, { kind: "epoll" }>;
type TimerTarget = Extract<EventFileTargetRecord, { kind: "timerfd" }>;

export class EventFilesRestore {
  private readonly epolls: { id: number; ep: EventPoll; rec: EpollTarget }[] = [];
  private readonly timers: { ctx: TimerFdCtx; rec: TimerTarget }[] = [];

  constructor(private readonly k: Kernel) {}

  /** The file of an event target, with its state; its timer is not armed yet. */
  open(rec: FileRecord, t: EventFileTargetRecord, why: string): File {
    const k = this.k;
    let f: File;
    if (t.kind === "eventfd") f = anonInodeGetFile(k, EVENT_FILE_NAMES.eventfd, eventfdOps, new EventFdCtx(k, t.count, t.semaphore), 0, why);
    else if (t.kind === "signalfd") f = anonInodeGetFile(k, EVENT_FILE_NAMES.signalfd, signalfdOps, new SignalFdCtx(t.mask), 0, why);
    else if (t.kind === "timerfd") {
      const ctx = new TimerFdCtx(k, t.clockid);
      ctx.ticks = t.ticks;
      ctx.interval = t.armed ? t.interval : 0;
      ctx.settimeFlags = t.settimeFlags;
      if (t.armed) this.timers.push({ ctx, rec: t });
      f = anonInodeGetFile(k, EVENT_FILE_NAMES.timerfd, timerfdOps, ctx, 0, why);
    } else {
      const ep = new EventPoll(k);
      this.epolls.push({ id: rec.id, ep, rec: t });
      f = anonInodeGetFile(k, EVENT_FILE_NAMES.epoll, epollOps, ep, 0, why);
    }
    // The status flags as F_SETFL left them (validation kept them to O_RDWR and SETFL_MASK).
    f.flags = rec.flags;
    f.pos = rec.pos;
    return f;
  }

  /**
   * Every epoll item names a file of the image that epoll_ctl could have added: pollable, not
   * the set itself, each (file, fd) once. Runs before anything is attached, so a bad image fails
   * while the restorer still owns everything. (Loops and nesting depth: validate-events.ts.)
   */
  check(files: ReadonlyMap<number, File>): void {
    for (const { id, rec } of this.epolls) {
      const seen = new Set<string>();
      rec.items.forEach((it, i) => {
        const f = files.get(it.fileId);
        const item = `epoll file ${id} item ${i} (fd ${it.fd})`;
        if (f === undefined) throw new CrError(EINVAL, `${item} names file ${it.fileId}, which the image does not have`);
        if (it.fileId === id) throw new CrError(EINVAL, `${item} watches its own epoll set`);
        if (!canPoll(f)) throw new CrError(EINVAL, `${item} watches file ${it.fileId}, which cannot be polled (epoll_ctl says EPERM)`);
        const key = `${it.fileId}:${it.fd}`;
        if (seen.has(key)) throw new CrError(EINVAL, `${item} is registered twice for file ${it.fileId}`);
        seen.add(key);
      });
    }
  }

  /**
   * Once the tasks hold their files: fill the sets (inner ones first, so an outer item polls a
   * complete set), set the ready lists, arm the timers. `ctxOf` is the task that holds a set.
   * Cannot fail: check() and validation ran before.
   */
  fill(files: ReadonlyMap<number, File>, ctxOf: (epollFileId: number) => FsCtx): void {
    const items = new Map<number, EpItem[]>();
    for (const { id, ep, rec } of this.nestedFirst(files)) {
      const c = ctxOf(id);
      items.set(id, rec.items.map((it) => ep.restoreItem(c, files.get(it.fileId)!, it.fd, it.events, it.data)));
    }
    for (const { id, ep, rec } of this.epolls) {
      const all = items.get(id)!;
      ep.restoreReady(rec.ready.map((i) => all[i]!));
    }
    for (const { ctx, rec } of this.timers) {
      // A deadline already passed at the checkpoint is passed here too: the next timer check fires it.
      ctx.expiry = Math.max(1, this.k.clock + rec.expiryLeft);
      ctx.arm();
    }
    this.epolls.length = 0;
    this.timers.length = 0;
  }

  /** The sets, each after every set it watches (validation ruled out loops). */
  private nestedFirst(files: ReadonlyMap<number, File>): typeof this.epolls {
    const byEp = new Map(this.epolls.map((e) => [e.ep, e]));
    const out: typeof this.epolls = [];
    const done = new Set<EventPoll>();
    const visit = (e: (typeof this.epolls)[number]): void => {
      if (done.has(e.ep)) return;
      done.add(e.ep);
      for (const it of e.rec.items) {
        const inner = epollOf(files.get(it.fileId)!);
        const ie = inner === null ? undefined : byEp.get(inner);
        if (ie !== undefined) visit(ie);
      }
      out.push(e);
    };
    this.epolls.forEach(visit);
    return out;
  }
}
