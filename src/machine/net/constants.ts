// Socket constants of the Linux riscv32 ABI (include/linux/socket.h, asm-generic/socket.h,
// linux/net.h) and the buffer sizes AF_UNIX accounts with. The sizes are those of a 64-bit
// x86 kernel, the one qemu-riscv32 runs on and so the one the differential tests compare with.
export const AF_UNSPEC = 0;
export const AF_UNIX = 1;

export const SOCK_STREAM = 1;
export const SOCK_DGRAM = 2;
export const SOCK_RAW = 3;
export const SOCK_SEQPACKET = 5;
/** SOCK_MAX: types at or above it are EINVAL before any family sees them. */
export const SOCK_MAX = 11;
export const SOCK_TYPE_MASK = 0xf;
export const SOCK_NONBLOCK = 0o4000;
export const SOCK_CLOEXEC = 0o2000000;

export const SOL_SOCKET = 1;
export const SO_REUSEADDR = 2;
export const SO_TYPE = 3;
export const SO_ERROR = 4;
export const SO_SNDBUF = 7;
export const SO_RCVBUF = 8;
export const SO_KEEPALIVE = 9;
export const SO_PASSCRED = 16;
export const SO_PEERCRED = 17;
export const SO_ACCEPTCONN = 30;
export const SO_PROTOCOL = 38;
export const SO_DOMAIN = 39;

export const SCM_RIGHTS = 1;
export const SCM_CREDENTIALS = 2;
/** SCM_MAX_FD: fds one SCM_RIGHTS message may carry. */
export const SCM_MAX_FD = 253;

export const MSG_OOB = 0x1;
export const MSG_PEEK = 0x2;
export const MSG_CTRUNC = 0x8;
export const MSG_TRUNC = 0x20;
export const MSG_DONTWAIT = 0x40;
export const MSG_EOR = 0x80;
export const MSG_WAITALL = 0x100;
export const MSG_NOSIGNAL = 0x4000;
export const MSG_CMSG_CLOEXEC = 0x40000000;

/** sk_shutdown bits (RCV_SHUTDOWN, SEND_SHUTDOWN); shutdown(how) sets how + 1. */
export const RCV_SHUTDOWN = 1;
export const SEND_SHUTDOWN = 2;
export const SHUTDOWN_MASK = 3;

export const SIOCINQ = 0x541b; // FIONREAD
export const SIOCOUTQ = 0x5411; // TIOCOUTQ

/** sizeof(struct sockaddr_un) and offsetof(sun_path). */
export const SOCKADDR_UN_SIZE = 110;
export const SUN_PATH_OFFSET = 2;

/** SK_WMEM_MAX / SK_RMEM_MAX: net.core.[wr]mem_default and _max as Linux sets them. */
export const SK_WMEM_MAX = 212992;
export const SK_RMEM_MAX = 212992;
/** SOCK_MIN_SNDBUF / SOCK_MIN_RCVBUF: 2 * (2048 + sizeof(sk_buff)) and half that. */
export const SOCK_MIN_SNDBUF = 4608;
export const SOCK_MIN_RCVBUF = 2304;
/** net.unix.max_dgram_qlen: a datagram socket's receive queue limit. */
export const MAX_DGRAM_QLEN = 10;
/** net.core.somaxconn: listen()'s backlog is clamped to it. */
export const SOMAXCONN = 4096;

/** SKB_DATA_ALIGN(sizeof(struct sk_buff)) + SKB_DATA_ALIGN(sizeof(struct skb_shared_info)). */
const SKB_OVERHEAD = 256 + 320;
/** SKB_MAX_HEAD(0): the linear part of a stream skb that fits a page with its shared info. */
export const SKB_MAX_HEAD = 4096 - 320;
/** UNIX_SKB_FRAGS_SZ: page fragments a stream skb carries beyond its head. */
export const UNIX_SKB_FRAGS_SZ = 32768;

const align = (n: number, a: number): number => Math.ceil(n / a) * a;

/**
 * skb->truesize of an skb holding len bytes: the head (cache-line aligned) plus whole pages of
 * fragments beyond headMax, plus the sk_buff and shared info. This is what sk_wmem_alloc counts
 * against sk_sndbuf, so it decides how much a sender gets in before it blocks.
 */
export function truesize(len: number, headMax: number): number {
  const dataLen = len > headMax ? Math.min(len, align(len - headMax, 4096)) : 0;
  return SKB_OVERHEAD + align(len - dataLen, 64) + dataLen;
}
