// The event files of the CheckpointModel (issue 16): eventfd, timerfd, signalfd and epoll, each
// the state behind one open file, so each is a kind of FileTargetRecord and its file record is
// what fds and epoll items share. Nothing here points at a live object: an epoll item names the
// file it watches by file id (epoll registers a file, not an fd), and a timer's deadline is
// cycles left, as the model's other deadlines are.

/** One watched (file, fd) of an epoll set (struct epitem). */
export interface EpItemRecord {
  /** The fd number it was registered under (the key with the file; the fd may be closed since). */
  fd: number;
  /** The watched file, by id: a file that lives on through a dup keeps its items. */
  fileId: number;
  /**
   * The events of interest with EPOLLET/EPOLLONESHOT/EPOLLEXCLUSIVE, as a u32. A disarmed
   * one-shot item has only those private bits left (ep_send_events clears the others).
   */
  events: number;
  /** epoll_event.data, as a u64. */
  data: bigint;
}

export type EventFileTargetRecord =
  /** The counter and EFD_SEMAPHORE (O_NONBLOCK is in the file's flags, like every file's). */
  | { kind: "eventfd"; count: bigint; semaphore: boolean }
  /**
   * A timer on the virtual clock: CLOCK_REALTIME, MONOTONIC and BOOTTIME all run on it here, so
   * the cycles left carry every clock the same way. `expiryLeft` may be zero or negative: the
   * expiry had passed without the timer having fired yet, and a restart fires it at once,
   * counting the intervals missed. `ticks`: expirations not read yet.
   */
  | { kind: "timerfd"; clockid: number; settimeFlags: number; armed: boolean; expiryLeft: number; interval: number; ticks: number }
  /** The signals it takes; the signals themselves are in the tasks' pending sets. */
  | { kind: "signalfd"; mask: bigint }
  /**
   * The interest list in insertion order and the ready list as indices into it, oldest first:
   * what the next epoll_wait reports, and in which order.
   */
  | { kind: "epoll"; items: EpItemRecord[]; ready: number[] };

export type EventFileKind = EventFileTargetRecord["kind"];
export const EVENT_FILE_KINDS: readonly EventFileKind[] = ["eventfd", "timerfd", "signalfd", "epoll"];

/** The anon inode name each kind's file has ("anon_inode:[eventfd]" in /proc/<pid>/fd). */
export const EVENT_FILE_NAMES: Readonly<Record<EventFileKind, string>> = {
  eventfd: "[eventfd]", timerfd: "[timerfd]", signalfd: "[signalfd]", epoll: "[eventpoll]",
};

export const isEventTarget = (t: { kind: string }): t is EventFileTargetRecord => (EVENT_FILE_KINDS as readonly string[]).includes(t.kind);
