// The `cpt` image layout, after OpenVZ's include/linux/cpt_image.h. Numbers and names are
// cpt_image.h's where it has them; everything marked "ours" is a cptbench addition (OpenVZ had
// no riscv32, kept creds and pids inside the task image, pipes inside inodes).
//
// Every integer is little-endian whatever the host (DataView with littleEndian = true), and
// every object starts on an 8-byte boundary (cpt_image.h's __cpt_aligned).
//
// File:
//   cpt_major_hdr (80 bytes)
//   sections, each exactly once, in SECTION_ORDER: cpt_section_hdr (16 bytes, 24 with CRCs) + objects
//   cpt_major_tail (352 bytes): a CPT_OBJ_TRAILER object indexing the sections by id
//
// Section checksums (ours, a flagged extension): OpenVZ's format has no checksum at all, so a
// flipped bit in page data or a register is a different, valid image. With CPT_IMG_SECTION_CRC
// set in cpt_cptbench_flags (byte 10, OpenVZ's __cpt_pad1, which its reader ignores), every
// section header is 24 bytes: the 16 of cpt_section_hdr, then u32 cpt_crc32 and u32 pad = 0.
// OpenVZ's reader skips a section header by its cpt_hdrlen, so it still reads such an image;
// cptbench's reader still accepts an image without the flag (then every header is 16 bytes).
// cpt_crc32 is the CRC-32 (zlib's) of every byte from the end of the previous section (byte 0
// for the first, so the major header is covered) to the end of this section, the 4 bytes of
// cpt_crc32 itself left out. Together the CRCs cover every byte before the tail; the tail holds
// nothing but values the reader checks exactly (section offsets, counts, signature, zeros).
//
// cpt_major_hdr               cpt_section_hdr             cpt_object_hdr
//   0 u8[4] cpt_signature        0 u64 cpt_next (whole      0 u64 cpt_next (whole object,
//   4 u16 cpt_hdrlen = 80              section, hdr incl.)         sub-objects and data incl.)
//   6 u16 cpt_image_version      8 u32 cpt_section          8 u32 cpt_object
//   8 u16 cpt_os_arch           12 u16 cpt_hdrlen = 16     12 u16 cpt_hdrlen (hdr + fields)
//  10 u16 cpt_cptbench_flags   14 u16 cpt_align = 8       14 u16 cpt_content
//         (ours; OpenVZ's      [16 u32 cpt_crc32 (ours)
//         __cpt_pad1)           20 u32 pad = 0]: with CPT_IMG_SECTION_CRC, cpt_hdrlen = 24
//  12 u32 cpt_ve_features = 0
//  16 u32 cpt_ve_features2 = 0   An object is its header, its fields (up to cpt_hdrlen), then,
//  20 u16 cpt_pagesize = 4096    from the next 8-byte boundary, its content: sub-objects
//  22 u16 cpt_hz = 0             (CPT_CONTENT_ARRAY), raw bytes (CPT_CONTENT_DATA) or nothing
//  24 u64 cpt_start_jiffies64    (CPT_CONTENT_VOID). cpt_next is a multiple of 8.
//         = meta.clock (cycles)
//  32 u32 start_sec, start_nsec, cpu_caps[4], kernel_config[4] = 0; 72 u64 iptables_mask = 0
//
// cpt_major_tail: object hdr (CPT_OBJ_TRAILER, hdrlen 344, VOID), u32 cpt_lazypages = 0,
//   u32 cpt_64bit = 0, u64 cpt_sections[CPT_SECT_MAX_INDEX] (offset of each section header by
//   section id, CPT_NULL for ids not in the image), u32 cpt_nsect, u8[4] cpt_signature.
//
// Field kinds inside objects: u32 (ids; references use CPT_NOINDEX for null), s32/u32 (registers),
// num (s64: any safe integer, so signedness never matters), u64/s64 (bigint masks, ns times),
// str (u32 byte length + UTF-8 bytes), flags (u32 presence/boolean bits).
//
// | section (id)                 | object (type)              | fields / content
// |------------------------------|----------------------------|---------------------------------
// | CPT_SECT_VEINFO (1)          | CPT_OBJ_VEINFO (1042)      | initTask u32, pidNs u32, treeRoot str, freezerGroup str, producer str
// | CPT_SECT_NAMESPACE (10)      | CPT_OBJ_NAMESPACE (10)     | id, parent u32|NOINDEX, flags(allocating) u32, pad u32, lastPid num
// | CPT_SECT_PIDS (34, ours)     | CPT_OBJ_PID (8192, ours)   | id, n u32, n x {number num, nsId u32, pad u32}
// | CPT_SECT_CREDS (35, ours)    | CPT_OBJ_CRED (8193, ours)  | id, uid euid suid fsuid gid egid sgid fsgid capEff capPerm (num) [ext: capInh capBset capAmb]
// | CPT_SECT_SIGHAND_STRUCT (7)  | CPT_OBJ_SIGHAND_STRUCT (5) | id, table size u32, n u32; ARRAY of n CPT_OBJ_SIGHANDLER (1026), set actions only: signo u32, pad, handler flags restorer num, mask u64
// | CPT_SECT_SIGNAL (36, ours)   | CPT_OBJ_SIGNAL_STRUCT (6)  | ids, flags, exit status, itimers, shared pending [ext: oomScoreAdj oomScoreAdjMin ttyId dumpable
// |                              |                            |   nextPosixTimerId; with the timers bit u32 n, pad]; ARRAY of CPT_OBJ_SIGINFO (1027) [timerId overrun
// |                              |                            |   after the raw bytes with presence bit 7], then n CPT_OBJ_POSIX_TIMER (8230, ours)
// | CPT_SECT_INODE (12)          | CPT_OBJ_INODE (12)         | id kind mode uid gid nlink size, a/m/ctime s64, target str; ARRAY: one CPT_OBJ_PAGES
// |                              |                            |   [+ CPT_OBJ_MEMFD (8241, ours) for a memfd: version u32 = 1, seals u32, name str]
// | CPT_SECT_TREE (37, ours)     | CPT_OBJ_DENTRY (8194, ours)| inodeId u32, path str
// | CPT_SECT_SYSV_SHM (13)       | CPT_OBJ_SYSV_SHM (11)      | id, size num; ARRAY: one CPT_OBJ_PAGES
// | CPT_SECT_PIPES (38, ours)    | CPT_OBJ_PIPE (8195, ours)  | id, len u32 [ext: sizePages fifo inodeId]; DATA: the buffered bytes
// | CPT_SECT_TTY (46, ours,      | CPT_OBJ_TTY (8250, ours)   | id, pad; DATA: version u32 = 1, id, index, lock, slave uid gid mode, pad, then per end
// |   optional, not in the tail) |                            |   (master, slave): termios, winsize, state, canon/column nums, session pgrp, buffers
// | CPT_SECT_FILES (2)           | CPT_OBJ_FILE (4)           | id, flags pos num, target kind u32, ref u32 (inode, pipe, stream, tty, socket, pid), path str;
// |                              |                            |   VOID, or ARRAY: first an inotify file's CPT_OBJ_INOTIFY (8240, ours: version, lastWd,
// |                              |                            |   watches, queued events) or an event file's state: CPT_OBJ_EVENTFD (8210, ours) version,
// |                              |                            |   semaphore u32, count u64 | CPT_OBJ_TIMERFD (8211) version, clockid, settime flags, armed u32,
// |                              |                            |   expiryLeft interval ticks num | CPT_OBJ_SIGNALFD (8212) version, pad, mask u64 | CPT_OBJ_EPOLL
// |                              |                            |   (8213) version, n u32; ARRAY of n CPT_OBJ_EPITEM (8214): fd num, file u32, events u32, data u64,
// |                              |                            |   ready rank u32|NOINDEX, pad; then an owner, locks or a lease: CPT_OBJ_FILE_OWNER / _LOCK / _LEASE (8220-8222, ours)
// | CPT_SECT_FILES_STRUCT (5)    | CPT_OBJ_FILES (3)          | id, maxFds num, n; ARRAY of n CPT_OBJ_FILEDESC (1025): fd num, file u32, flags u32
// | CPT_SECT_FS (6)              | CPT_OBJ_FS (2)             | id, umask num, root str, cwd str; VOID, or with a removed
// |                              |                            |   root/cwd ARRAY of CPT_OBJ_FS_DEAD_DIR (8199, ours): version u32 = 1, which u32, inode u32, pad
// | CPT_SECT_SOCKET (41)         | CPT_OBJ_SOCKET (8200, ours)| only when the container has AF_UNIX sockets (not indexed by the tail: see
// |                              |                            |   CPT_SECT_SOCKET): id, version u32 = 1, type state flags shutdown u32, ino uid gid err
// |                              |                            |   sndbuf rcvbuf reuse backlog num, peer ref, peer cred (u32 present, pid uid gid num),
// |                              |                            |   name inode ref, n skbs u32, addr len u32 + bytes; ARRAY of n CPT_OBJ_SKB (8201, ours):
// |                              |                            |   bits u32, sender ref, embryo ref, consumed num, cred (pid uid gid num), n files u32 +
// |                              |                            |   n file refs, len u32; DATA: the skb's bytes
// | CPT_SECT_COW_PAGES (39, ours)| CPT_OBJ_PAGES (4098)       | one object: the pages shared copy-on-write, index = page id
// | CPT_SECT_MM (4)              | CPT_OBJ_MM (1)             | id, brk/stack/mmap num, n [ext: membarrierState]; ARRAY of n CPT_OBJ_VMA (1024) + one CPT_OBJ_PAGES
// |                              |                            |   + one CPT_OBJ_COW_REFS (8198, ours): n u32, pad, n x {vpn u32, page id u32}
// | CPT_SECT_TASKS (3)           | CPT_OBJ_TASK (0)           | ids, state, signals, counters, comm... [ext: loginuid sessionid robustList nice schedPolicy
// |                              |                            |   schedPriority cpusAllowed atomicFlags securebits]; ARRAY: [CPT_OBJ_RISCV32_REGS (8196, ours)]
// |                              |                            |   [CPT_OBJ_SYSCALL (8197, ours)] then CPT_OBJ_SIGINFO x pending queue
//
// [ext: ...]: optional fields at the end of an object's fields, present only when one is set (a
// longer cpt_hdrlen, as OpenVZ grew its objects): u32 mask, u32 pad, then a num for each bit of
// the mask in the order listed. Objects of tasks that never set them keep their old bytes.
//
// CPT_OBJ_PAGES (4098): fields u32 cpt_count, u32 pad (hdrlen 24); DATA: u32 index[count],
// zero-padded to 8, then count x 4096 page bytes. One per page owner, so a 256 MiB address
// space is one header, one index table and the page views themselves.

