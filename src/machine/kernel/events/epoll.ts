// epoll (Linux's fs/eventpoll.c, condensed): an epoll file holds items, one per watched
// (file, fd) pair. Each item puts a callback on every wait queue its file's poll names
// (ep_poll_callback): a wake-up there moves the item to the tail of the ready list and wakes
// whoever waits in epoll_wait on this set, or polls the epoll file itself. epoll_wait then
// polls each ready item again and reports the events that really hold, so a wake-up that
// changed nothing costs a re-check and no false event.
//
// Level-triggered items go back to the tail of the ready list after being reported, edge-
// triggered ones do not, one-shot ones are disarmed until EPOLL_CTL_MOD. An item is keyed by
// its file and fd but lives as long as the file does: closing one of two fds of the file keeps
// it, the file's last close removes it from every set (File.epWatches).
import { POLLIN, POLLRDNORM, pollWait, vfsPoll, type PollTable } from "../../fs/poll.ts";
import type { File, FileOperations, FileWatch } from "../../fs/file.ts";
import type { FsCtx } from "../../fs/inode.ts";
import type { Kernel } from "../kernel.ts";
import { WaitQueue, type WaitCallback } from "../wait-queue.ts";

export const EPOLLIN = 0x001;
export const EPOLLPRI = 0x002;
export const EPOLLOUT = 0x004;
export const EPOLLERR = 0x008;
export const EPOLLHUP = 0x010;
export const EPOLLRDHUP = 0x2000;
export const EPOLLEXCLUSIVE = 1 << 28;
export const EPOLLWAKEUP = 1 << 29;
export const EPOLLONESHOT = 1 << 30;
export const EPOLLET = 1 << 31;
/** The bits that stay set on a disarmed one-shot item (EP_PRIVATE_BITS). */
export const EP_PRIVATE_BITS = EPOLLWAKEUP | EPOLLONESHOT | EPOLLET | EPOLLEXCLUSIVE;
/** What EPOLLEXCLUSIVE may be combined with (EPOLLEXCLUSIVE_OK_BITS). */
export const EPOLLEXCLUSIVE_OK_BITS = EPOLLIN | EPOLLOUT | EPOLLERR | EPOLLHUP | EPOLLWAKEUP | EPOLLET | EPOLLEXCLUSIVE;
/** EP_MAX_NESTS: how deep epoll sets may nest. */
export const EP_MAX_NESTS = 4;

/** An event as epoll_wait reports it: the ready events and the user's 64-bit data. */
export interface EpollEvent {
  events: number;
  data: bigint;
}

/** One watched (file, fd) in one epoll set (struct epitem). */
export class EpItem implements WaitCallback, FileWatch {
  /** The queues this item's callback is on (eppoll_entry list). */
  readonly queues = new Set<WaitQueue>();
  /** On the set's ready list. */
  ready = false;

  constructor(
    readonly ep: EventPoll,
    readonly file: File,
    readonly fd: number,
    public events: number,
    public data: bigint,
  ) {}

  /** ep_poll_callback: a watched queue was woken. */
  wake(): void {
    // A disarmed one-shot item hears nothing until it is re-armed.
    if ((this.events & ~EP_PRIVATE_BITS) === 0) return;
    this.ep.markReady(this);
  }

  /** The file is gone (eventpoll_release): leave the set. */
  detach(): void {
    this.ep.remove(this);
  }

  /** ep_item_poll: the events of interest that hold now, registering queues with pt. */
  poll(c: FsCtx, pt: PollTable | null, depth: number): number {
    const inner = epollOf(this.file);
    const mask = inner !== null ? inner.pollReady(c, pt, depth + 1) : vfsPoll(c, this.file, pt);
    return mask & this.events;
  }
}

/** The set itself (struct eventpoll). */
export class EventPoll {
  /** By file, then fd: the registration key (epoll_filefd). Insertion order is kept. */
  readonly items = new Map<File, Map<number, EpItem>>();
  /** rdllist: items whose files were woken, oldest first. */
  readonly rdllist: EpItem[] = [];
  /** Tasks in epoll_wait on this set (ep->wq). */
  readonly wq = new WaitQueue();
  /** Pollers of the epoll file itself, including outer epoll sets (ep->poll_wait). */
  readonly pollWq = new WaitQueue();

  constructor(readonly k: Kernel) {}

  find(f: File, fd: number): EpItem | undefined {
    return this.items.get(f)?.get(fd);
  }

  *all(): Iterable<EpItem> {
    for (const m of this.items.values()) yield* m.values();
  }

  /** Put an item on the ready list (if not already there) and wake the set's waiters. */
  markReady(epi: EpItem): void {
    if (!epi.ready) {
      epi.ready = true;
      this.rdllist.push(epi);
    }
    this.k.wakeAll(this.wq);
    this.k.wakeAll(this.pollWq);
  }

  private unready(epi: EpItem): void {
    if (!epi.ready) return;
    epi.ready = false;
    this.rdllist.splice(this.rdllist.indexOf(epi), 1);
  }

  /** ep_insert: register, then report at once if the file is ready already. */
  insert(c: FsCtx, f: File, fd: number, events: number, data: bigint): void {
    const { epi, mask } = this.attach(c, f, fd, events, data);
    if (mask !== 0) this.markReady(epi);
  }

