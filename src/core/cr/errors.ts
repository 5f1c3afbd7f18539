// Why a checkpoint or a restart could not be done: an errno for the caller and a sentence for
// the trace (and the scenario's verdict). The C/R code throws CrError from deep inside the
// collector or the restore helpers; the syscall boundary turns it into -errno.
import type { Kernel } from "../../machine/kernel/kernel.ts";
import { EIO } from "../../machine/kernel/errno.ts";

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
  EADDRINUSE, EAGAIN, EBADF, EBADMSG, EBUSY, EEXIST, EFAULT, EINTR, EINVAL, EIO, EISDIR, ENOENT, ENOMEM, ENOSYS, ENOTDIR, EOPNOTSUPP, EPERM,
  EPIPE, ESPIPE, ESRCH,
} from "../../machine/kernel/errno.ts";

/**
 * What a C/R kthread caught: a CrError as it is; anything else is a bug in the kernel's C/R code,
 * reported as an oops and turned into EIO for the caller.
 */
export function asCrError(cr: { readonly k: Kernel }, e: unknown, thread: string): CrError {
  if (e instanceof CrError) return e;
  const err = new CrError(EIO, `bug in ${thread}: ${e instanceof Error ? e.message : String(e)}`);
  cr.k.oopses.oops("bug", `${thread}: ${err.message}`);
  return err;
}