export const CPT_SIGNATURE = [0x79, 0x1c, 0x01, 0x63] as const;
export const CPT_NULL = 0xffff_ffff_ffff_ffffn;
export const CPT_NOINDEX = 0xffff_ffff;

/** cptbench's image format version, in cpt_image.h's encoding (major in 0xff00, minor in 0x000f). */
export const CPT_CURRENT_VERSION = 0x0100;
export const cptVersionMajor = (v: number): number => v & 0xff00;
export const cptVersionMinor = (v: number): number => v & 0x000f;

export const CPT_OS_ARCH_I386 = 0;
export const CPT_OS_ARCH_EMT64 = 1;
export const CPT_OS_ARCH_IA64 = 2;
/** Ours: OpenVZ never ran on RISC-V. Far from OpenVZ's numbers so a future one cannot collide. */
export const CPT_OS_ARCH_RISCV32 = 0x10;
export const KNOWN_ARCHES: Readonly<Record<number, string>> = {
  [CPT_OS_ARCH_I386]: "i386", [CPT_OS_ARCH_EMT64]: "x86_64 (EMT64)", [CPT_OS_ARCH_IA64]: "ia64",
  [CPT_OS_ARCH_RISCV32]: "riscv32",
};

export const CPT_PAGE_SIZE = 4096;

