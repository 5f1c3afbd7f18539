// siginfo_t as riscv32 Linux lays it out (128 bytes, 32-bit fields). Only the union members the
// kernel fills are modelled; a siginfo that came from user space (rt_sigqueueinfo) keeps its
// bytes as given.
export const SI_USER = 0;
export const SI_KERNEL = 0x80;
export const SI_QUEUE = -1;
export const SI_TIMER = -2;
export const SI_TKILL = -6;

export const SEGV_MAPERR = 1;
export const SEGV_ACCERR = 2;
export const BUS_ADRALN = 1;
export const BUS_ADRERR = 2;
export const ILL_ILLOPC = 1;
export const TRAP_BRKPT = 1;

export const CLD_EXITED = 1;
export const CLD_KILLED = 2;
export const CLD_DUMPED = 3;
export const CLD_STOPPED = 5;
export const CLD_CONTINUED = 6;

export const SIGINFO_SIZE = 128;

export interface SigInfo {
  signo: number;
  code: number;
  errno?: number;
  /** Sender or child pid, as a global id. */
  pid?: number;
  /** That pid as the receiver's namespace saw it when the signal was sent (si_pid). */
  pidNr?: number;
  uid?: number;
  /** SIGCHLD: exit code or signal. */
  status?: number;
  /** Faults: the address. */
  addr?: number;
  /** rt_sigqueueinfo / timers: the sigval. */
  value?: number;
  /** SI_TIMER: the POSIX timer's id (si_tid) and the expiries missed while this one was queued. */
  timerId?: number;
  overrun?: number;
  /** SIGPOLL layout (F_SETSIG signals of fs/fown.ts): the poll events (si_band) and the fd (si_fd). */
  band?: number;
  fd?: number;
  /** Bytes supplied by user space (rt_sigqueueinfo), written back verbatim but for si_signo. */
  raw?: Uint8Array;
}

/** Encode for user space. pidNr is the sender pid as the receiver's namespace sees it. */
export function encodeSigInfo(si: SigInfo, pidNr: number): Uint8Array {
  const b = new Uint8Array(SIGINFO_SIZE);
  if (si.raw) b.set(si.raw.subarray(0, SIGINFO_SIZE));
  const dv = new DataView(b.buffer);
  dv.setInt32(0, si.signo, true);
  if (si.raw) return b;
  dv.setInt32(4, si.errno ?? 0, true);
  dv.setInt32(8, si.code, true);
  if (si.timerId !== undefined) {
    dv.setInt32(12, si.timerId, true);
    dv.setInt32(16, si.overrun ?? 0, true);
    dv.setInt32(20, si.value ?? 0, true);
    return b;
  }
  if (si.band !== undefined) {
    dv.setInt32(12, si.band, true);
    dv.setInt32(16, si.fd ?? 0, true);
    return b;
  }
  if (si.addr !== undefined) {
    dv.setUint32(12, si.addr >>> 0, true);
    return b;
  }
  dv.setInt32(12, pidNr, true);
  dv.setUint32(16, si.uid ?? 0, true);
  if (si.status !== undefined) dv.setInt32(20, si.status, true);
  else if (si.value !== undefined) dv.setInt32(20, si.value, true);
  return b;
}
