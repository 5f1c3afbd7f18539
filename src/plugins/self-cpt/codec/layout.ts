// The `ckpt` image layout, after Oren Laadan's linux-cr checkpoint stream (checkpoint_hdr.h): a
// sequence of records, each a `struct ckpt_hdr { u32 type; u32 len; }` and its payload. `len` is
// the whole record length, header included and padding excluded (as ckpt_hdr.h's h.len); every
// record starts on an 8-byte boundary, the gap filled with zeros (checked on read). Integers are
// little-endian on every host.
//
// Stream order:
//   CKPT_HDR_HEADER      magic, version, arch, page size, clock, kernel version, producer
//   CKPT_HDR_PIDNS_TREE  every pid namespace (one table: parents may come after children)
//   CKPT_HDR_TREE        every task id, in creation order (Oren's ckpt_hdr_tree): defines their objrefs
//   CKPT_HDR_CONTAINER   init task and namespace refs, object counts, tree root, freezer group
//   per task, in tree order: every shared object it uses and has not been written yet, then
//     CKPT_HDR_TASK, its CKPT_HDR_CPU, CKPT_HDR_RESTART_BLOCK and CKPT_HDR_SIGINFO children
//   the objects no task reaches (an orphan inode, an unused file), then CKPT_HDR_DENTRY records
//   CKPT_HDR_TAIL        magic and the CRC32 of every byte before it
//
// Run checksums (ours; header flag CKPT_F_RUN_CSUM): the trailer's CRC can only be checked at the
// end, so a streamed restart would have built its model from bytes nobody has checked yet.
// With the flag, the writer puts a CKPT_HDR_CSUM record where a run has reached RUN_BYTES
// (where it hands out chunks: between tasks and objects, never inside one) and one right before
// the trailer; each carries the CRC-32 of every byte of the stream before it (a running CRC, the same the trailer carries, so checking
// them costs the decoder nothing more than the trailer's CRC did). The decoder holds the records
// of a run undecoded until its CKPT_HDR_CSUM has matched, so nothing is built from bytes that fail.
// An image without the flag (written before the extension) is read as before.
//
// Page arrays (Oren's ckpt_hdr_pgarr): the pages of an object (an mm's private pages, a shmem
// segment's, a tmpfs inode's page cache) follow it as CKPT_HDR_PGARR records of at most
// CKPT_PGARR_MAX pages each: the count, the pages' indices, then their 4096 bytes each back to back.
// The parent announces how many pages it has in all, and its arrays must add up to exactly that.
// h.len decides how many pages an array holds (the nr_pages field must say the same), so a
// reader knows how much bulk follows before it takes memory for it. Format version 1 carried a
// CKPT_HDR_PAGE (403) per page: a 256 MiB guest made 65,536 records, and the decoder's work per
// record (a 4 KiB copy, a checksum call, a record object) bounded its restart at about 1.6 GB/s;
// an array's pages are copied into the restored frames' memory in runs, and their checksum
// handed to the CRC worker in runs of megabytes. Indices are strictly increasing within an array:
// the writer starts a new array where a model's pages are not, so any model can be written, and a
// page an mm lists twice is refused by the restore's checks (restore/validate.ts), as with cpt.
//
// Objhash: each shared object gets an objref (1, 2, 3... in stream order; 0 = none) in the record
// that defines it; later records name it by objref only. The decoder refuses a reference to an
// objref not yet defined, of the wrong kind, or an objref defined twice. Objects carry their
// model id and their slot (position in the model's list): they are written in first-use order,
// and the slot puts them back in the model's order.
//
// | type | name                 | payload (after the 8-byte ckpt_hdr)                                   | children
// |------|----------------------|-----------------------------------------------------------------------|---------
// |    1 | CKPT_HDR_HEADER      | u64 magic, u32 version, u32 arch, u32 page size, u32 flags, s64 clock, str uts, str producer |
// |    6 | CKPT_HDR_CONTAINER   | ref init task, ref pid ns, u32 counts[13] (COUNTED), pad, str treeRoot, str freezerGroup |
// |  100 | CKPT_HDR_PIDNS_TREE  | u32 n, pad; n x {objref, id, ref parent, u32 allocating, s64 lastPid} |
// |  101 | CKPT_HDR_TREE        | u32 n, pad; n x {objref, id}                                          |
// |  102 | CKPT_HDR_TASK        | objref, refs, state, flags, exit, signals, counters, str comm, freezer | CPU?, RESTART_BLOCK?, SIGINFO*
// |  105 | CKPT_HDR_RESTART_BLOCK | s64 code, flags, ref vfork child, deadline, done, str sig, entries  |
// |  107 | CKPT_HDR_CPU         | s32 x[32], u32 pc, u32 f[64] (lo, hi halves), u32 fcsr                |
// |  110 | CKPT_HDR_PID         | objref, slot, id, u32 n; n x {s64 nr, ref ns, pad}                    |
// |  111 | CKPT_HDR_CRED        | objref, slot, id, pad, s64 x 10, [ext: capInh, capBset, capAmb; then u32 n, n x u32 gid with the groups bit] |
// |  301 | CKPT_HDR_FILE_TABLE  | objref, slot, id, s64 maxFds, u32 n; n x {s64 fd, ref file, u32 cloexec} |
// |  304 | CKPT_HDR_FILE        | objref, slot, id, u32 kind, u32 ref/stream/pid, u32 n children (was pad: 0), s64 flags, s64 pos, str path | INOTIFY (an inotify file), then FILE_OWNER? FILE_LOCK* FILE_LEASE?
// |  305 | CKPT_HDR_FS          | objref, slot, id, u32 n dead (was pad: 0), s64 umask, str root, str cwd | FS_DEAD_DIR x n
// |  306 | CKPT_HDR_INODE       | objref, slot, id, kind, flags, n pages, s64 x 6, s64 times x 3, str x 2 | PGARR*, MEMFD if flag 4
// |  307 | CKPT_HDR_PIPE_BUF    | objref, slot, id, u32 n state (was pad: 0); the buffered bytes      | PIPE_STATE?
// |  308 | CKPT_HDR_DENTRY      | ref inode, pad, str path                                              |
// |  309 | CKPT_HDR_FS_DEAD_DIR (ours) | u32 version = 1, u32 which (0 root, 1 cwd), ref inode, pad: a removed directory the fs holds |
// |  330 | CKPT_HDR_PIPE_STATE (ours) | u32 version = 1, u32 ring pages (0: default), ref FIFO inode, pad  |
// |  331 | CKPT_HDR_FILE_OWNER (ours) | u32 version, type, ref pid, flags (1: fasync), s64 uid euid signal fasyncFd |
// |  332 | CKPT_HDR_FILE_LOCK (ours)  | u32 version, kind, type, owner files id (~0: none), ref pid, pad, s64 place start end |
// |  333 | CKPT_HDR_FILE_LEASE (ours) | u32 version, type, ref pid, pad, s64 place fasyncFd, [ext]        |
// |  340 | CKPT_HDR_INOTIFY (ours) | u32 version = 1, pad, s64 lastWd, u32 lastCookie, pad, u32 n watches, u32 k events; n x {s64 wd, ref inode, u32 mask}; k x {s64 wd, u32 mask, u32 cookie, u32 has name, str name} |
// |  341 | CKPT_HDR_MEMFD (ours) | u32 version = 1, u32 seals, str name: the inode before it is a memfd |
// |  350 | CKPT_HDR_TTY (ours)  | objref, slot, tty body (version 1, id, index, lock, slave owner, both ends: termios, winsize, state, pids by objref, buffers) |
// |  501 | CKPT_HDR_UNIX_SK (ours) | u32 version = 1, id, type, state, flags, shutdown, n skbs, peer id (0 none), u32 cred present, ref name inode, s64 ino uid gid err sndbuf rcvbuf reuse backlog, s64 cred pid uid gid, u32 addr len + bytes | UNIX_SKB x n
// |  502 | CKPT_HDR_UNIX_SKB (ours) | u32 bits, sender id, embryo id (0 none), n files, s64 consumed, s64 pid uid gid, n x ref file, u32 len + the bytes |
// |  320 | CKPT_HDR_EVENTFD (ours) | u32 version = 1, u32 semaphore, u64 count: after an eventfd's CKPT_HDR_FILE  |
// |  321 | CKPT_HDR_TIMERFD (ours) | u32 version = 1, clockid, settime flags, armed, s64 expiryLeft, interval, ticks |
// |  322 | CKPT_HDR_SIGNALFD (ours) | u32 version = 1, pad, u64 mask                                       |
// |  323 | CKPT_HDR_EPOLL (ours) | u32 version = 1, u32 n; n x {s64 fd, ref file, u32 events, u64 data, u32 ready rank + 1, pad} |
// |  401 | CKPT_HDR_MM          | objref, slot, id, n vmas, n pages, n cow refs, s64 x 4; n x {u32 vpn, ref cow page} | VMA*, PGARR*
// |  402 | CKPT_HDR_VMA         | kind, backing kind, ref backing, pad, s64 x 5, str path               |
// |  404 | CKPT_HDR_COW_PAGE    | objref, slot, u32 index (its id), pad; 4096 bytes                     |
// |  405 | CKPT_HDR_SHMEM       | objref, slot, id, n pages, s64 size                                   | PGARR*
// |  406 | CKPT_HDR_PGARR       | u32 nr_pages, pad, u32 index[nr_pages] (strictly increasing), pad to 8; nr_pages x 4096 bytes |
// |  601 | CKPT_HDR_SIGHAND     | objref, slot, id, u32 n, u32 k, pad; k x {u32 signo, pad, s64 handler, flags, restorer, u64 mask}: the k non-default of n |
// |  602 | CKPT_HDR_SIGNAL      | objref, slot, id, flags, refs leader/pgrp/session, n queue, exit, s64 x 7, u64 pending, [u32 n, n x {u64 cur, max} with G_RLIMITS], [ext: oomScoreAdj, oomScoreAdjMin, ttyId, dumpable, nextPosixTimerId; with the timers bit u32 n timers, pad] | SIGINFO*, POSIX_TIMER*
// |  603 | CKPT_HDR_SIGINFO     | u32 flags, u32 raw length, s64 x 8, raw bytes, [s64 timerId, overrun with flag bit 7] |
// |  120 | CKPT_HDR_POSIX_TIMER (ours) | u32 version = 1, u32 flags (1: its signal is queued), ref target task, pad, s64 id, clock, notify, signo, value, left, interval, overrunLast |
// | 9001 | CKPT_HDR_TAIL        | u64 magic, u32 crc32, pad                                             |
// | 9002 | CKPT_HDR_CSUM (ours) | u32 crc32 of every byte before this record, pad                       |
//
// [ext: ...]: optional fields, present only when one is set: u32 mask, pad, then an s64 for each
// bit of the mask in the order listed (CKPT_HDR_TASK's: loginuid, sessionid, robustList, nice,
// schedPolicy, schedPriority, cpusAllowed, atomicFlags, securebits, after freezerPath; CKPT_HDR_MM's:
// membarrierState, after its cow refs). An image of tasks that never set them has the bytes it had before they existed.
// Field kinds: u32/s32; s64 "num" (any safe integer); u64/s64 bigints (masks, ns times); str (u32
// byte length + UTF-8, unpadded); ref (u32 objref, 0 = null); pad (u32 zero, checked).

