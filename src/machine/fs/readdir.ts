// Reading directories (Linux's dcache_readdir and dir_emit_dots): position 0 is ".", 1 is "..",
// then the entries. The listing is taken when a read starts at position 0 and kept in the file,
// so entries added or removed later neither shift nor repeat the ones not yet returned; entries
// removed since are skipped.
import { EINVAL, EISDIR } from "./errno.ts";
import { SEEK_CUR, SEEK_SET, S_IFDIR } from "./constants.ts";
import type { File, FileOperations } from "./file.ts";
import { isDirInode, type DirEntry, type FsCtx } from "./inode.ts";

interface DirCursor {
  entries: DirEntry[];
}

/** One linux_dirent64 to emit: the entry and the position after it (d_off). */
export interface DirEmit extends DirEntry {
  nextPos: number;
}

/** The entries of an open directory from its position on (at most `max`). */
export function readdirFrom(c: FsCtx, f: File, max: number): DirEmit[] {
  const dir = f.path.dentry;
  const inode = dir.inode;
  if (!isDirInode(inode)) return [];
  if (f.pos === 0 || f.priv === undefined) f.priv = { entries: inode.list(c, dir) } satisfies DirCursor;
  const cur = f.priv as DirCursor;
  const out: DirEmit[] = [];
  const dot = S_IFDIR >>> 12;
  for (let pos = f.pos; out.length < max; pos++) {
    if (pos === 0) out.push({ name: ".", ino: inode.ino, type: dot, nextPos: 1 });
    else if (pos === 1) out.push({ name: "..", ino: (dir.parent ?? dir).inode.ino, type: dot, nextPos: 2 });
    else {
      const e = cur.entries[pos - 2];
      if (e === undefined) break;
      // Skip names removed (or replaced) since the listing was taken.
      if (inode.lookup(c, dir, e.name)?.inode.ino !== e.ino) continue;
      out.push({ ...e, nextPos: pos + 1 });
    }
  }
  return out;
}

/** dcache_dir_lseek: SEEK_SET and SEEK_CUR to a non-negative position; nothing else. */
function dirLlseek(_c: FsCtx, f: File, offset: number, whence: number): number {
  if (whence === SEEK_CUR) offset += f.pos;
  else if (whence !== SEEK_SET) return -EINVAL;
  if (offset < 0) return -EINVAL;
  if (offset !== f.pos) f.pos = offset;
  return offset;
}

export const dirFileOps: FileOperations = {
  positional: true,
  fsync: true,
  read: () => -EISDIR,
  llseek: dirLlseek,
};
