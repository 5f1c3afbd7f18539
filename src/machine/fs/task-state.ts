// Where a task's fd table and fs context live. Task has no fields for them yet (kernel/task.ts
// is outside the VFS), so they hang off the task here; task-files.ts sets and clears them at
// clone, exec, unshare and exit. Everything else reads them through filesOf / fsOf.
import type { Task } from "../kernel/task.ts";
import type { FilesStruct } from "./fdtable.ts";
import type { FsStruct } from "./fs-struct.ts";

interface TaskFs {
  files: FilesStruct | null;
  fs: FsStruct | null;
}

const state = new WeakMap<Task, TaskFs>();

function of(t: Task): TaskFs {
  let s = state.get(t);
  if (s === undefined) {
    s = { files: null, fs: null };
    state.set(t, s);
  }
  return s;
}

/** The task's fd table, or null (an exited task, or one the VFS never saw). */
export function filesOf(t: Task): FilesStruct | null {
  return state.get(t)?.files ?? null;
}

/** The task's fs context (root, cwd, umask), or null. */
export function fsOf(t: Task): FsStruct | null {
  return state.get(t)?.fs ?? null;
}

/** Store a table whose reference the task now owns (the caller already took it). */
export function setFiles(t: Task, files: FilesStruct | null): void {
  of(t).files = files;
}

export function setFs(t: Task, fs: FsStruct | null): void {
  of(t).fs = fs;
}