export const CKPT_HDR_SIZE = 8;
export const CKPT_ALIGN = 8;
export const CKPT_PAGE_SIZE = 4096;

/** checkpoint_hdr.h's CHECKPOINT_MAGIC_HEAD and _TAIL. */
export const CHECKPOINT_MAGIC_HEAD = 0x00feed0cc0a2d200n;
export const CHECKPOINT_MAGIC_TAIL = 0x002d2a0cc0eefe00n;
/**
 * This format's version; a reader refuses any other (ImageCodec.formatVersion: one version read and
 * written). 2: page arrays (CKPT_HDR_PGARR) in place of version 1's record per page.
 */
export const CKPT_VERSION = 2;
/** Ours: linux-cr numbered only the architectures it ran on, never RISC-V. */
export const CKPT_ARCH_RISCV32 = 0x5253_0032;
export const KNOWN_ARCHES: Readonly<Record<number, string>> = { [CKPT_ARCH_RISCV32]: "riscv32" };
/** The kernel version string of the header (uts release + machine in linux-cr). */
export const CKPT_UTS = "cptbench 0.1.0 riscv32";

export const CKPT_HDR_HEADER = 1;
export const CKPT_HDR_CONTAINER = 6;
export const CKPT_HDR_PIDNS_TREE = 100;
export const CKPT_HDR_TREE = 101;
export const CKPT_HDR_TASK = 102;
export const CKPT_HDR_RESTART_BLOCK = 105;
export const CKPT_HDR_CPU = 107;
export const CKPT_HDR_PID = 110;
export const CKPT_HDR_CRED = 111;
export const CKPT_HDR_FILE_TABLE = 301;
export const CKPT_HDR_FILE = 304;
export const CKPT_HDR_FS = 305;
export const CKPT_HDR_INODE = 306;
export const CKPT_HDR_PIPE_BUF = 307;
export const CKPT_HDR_DENTRY = 308;
/** Ours: a removed root or cwd of the CKPT_HDR_FS before it (versioned on its own). */
export const CKPT_HDR_FS_DEAD_DIR = 309;
export const CKPT_FS_DEAD_DIR_VERSION = 1;
/** Ours: an inotify file's instance, the child of its CKPT_HDR_FILE (versioned on its own). */
export const CKPT_HDR_INOTIFY = 340;
export const CKPT_INOTIFY_VERSION = 1;
/** Ours: a memfd's name and seals, after its CKPT_HDR_INODE's pages (versioned on its own). */
export const CKPT_HDR_MEMFD = 341;
export const CKPT_MEMFD_VERSION = 1;
/** Ours: a pty pair (core/cr/tty-wire.ts body, versioned on its own). */
export const CKPT_HDR_TTY = 350;
/** Ours: an AF_UNIX socket (only in images of containers that have one), versioned on its own. */
export const CKPT_HDR_UNIX_SK = 501;
export const CKPT_HDR_UNIX_SKB = 502;
export const CKPT_UNIX_SK_VERSION = 1;
/** Ours (objects-file-state.ts): children of CKPT_HDR_PIPE_BUF and CKPT_HDR_FILE, versioned on their own. */
export const CKPT_HDR_PIPE_STATE = 330;
export const CKPT_HDR_FILE_OWNER = 331;
export const CKPT_HDR_FILE_LOCK = 332;
export const CKPT_HDR_FILE_LEASE = 333;
export const CKPT_FILE_STATE_VERSION = 1;
/**
 * Ours (issue 16): the state of the event file whose CKPT_HDR_FILE comes just before, one record
 * per event file, each beginning with its version. The files an epoll's items name are defined
 * before that CKPT_HDR_FILE (the encoder writes them first), so its objrefs point backwards.
 */
