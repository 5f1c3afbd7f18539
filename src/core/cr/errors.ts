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

// The errno values the C/R code uses are the kernel's.
export {
  EAGAIN, EBADF, EBADMSG, EBUSY, EEXIST, EFAULT, EINVAL, EIO, EISDIR, ENOENT, ENOMEM, ENOSYS, ENOTDIR, EOPNOTSUPP, EPERM,
  EPIPE, ESPIPE, ESRCH,
} from "../../machine/kernel/errno.ts";