export const MAJOR_HDR_SIZE = 80;
export const SECTION_HDR_SIZE = 16;
/** A section header with CPT_IMG_SECTION_CRC: cpt_section_hdr, u32 cpt_crc32, u32 pad. */
export const SECTION_HDR_CRC_SIZE = 24;
/** Where cpt_crc32 lies in such a header. */
export const SECTION_CRC_AT = 16;
/** cpt_cptbench_flags (byte 10 of the major header, ours): every section carries a CRC-32. */
export const CPT_IMG_SECTION_CRC = 0x0001;
/** Every flag this cptbench knows; an image with another is refused (it is newer, or damaged). */
export const CPT_IMG_FLAGS_KNOWN = CPT_IMG_SECTION_CRC;
/** Byte of cpt_cptbench_flags in cpt_major_hdr. */
export const CPT_FLAGS_AT = 10;
export const OBJECT_HDR_SIZE = 16;
export const PAGES_HDR_SIZE = 24;

export const CPT_CONTENT_VOID = 0;
export const CPT_CONTENT_ARRAY = 1;
export const CPT_CONTENT_DATA = 2;
export const CONTENT_NAMES: Readonly<Record<number, string>> = { 0: "VOID", 1: "ARRAY", 2: "DATA" };

export const CPT_SECT_FILES = 2;
export const CPT_SECT_TASKS = 3;
export const CPT_SECT_MM = 4;
export const CPT_SECT_FILES_STRUCT = 5;
export const CPT_SECT_FS = 6;
export const CPT_SECT_SIGHAND_STRUCT = 7;
export const CPT_SECT_VEINFO = 1;
export const CPT_SECT_NAMESPACE = 10;
export const CPT_SECT_INODE = 12;
export const CPT_SECT_SYSV_SHM = 13;
// Ours, numbered after cpt_image.h's CPT_SECT_MAX (34).
export const CPT_SECT_PIDS = 34;
export const CPT_SECT_CREDS = 35;
export const CPT_SECT_SIGNAL = 36;
export const CPT_SECT_TREE = 37;
export const CPT_SECT_PIPES = 38;
/** Pages shared copy-on-write between mms, each stored once (one CPT_OBJ_PAGES, index = page id). */
export const CPT_SECT_COW_PAGES = 39;
/**
 * Pty pairs (CPT_OBJ_TTY): optional, written only when the container holds one, right after
 * the pipes section (OPTIONAL_SECTIONS). Beyond CPT_SECT_MAX_INDEX, so the tail does not index
 * it and images without ptys keep their bytes; decode finds it by its place.
 */
