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
// |  304 | CKPT_HDR_FILE        | objref, slot, id, u32 kind, u32 ref/stream, pad, s64 flags, s64 pos, str path |
// |  305 | CKPT_HDR_FS          | objref, slot, id, u32 n dead (was pad: 0), s64 umask, str root, str cwd | FS_DEAD_DIR x n
// |  306 | CKPT_HDR_INODE       | objref, slot, id, kind, flags, n pages, s64 x 6, s64 times x 3, str x 2 | PAGE*
// |  307 | CKPT_HDR_PIPE_BUF    | objref, slot, id, pad; the buffered bytes                            |
// |  308 | CKPT_HDR_DENTRY      | ref inode, pad, str path                                              |
// |  309 | CKPT_HDR_FS_DEAD_DIR (ours) | u32 version = 1, u32 which (0 root, 1 cwd), ref inode, pad: a removed directory the fs holds |
// |  320 | CKPT_HDR_EVENTFD (ours) | u32 version = 1, u32 semaphore, u64 count: after an eventfd's CKPT_HDR_FILE  |
// |  321 | CKPT_HDR_TIMERFD (ours) | u32 version = 1, clockid, settime flags, armed, s64 expiryLeft, interval, ticks |
// |  322 | CKPT_HDR_SIGNALFD (ours) | u32 version = 1, pad, u64 mask                                       |
// |  323 | CKPT_HDR_EPOLL (ours) | u32 version = 1, u32 n; n x {s64 fd, ref file, u32 events, u64 data, u32 ready rank + 1, pad} |
// |  401 | CKPT_HDR_MM          | objref, slot, id, n vmas, n pages, n cow refs, s64 x 4; n x {u32 vpn, ref cow page} | VMA*, PAGE*
// |  402 | CKPT_HDR_VMA         | kind, backing kind, ref backing, pad, s64 x 5, str path               |
// |  403 | CKPT_HDR_PAGE        | u32 index, pad; 4096 bytes                                            |
// |  404 | CKPT_HDR_COW_PAGE    | objref, slot, u32 index (its id), pad; 4096 bytes                     |
// |  405 | CKPT_HDR_SHMEM       | objref, slot, id, n pages, s64 size                                   | PAGE*
// |  601 | CKPT_HDR_SIGHAND     | objref, slot, id, u32 n, u32 k, pad; k x {u32 signo, pad, s64 handler, flags, restorer, u64 mask}: the k non-default of n |
// |  602 | CKPT_HDR_SIGNAL      | objref, slot, id, flags, refs leader/pgrp/session, n queue, exit, s64 x 7, u64 pending, [u32 n, n x {u64 cur, max} with G_RLIMITS], [ext: oomScoreAdj, oomScoreAdjMin] | SIGINFO*
// |  603 | CKPT_HDR_SIGINFO     | u32 flags, u32 raw length, s64 x 8, raw bytes                         |
// | 9001 | CKPT_HDR_TAIL        | u64 magic, u32 crc32, pad                                             |
// | 9002 | CKPT_HDR_CSUM (ours) | u32 crc32 of every byte before this record, pad                       |
//
// [ext: ...]: optional fields, present only when one is set: u32 mask, pad, then an s64 for each
// bit of the mask in the order listed (CKPT_HDR_TASK's: loginuid, sessionid, robustList, after
// freezerPath). An image of tasks that never set them has the bytes it had before they existed.
// Field kinds: u32/s32; s64 "num" (any safe integer); u64/s64 bigints (masks, ns times); str (u32
// byte length + UTF-8, unpadded); ref (u32 objref, 0 = null); pad (u32 zero, checked).

export const CKPT_HDR_SIZE = 8;
export const CKPT_ALIGN = 8;
export const CKPT_PAGE_SIZE = 4096;

