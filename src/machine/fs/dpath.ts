// Names of paths (Linux's d_path / prepend_path): for getcwd and /proc/<pid>/fd links. Walks up
// the dentries and across mountpoints until it meets the reader's root.
import { samePath, type Path } from "./inode.ts";

export interface DPath {
  /** "/a/b", or a pseudo file's own name ("pipe:[12]"), plus " (deleted)" if it was unlinked. */
  name: string;
  /** The path lies under root (false: it was reached from outside a chroot). */
  reachable: boolean;
  deleted: boolean;
}

/** File systems whose files have no place in the tree: their dentry's name is the whole name. */
const PSEUDO = new Set(["pipefs", "anon_inodefs", "sockfs", "exeimage", "pidfs", "nsfs"]);

export function dPath(p: Path, root: Path): DPath {
  const deleted = p.dentry.deleted;
  if (PSEUDO.has(p.mnt.sb.type)) return { name: p.dentry.name, reachable: true, deleted: false };
  const parts: string[] = [];
  let cur = p;
  let reachable = true;
  for (;;) {
    if (samePath(cur, root)) break;
    if (cur.dentry === cur.mnt.root) {
      if (cur.mnt.parent === null || cur.mnt.mountpoint === null) {
        reachable = false;
        break;
      }
      cur = { mnt: cur.mnt.parent, dentry: cur.mnt.mountpoint };
      continue;
    }
    parts.push(cur.dentry.name);
    cur = { mnt: cur.mnt, dentry: cur.dentry.parent ?? cur.dentry };
  }
  const name = "/" + parts.reverse().join("/") + (deleted ? " (deleted)" : "");
  return { name, reachable, deleted };
}