export const CPT_SECT_TTY = 46;
/**
 * AF_UNIX sockets (OpenVZ's own id for its socket section). Written only when the container has
 * sockets, and beyond CPT_SECT_MAX_INDEX: the tail indexes the sections every image has, so an
 * image without sockets keeps its bytes; cpt_nsect counts this one when it is there.
 */
export const CPT_SECT_SOCKET = 41;
/** Slots in the tail's section index (cpt_image.h sizes it to its own last indexable id + 1). */
export const CPT_SECT_MAX_INDEX = 40;

export const CPT_OBJ_TASK = 0;
export const CPT_OBJ_MM = 1;
export const CPT_OBJ_FS = 2;
export const CPT_OBJ_FILES = 3;
export const CPT_OBJ_FILE = 4;
export const CPT_OBJ_SIGHAND_STRUCT = 5;
export const CPT_OBJ_SIGNAL_STRUCT = 6;
export const CPT_OBJ_NAMESPACE = 10;
export const CPT_OBJ_SYSV_SHM = 11;
export const CPT_OBJ_INODE = 12;
export const CPT_OBJ_VMA = 1024;
export const CPT_OBJ_FILEDESC = 1025;
export const CPT_OBJ_SIGHANDLER = 1026;
export const CPT_OBJ_SIGINFO = 1027;
export const CPT_OBJ_TRAILER = 1034;
export const CPT_OBJ_VEINFO = 1042;
export const CPT_OBJ_PAGES = 4098;
// Ours.
export const CPT_OBJ_PID = 8192;
export const CPT_OBJ_CRED = 8193;
export const CPT_OBJ_DENTRY = 8194;
export const CPT_OBJ_PIPE = 8195;
export const CPT_OBJ_RISCV32_REGS = 8196;
export const CPT_OBJ_SYSCALL = 8197;
/** An mm's copy-on-write references: n x {u32 virtual page, u32 page id}. */
export const CPT_OBJ_COW_REFS = 8198;
/**
 * A removed root or working directory of a CPT_OBJ_FS: u32 version, u32 which (0 root, 1 cwd),
 * u32 inode id, pad. Versioned on its own: the image version stays, and images without a
 * removed directory keep their bytes (their CPT_OBJ_FS stays VOID).
 */
export const CPT_OBJ_FS_DEAD_DIR = 8199;
export const CPT_FS_DEAD_DIR_VERSION = 1;
/**
 * An inotify file's instance, the one child of its CPT_OBJ_FILE (ARRAY only then): u32 version,
 * pad, lastWd num, lastCookie u32, pad, n u32, k u32, n x {wd num, inode u32, mask u32}, k x {wd num, mask u32,
 * cookie u32, has name u32, name str}. Versioned on its own; other files stay VOID leaves.
 */
export const CPT_OBJ_INOTIFY = 8240;
export const CPT_INOTIFY_VERSION = 1;
/**
 * A memfd's name and seals, after the CPT_OBJ_PAGES of its CPT_OBJ_INODE (inode presence bit
 * 4): u32 version, u32 seals, name str. Versioned on its own.
 */