export const CKPT_HDR_EVENTFD = 320;
export const CKPT_HDR_TIMERFD = 321;
export const CKPT_HDR_SIGNALFD = 322;
export const CKPT_HDR_EPOLL = 323;
export const CKPT_EVENT_FILE_VERSION = 1;
/** One epoll item in CKPT_HDR_EPOLL: s64 fd, ref file, u32 events, u64 data, u32 ready rank + 1 (0: not ready), pad. */
export const EPITEM_SIZE = 32;
export const CKPT_HDR_MM = 401;
export const CKPT_HDR_VMA = 402;
export const CKPT_HDR_COW_PAGE = 404;
export const CKPT_HDR_SHMEM = 405;
/** Oren's ckpt_hdr_pgarr, its pages inline (403 was version 1's CKPT_HDR_PAGE: not reused). */
export const CKPT_HDR_PGARR = 406;
export const CKPT_HDR_SIGHAND = 601;
export const CKPT_HDR_SIGNAL = 602;
export const CKPT_HDR_SIGINFO = 603;
/** Ours: a POSIX timer of the CKPT_HDR_SIGNAL before it, after that group's siginfo children (versioned on its own). */
export const CKPT_HDR_POSIX_TIMER = 120;
export const CKPT_POSIX_TIMER_VERSION = 1;
export const CKPT_HDR_TAIL = 9001;
export const CKPT_HDR_CSUM = 9002;

