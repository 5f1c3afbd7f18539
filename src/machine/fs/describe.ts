// What an open file is, for kernel code that must refuse odd fds with a clear errno (REVIEW-
// CASES case 6: sys_checkpoint handed a /proc file, a read-only fd, a directory, a pipe with no
// reader). Pure queries: nothing here changes the file.
import { S_IFCHR, S_IFDIR, S_IFIFO, S_IFLNK, S_IFREG } from "./constants.ts";
import type { File } from "./file.ts";
import { PipeInode } from "./pipe.ts";

export type FileKind = "regular" | "directory" | "pipe" | "chardev" | "symlink" | "other";

export interface FileInfo {
  kind: FileKind;
  /** The file system it lives on: "tmpfs", "proc", "pipefs". */
  fsType: string;
  readable: boolean;
  writable: boolean;
  /** An O_PATH file: no I/O at all. */
  pathOnly: boolean;
  /** lseek and pread/pwrite work (false for pipes and the console). */
  seekable: boolean;
  /** For a pipe: ends still open. */
  pipeReaders?: number;
  pipeWriters?: number;
}

const KINDS: Record<number, FileKind> = {
  [S_IFREG]: "regular", [S_IFDIR]: "directory", [S_IFIFO]: "pipe", [S_IFCHR]: "chardev", [S_IFLNK]: "symlink",
};

export function describeFile(f: File): FileInfo {
  const inode = f.inode;
  const info: FileInfo = {
    kind: KINDS[inode.type] ?? "other",
    fsType: inode.sb.type,
    readable: f.readable,
    writable: f.writable,
    pathOnly: f.isPath,
    seekable: f.ops.positional && f.ops.llseek !== undefined,
  };
  if (inode instanceof PipeInode) {
    info.pipeReaders = inode.pipe.readers;
    info.pipeWriters = inode.pipe.writers;
  }
  return info;
}
