// File-system ABI constants of riscv32 Linux (asm-generic fcntl.h, stat.h, fs.h) and the VFS's
// limits.

// Open flags (octal, as in asm-generic/fcntl.h).
export const O_ACCMODE = 0o3;
export const O_RDONLY = 0o0;
export const O_WRONLY = 0o1;
export const O_RDWR = 0o2;
export const O_CREAT = 0o100;
export const O_EXCL = 0o200;
export const O_NOCTTY = 0o400;
export const O_TRUNC = 0o1000;
export const O_APPEND = 0o2000;
export const O_NONBLOCK = 0o4000;
export const O_DSYNC = 0o10000;
export const FASYNC = 0o20000;
export const O_DIRECT = 0o40000;
export const O_LARGEFILE = 0o100000;
export const O_DIRECTORY = 0o200000;
export const O_NOFOLLOW = 0o400000;
export const O_NOATIME = 0o1000000;
export const O_CLOEXEC = 0o2000000;
export const O_PATH = 0o10000000;
export const __O_TMPFILE = 0o20000000;
export const O_TMPFILE = __O_TMPFILE | O_DIRECTORY;

/** What an open file keeps in f_flags (do_dentry_open drops the open-time-only flags). */
export const O_OPEN_ONLY = O_CREAT | O_EXCL | O_NOCTTY | O_TRUNC | O_CLOEXEC;
/** Flags F_SETFL may change (SETFL_MASK). */
export const SETFL_MASK = O_APPEND | O_NONBLOCK | FASYNC | O_DIRECT | O_NOATIME;

// *at() flags.
export const AT_FDCWD = -100;
export const AT_SYMLINK_NOFOLLOW = 0x100;
export const AT_REMOVEDIR = 0x200;
export const AT_EACCESS = 0x200;
export const AT_SYMLINK_FOLLOW = 0x400;
export const AT_NO_AUTOMOUNT = 0x800;
export const AT_EMPTY_PATH = 0x1000;
export const AT_STATX_SYNC_TYPE = 0x6000;

// Inode types and permission bits.
export const S_IFMT = 0o170000;
export const S_IFSOCK = 0o140000;
export const S_IFLNK = 0o120000;
export const S_IFREG = 0o100000;
export const S_IFBLK = 0o060000;
export const S_IFDIR = 0o040000;
export const S_IFCHR = 0o020000;
export const S_IFIFO = 0o010000;
export const S_ISUID = 0o4000;
export const S_ISGID = 0o2000;
export const S_ISVTX = 0o1000;
export const S_IRWXUGO = 0o777;
export const S_IALLUGO = 0o7777;

export const isDir = (mode: number): boolean => (mode & S_IFMT) === S_IFDIR;
export const isReg = (mode: number): boolean => (mode & S_IFMT) === S_IFREG;
export const isLnk = (mode: number): boolean => (mode & S_IFMT) === S_IFLNK;

// linux_dirent64 d_type values: the inode type >> 12.
export const dtType = (mode: number): number => (mode & S_IFMT) >>> 12;

// Access modes for permission checks (MAY_*).
export const MAY_EXEC = 1;
export const MAY_WRITE = 2;
export const MAY_READ = 4;

// lseek whence.
export const SEEK_SET = 0;
export const SEEK_CUR = 1;
export const SEEK_END = 2;
export const SEEK_DATA = 3;
export const SEEK_HOLE = 4;

/** PATH_MAX counts the terminating NUL; NAME_MAX does not. */
export const PATH_MAX = 4096;
export const NAME_MAX = 255;
/** Symlinks followed in one path walk (MAXSYMLINKS). */
export const MAXSYMLINKS = 40;
/** The soft RLIMIT_NOFILE every task has (no setrlimit yet). */
export const NR_OPEN_DEFAULT_LIMIT = 1024;
/** A single read or write moves at most this much (MAX_RW_COUNT: INT_MAX rounded down to a page). */
export const MAX_RW_COUNT = 0x7ffff000;
/**
 * Largest file offset on a 32-bit kernel (MAX_LFS_FILESIZE): the page index must fit in an
 * unsigned long.
 */
export const MAX_LFS_FILESIZE = 2 ** 44 - 1;

// Capabilities the VFS checks (cred.ts lists the others).
export const CAP_CHOWN = 0;
export const CAP_DAC_OVERRIDE = 1;
export const CAP_DAC_READ_SEARCH = 2;
export const CAP_FOWNER = 3;
export const CAP_FSETID = 4;
export const CAP_SYS_CHROOT = 18;
export const CAP_MKNOD = 27;
export const CAP_SYS_ADMIN = 21;
export const CAP_CHECKPOINT_RESTORE = 40;

/** makedev for the 32-bit dev_t the VFS keeps (major << 20 | minor, as the kernel's). */
export const mkdev = (major: number, minor: number): number => major * 2 ** 20 + minor;
export const devMajor = (dev: number): number => Math.floor(dev / 2 ** 20);
export const devMinor = (dev: number): number => dev % 2 ** 20;
