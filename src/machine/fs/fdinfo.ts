// /proc/<pid>/fdinfo/N (Linux's fs/proc/fd.c seq_show): the generic lines every open file has,
// the lines of whatever state other parts of the kernel keep about the file for its owner (file
// locks: show_fd_locks, which Linux prints before the kind's own), then the kind's own lines
// (FileOperations.fdinfo).
import type { Task } from "../kernel/task.ts";
import { O_CLOEXEC } from "./constants.ts";
import type { File } from "./file.ts";

/**
 * Lines another subsystem prints about a file held by a task (the locks code: "lock:\t1: POSIX
 * ADVISORY WRITE ..."), or "". Linux hard-wires show_fd_locks; a hook keeps fs/ free of a
 * dependency on whichever subsystem owns that state.
 */
export type FdinfoSource = (f: File, owner: Task) => string;

const sources: FdinfoSource[] = [];

/** Add a source of per-file lines (called once by the subsystem that keeps the state). */
export function registerFdinfoSource(src: FdinfoSource): void {
  if (!sources.includes(src)) sources.push(src);
}

/** The text of fdinfo for fd of owner. */
export function showFdinfo(owner: Task, fd: number, f: File): string {
  const cloexec = owner.files?.getCloexec(fd) === true ? O_CLOEXEC : 0;
  let s = `pos:\t${f.pos}\nflags:\t0${((f.flags | cloexec) >>> 0).toString(8)}\nmnt_id:\t${f.path.mnt.id}\nino:\t${f.inode.ino}\n`;
  for (const src of sources) s += src(f, owner);
  return s + (f.ops.fdinfo?.(f, owner) ?? "");
}
