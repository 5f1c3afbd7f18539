// memfd_create (Linux's mm/memfd.c). The file and its seals are in fs/memfd.ts; F_ADD_SEALS and
// F_GET_SEALS go through fcntl64 (sys-fs.ts), and mmap's seal check is in sys-mm.ts.
import { memfdCreate, memfdFlagsValid, MFD_CLOEXEC, MFD_NAME_MAX_LEN } from "../../fs/memfd.ts";
import { getname } from "../../fs/uaccess.ts";
import { EFAULT, EINVAL, EMFILE } from "../errno.ts";
import type { Kernel } from "../kernel.ts";
import type { Task } from "../task.ts";
import type { SyscallEntry } from "./types.ts";

/**
 * memfd_create: a new memfd at the lowest free fd. A name longer than MFD_NAME_MAX_LEN, or
 * unknown flags (MFD_HUGETLB among them: there is no hugetlbfs), are EINVAL.
 */
function sysMemfdCreate(k: Kernel, t: Task, namep: number, flags: number): number {
  const fl = flags >>> 0;
  if (!memfdFlagsValid(fl)) return -EINVAL;
  const name = getname(t.mm, namep, true);
  if (name === -EFAULT) return -EFAULT;
  if (typeof name === "number" || name.length > MFD_NAME_MAX_LEN) return -EINVAL;
  const files = t.files;
  if (files === null) return -EMFILE;
  const fd = files.allocFd();
  if (fd < 0) return fd;
  files.install(fd, memfdCreate(k, t.cred, name, fl, `memfd_create by pid ${t.id}`), (fl & MFD_CLOEXEC) !== 0);
  return fd;
}

export const MEMFD_SYSCALLS: SyscallEntry[] = [
  {
    nr: 279, name: "memfd_create", args: ["s", "x"],
    level: "partial", note: "MFD_HUGETLB gives EINVAL (no hugetlbfs)",
    cr: "inodes (a memfd: name, seals, contents; every fd and mapping shares it)", fn: sysMemfdCreate,
  },
];