/** CKPT_HDR_HEADER flags (ours): the stream carries CKPT_HDR_CSUM records. */
export const CKPT_F_RUN_CSUM = 1;
export const CKPT_FLAGS_KNOWN = CKPT_F_RUN_CSUM;
/** About how many bytes a run holds before its CKPT_HDR_CSUM: what a restart holds unchecked. */
export const RUN_BYTES = 256 * 1024;

const KiB = 1024;
const MiB = 1024 * KiB;
/** Linux's default /proc/sys/fs/pipe-max-size: no pipe holds more. */
export const PIPE_MAX = MiB;
/** Bound on any record holding strings or lists: what a lying len may make the decoder buffer. */
const VAR_MAX = MiB;
/** Bound on the two tables (pid namespaces, tasks): 16 MiB is about 2 million tasks. */
const TABLE_MAX = 16 * MiB;

/** Rounds up to the next multiple of 8 (arithmetic, not `& ~7`: streams may pass 2 GiB). */
export const align8 = (n: number): number => Math.ceil(n / CKPT_ALIGN) * CKPT_ALIGN;

/**
 * Most pages one CKPT_HDR_PGARR holds: 1 MiB of data, a frame-pool slab (the runs a restart
 * copies into are at most that long). A bigger array saves a header per MiB and nothing else:
 * 1,024 (4 MiB) restarted a 256 MiB guest no faster, within the noise (alternated runs,
 * 2026-12-07: 2,341-2,568 against 2,244-2,526 MiB/s).
 */
