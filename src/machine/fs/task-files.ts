// The points where the task lifecycle meets the file system: a task's fd table (files_struct)
// and fs context (fs_struct: cwd, root, umask) are created, shared or copied by clone, dropped at
// exit, and adjusted by execve and unshare. The kernel calls these; the VFS implements them.
import { CLONE_FILES, CLONE_FS } from "../kernel/clone-flags.ts";
import type { Kernel } from "../kernel/kernel.ts";
import type { Task } from "../kernel/task.ts";
import { AT_FDCWD, O_RDONLY, O_WRONLY } from "./constants.ts";
import { FilesStruct } from "./fdtable.ts";
import type { File } from "./file.ts";
import { FsStruct } from "./fs-struct.ts";
import { LOOKUP_FOLLOW, lookupAt } from "./namei.ts";
import { openPath } from "./open.ts";

/** The default umask of init (Linux's init_fs). */
const INIT_UMASK = 0o022;

/** The first task: fds 0, 1 and 2 on the console, cwd and root at /. */
export function initTaskFiles(k: Kernel, t: Task): void {
  const vfs = k.vfs;
  const why = `boot (pid ${t.id})`;
  t.fs = new FsStruct(k.kobj, vfs.root, vfs.root, INIT_UMASK, why);
  const files = new FilesStruct(k.kobj, why);
  t.files = files;
  const c = { k, t };
  const console = lookupAt(c, AT_FDCWD, "/dev/console", LOOKUP_FOLLOW);
  if (typeof console === "number") return;
  // Three opens of the console: stdin, and one file per captured output stream.
  const std: [number, number, 1 | 2 | undefined][] = [[0, O_RDONLY, undefined], [1, O_WRONLY, 1], [2, O_WRONLY, 2]];
  for (const [fd, flags, stream] of std) {
    const f = openPath(c, console, flags, `console fd ${fd} at boot`, stream);
    if (typeof f !== "number") files.install(fd, f, false);
  }
}

/** clone: share (CLONE_FILES / CLONE_FS) or copy the parent's. Returns 0 or -errno. */
export function copyTaskFiles(k: Kernel, parent: Task, child: Task, flags: number): number {
  const why = `clone by pid ${parent.id}`;
  const files = parent.files;
  if (files !== null) {
    if ((flags & CLONE_FILES) !== 0) {
      k.kobj.get(files, "copy_files");
      child.files = files;
    } else child.files = files.copy(why);
  }
  const fs = parent.fs;
  if (fs !== null) {
    if ((flags & CLONE_FS) !== 0) {
      k.kobj.get(fs, "copy_fs");
      child.fs = fs;
    } else child.fs = fs.copy(why);
  }
  return 0;
}

/** do_exit: drop the task's references (exit_files, exit_fs). */
export function exitTaskFiles(k: Kernel, t: Task): void {
  const files = t.files;
  if (files !== null) {
    t.files = null;
    k.kobj.put(files, "exit_files");
  }
  const fs = t.fs;
  if (fs !== null) {
    t.fs = null;
    k.kobj.put(fs, "exit_fs");
  }
}

/** Give t a private copy of its fd table if it is shared (unshare_files / unshare_fd). */
export function unshareFiles(k: Kernel, t: Task, why: string): void {
  const files = t.files;
  if (files === null || files.refcount <= 1) return;
  t.files = files.copy(why);
  k.kobj.put(files, "unshare_files");
}

/** execve: unshare a shared fd table and close the close-on-exec descriptors. */
export function execTaskFiles(k: Kernel, t: Task): void {
  unshareFiles(k, t, `execve by pid ${t.id}`);
  t.files?.closeOnExec();
}

/** unshare(CLONE_FILES | CLONE_FS). Returns 0 or -errno. */
export function unshareTaskFiles(k: Kernel, t: Task, flags: number): number {
  if ((flags & CLONE_FILES) !== 0) unshareFiles(k, t, `unshare(CLONE_FILES) by pid ${t.id}`);
  if ((flags & CLONE_FS) !== 0) {
    const fs = t.fs;
    if (fs !== null && fs.refcount > 1) {
      t.fs = fs.copy(`unshare(CLONE_FS) by pid ${t.id}`);
      k.kobj.put(fs, "unshare_fs");
    }
  }
  return 0;
}

/** The open file at fd of t (no reference taken), for kernel code such as sys_checkpoint. */
export function fdget(t: Task, fd: number): File | undefined {
  return t.files?.get(fd);
}
