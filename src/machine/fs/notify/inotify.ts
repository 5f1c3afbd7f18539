// inotify (Linux's fs/notify/inotify/): an instance is a file on an anonymous inode holding a
// queue of events and a set of watches, each a mark on an inode (fsnotify.ts delivers to it)
// with a watch descriptor allocated cyclically from 1. Events are struct inotify_event records
// (wd, mask, cookie, len, name padded to 16 bytes); an event identical to the last one queued
// is dropped (inotify_merge); past max_queued_events one IN_Q_OVERFLOW (wd -1) ends the queue.
// A read returns whole events only (EINVAL when not even the first fits), EAGAIN or a sleep
// when there is none; poll says POLLIN while events wait; FIONREAD gives the queued bytes.
import type { Kernel } from "../../kernel/kernel.ts";
import { WaitQueue } from "../../kernel/wait-queue.ts";
import { anonInodeGetFile } from "../anon-inode.ts";
import { devMajor, devMinor, O_NONBLOCK } from "../constants.ts";
import { EAGAIN, EEXIST, EFAULT, EINVAL, ENOTTY } from "../errno.ts";
import { noLlseek, type File, type FileOperations } from "../file.ts";
import type { FsCtx, Inode } from "../inode.ts";
import type { IoIter } from "../iov.ts";
import { POLLIN, POLLRDNORM, pollWait, type PollTable } from "../poll.ts";
import { IN_ALL_EVENTS, IN_IGNORED, IN_ISDIR, IN_Q_OVERFLOW, IN_UNMOUNT, type FsnotifyMark } from "./fsnotify.ts";

export const IN_ONLYDIR = 0x01000000;
export const IN_DONT_FOLLOW = 0x02000000;
export const IN_EXCL_UNLINK = 0x04000000;
export const IN_MASK_CREATE = 0x10000000;
export const IN_MASK_ADD = 0x20000000;
export const IN_ONESHOT = 0x80000000;
export const ALL_INOTIFY_BITS = (IN_ALL_EVENTS | IN_UNMOUNT | IN_Q_OVERFLOW | IN_IGNORED | IN_ONLYDIR | IN_DONT_FOLLOW | IN_EXCL_UNLINK | IN_MASK_ADD | IN_MASK_CREATE | IN_ISDIR | IN_ONESHOT) >>> 0;
/** /proc/sys/fs/inotify/max_queued_events's default. */
export const MAX_QUEUED_EVENTS = 16384;
/**
 * /proc/sys/fs/inotify/max_user_watches: Linux sizes it from memory (1% of lowmem, 8192 to
 * 1048576); the kernel here sets no limit, so the largest Linux could have bounds an image.
 */
export const MAX_USER_WATCHES = 1048576;
const EVENT_SIZE = 16;
const FIONREAD = 0x541b;

export interface InotifyEvent {
  wd: number;
  mask: number;
  cookie: number;
  name: string | null;
}

/** The bytes one event takes in a read: the header and the name rounded up to 16 with NULs. */
const eventSize = (e: InotifyEvent): number => EVENT_SIZE + (e.name === null ? 0 : Math.ceil((Buffer.byteLength(e.name, "latin1") + 1) / EVENT_SIZE) * EVENT_SIZE);

/** One watch: an inotify_inode_mark. */
class InotifyMark implements FsnotifyMark {
  constructor(
    readonly group: InotifyGroup,
    readonly inode: Inode,
    readonly wd: number,
    public mask: number,
  ) {}

  handle(mask: number, name: string | null, cookie: number, unlinked: boolean): void {
    if ((this.mask & IN_EXCL_UNLINK) !== 0 && unlinked) return;
    this.group.queue({ wd: this.wd, mask: mask & (IN_ALL_EVENTS | IN_ISDIR) & (this.mask | IN_ISDIR), cookie, name });
    if ((this.mask & IN_ONESHOT) !== 0) this.group.destroyMark(this);
  }

  /** The inode went: the watch ends with IN_IGNORED, as inotify_freeing_mark queues it. */
  inodeGone(): void {
    this.group.destroyMark(this);
  }
}

/** An inotify instance (fsnotify_group with its inotify data). */
export class InotifyGroup {
  readonly events: InotifyEvent[] = [];
  readonly wq = new WaitQueue();
  readonly marks = new Map<number, InotifyMark>();
  /** idr_alloc_cyclic's cursor: the last wd handed out (checkpoint/restart carries it). */
  lastWd = 0;
  private overflowed = false;

  constructor(readonly k: Kernel) {}

  /**
   * fsnotify_insert_event with inotify_merge: a full queue (the overflow event counts) drops the
   * event and gets one IN_Q_OVERFLOW if it has none; otherwise a copy of the last event is dropped.
   */
  queue(e: InotifyEvent): void {
    if (this.events.length >= MAX_QUEUED_EVENTS) {
      if (this.overflowed) return;
      this.events.push({ wd: -1, mask: IN_Q_OVERFLOW, cookie: 0, name: null });
      this.overflowed = true;
      this.k.wakeAll(this.wq);
      return;
    }
    const last = this.events[this.events.length - 1];
    if (last !== undefined && last.wd === e.wd && last.mask === e.mask && last.cookie === e.cookie && last.name === e.name) return;
    this.events.push(e);
    this.k.wakeAll(this.wq);
  }

  /**
   * A restored instance: a watch with the wd it had (checkpoint/restart), before any event can
   * reach it. Returns false if the wd or the inode is watched already.
   */
  restoreWatch(inode: Inode, wd: number, mask: number): boolean {
    if (this.marks.has(wd) || inode.fsnotifyMarks?.some((m) => m instanceof InotifyMark && m.group === this) === true) return false;
    const m = new InotifyMark(this, inode, wd, mask);
    this.marks.set(wd, m);
    (inode.fsnotifyMarks ??= []).push(m);
    return true;
  }