export const CPT_OBJ_MEMFD = 8241;
export const CPT_MEMFD_VERSION = 1;
/** A pty pair: u32 id, pad; DATA: the tty record body (core/cr/tty-wire.ts, versioned on its own). */
export const CPT_OBJ_TTY = 8250;
/** An AF_UNIX socket (CPT_SECT_SOCKET), versioned on its own; its skbs are CPT_OBJ_SKB children. */
export const CPT_OBJ_SOCKET = 8200;
export const CPT_OBJ_SKB = 8201;
export const CPT_SOCKET_VERSION = 1;
/**
 * A CPT_OBJ_FILE's state (objects-file-state.ts), its sub-objects when it has any: the owner for
 * SIGIO (u32 version, type, pid ref, flags; num uid euid signal fasyncFd), each lock held through
 * it (u32 version, kind, type, owner files ref, pid ref, pad; num place; s64 start end), its lease
 * (u32 version, type, pid ref, pad; num place fasyncFd).
 */
export const CPT_OBJ_FILE_OWNER = 8220;
export const CPT_OBJ_FILE_LOCK = 8221;
export const CPT_OBJ_FILE_LEASE = 8222;
export const CPT_FILE_STATE_VERSION = 1;
/**
 * A POSIX timer of a CPT_OBJ_SIGNAL_STRUCT (after its siginfo queue): u32 version, u32 flags
 * (1: its last signal is still queued), u32 target task id, pad, then num id, clock, notify,
 * signo, value, left, interval, overrunLast. Versioned on its own, like CPT_OBJ_FS_DEAD_DIR.
 */
export const CPT_OBJ_POSIX_TIMER = 8230;
export const CPT_POSIX_TIMER_VERSION = 1;
/**
 * Event files (issue 16): a CPT_OBJ_FILE of kind eventfd, timerfd, signalfd or epoll is ARRAY
 * with one of these, each beginning with its u32 version (other files stay VOID: same bytes).
 * CPT_OBJ_EPOLL is ARRAY of one CPT_OBJ_EPITEM per item of its interest list.
 */
export const CPT_OBJ_EVENTFD = 8210;
export const CPT_OBJ_TIMERFD = 8211;
export const CPT_OBJ_SIGNALFD = 8212;
export const CPT_OBJ_EPOLL = 8213;
export const CPT_OBJ_EPITEM = 8214;
export const CPT_EVENT_FILE_VERSION = 1;

export const OBJ_NAMES: Readonly<Record<number, string>> = {
  [CPT_OBJ_TASK]: "CPT_OBJ_TASK", [CPT_OBJ_MM]: "CPT_OBJ_MM", [CPT_OBJ_FS]: "CPT_OBJ_FS",
  [CPT_OBJ_FILES]: "CPT_OBJ_FILES", [CPT_OBJ_FILE]: "CPT_OBJ_FILE",
  [CPT_OBJ_SIGHAND_STRUCT]: "CPT_OBJ_SIGHAND_STRUCT", [CPT_OBJ_SIGNAL_STRUCT]: "CPT_OBJ_SIGNAL_STRUCT",
  [CPT_OBJ_NAMESPACE]: "CPT_OBJ_NAMESPACE", [CPT_OBJ_SYSV_SHM]: "CPT_OBJ_SYSV_SHM",
  [CPT_OBJ_INODE]: "CPT_OBJ_INODE", [CPT_OBJ_VMA]: "CPT_OBJ_VMA", [CPT_OBJ_FILEDESC]: "CPT_OBJ_FILEDESC",
  [CPT_OBJ_SIGHANDLER]: "CPT_OBJ_SIGHANDLER", [CPT_OBJ_SIGINFO]: "CPT_OBJ_SIGINFO",
  [CPT_OBJ_TRAILER]: "CPT_OBJ_TRAILER", [CPT_OBJ_VEINFO]: "CPT_OBJ_VEINFO", [CPT_OBJ_PAGES]: "CPT_OBJ_PAGES",
  [CPT_OBJ_PID]: "CPT_OBJ_PID", [CPT_OBJ_CRED]: "CPT_OBJ_CRED", [CPT_OBJ_DENTRY]: "CPT_OBJ_DENTRY",
  [CPT_OBJ_PIPE]: "CPT_OBJ_PIPE", [CPT_OBJ_RISCV32_REGS]: "CPT_OBJ_RISCV32_REGS",
  [CPT_OBJ_SYSCALL]: "CPT_OBJ_SYSCALL", [CPT_OBJ_COW_REFS]: "CPT_OBJ_COW_REFS", [CPT_OBJ_FS_DEAD_DIR]: "CPT_OBJ_FS_DEAD_DIR",
  [CPT_OBJ_INOTIFY]: "CPT_OBJ_INOTIFY", [CPT_OBJ_MEMFD]: "CPT_OBJ_MEMFD",
  [CPT_OBJ_TTY]: "CPT_OBJ_TTY",
  [CPT_OBJ_SOCKET]: "CPT_OBJ_SOCKET", [CPT_OBJ_SKB]: "CPT_OBJ_SKB",
  [CPT_OBJ_FILE_OWNER]: "CPT_OBJ_FILE_OWNER", [CPT_OBJ_FILE_LOCK]: "CPT_OBJ_FILE_LOCK", [CPT_OBJ_FILE_LEASE]: "CPT_OBJ_FILE_LEASE",
  [CPT_OBJ_POSIX_TIMER]: "CPT_OBJ_POSIX_TIMER",
  [CPT_OBJ_EVENTFD]: "CPT_OBJ_EVENTFD", [CPT_OBJ_TIMERFD]: "CPT_OBJ_TIMERFD", [CPT_OBJ_SIGNALFD]: "CPT_OBJ_SIGNALFD",
  [CPT_OBJ_EPOLL]: "CPT_OBJ_EPOLL", [CPT_OBJ_EPITEM]: "CPT_OBJ_EPITEM",
};

