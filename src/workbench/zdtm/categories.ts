// Why a ZDTM test fails under cptbench exec, as a kernel area: the syscalls it got ENOSYS for, or
// words of its own failure message, matched against this table in order. The areas are those of
// issue 15's parallel work (sockets, poll/epoll, locks, FIFOs, prctl, POSIX timers, procfs), so
// the table shows what remains once those branches land. Data, not code: add a row, not a branch.
import type { RunOutcome } from "./protocol.ts";

export interface Category {
  area: string;
  /** Matched against the failure's reason and the outfile's last lines. */
  pattern: RegExp;
}

export const CATEGORIES: readonly Category[] = [
  { area: "oops (kernel bug)", pattern: /\boops\b/i },
  { area: "credentials: supplementary groups", pattern: /ENOSYS: [^;]*\b(setgroups|getgroups)\b|Can't set groups/ },
  { area: "credentials: capabilities, fsuid", pattern: /ENOSYS: [^;]*\b(capget|capset|setfsuid|setfsgid)\b/ },
  { area: "other address families (AF_INET/INET6, AF_PACKET, netlink: outside this wave)", pattern: /errno = 97\b|Address family not supported|EAFNOSUPPORT/ },
  { area: "AF_UNIX sockets", pattern: /ENOSYS: [^;]*\b(socket|socketpair|bind|listen|accept4?|connect|sendmsg|recvmsg|sendto|recvfrom|getsockopt|setsockopt|getsockname|getpeername|shutdown)\b/ },
  { area: "poll/select/epoll", pattern: /ENOSYS: [^;]*\b(ppoll_time64|pselect6_time64|epoll_\w+)\b/ },
  { area: "fd events (eventfd/timerfd/signalfd)", pattern: /ENOSYS: [^;]*\b(eventfd2|timerfd_\w+|signalfd4)\b/ },
  { area: "file locks", pattern: /ENOSYS: [^;]*\bflock\b|\bF_(OFD_)?SETLKW?\b|fcntl.*lock/i },
  { area: "FIFOs and nodes", pattern: /ENOSYS: [^;]*\bmknodat\b|mkfifo|fifo/i },
  { area: "POSIX timers", pattern: /ENOSYS: [^;]*\btimer_\w+/ },
  { area: "prctl", pattern: /ENOSYS: [^;]*\bprctl\b|prctl|dumpable/i },
  { area: "rlimits/rusage/sysinfo", pattern: /ENOSYS: [^;]*\b(prlimit64|getrusage|sysinfo|times)\b/ },
  { area: "System V IPC", pattern: /ENOSYS: [^;]*\b(shmget|shmat|semget|msgget|shmctl|semctl|msgctl)\b/ },
  { area: "inotify/fanotify", pattern: /ENOSYS: [^;]*\b(inotify_\w+|fanotify_\w+)\b/ },
  { area: "namespaces and mounts", pattern: /ENOSYS: [^;]*\b(unshare|setns|mount|umount2|pivot_root|chroot|open_tree|move_mount|fsopen)\b/ },
  { area: "ptrace", pattern: /ENOSYS: [^;]*\bptrace\b/ },
  { area: "AIO", pattern: /ENOSYS: [^;]*\bio_\w+/ },
  { area: "memfd/mremap/madvise", pattern: /ENOSYS: [^;]*\b(memfd_create|mremap|madvise|mincore|mlock\w*|remap_file_pages)\b/ },
  { area: "procfs", pattern: /\/proc\//i },
  { area: "other missing syscalls", pattern: /ENOSYS: / },
  { area: "timeout", pattern: /within \d+ (instructions|s)\b|sleeps forever/ },
];

/** The area of a failed outcome ("other: <reason>" when no row matches). */
export function categorize(o: RunOutcome): string {
  const text = [o.reason ?? "", ...(o.outTail ?? [])].join("\n");
  return CATEGORIES.find((c) => c.pattern.test(text))?.area ?? "other";
}