  /** A restored instance's queue, as it was (no merging: it was merged when queued). */
  restoreEvents(events: readonly InotifyEvent[]): void {
    this.events.push(...events.map((e) => ({ ...e })));
    this.overflowed = this.events.some((e) => e.wd === -1 && e.mask === IN_Q_OVERFLOW);
  }

  /** The event at the head went to user space. */
  shift(): void {
    const e = this.events.shift();
    if (e?.mask === IN_Q_OVERFLOW && e.wd === -1) this.overflowed = false;
  }

  /** inotify_update_watch: add a watch on inode or change the group's existing one. Returns the wd or -errno. */
  updateWatch(inode: Inode, mask: number): number {
    const existing = inode.fsnotifyMarks?.find((m): m is InotifyMark => m instanceof InotifyMark && m.group === this);
    const bits = mask & (IN_ALL_EVENTS | IN_ONESHOT | IN_EXCL_UNLINK);
    if (existing !== undefined) {
      if ((mask & IN_MASK_CREATE) !== 0) return -EEXIST;
      existing.mask = (mask & IN_MASK_ADD) !== 0 ? existing.mask | bits : bits;
      return existing.wd;
    }
    const wd = ++this.lastWd;
    const m = new InotifyMark(this, inode, wd, bits);
    this.marks.set(wd, m);
    (inode.fsnotifyMarks ??= []).push(m);
    return wd;
  }

  /** fsnotify_destroy_mark: the watch goes; `ignored` queues its IN_IGNORED (not when the instance closes). */
  destroyMark(m: InotifyMark, ignored = true): void {
    if (this.marks.get(m.wd) !== m) return;
    this.marks.delete(m.wd);
    const list = m.inode.fsnotifyMarks;
    if (list !== null) {
      list.splice(list.indexOf(m), 1);
      if (list.length === 0) m.inode.fsnotifyMarks = null;
    }
    if (ignored) this.queue({ wd: m.wd, mask: IN_IGNORED, cookie: 0, name: null });
  }

  /** inotify_rm_watch. */
  rmWatch(wd: number): number {
    const m = this.marks.get(wd);
    if (m === undefined) return -EINVAL;
    this.destroyMark(m);
    return 0;
  }

  get queuedBytes(): number {
    return this.events.reduce((s, e) => s + eventSize(e), 0);
  }
}

export const groupOf = (f: File): InotifyGroup => f.priv as InotifyGroup;

function encode(e: InotifyEvent): Uint8Array {
  const b = new Uint8Array(eventSize(e));
  const dv = new DataView(b.buffer);
  dv.setInt32(0, e.wd, true);
  dv.setUint32(4, e.mask >>> 0, true);
  dv.setUint32(8, e.cookie >>> 0, true);
  dv.setUint32(12, b.length - EVENT_SIZE, true);
  if (e.name !== null) b.set(Buffer.from(e.name, "latin1"), EVENT_SIZE);
  return b;
}

function inotifyRead(c: FsCtx, f: File, to: IoIter): number {
  const g = groupOf(f);
  let done = 0;
  while (g.events.length > 0) {
    const bytes = encode(g.events[0]);
    if (bytes.length > to.remaining) {
      if (done === 0) return -EINVAL;
      break;
    }
    if (to.copyOut(bytes) !== bytes.length) return done > 0 ? done : -EFAULT;
    g.shift();
    done += bytes.length;
  }
  if (done > 0) return done;
  if ((f.flags & O_NONBLOCK) !== 0 || c.nonblock === true) return -EAGAIN;
  return c.k.sleep(c.t, g.wq);
}

function inotifyPoll(_c: FsCtx, f: File, pt: PollTable | null): number {
  const g = groupOf(f);
  pollWait(pt, g.wq);
  return g.events.length > 0 ? POLLIN | POLLRDNORM : 0;
}

function inotifyIoctl(c: FsCtx, f: File, cmd: number, arg: number): number {
  if (cmd !== FIONREAD) return -ENOTTY;
  return c.t.mm.writeU32(arg, groupOf(f).queuedBytes) ? 0 : -EFAULT;
}

/** inotify_release: every watch goes, with no IN_IGNORED (nobody can read it). */
function inotifyRelease(f: File): void {
  const g = groupOf(f);
  for (const m of [...g.marks.values()]) g.destroyMark(m, false);
  g.events.length = 0;
}

/** inotify_fdinfo: one line per watch (no file handle: tmpfs's is not modelled). */
function inotifyFdinfo(f: File): string {
  let s = "";
  for (const m of groupOf(f).marks.values()) {
    const dev = m.inode.sb.dev;
    const sdev = ((devMajor(dev) << 20) | devMinor(dev)) >>> 0;
    s += `inotify wd:${m.wd.toString(16)} ino:${m.inode.ino.toString(16)} sdev:${sdev.toString(16)} mask:${(m.mask >>> 0).toString(16)} ignored_mask:0\n`;
  }
  return s;
}

export const inotifyOps: FileOperations = {
  positional: false,
  read: inotifyRead,
  poll: inotifyPoll,
  ioctl: inotifyIoctl,
  llseek: noLlseek,
  release: inotifyRelease,
  fdinfo: inotifyFdinfo,
};

/** inotify_init1's file: "anon_inode:inotify", O_RDONLY as Linux opens it, with no events of its own. */
export function inotifyFile(k: Kernel, flags: number, createdAt: string): File {
  const f = anonInodeGetFile(k, "inotify", inotifyOps, new InotifyGroup(k), flags, createdAt);
  f.noNotify = true;
  return f;
}