/** checkpoint_hdr.h's CHECKPOINT_MAGIC_HEAD and _TAIL. */
export const CHECKPOINT_MAGIC_HEAD = 0x00feed0cc0a2d200n;
export const CHECKPOINT_MAGIC_TAIL = 0x002d2a0cc0eefe00n;
/** This format's version; a reader refuses any other (there is no older one to read). */
export const CKPT_VERSION = 1;
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
export const CKPT_HDR_PAGE = 403;
export const CKPT_HDR_COW_PAGE = 404;
export const CKPT_HDR_SHMEM = 405;
export const CKPT_HDR_SIGHAND = 601;
export const CKPT_HDR_SIGNAL = 602;
export const CKPT_HDR_SIGINFO = 603;
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

/**
 * What the decoder checks of a record's len before it reads the payload: payload length bounds,
 * and where bulk bytes (page data, pipe contents) start: those are taken as views, never parsed.
 */
export interface RecordSpec {
  readonly name: string;
  readonly min: number;
  readonly max: number;
  readonly bulkFrom?: number;
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
export const PAGE_HEAD = 8;
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
  [CKPT_HDR_EVENTFD, fixed("CKPT_HDR_EVENTFD", 16)],
  [CKPT_HDR_TIMERFD, fixed("CKPT_HDR_TIMERFD", 16 + 3 * 8)],
  [CKPT_HDR_SIGNALFD, fixed("CKPT_HDR_SIGNALFD", 16)],
  [CKPT_HDR_EPOLL, variable("CKPT_HDR_EPOLL", 8)],
  [CKPT_HDR_MM, variable("CKPT_HDR_MM", MM_FIXED)],
  [CKPT_HDR_VMA, variable("CKPT_HDR_VMA", 16 + 5 * 8 + 4)],
  [CKPT_HDR_PAGE, { ...fixed("CKPT_HDR_PAGE", PAGE_HEAD + CKPT_PAGE_SIZE), bulkFrom: PAGE_HEAD }],
  [CKPT_HDR_COW_PAGE, { ...fixed("CKPT_HDR_COW_PAGE", COW_PAGE_HEAD + CKPT_PAGE_SIZE), bulkFrom: COW_PAGE_HEAD }],
  [CKPT_HDR_SHMEM, fixed("CKPT_HDR_SHMEM", 24)],
  [CKPT_HDR_SIGHAND, variable("CKPT_HDR_SIGHAND", 24)],
  // With G_RLIMITS: u32 n and n x {u64 cur, u64 max} (RLIM_NLIMITS of them) before the extension.
  [CKPT_HDR_SIGNAL, variable("CKPT_HDR_SIGNAL", SIGNAL_FIXED, SIGNAL_FIXED + 4 + 16 * 16 + extSize(2))],
  [CKPT_HDR_SIGINFO, variable("CKPT_HDR_SIGINFO", SIGINFO_FIXED, SIGINFO_FIXED + 64 * KiB)],
  [CKPT_HDR_TAIL, fixed("CKPT_HDR_TAIL", 16)],
  [CKPT_HDR_CSUM, fixed("CKPT_HDR_CSUM", 8)],
]);

export const recordName = (type: number): string => RECORDS.get(type)?.name ?? `unknown record type ${type}`;

/** Rounds up to the next multiple of 8 (arithmetic, not `& ~7`: streams may pass 2 GiB). */
export const align8 = (n: number): number => Math.ceil(n / CKPT_ALIGN) * CKPT_ALIGN;

/** The shared-object kinds of the objhash, for reference checks and messages. */
export type ObjKind =
  | "pid namespace" | "task" | "pid" | "cred" | "sighand" | "thread group" | "mm" | "cow page" | "shmem"
  | "inode" | "pipe" | "file" | "files" | "fs";

/** The order of CKPT_HDR_CONTAINER's counts: how many objects each model list holds. */
export const COUNTED = [
  "pids", "threadGroups", "sighands", "creds", "mms", "cowPages", "shmem", "inodes", "tree", "pipes", "files",
  "fdTables", "fsContexts",
] as const;
export type CountedList = (typeof COUNTED)[number];
