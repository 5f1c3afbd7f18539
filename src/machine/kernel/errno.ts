// Linux errno values (asm-generic). Syscalls return -errno; names are kept for --strace.
export const EPERM = 1;
export const ENOENT = 2;
export const ESRCH = 3;
export const EINTR = 4;
export const EIO = 5;
export const ENXIO = 6;
export const E2BIG = 7;
export const ENOEXEC = 8;
export const EBADF = 9;
export const ECHILD = 10;
export const EAGAIN = 11;
export const ENOMEM = 12;
export const EACCES = 13;
export const EFAULT = 14;
export const EBUSY = 16;
export const EEXIST = 17;
export const ENODEV = 19;
export const ENOTDIR = 20;
export const EISDIR = 21;
export const EINVAL = 22;
export const EMFILE = 24;
export const ENOTTY = 25;
export const ENOSPC = 28;
export const ESPIPE = 29;
export const EPIPE = 32;
export const ERANGE = 34;
export const ENAMETOOLONG = 36;
export const EXDEV = 18;
export const ETXTBSY = 26;
export const EFBIG = 27;
export const EROFS = 30;
export const EMLINK = 31;
export const ELOOP = 40;
export const EOPNOTSUPP = 95;
export const EBADMSG = 74;
export const ENOSYS = 38;
export const ENOTEMPTY = 39;
export const EOVERFLOW = 75;
export const ETIMEDOUT = 110;
// Sockets (net/unix).
export const ENOTSOCK = 88;
export const EDESTADDRREQ = 89;
export const EMSGSIZE = 90;
export const EPROTOTYPE = 91;
export const ENOPROTOOPT = 92;
export const EPROTONOSUPPORT = 93;
export const ESOCKTNOSUPPORT = 94;
export const EAFNOSUPPORT = 97;
export const EADDRINUSE = 98;
export const ECONNRESET = 104;
export const ENOBUFS = 105;
export const EISCONN = 106;
export const ENOTCONN = 107;
export const ETOOMANYREFS = 109;
export const ECONNREFUSED = 111;
export const EDEADLK = 35;

// Linux's internal restart codes (include/linux/errno.h): a sleeping syscall returns one, and
// signal delivery turns it into a restart or -EINTR. Never seen by user space.
export const ERESTARTSYS = 512;
export const ERESTARTNOINTR = 513;
export const ERESTARTNOHAND = 514;
export const ERESTART_RESTARTBLOCK = 516;

const NAMES: Record<number, string> = {
  1: "EPERM", 2: "ENOENT", 3: "ESRCH", 4: "EINTR", 5: "EIO", 6: "ENXIO", 7: "E2BIG", 8: "ENOEXEC",
  9: "EBADF", 10: "ECHILD", 11: "EAGAIN", 12: "ENOMEM", 13: "EACCES", 14: "EFAULT", 16: "EBUSY",
  17: "EEXIST", 19: "ENODEV", 20: "ENOTDIR", 21: "EISDIR", 22: "EINVAL", 24: "EMFILE", 25: "ENOTTY", 28: "ENOSPC",
  18: "EXDEV", 29: "ESPIPE", 32: "EPIPE", 34: "ERANGE", 36: "ENAMETOOLONG", 38: "ENOSYS", 39: "ENOTEMPTY", 74: "EBADMSG", 75: "EOVERFLOW", 110: "ETIMEDOUT",
  88: "ENOTSOCK", 89: "EDESTADDRREQ", 90: "EMSGSIZE", 91: "EPROTOTYPE", 92: "ENOPROTOOPT", 93: "EPROTONOSUPPORT",
  94: "ESOCKTNOSUPPORT", 95: "EOPNOTSUPP", 97: "EAFNOSUPPORT", 98: "EADDRINUSE", 104: "ECONNRESET", 105: "ENOBUFS",
  106: "EISCONN", 107: "ENOTCONN", 109: "ETOOMANYREFS", 111: "ECONNREFUSED",
  35: "EDEADLK",
  // The kernel's restart codes (never seen by a program: the call is re-executed), as strace names them.
  512: "ERESTARTSYS", 513: "ERESTARTNOINTR", 514: "ERESTARTNOHAND", 516: "ERESTART_RESTARTBLOCK",
};

export function errnoName(e: number): string {
  return NAMES[e] ?? `E${e}`;
}

/** The errno named `name` ("ENOMEM"), or undefined; the kernel's restart codes are not errnos a caller sees. */
export function errnoByName(name: string): number | undefined {
  for (const [n, v] of Object.entries(NAMES)) if (v === name && Number(n) < ERESTARTSYS) return Number(n);
  return undefined;
}
