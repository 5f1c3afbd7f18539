// /proc/<pid>/mountinfo and /proc/<pid>/mounts in Linux's formats (fs/proc_namespace.c's
// show_mountinfo and show_vfsmnt): the machine's tree (tmpfs at /, proc, the freezer cgroup),
// paths as the reading task's root sees them; a mount outside that root is not listed. This VFS
// has no per-mount flags (nosuid, noexec, ro...): every mount is "rw,relatime".
import type { Task } from "../../kernel/task.ts";
import { dPath } from "../dpath.ts";
import type { Mount } from "../inode.ts";
import type { Vfs } from "../vfs.ts";

/** The parts of a kernel dev_t (constants.ts mkdev: MINORBITS = 20). */
const major = (dev: number): number => Math.floor(dev / 2 ** 20);
const minor = (dev: number): number => dev % 2 ** 20;

/** What the file system adds after "rw" in the super options (cgroup v1 names its controller). */
const superOpts = (m: Mount): string => (m.sb.type === "cgroup" ? ",freezer" : "");

/** Where each mount is, as `reader` sees the tree; null for one outside its root. */
function visible(vfs: Vfs, reader: Task): { m: Mount; at: string }[] {
  const root = reader.fs?.root;
  if (root === undefined) return [];
  const out: { m: Mount; at: string }[] = [];
  for (const m of vfs.treeMounts()) {
    const d = dPath({ mnt: m, dentry: m.root }, root);
    if (d.reachable) out.push({ m, at: d.name });
  }
  return out;
}

/** mangle: the characters a mount table escapes as octal (space, tab, newline, backslash). */
const mangle = (s: string): string => s.replace(/[ \t\n\\]/g, (c) => `\\${c.charCodeAt(0).toString(8).padStart(3, "0")}`);

export function showMountinfo(vfs: Vfs, reader: Task): string {
  return visible(vfs, reader)
    .map(({ m, at }) => {
      const parent = m.parent ?? m;
      return `${m.id} ${parent.id} ${major(m.sb.dev)}:${minor(m.sb.dev)} / ${mangle(at)} rw,relatime - ${m.sb.type} ${m.sb.type} rw${superOpts(m)}\n`;
    })
    .join("");
}

export function showMounts(vfs: Vfs, reader: Task): string {
  return visible(vfs, reader).map(({ m, at }) => `${m.sb.type} ${mangle(at)} ${m.sb.type} rw,relatime${superOpts(m)} 0 0\n`).join("");
}
