// The VFS as other subsystems use it (the kernel's task hooks, the checkpoint code): set up a
// task's files, classify them, read and write them from kernel code, open by path.
export { describeFile, type FileInfo, type FileKind } from "./describe.ts";
export { File, type FileOperations } from "./file.ts";
export type { FilesStruct } from "./fdtable.ts";
export type { FsStruct } from "./fs-struct.ts";
export type { FsCtx, Inode, Path } from "./inode.ts";
export { openAt, openPath } from "./open.ts";
export { kernelRead, kernelWrite, vfsRead, vfsWrite } from "./read-write.ts";
export { copyTaskFiles, execTaskFiles, exitTaskFiles, fdget, initTaskFiles, unshareTaskFiles } from "./task-files.ts";
export { TmpfsFile } from "./tmpfs/tmpfs.ts";
export { Vfs } from "./vfs.ts";