  /** A new item on the set, its file's watch list and every queue its file's poll names. */
  private attach(c: FsCtx, f: File, fd: number, events: number, data: bigint): { epi: EpItem; mask: number } {
    const epi = new EpItem(this, f, fd, events, data);
    let byFd = this.items.get(f);
    if (byFd === undefined) this.items.set(f, (byFd = new Map()));
    byFd.set(fd, epi);
    (f.epWatches ??= new Set()).add(epi);
    const pt: PollTable = {
      wait: (wq) => {
        if (epi.queues.has(wq)) return;
        epi.queues.add(wq);
        wq.callbacks.add(epi);
      },
    };
    return { epi, mask: epi.poll(c, pt, 0) };
  }

  /**
   * A restart's ep_insert: the item goes on its file's queues as epoll_ctl would put it there
   * (polling as `c`'s task: a signalfd is watched through its poller's sighand), but stays off
   * the ready list, which restoreReady sets from the image once every set is filled.
   */
  restoreItem(c: FsCtx, f: File, fd: number, events: number, data: bigint): EpItem {
    return this.attach(c, f, fd, events, data).epi;
  }

  /** The ready list exactly as checkpointed, oldest first (replacing what registering queued). */
  restoreReady(ready: readonly EpItem[]): void {
    for (const epi of this.rdllist) epi.ready = false;
    this.rdllist.splice(0);
    for (const epi of ready) {
      epi.ready = true;
      this.rdllist.push(epi);
    }
  }

  /** ep_modify: new events and data; a now-ready item is queued (this re-arms one-shot items). */
  modify(c: FsCtx, epi: EpItem, events: number, data: bigint): void {
    epi.events = events;
    epi.data = data;
    if (epi.poll(c, null, 0) !== 0) this.markReady(epi);
  }

  /** ep_remove: off every queue, the ready list, the file's watch list and the set. */
  remove(epi: EpItem): void {
    for (const wq of epi.queues) wq.callbacks.delete(epi);
    epi.queues.clear();
    this.unready(epi);
    epi.file.epWatches?.delete(epi);
    const byFd = this.items.get(epi.file);
    byFd?.delete(epi.fd);
    if (byFd !== undefined && byFd.size === 0) this.items.delete(epi.file);
  }

  /** ep_free: the epoll file is released. */
  free(): void {
    for (const epi of [...this.all()]) this.remove(epi);
  }

  /** ep_events_available. */
  get available(): boolean {
    return this.rdllist.length > 0;
  }

  /**
   * ep_send_events: report up to max ready items, in ready-list order. Items that are not really
   * ready drop off; level-triggered ones go back to the tail; the ones not reached stay in front.
   */
  sendEvents(c: FsCtx, max: number): EpollEvent[] {
    const txlist = this.rdllist.splice(0);
    const out: EpollEvent[] = [];
    const tail: EpItem[] = [];
    let i = 0;
    for (; i < txlist.length && out.length < max; i++) {
      const epi = txlist[i];
      epi.ready = false;
      const revents = epi.poll(c, null, 0);
      if (revents === 0) continue;
      out.push({ events: revents, data: epi.data });
      if ((epi.events & EPOLLONESHOT) !== 0) epi.events &= EP_PRIVATE_BITS;
      // (A poll that woke the item's own queue has queued it again already.)
      else if ((epi.events & EPOLLET) === 0 && !epi.ready) tail.push(epi);
    }
    // ep_done_scan: what was not reached goes back in front of what was re-queued meanwhile.
    const rest = txlist.slice(i);
    for (const epi of tail) {
      epi.ready = true;
      this.rdllist.push(epi);
    }
    this.rdllist.unshift(...rest);
    return out;
  }

  /**
   * __ep_eventpoll_poll: whether any ready item really has events (POLLIN for the epoll file);
   * items found not ready are dropped from the ready list on the way.
   */
  pollReady(c: FsCtx, pt: PollTable | null, depth: number): number {
    pollWait(pt, this.pollWq);
    if (depth > EP_MAX_NESTS) return 0;
    for (const epi of [...this.rdllist]) {
      if (epi.poll(c, null, depth) !== 0) return POLLIN | POLLRDNORM;
      this.unready(epi);
    }
    return 0;
  }

  /** ep_loop_check: adding `target` (an epoll set) to this one would close a cycle or nest too deep. */
  wouldLoop(target: EventPoll): boolean {
    const visit = (ep: EventPoll, depth: number): boolean => {
      if (ep === this || depth > EP_MAX_NESTS) return true;
      for (const epi of ep.all()) {
        const inner = epollOf(epi.file);
        if (inner !== null && visit(inner, depth + 1)) return true;
      }
      return false;
    };
    return visit(target, 1);
  }
}

/** The epoll set behind a file, or null for any other file (is_file_epoll). */
export function epollOf(f: File): EventPoll | null {
  return f.ops === epollOps ? (f.priv as EventPoll) : null;
}

function epollFdinfo(f: File): string {
  const ep = f.priv as EventPoll;
  let s = "";
  for (const epi of ep.all()) {
    const inode = epi.file.inode;
    s += `tfd: ${String(epi.fd).padStart(8)} events: ${(epi.events >>> 0).toString(16).padStart(8)} data: ${BigInt.asUintN(64, epi.data).toString(16).padStart(16)}  pos:${epi.file.pos} ino:${inode.ino.toString(16)} sdev:${inode.sb.dev.toString(16)}\n`;
  }
  return s;
}

export const epollOps: FileOperations = {
  positional: false,
  poll: (c, f, pt) => (f.priv as EventPoll).pollReady(c, pt, 0),
  release: (f) => (f.priv as EventPoll).free(),
  fdinfo: epollFdinfo,
};

/** A file epoll can watch: one with ->poll (file_can_poll). */
export const canPoll = (f: File): boolean => f.ops.poll !== undefined;
