// The points where the task lifecycle meets the file system: a task's fd table (files_struct)
// and fs context (fs_struct: cwd, root, umask) are created, shared or copied by clone, dropped at
// exit, and adjusted by execve and unshare. The kernel calls these; the VFS implements them.
import type { Kernel } from "../kernel/kernel.ts";
import type { Task } from "../kernel/task.ts";

/** The first task: fds 0, 1 and 2 on the console, cwd and root at /. */
export function initTaskFiles(_k: Kernel, _t: Task): void {}

/** clone: share (CLONE_FILES / CLONE_FS) or copy the parent's. Returns 0 or -errno. */
export function copyTaskFiles(_k: Kernel, _parent: Task, _child: Task, _flags: number): number {
  return 0;
}

/** do_exit: drop the task's references (exit_files, exit_fs). */
export function exitTaskFiles(_k: Kernel, _t: Task): void {}

/** execve: unshare a shared fd table and close the close-on-exec descriptors. */
export function execTaskFiles(_k: Kernel, _t: Task): void {}

/** unshare(CLONE_FILES | CLONE_FS). Returns 0 or -errno. */
export function unshareTaskFiles(_k: Kernel, _t: Task, _flags: number): number {
  return 0;
}
