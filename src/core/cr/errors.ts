// Why a checkpoint or a restart could not be done: an errno for the caller and a sentence for
// the trace (and the scenario's verdict). The C/R code throws CrError from deep inside the
// collector or the restore helpers; the syscall boundary turns it into -errno.
export class CrError extends Error {
  constructor(
    /** Positive errno the syscall returns (as -errno). */
    readonly errno: number,
    message: string,
  ) {
    super(message);
    this.name = "CrError";
  }
}

// errno values the C/R code uses (Linux's numbers).
export const EPERM = 1;
export const ENOENT = 2;
export const ESRCH = 3;
export const EIO = 5;
export const EBADF = 9;
export const EAGAIN = 11;
export const ENOMEM = 12;
export const EBUSY = 16;
export const EEXIST = 17;
export const ENOTDIR = 20;
export const EINVAL = 22;
export const ESPIPE = 29;
export const ENOSYS = 38;
export const EOPNOTSUPP = 95;
export const EBADMSG = 74;