export const objName = (type: number): string => OBJ_NAMES[type] ?? `unknown object type ${type}`;

/** The sections of an image, in file order: each id once, holding objects of one type. */
export const SECTION_ORDER: readonly { id: number; name: string; object: number }[] = [
  { id: CPT_SECT_VEINFO, name: "veinfo", object: CPT_OBJ_VEINFO },
  { id: CPT_SECT_NAMESPACE, name: "namespace", object: CPT_OBJ_NAMESPACE },
  { id: CPT_SECT_PIDS, name: "pids", object: CPT_OBJ_PID },
  { id: CPT_SECT_CREDS, name: "creds", object: CPT_OBJ_CRED },
  { id: CPT_SECT_SIGHAND_STRUCT, name: "sighand", object: CPT_OBJ_SIGHAND_STRUCT },
  { id: CPT_SECT_SIGNAL, name: "signal", object: CPT_OBJ_SIGNAL_STRUCT },
  { id: CPT_SECT_INODE, name: "inode", object: CPT_OBJ_INODE },
  { id: CPT_SECT_TREE, name: "tree", object: CPT_OBJ_DENTRY },
  { id: CPT_SECT_SYSV_SHM, name: "shm", object: CPT_OBJ_SYSV_SHM },
  { id: CPT_SECT_PIPES, name: "pipes", object: CPT_OBJ_PIPE },
  { id: CPT_SECT_FILES, name: "files", object: CPT_OBJ_FILE },
  { id: CPT_SECT_FILES_STRUCT, name: "files_struct", object: CPT_OBJ_FILES },
  { id: CPT_SECT_FS, name: "fs", object: CPT_OBJ_FS },
  { id: CPT_SECT_COW_PAGES, name: "cow pages", object: CPT_OBJ_PAGES },
  { id: CPT_SECT_MM, name: "mm", object: CPT_OBJ_MM },
  { id: CPT_SECT_TASKS, name: "tasks", object: CPT_OBJ_TASK },
];

/**
 * Sections present only when the model has their objects, each right after the section `after`
 * of SECTION_ORDER (which keeps its length: cpt_nsect counts only what is there).
 */
export const OPTIONAL_SECTIONS: readonly { id: number; name: string; object: number; after: number }[] = [
  { id: CPT_SECT_SOCKET, name: "socket", object: CPT_OBJ_SOCKET, after: CPT_SECT_FILES_STRUCT },
  { id: CPT_SECT_TTY, name: "tty", object: CPT_OBJ_TTY, after: CPT_SECT_PIPES },
];

export const MAJOR_TAIL_SIZE = OBJECT_HDR_SIZE + 8 + CPT_SECT_MAX_INDEX * 8 + 8;

/** Rounds up to the next multiple of 8 (arithmetic, not `& ~7`: images may pass 2 GiB). */
export const align8 = (n: number): number => Math.ceil(n / 8) * 8;