export const CKPT_PGARR_MAX = 256;
/** The head of a CKPT_HDR_PGARR of n pages: u32 nr_pages, pad, n u32 indices padded to 8. */
export const pgarrHead = (n: number): number => 8 + align8(4 * n);
/** How many pages a CKPT_HDR_PGARR payload of `plen` bytes holds; 0 if no page array is that long. */
export function pgarrPages(plen: number): number {
  const n = Math.floor((plen - 8) / (CKPT_PAGE_SIZE + 4));
  return n >= 1 && pgarrHead(n) + n * CKPT_PAGE_SIZE === plen ? n : 0;
}

/**
 * What the decoder checks of a record's len before it reads the payload: payload length bounds,
 * and where bulk bytes (page data, pipe contents) start: those are taken as views or copied,
 * never parsed. A page array's bulk starts where its len says (pgarrPages).
 */
export interface RecordSpec {
  readonly name: string;
  readonly min: number;
  readonly max: number;
  readonly bulkFrom?: number;
  readonly pageArray?: true;
}

const fixed = (name: string, n: number): RecordSpec => ({ name, min: n, max: n });
/** The optional fields after a record's fixed ones (core/cr/model.ts writeExt): mask, pad, n nums. */
const extSize = (n: number): number => 8 + n * 8;
const variable = (name: string, min: number, max = VAR_MAX): RecordSpec => ({ name, min, max });

export const CPU_SIZE = (32 + 1 + 64 + 1) * 4;
export const EXIT_SIZE = 24;
export const TASK_FIXED = 14 * 4 + EXIT_SIZE + 12 * 8;
export const SIGNAL_FIXED = 8 * 4 + EXIT_SIZE + 8 * 8;
export const SIGINFO_FIXED = 8 + 8 * 8;
export const MM_FIXED = 6 * 4 + 4 * 8;
export const COW_PAGE_HEAD = 16;
export const PIPE_HEAD = 16;

/** Payload specs by record type; an unknown type is refused before its payload is read. */
export const RECORDS: ReadonlyMap<number, RecordSpec> = new Map([
  [CKPT_HDR_HEADER, variable("CKPT_HDR_HEADER", 32 + 8, 64 * KiB)],
  [CKPT_HDR_CONTAINER, variable("CKPT_HDR_CONTAINER", 8 + 13 * 4 + 8)],
  [CKPT_HDR_PIDNS_TREE, variable("CKPT_HDR_PIDNS_TREE", 8, TABLE_MAX)],
  [CKPT_HDR_TREE, variable("CKPT_HDR_TREE", 8, TABLE_MAX)],
  [CKPT_HDR_TASK, variable("CKPT_HDR_TASK", TASK_FIXED + 8)],
  [CKPT_HDR_RESTART_BLOCK, variable("CKPT_HDR_RESTART_BLOCK", 40)],
  [CKPT_HDR_CPU, fixed("CKPT_HDR_CPU", CPU_SIZE)],
  [CKPT_HDR_PID, variable("CKPT_HDR_PID", 16)],
  // The extension may end with supplementary groups: u32 n and n gids (at most NGROUPS_MAX).
  [CKPT_HDR_CRED, variable("CKPT_HDR_CRED", 16 + 10 * 8, 16 + 10 * 8 + extSize(3) + 4 + 4 * 65536)],
  [CKPT_HDR_FILE_TABLE, variable("CKPT_HDR_FILE_TABLE", 24)],
  [CKPT_HDR_FILE, variable("CKPT_HDR_FILE", 40 + 4)],
  [CKPT_HDR_FS, variable("CKPT_HDR_FS", 24 + 8)],
  [CKPT_HDR_INODE, variable("CKPT_HDR_INODE", 24 + 9 * 8 + 8)],
  [CKPT_HDR_PIPE_BUF, { name: "CKPT_HDR_PIPE_BUF", min: PIPE_HEAD, max: PIPE_HEAD + PIPE_MAX, bulkFrom: PIPE_HEAD }],
  [CKPT_HDR_DENTRY, variable("CKPT_HDR_DENTRY", 12)],
  [CKPT_HDR_FS_DEAD_DIR, fixed("CKPT_HDR_FS_DEAD_DIR", 16)],
  [CKPT_HDR_INOTIFY, variable("CKPT_HDR_INOTIFY", 32, 8 * MiB)],
  [CKPT_HDR_MEMFD, variable("CKPT_HDR_MEMFD", 12, 12 + 2 * 249)],
  // objref, slot, the body's 32-byte head, two ends of at least 120 bytes; each end's buffers at most
  // 4095 + 4095 + 65536 bytes (padded): well under VAR_MAX.
  [CKPT_HDR_TTY, variable("CKPT_HDR_TTY", 8 + 32 + 2 * 120)],
  // The address is at most a sockaddr_un (110 bytes).
  [CKPT_HDR_UNIX_SK, variable("CKPT_HDR_UNIX_SK", 40 + 8 * 8 + 3 * 8 + 4, 40 + 8 * 8 + 3 * 8 + 4 + 110)],
  // An skb holds at most half of the largest send buffer (2 x wmem_max), and SCM_MAX_FD files.
  [CKPT_HDR_UNIX_SKB, variable("CKPT_HDR_UNIX_SKB", 16 + 4 * 8 + 4, 16 + 4 * 8 + 253 * 4 + 4 + 2 * 212992)],
  [CKPT_HDR_PIPE_STATE, fixed("CKPT_HDR_PIPE_STATE", 16)],
  [CKPT_HDR_FILE_OWNER, fixed("CKPT_HDR_FILE_OWNER", 16 + 4 * 8)],
  [CKPT_HDR_FILE_LOCK, fixed("CKPT_HDR_FILE_LOCK", 24 + 3 * 8)],
  // A lease being broken adds its times left (LEASE_EXT).
  [CKPT_HDR_FILE_LEASE, variable("CKPT_HDR_FILE_LEASE", 16 + 2 * 8, 16 + 2 * 8 + extSize(2))],
  [CKPT_HDR_EVENTFD, fixed("CKPT_HDR_EVENTFD", 16)],
  [CKPT_HDR_TIMERFD, fixed("CKPT_HDR_TIMERFD", 16 + 3 * 8)],
  [CKPT_HDR_SIGNALFD, fixed("CKPT_HDR_SIGNALFD", 16)],
  [CKPT_HDR_EPOLL, variable("CKPT_HDR_EPOLL", 8)],
  [CKPT_HDR_MM, variable("CKPT_HDR_MM", MM_FIXED)],
  [CKPT_HDR_VMA, variable("CKPT_HDR_VMA", 16 + 5 * 8 + 4)],
  [CKPT_HDR_PGARR, {
    name: "CKPT_HDR_PGARR", min: pgarrHead(1) + CKPT_PAGE_SIZE, max: pgarrHead(CKPT_PGARR_MAX) + CKPT_PGARR_MAX * CKPT_PAGE_SIZE, pageArray: true,
  }],
  [CKPT_HDR_COW_PAGE, { ...fixed("CKPT_HDR_COW_PAGE", COW_PAGE_HEAD + CKPT_PAGE_SIZE), bulkFrom: COW_PAGE_HEAD }],
  [CKPT_HDR_SHMEM, fixed("CKPT_HDR_SHMEM", 24)],
  [CKPT_HDR_SIGHAND, variable("CKPT_HDR_SIGHAND", 24)],
  // With G_RLIMITS: u32 n and n x {u64 cur, u64 max} (RLIM_NLIMITS of them) before the extension.
  // With POSIX timers the extension ends with u32 n, pad.
  [CKPT_HDR_SIGNAL, variable("CKPT_HDR_SIGNAL", SIGNAL_FIXED, SIGNAL_FIXED + 4 + 16 * 16 + extSize(5) + 8)],
  // A timer's siginfo ends with timerId and overrun.
  [CKPT_HDR_SIGINFO, variable("CKPT_HDR_SIGINFO", SIGINFO_FIXED, SIGINFO_FIXED + 64 * KiB + 16)],
  [CKPT_HDR_POSIX_TIMER, fixed("CKPT_HDR_POSIX_TIMER", 16 + 8 * 8)],
  [CKPT_HDR_TAIL, fixed("CKPT_HDR_TAIL", 16)],
  [CKPT_HDR_CSUM, fixed("CKPT_HDR_CSUM", 8)],
]);

export const recordName = (type: number): string => RECORDS.get(type)?.name ?? `unknown record type ${type}`;


/** The shared-object kinds of the objhash, for reference checks and messages. */
export type ObjKind =
  | "pid namespace" | "task" | "pid" | "cred" | "sighand" | "thread group" | "mm" | "cow page" | "shmem"
  | "inode" | "pipe" | "file" | "files" | "fs" | "tty";

/** The order of CKPT_HDR_CONTAINER's counts: how many objects each model list holds. */
export const COUNTED = [
  "pids", "threadGroups", "sighands", "creds", "mms", "cowPages", "shmem", "inodes", "tree", "pipes", "files",
  "fdTables", "fsContexts",
] as const;
export type CountedList = (typeof COUNTED)[number];
